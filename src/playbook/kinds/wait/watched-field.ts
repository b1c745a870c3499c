import { describe } from '../../../shared/duration.js';
import { suggest } from '../../../shared/shape.js';
import type { YamlPath } from '../../../shared/yaml.js';
import { INCIDENT_FIELDS } from '../../definition/value-checks.js';
import type { ValidateInput } from '../state-kind.js';

// The opening match's figures never change.
const WATCHABLE = INCIDENT_FIELDS.filter(
  (f) => f !== 'id' && f !== 'createdAt' && f !== 'aggregate',
);

/** `changes:` names one incident field: `incident.<field>` or `incident.group.<field>`. */
export function checkWatchedPath(
  input: ValidateInput,
  at: YamlPath,
  value: unknown,
): value is string {
  const { sink, label } = input;
  const parts = typeof value === 'string' ? value.split('.') : [];
  const [root, field, sub, ...more] = parts;
  const fail = (why: string): false => {
    sink.error(
      at,
      'CORDON_ERR_DEFINITION_VALUE',
      `${label} wait.changes ${why}; name an incident field such as incident.severity, incident.matchCount or incident.group.<field>. Fields: ${WATCHABLE.join(', ')}.`,
    );
    return false;
  };
  if (root !== 'incident' || field === undefined || more.length > 0)
    return fail(`must be a path incident.<field>; got ${describe(value)}`);
  if (!WATCHABLE.includes(field)) {
    const hint = suggest(field, WATCHABLE);
    return fail(
      `names "${field}", which an incident does not have or never changes${hint ? ` (did you mean "${hint}"?)` : ''}`,
    );
  }
  if (field === 'group' && sub === undefined)
    return fail('must name one group field: incident.group.<field>');
  if (field !== 'group' && sub !== undefined)
    return fail(`reads into "${field}", which has no fields`);
  return true;
}

/** The value at a dotted path, or undefined. */
export function readPath(root: Readonly<Record<string, unknown>>, path: string): unknown {
  let node: unknown = root;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
