import { periodicTimes, type SimRequest } from '../traffic.js';
import { attacker, type Scenario } from './scenario.js';

const NAME = 'extraction';
const KEY = 'key-trial-7f3a';
/** 150 requests a simulated minute: past the rule's 100 in a minute, ~25× a normal key. */
const PERIOD_MS = 400;

/**
 * Model extraction (ATLAS AML.T0024): a fresh trial key queries the fraud model with distinct
 * inputs, asking for log-probabilities, far above any normal key's rate. The shipped rule
 * model_extraction_by_query_volume fires at its 101st request in a minute and
 * contain-abusive-key throttles the key to 10/m at once.
 */
export const extraction: Scenario = {
  name: NAME,
  title: 'Model extraction by query volume',
  story: `a new trial key ${KEY} scrapes fraud-scorer with distinct inputs and log-probabilities, 150 requests a minute`,
  expects: [{ rule: 'model_extraction_by_query_volume', group: { api_key: KEY } }],
  containmentKeys: [KEY],
  traffic(from, to, startedAt, rnd) {
    return periodicTimes(from, to, PERIOD_MS).map((offset): SimRequest => ({
      time: startedAt + offset,
      actor: attacker(NAME),
      limiterKey: KEY,
      event: {
        kind: 'inference',
        name: 'predict',
        outcome: 'success',
        entity: {
          api_key: KEY,
          model: 'fraud-scorer',
          ip: '203.0.113.7',
          geo: { region: 'ap-south-1', country: 'IN' },
        },
        measures: { latency_ms: 18 + rnd.int(10), status_code: 200 },
        labels: { input_hash: `x${offset.toString(36)}`, response_format: 'logprobs' },
      },
    }));
  },
};
