/**
 * Random bytes, random JSON, truncations and one-character edits of the samples thrown at the
 * three line kinds (and the stream framer): each returns events or located errors, never
 * throws, and finishes quickly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormaliseResult } from '../../../../../src/ingest/normalizers/types.js';
import { cefKind } from '../../../../../src/ingest/sources/cef/cef-kind.js';
import { leefKind } from '../../../../../src/ingest/sources/leef/leef-kind.js';
import { LINE_OPTIONS_SPEC } from '../../../../../src/ingest/sources/lines/options.js';
import type { LineOptions } from '../../../../../src/ingest/sources/lines/options.js';
import { LocalSourceMemory } from '../../../../../src/ingest/sources/memory.js';
import type { SourceKind } from '../../../../../src/ingest/sources/source-kind.js';
import { syslogKind } from '../../../../../src/ingest/sources/syslog/syslog-kind.js';
import { StreamFramer } from '../../../../../src/ingest/syslog/stream-framer.js';
import { checkResult, cutsOf, randomBytes } from '../../../../helpers/source-fuzz.js';
import { sample } from './line-test-helpers.js';

const NOW = Date.UTC(2024, 5, 11);
const RUNS = 200;
const OPTIONS = LINE_OPTIONS_SPEC.compile(undefined, () => {}) as LineOptions;

function run(kind: SourceKind<LineOptions>, body: Buffer): NormaliseResult {
  const started = Date.now();
  const result = kind.normalise(
    { body, contentType: 'text/plain', headers: {} },
    {
      contentType: 'text/plain',
      now: NOW,
      source: 'fuzz',
      options: OPTIONS,
      memory: new LocalSourceMemory(() => NOW),
    },
  ) as NormaliseResult;
  expect(Date.now() - started).toBeLessThan(2000);
  return result;
}

/** Line kinds also promise their id shape, and refuse bad lines by their own index. */
function check(result: NormaliseResult): void {
  checkResult(result, (event) => expect(event.id).toMatch(/^(cef|leef|syslog)_[0-9a-f]{32}$/));
  if (result.ok)
    for (const item of result.rejected ?? [])
      for (const error of item.errors) expect(error.path).toMatch(/^\/\d+(\/|$)/);
}

const SAMPLES = [
  'cef-samples.log',
  'leef-samples.log',
  'syslog-rfc5424.log',
  'syslog-rfc3164.log',
  'syslog-tcp-octet-counted.txt',
  'syslog-tcp-nontransparent.txt',
  'bad/cef-bad.log',
  'bad/leef-bad.log',
  'bad/syslog-bad.log',
  'bad/syslog-octet-count-mismatch.txt',
].map((name) => sample(name));

const truncations = cutsOf(SAMPLES);

const edits = fc
  .tuple(
    fc.constantFrom(...SAMPLES),
    fc.nat(),
    fc.constantFrom(...'|=\\ \t\n\r<>[]"0-9:^x\u00ff'.split('')),
    fc.boolean(),
  )
  .map(([body, at, c, insert]) => {
    const text = body.toString('latin1');
    const i = text.length === 0 ? 0 : at % text.length;
    return Buffer.from(text.slice(0, i) + c + text.slice(insert ? i : i + 1), 'latin1');
  });

const bodies = fc.oneof(
  randomBytes(600),
  fc.json().map((j) => Buffer.from(j)),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(`<13>1 ${s}`)),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(`CEF:0|${s}`)),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(`LEEF:2.0|${s}`)),
  truncations,
  edits,
);

describe.each([
  ['cef', cefKind],
  ['leef', leefKind],
  ['syslog', syslogKind],
] as const)('%s kind under fuzzing', (_name, kind) => {
  it('returns events or located errors for any body, never throwing', () => {
    fc.assert(
      fc.property(bodies, (body) => check(run(kind, body))),
      { numRuns: RUNS },
    );
  });
});

describe('stream framer under fuzzing', () => {
  it('never throws and never returns a message above the cap, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.oneof(truncations, edits, randomBytes(400)), fc.nat(), (stream, cut) => {
        const framer = new StreamFramer(128);
        const at = stream.length === 0 ? 0 : cut % stream.length;
        const out = [
          framer.push(stream.subarray(0, at)),
          framer.push(stream.subarray(at)),
          framer.end(),
        ];
        for (const part of out)
          for (const message of part.messages) expect(message.length).toBeLessThanOrEqual(128);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('long inputs stay linear', () => {
  // 50,000 repeats: a quadratic path (a regex backtracking over a run, a slice per field)
  // takes seconds here, a linear one milliseconds.
  it('reads lines with huge runs of spaces, pipes, backslashes and parameters quickly', () => {
    const many = (c: string) => c.repeat(50_000);
    const bodies = [
      `CEF:0|A|B|1|s|n|3|a=1${many(' ')}x`,
      `CEF:0|${many('|')}`,
      `CEF:0|A|B|1|s|n|3|${many('A')}=1`,
      `CEF:0|A|B|1|s|n|3|a=${many('\\')}`,
      `LEEF:1.0|A|B|1|E|a=1${many(' ')}b`,
      `LEEF:2.0|A|B|1|E|^|${many('^')}`,
      `<13>Jun${many(' ')}`,
      `<13>1 ${many('-')}`,
      `${many('1')} <13>`,
      `<13>1 - h a p m [x${many(' a="1"')}]`,
      `<13>1 - h a p m [x ${many('A')}="1"]`,
      `${many('\n')}x`,
    ];
    for (const body of bodies)
      for (const kind of [cefKind, leefKind, syslogKind]) check(runTimed(kind, body));
  });
});

function runTimed(kind: SourceKind<LineOptions>, body: string): NormaliseResult {
  const started = Date.now();
  const result = run(kind, Buffer.from(body));
  expect(Date.now() - started, body.slice(0, 30)).toBeLessThan(1500);
  return result;
}
