/**
 * Which tags name tactics for risk accumulation: ATT&CK tactic names and ATLAS tactic ids; never
 * technique, group or software ids.
 */
import { describe, expect, it } from 'vitest';
import { tacticsOf } from '../../../src/correlate/types/risk-accumulation/tactics.js';

describe('tacticsOf', () => {
  it('reads ATT&CK tactic names and ATLAS tactic ids, once each', () => {
    expect(
      tacticsOf([
        'attack.credential-access',
        'attack.Credential_Access',
        'attack.t1110',
        'attack.t1110.001',
        'attack.g0016',
        'attack.s0002',
        'atlas.AML.T0024',
        'atlas.aml.ta0007',
        'atlas.AML.TA0007',
        'cve.2021-44228',
        'attack.command-and-control',
      ]),
    ).toEqual(['attack.credential-access', 'atlas.AML.TA0007', 'attack.command-and-control']);
  });

  it('finds none in technique-only tags', () => {
    expect(tacticsOf(['attack.t1595', 'atlas.AML.T0040'])).toEqual([]);
  });
});
