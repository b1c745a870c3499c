import { parseDuration } from '../shared/duration.js';
import { SCENARIOS, findScenario } from './scenarios/registry.js';
import type { Scenario } from './scenarios/scenario.js';

export interface DemoArgs {
  readonly scenarios: readonly Scenario[];
  readonly speed: number;
  readonly durationMs: number;
  readonly autoApprove: boolean;
  /** Explicit --port; undefined: CORDON_PORT, else 8080 when free, else any free port. */
  readonly port: number | undefined;
  /** Serve the browser console and print its sign-in link (false: --no-console). */
  readonly console: boolean;
  /** builtin: Cordon's own limiter and cases; fakes: Kong, Jira and Slack fakes on loopback. */
  readonly connectors: 'builtin' | 'fakes';
}

export const DEFAULT_SPEED = 10;
export const DEFAULT_DURATION_MS = 120_000;

/** Parses `cordon demo` flags; every problem is reported at once with the fix. */
export function parseDemoArgs(
  argv: readonly string[],
): { ok: true; args: DemoArgs } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  let scenarios: readonly Scenario[] = SCENARIOS;
  let speed = DEFAULT_SPEED;
  let durationMs = DEFAULT_DURATION_MS;
  let autoApprove = true;
  let port: number | undefined;
  let console = true;
  let connectors: 'builtin' | 'fakes' = 'builtin';
  const names = SCENARIOS.map((s) => s.name).join(', ');
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string | undefined => {
      if (inline !== undefined) return inline;
      i += 1;
      return argv[i];
    };
    switch (flag) {
      case '--scenario': {
        const v = value() ?? '';
        if (v === 'all') scenarios = SCENARIOS;
        else {
          const picked = v.split(',').map((n) => ({ n, s: findScenario(n.trim()) }));
          const unknown = picked.filter((p) => !p.s).map((p) => `"${p.n}"`);
          if (v === '' || unknown.length > 0)
            problems.push(
              `--scenario ${unknown.join(', ') || '(empty)'} is not a scenario; use all, or one or more of: ${names} (comma-separated).`,
            );
          else scenarios = picked.map((p) => p.s as Scenario);
        }
        break;
      }
      case '--speed': {
        const v = value();
        const n = Number(v);
        if (!Number.isFinite(n) || n < 1 || n > 600)
          problems.push(
            `--speed must be a number from 1 to 600 (simulated time per wall time); got ${JSON.stringify(v ?? '')}.`,
          );
        else speed = n;
        break;
      }
      case '--duration': {
        const v = value() ?? '';
        const d = /^\d+(\.\d+)?$/.test(v)
          ? { ok: true as const, ms: Number(v) * 1000 }
          : parseDuration(v);
        if (!d.ok || d.ms < 5_000 || d.ms > 3_600_000)
          problems.push(
            `--duration must be between 5s and 1h (seconds, or a duration like 90s or 2m); got ${JSON.stringify(v)}.`,
          );
        else durationMs = d.ms;
        break;
      }
      case '--port': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535)
          problems.push(
            `--port must be a port number (0: any free port); got ${JSON.stringify(v ?? '')}.`,
          );
        else port = n;
        break;
      }
      case '--no-auto-approve':
        autoApprove = false;
        break;
      case '--no-console':
        console = false;
        break;
      case '--connectors': {
        const v = value();
        if (v === 'builtin' || v === 'fakes') connectors = v;
        else
          problems.push(
            `--connectors must be builtin (Cordon's own limiter and case store) or fakes (local Kong, Jira and Slack fakes); got ${JSON.stringify(v ?? '')}.`,
          );
        break;
      }
      default:
        problems.push(`unknown argument "${arg}"; see cordon demo --help.`);
    }
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, args: { scenarios, speed, durationMs, autoApprove, port, console, connectors } };
}
