import type { DemoReport } from './run-demo.js';
import type { SimClock } from './sim-clock.js';

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The closing lines: per scenario, what opened, when it was contained, what the attacker got. */
export function formatSummary(report: DemoReport, clock: SimClock): string[] {
  const lines = ['', 'Summary'];
  for (const s of report.scenarios) {
    lines.push(`  ${s.name}`);
    if (s.firstAttackAt === undefined) {
      lines.push('    not started (the demo ended first; raise --duration or --speed)');
      continue;
    }
    const rel = (at: number): string => `+${secs(at - report.wallStart)}`;
    const opened = s.expected.map((e) => {
      const seen = s.incidents.find(
        (i) => i.rule === e.rule && Object.entries(e.group).every(([k, v]) => i.group[k] === v),
      );
      const group = Object.values(e.group).join(',');
      return `${e.rule}(${group}) ${seen ? `opened ${rel(seen.openedAt)}` : 'NOT opened'}`;
    });
    lines.push(`    first attack request ${rel(s.firstAttackAt)}; incidents: ${opened.join('; ')}`);
    if (s.containedAt === undefined) lines.push('    not contained before the demo ended');
    else {
      const took = s.containedAt - s.firstAttackAt;
      lines.push(
        `    contained ${rel(s.containedAt)}: ${secs(took)} after the first attack request (${secs(took * clock.speed)} of simulated time)`,
      );
    }
    const { before, after } = s.attacker;
    lines.push(
      `    attacker requests: before containment ${before.accepted} served/${before.refused} refused; after ${after.accepted} served/${after.refused} refused`,
    );
  }
  const benign = report.traffic.get('benign') ?? { accepted: 0, refused: 0 };
  lines.push(`  benign traffic: ${benign.accepted} served/${benign.refused} refused`);
  return lines;
}
