import { periodicTimes, type SimRequest } from '../traffic.js';
import { attacker, owner, type Scenario } from './scenario.js';

const NAME = 'stolen-key-new-region';
const KEY = 'key-acme-prod';
/** The owner's steady use: one request a simulated minute, for 26 h before the demo starts. */
const OWNER_PERIOD_MS = 60_000;
const HISTORY_MS = 26 * 3_600_000;
/** The thief: 30 a minute, under the extraction rule's 100/min, 100 in 10 min after ~3 min. */
const THIEF_PERIOD_MS = 2_000;

function ownerRequest(time: number, latency: number): SimRequest {
  return {
    time,
    actor: owner(NAME),
    limiterKey: KEY,
    event: {
      kind: 'inference',
      name: 'predict',
      outcome: 'success',
      entity: {
        api_key: KEY,
        model: 'support-llm',
        ip: '10.20.0.14',
        geo: { region: 'eu-west-1', country: 'IE' },
      },
      measures: { latency_ms: latency, status_code: 200 },
    },
  };
}

/**
 * A stolen API key (LLMjacking, ATLAS AML.CS0030): a key used from eu-west-1 for more than a
 * day (its history is sent first, so the rule has learnt its region and baseline) shows up
 * from sa-east-1 and bursts. stolen_key_new_region_then_invocation_burst fires;
 * suspected-stolen-key throttles the key to 5/m and asks its owner, who (scripted) says it was
 * not them, so the key is blocked.
 */
export const stolenKeyNewRegion: Scenario = {
  name: NAME,
  title: 'Stolen API key used from a new region',
  story: `${KEY}, used from eu-west-1 for the past day, starts bursting from sa-east-1 (30 requests a minute)`,
  expects: [{ rule: 'stolen_key_new_region_then_invocation_burst', group: { api_key: KEY } }],
  containmentKeys: [KEY],
  history(liveStart) {
    return periodicTimes(
      liveStart - HISTORY_MS,
      liveStart,
      OWNER_PERIOD_MS,
      liveStart % OWNER_PERIOD_MS,
    ).map((t) => ownerRequest(t, 300));
  },
  traffic(from, to, startedAt, rnd) {
    const owners = periodicTimes(from, to, OWNER_PERIOD_MS, 30_000).map((o) =>
      ownerRequest(startedAt + o, 250 + rnd.int(100)),
    );
    const thief = periodicTimes(from, to, THIEF_PERIOD_MS).map((o): SimRequest => ({
      time: startedAt + o,
      actor: attacker(NAME),
      limiterKey: KEY,
      event: {
        kind: 'inference',
        name: 'predict',
        outcome: 'success',
        entity: {
          api_key: KEY,
          model: 'support-llm',
          ip: '198.51.100.77',
          geo: { region: 'sa-east-1', country: 'BR' },
        },
        measures: { latency_ms: 400 + rnd.int(300), status_code: 200 },
      },
    }));
    return [...owners, ...thief];
  },
};
