import fc from 'fast-check';

/**
 * Inputs for the fuzz tests: valid JSON, JSON with one edit (the near-misses senders make),
 * deep nesting, arbitrary text and arbitrary bytes. Run counts stay small (the suite must stay
 * fast); every run draws new inputs, and a failure prints the seed that reproduces it.
 */
export const RUNS = 150;

/** One character inserted, deleted or replaced somewhere in `text`. */
export function mutated(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(
      text,
      fc.nat(),
      fc.constantFrom('insert', 'delete', 'replace'),
      fc.constantFrom(...'{}[]",:\\ \n\t0-.eE"\'\u0000\u2028\uD800tfn'.split('')),
    )
    .map(([t, at, how, c]) => {
      const i = t.length === 0 ? 0 : at % t.length;
      if (how === 'insert') return t.slice(0, i) + c + t.slice(i);
      if (how === 'delete') return t.slice(0, i) + t.slice(i + 1);
      return t.slice(0, i) + c + t.slice(i + 1);
    });
}

/**
 * Objects and arrays nested `depth` levels around an arbitrary JSON value; sometimes past the
 * ~5,000 levels where JSON.stringify used to overflow the stack.
 */
export const deepJson: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(fc.integer({ min: 1, max: 200 }), fc.constantFrom(1_001, 6_000, 20_000)),
    fc.boolean(),
    fc.json({ maxDepth: 1 }),
  )
  .map(([depth, objects, inner]) =>
    objects
      ? `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`
      : `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`,
  );

/** Values shaped like a canonical event, with any field possibly wrong. */
export const eventLike: fc.Arbitrary<unknown> = fc.record(
  {
    id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    kind: fc.oneof(fc.constantFrom('login', 'inference', 'alert', 'bogus'), fc.anything()),
    time: fc.oneof(
      fc.integer(),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string(),
      fc.double(),
    ),
    name: fc.oneof(fc.string(), fc.anything()),
    severity: fc.oneof(fc.constantFrom('info', 'high', 'warning', 'critical'), fc.anything()),
    outcome: fc.anything(),
    entity: fc.oneof(
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.anything())),
      fc.anything(),
    ),
    measures: fc.oneof(fc.dictionary(fc.string(), fc.double()), fc.anything()),
    labels: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.anything()),
    text: fc.anything(),
    raw: fc.anything(),
    source: fc.string(),
  },
  { requiredKeys: [] },
);

/** An Alertmanager message with any part possibly wrong. */
export const alertmanagerLike: fc.Arbitrary<unknown> = fc.record(
  {
    version: fc.oneof(fc.constant('4'), fc.anything()),
    receiver: fc.anything(),
    status: fc.oneof(fc.constantFrom('firing', 'resolved'), fc.anything()),
    groupKey: fc.anything(),
    truncatedAlerts: fc.anything(),
    commonLabels: fc.anything(),
    externalURL: fc.anything(),
    alerts: fc.oneof(
      fc.array(
        fc.record(
          {
            status: fc.oneof(fc.constantFrom('firing', 'resolved'), fc.anything()),
            labels: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.anything()),
            annotations: fc.anything(),
            startsAt: fc.oneof(
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
              fc.anything(),
            ),
            endsAt: fc.anything(),
            fingerprint: fc.oneof(
              fc.string({ unit: fc.constantFrom(...'0123456789abcdef') }),
              fc.anything(),
            ),
            generatorURL: fc.anything(),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
      fc.anything(),
    ),
  },
  { requiredKeys: [] },
);

/** A Splunk webhook alert with any part possibly wrong. */
export const splunkLike: fc.Arbitrary<unknown> = fc.record(
  {
    sid: fc.oneof(fc.string(), fc.anything()),
    search_name: fc.anything(),
    app: fc.anything(),
    owner: fc.anything(),
    results_link: fc.anything(),
    result: fc.oneof(
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.array(fc.string()), fc.anything())),
      fc.anything(),
    ),
  },
  { requiredKeys: [] },
);

/** Bodies for any JSON endpoint: valid, near-miss, deep, shaped, or plain noise. */
export function jsonBodies(shaped: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> {
  const asText = shaped.map((v) => JSON.stringify(v) ?? 'null');
  return fc.oneof(
    asText.map((t) => Buffer.from(t)),
    fc.array(shaped, { maxLength: 3 }).map((v) => Buffer.from(JSON.stringify(v))),
    mutated(asText).map((t) => Buffer.from(t)),
    fc.json().map((t) => Buffer.from(t)),
    mutated(fc.json()).map((t) => Buffer.from(t)),
    deepJson.map((t) => Buffer.from(t)),
    fc.string({ unit: 'binary' }).map((t) => Buffer.from(t)),
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  );
}

/** NDJSON bodies: lines of the above, with blank lines and CRLFs mixed in. */
export function ndjsonBodies(shaped: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> {
  const line = fc.oneof(
    shaped.map((v) => JSON.stringify(v) ?? 'null'),
    mutated(shaped.map((v) => JSON.stringify(v) ?? 'null')),
    fc.constantFrom('', ' ', '\r'),
    deepJson,
  );
  return fc
    .tuple(fc.array(line, { maxLength: 5 }), fc.constantFrom('\n', '\r\n'))
    .map(([lines, eol]) => Buffer.from(lines.join(eol)));
}

/** A valid canonical event but for its `raw`, nested deep (text: stringify would overflow). */
export const deepRawEvent: fc.Arbitrary<Buffer> = fc
  .tuple(deepJson, fc.nat())
  .map(([raw, n]) =>
    Buffer.from(`{"id":"deep-${n}","kind":"login","time":1767225600000,"raw":${raw}}`),
  );
