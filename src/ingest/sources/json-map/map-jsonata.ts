import type jsonata from 'jsonata';
import type { NormalisedEvent } from '../../canonical-event.js';
import { readCanonicalEvent } from '../../normalizers/canonical-input.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import { TIME_MISSING_LABEL } from '../../normalizers/time-clamp.js';
import { stableStringify } from '../../../shared/hash.js';
import { evaluateBounded } from './jsonata-eval.js';
import type { EvaluationBudget } from './jsonata-eval.js';
import type { Located } from './map-fields.js';

/**
 * Maps one item with a `jsonata:` expression. The result (an object, or an array of objects)
 * must be canonical events, checked by the same strict reader as the `generic` kind; problems
 * in result n are reported at `<item>/jsonata[n]/<field>`, prefixed "in the JSONata result:".
 * Defaults the reader cannot know: no `time` → the receipt time (labelled), no `id` → a hash
 * of the item (so a resent delivery dedupes), no `raw` → the item.
 */
export async function mapJsonata(
  expression: jsonata.Expression,
  item: Located,
  now: number,
  budget: EvaluationBudget,
): Promise<NormalisedEvent[]> {
  const evaluated = await evaluateBounded(expression, item.value, now, budget);
  if (!evaluated.ok) {
    item.at.error(evaluated.reason);
    return [];
  }
  const result = plain(evaluated.value);
  if (result === undefined || (Array.isArray(result) && result.length === 0)) {
    item.at.error(
      'gave no event: the JSONata expression returned nothing for it. Make it return an object (or an array of objects) in canonical shape.',
    );
    return [];
  }
  const list: readonly unknown[] = Array.isArray(result) ? result : [result];
  const events: NormalisedEvent[] = [];
  list.forEach((element, index) => {
    // A synthetic segment: the problem is in what the expression built, not in the body.
    const at: Location = item.at.item(`jsonata[${index}]`, 'in the JSONata result: ');
    const event = readResult(
      element,
      at,
      item.value,
      Array.isArray(result) ? index : undefined,
      now,
    );
    if (event !== undefined) events.push(event);
  });
  return events;
}

function readResult(
  element: unknown,
  at: Location,
  source: unknown,
  index: number | undefined,
  now: number,
): NormalisedEvent | undefined {
  if (!isJsonObject(element)) {
    at.error(
      `must be an object in canonical shape ({kind, time, name, entity, …}); got ${got(element)}.`,
    );
    return undefined;
  }
  const timeMissing = element.time === undefined || element.time === null;
  const filled = {
    ...element,
    time: timeMissing ? now : element.time,
    id: element.id ?? prefixedHashId('jm', `${index ?? ''}|${stableStringify(source)}`),
    raw: element.raw ?? source,
  };
  const event = readCanonicalEvent(filled, at, now);
  if (event === undefined || !timeMissing) return event;
  return { ...event, labels: { ...event.labels, [TIME_MISSING_LABEL]: 'true' } };
}

/**
 * jsonata returns its own sequence arrays (with extra properties) and may return functions;
 * a JSON round trip leaves plain data only. undefined = nothing (or nothing serialisable).
 */
function plain(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}
