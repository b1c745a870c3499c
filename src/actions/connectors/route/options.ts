import { describe } from '../../../shared/duration.js';
import { checkKeys, expectMapping } from '../../../shared/shape.js';
import type { DiagnosticSink } from '../../../shared/yaml.js';

/** A route's `options:`: the operations it routes and the instances it tries, in order. */
export interface RouteOptions {
  readonly operations: readonly string[];
  readonly try: readonly string[];
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const OPERATION = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

/**
 * Shape only: whether the operations exist, the listed instances exist and offer them, and
 * routes do not loop is checked once every connector file is read (routes.ts).
 */
export function compileRouteOptions(
  value: unknown,
  sink: DiagnosticSink,
): RouteOptions | undefined {
  const example =
    'e.g. options: { operations: [ratelimit.set, ratelimit.clear], try: [kong, gateway] }';
  if (!expectMapping(sink, ['options'], value, 'options')) return undefined;
  checkKeys(sink, ['options'], value, 'options', { required: ['operations', 'try'] });
  const list = (key: 'operations' | 'try', pattern: RegExp, what: string): string[] => {
    const raw = value[key];
    if (raw === undefined) return [];
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > 20) {
      sink.error(
        ['options', key],
        'CORDON_ERR_DEFINITION_VALUE',
        `options.${key} must list 1 to 20 ${what}; got ${describe(raw)} (${example}).`,
      );
      return [];
    }
    const out: string[] = [];
    raw.forEach((v: unknown, i) => {
      if (typeof v !== 'string' || !pattern.test(v))
        sink.error(
          ['options', key, i],
          'CORDON_ERR_DEFINITION_VALUE',
          `options.${key}[${i}] must be ${what === 'operations' ? 'an operation name such as ratelimit.set' : 'a connector name from connectors/'}; got ${describe(v)}.`,
        );
      else if (out.includes(v))
        sink.error(
          ['options', key, i],
          'CORDON_ERR_DEFINITION_DUPLICATE',
          `options.${key} lists "${v}" twice; remove one.`,
        );
      else out.push(v);
    });
    return out;
  };
  const operations = list('operations', OPERATION, 'operations');
  const members = list('try', NAME, 'connectors');
  if (operations.length === 0 || members.length === 0) return undefined;
  return { operations, try: members };
}
