import type { Random } from '../random.js';
import type { SimRequest } from '../traffic.js';

/** An incident a scenario is meant to open: the rule and the group it is opened for. */
export interface ExpectedIncident {
  readonly rule: string;
  readonly group: Readonly<Record<string, string>>;
}

/**
 * One scripted attack, as data: who the attacker is, what it sends (as a function of simulated
 * time since the scenario started), which incidents the shipped rules should open and which
 * limiter keys the shipped playbooks should throttle or block. The platform, the gateway and
 * the progress know scenarios only through this face; a new attack is a new file in
 * scenarios/ and a line in registry.ts.
 */
export interface Scenario {
  /** The --scenario value. */
  readonly name: string;
  readonly title: string;
  /** One line for the progress when it starts. */
  readonly story: string;
  readonly expects: readonly ExpectedIncident[];
  /** Contained once every one of these has a limit (throttle or block) on the built-in limiter. */
  readonly containmentKeys: readonly string[];
  /**
   * The scenario's history before the live timeline (events at negative offsets from the live
   * start, oldest first), e.g. the normal use a stolen key had before it was stolen.
   */
  history?(liveStart: number): readonly SimRequest[];
  /** Requests and reports in [from, to), offsets in simulated ms since the scenario started. */
  traffic(from: number, to: number, startedAt: number, rnd: Random): readonly SimRequest[];
}

export const attacker = (scenario: string): string => `${scenario}:attacker`;
export const owner = (scenario: string): string => `${scenario}:owner`;
