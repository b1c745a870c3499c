import { Random } from './random.js';
import { periodicTimes, type SimRequest } from './traffic.js';

/**
 * The platform's everyday traffic, after bench/ai-workload.mjs but at a demo's scale: a dozen
 * API keys calling models from their home regions, a few chat integrations, and staff logging
 * in (a rare typo among them). Every stream stays well inside the shipped rules' thresholds
 * (a key sends 6 requests a minute against the 100 of the extraction rule; login failures stay
 * a handful per region per 10 minutes against the 20 of the burst rule).
 */
const REGIONS = [
  ['eu-west-1', 'IE'],
  ['us-east-1', 'US'],
  ['ap-northeast-1', 'JP'],
  ['eu-central-1', 'DE'],
] as const;
const TEAMS = ['billing', 'search', 'risk', 'support', 'growth', 'fraud'];
const KEYS = TEAMS.flatMap((team, i) =>
  [0, 1].map((j) => ({
    key: `key-${team}-${j === 0 ? 'prod' : 'batch'}`,
    model: ['fraud-scorer', 'credit-risk', 'support-llm', 'ranker'][(i + j) % 4] as string,
    region: REGIONS[(i + j) % REGIONS.length] as (typeof REGIONS)[number],
    ip: `10.${10 + i}.${j}.${20 + i}`,
  })),
);
const CHAT_KEYS = KEYS.filter((_, i) => i % 3 === 0);
const PROMPTS = [
  'Summarise this support ticket for the on-call engineer.',
  'Translate the following paragraph into German.',
  'What is the refund policy for annual plans?',
  'Write a SQL query that lists overdue invoices.',
];
/** Each key: one inference request every 10 simulated seconds, phases spread. */
const INFERENCE_PERIOD_MS = 10_000;
const CHAT_PERIOD_MS = 15_000;
const LOGIN_PERIOD_MS = 4_000;
/** Benign history: one request per key every 10 simulated minutes for the day before. */
const HISTORY_PERIOD_MS = 600_000;
const HISTORY_MS = 26 * 3_600_000;

function inference(k: (typeof KEYS)[number], time: number, rnd: Random): SimRequest {
  return {
    time,
    actor: 'benign',
    limiterKey: k.key,
    event: {
      kind: 'inference',
      name: 'predict',
      outcome: 'success',
      entity: {
        api_key: k.key,
        model: k.model,
        ip: k.ip,
        geo: { region: k.region[0], country: k.region[1] },
      },
      measures: {
        latency_ms: 5 + rnd.int(200),
        status_code: 200,
        confidence: Math.round((0.6 + rnd.next() * 0.4) * 1000) / 1000,
      },
      labels: { input_hash: `h${rnd.int(1e9)}` },
    },
  };
}

export function benignHistory(liveStart: number): SimRequest[] {
  const rnd = new Random(11);
  return KEYS.flatMap((k, i) =>
    periodicTimes(liveStart - HISTORY_MS, liveStart, HISTORY_PERIOD_MS, i * 45_000).map((t) =>
      inference(k, t, rnd),
    ),
  );
}

/** Benign requests with event times in [from, to) (absolute simulated ms). */
export function benignTraffic(from: number, to: number, rnd: Random): SimRequest[] {
  const out: SimRequest[] = [];
  KEYS.forEach((k, i) => {
    for (const t of periodicTimes(from, to, INFERENCE_PERIOD_MS, i * 811))
      out.push(inference(k, t, rnd));
  });
  CHAT_KEYS.forEach((k, i) => {
    for (const t of periodicTimes(from, to, CHAT_PERIOD_MS, i * 3_701))
      out.push({
        time: t,
        actor: 'benign',
        limiterKey: k.key,
        event: {
          kind: 'llm',
          name: 'chat.completions',
          outcome: 'success',
          entity: {
            api_key: k.key,
            model: 'support-llm',
            session: `s-${k.key}-${Math.floor(t / 600_000)}`,
            geo: { region: k.region[0], country: k.region[1] },
          },
          measures: {
            tokens_in: 50 + rnd.int(1500),
            tokens_out: 20 + rnd.int(600),
            latency_ms: 200 + rnd.int(2500),
          },
          text: { prompt: rnd.pick(PROMPTS) },
        },
      });
  });
  for (const t of periodicTimes(from, to, LOGIN_PERIOD_MS, 1_300)) {
    const n = rnd.int(40);
    const region = REGIONS[n % REGIONS.length] as (typeof REGIONS)[number];
    const typo = rnd.next() < 0.03;
    out.push({
      time: t,
      actor: 'benign',
      limiterKey: `10.${50 + (n % 4)}.0.${10 + n}`,
      event: {
        kind: 'login',
        name: typo ? 'login.invalid_password' : 'login',
        outcome: typo ? 'failure' : 'success',
        entity: {
          user: `staff-${String(n).padStart(2, '0')}@corp.example`,
          ip: `10.${50 + (n % 4)}.0.${10 + n}`,
          geo: { region: region[0], country: region[1] },
        },
        ...(typo ? { labels: { failure_reason: 'invalid_password' } } : {}),
      },
    });
  }
  return out;
}
