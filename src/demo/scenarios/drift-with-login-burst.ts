import { periodicTimes, type SimRequest } from '../traffic.js';
import { attacker, type Scenario } from './scenario.js';

const NAME = 'drift-with-login-burst';
const REGION = 'eu-central-1';
/** Three addresses of one botnet in the region, taking turns. */
const IPS = ['203.0.113.21', '203.0.113.22', '203.0.113.23'];
/** One attempt every 2 simulated seconds: 20 failures in the region within ~40 s. */
const ATTEMPT_PERIOD_MS = 2_000;
const ATTEMPTS_FROM_MS = 20_000;

/**
 * Data poisoning with account takeover around it (ATLAS AML.T0020, ATT&CK T1110): the drift
 * monitor reports drift of credit-risk on the eu-central-1 segment, and a burst of credential
 * stuffing hits the same region from three addresses. drift_with_login_failure_burst_in_region
 * opens an incident (no playbook ships for it: a person looks at it), and
 * credential_stuffing_single_ip fires per address once it has tried 15 accounts:
 * block-credential-stuffing blocks each address.
 */
export const driftWithLoginBurst: Scenario = {
  name: NAME,
  title: 'Drift with a login-failure burst in the same region',
  story: `credit-risk drifts on the ${REGION} segment while three addresses there stuff leaked credentials`,
  expects: [
    { rule: 'drift_with_login_failure_burst_in_region', group: { region: REGION } },
    ...IPS.map((ip) => ({ rule: 'credential_stuffing_single_ip', group: { ip } })),
  ],
  containmentKeys: IPS,
  traffic(from, to, startedAt) {
    const out: SimRequest[] = [];
    if (from <= 0 && to > 0)
      out.push({
        time: startedAt,
        actor: 'monitor',
        limiterKey: undefined,
        event: {
          kind: 'drift',
          name: 'feature_drift',
          outcome: 'firing',
          severity: 'medium',
          entity: { model: 'credit-risk', feature: 'income' },
          measures: { drift_score: 0.62 },
          labels: { segment_region: REGION },
        },
      });
    for (const o of periodicTimes(from, to, ATTEMPT_PERIOD_MS, ATTEMPTS_FROM_MS)) {
      const n = Math.round((o - ATTEMPTS_FROM_MS) / ATTEMPT_PERIOD_MS);
      const ip = IPS[n % IPS.length] as string;
      // Each address walks its own slice of the leaked list: distinct accounts, one try each.
      out.push({
        time: startedAt + o,
        actor: attacker(NAME),
        limiterKey: ip,
        event: {
          kind: 'login',
          name: 'login.invalid_password',
          outcome: 'failure',
          entity: {
            user: `leaked-${String(n).padStart(4, '0')}@example.com`,
            ip,
            geo: { region: REGION, country: 'DE' },
          },
          labels: { failure_reason: 'invalid_password' },
        },
      });
    }
    return out;
  },
};
