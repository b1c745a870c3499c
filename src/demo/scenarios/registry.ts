import { driftWithLoginBurst } from './drift-with-login-burst.js';
import { extraction } from './extraction.js';
import type { Scenario } from './scenario.js';
import { stolenKeyNewRegion } from './stolen-key-new-region.js';

/** Every scripted attack, in the order `--scenario all` plays them. */
export const SCENARIOS: readonly Scenario[] = [extraction, stolenKeyNewRegion, driftWithLoginBurst];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
