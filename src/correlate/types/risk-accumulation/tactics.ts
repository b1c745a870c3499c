/**
 * The tactics a rule's tags name, as risk-based alerting counts them: MITRE ATT&CK tactics as
 * Sigma writes them (`attack.credential-access`: a name, where techniques, groups and software
 * are ids such as `attack.t1110`, `attack.g0016`, `attack.s0002`) and MITRE ATLAS tactics by id
 * (`atlas.AML.TA0007`). Technique tags are not mapped to tactics (a technique can serve several).
 */
const ATTACK_TACTIC = /^attack\.(?![a-z]\d)[a-z]+(?:[-_][a-z]+)*$/i;
const ATLAS_TACTIC = /^atlas\.aml\.ta\d{4}$/i;

export function tacticsOf(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    const t = ATTACK_TACTIC.test(tag)
      ? tag.toLowerCase().replace(/_/g, '-')
      : ATLAS_TACTIC.test(tag)
        ? `atlas.AML.TA${tag.slice(-4)}`
        : undefined;
    if (t !== undefined && !out.includes(t)) out.push(t);
  }
  return out;
}
