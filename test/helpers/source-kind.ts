import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect } from 'vitest';
import type { NormalisedEvent } from '../../src/ingest/canonical-event.js';
import { parseHttpRequestFile } from '../../src/ingest/sources/http-request-file.js';
import { LocalSourceMemory } from '../../src/ingest/sources/memory.js';
import type { AnySourceKind, SourceMemory } from '../../src/ingest/sources/source-kind.js';
import type { NormaliseResult } from '../../src/ingest/normalizers/types.js';

/** Receipt time after every sample (2024-06-11), so no sample time is clamped as future. */
export const SAMPLE_NOW = Date.UTC(2024, 5, 11, 0, 0, 0);

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** A file under test/fixtures/ (samples are copied there; tests never read ../shared). */
export function fixtureBytes(path: string): Buffer {
  return readFileSync(new URL(path, FIXTURES));
}

export interface RunOptions {
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
  /** Raw `options:` as a connector file would hold them; compiled by the kind's spec. */
  readonly options?: unknown;
  readonly now?: number;
  readonly memory?: SourceMemory;
  readonly source?: string;
}

/** Compiles `options` with the kind's spec, failing the test on any reported problem. */
export function compileOptions(kind: AnySourceKind, options: unknown): unknown {
  if (!kind.options) return undefined;
  const problems: string[] = [];
  const compiled: unknown = kind.options.compile(options, (path, reason) =>
    problems.push(`${path.join('.')}: ${reason}`),
  );
  if (problems.length > 0 || compiled === undefined)
    throw new Error(`options rejected:\n${problems.join('\n')}`);
  return compiled;
}

/** Runs a kind on a body the way the ingest route would. */
export async function runKind(
  kind: AnySourceKind,
  body: Buffer | string,
  run: RunOptions = {},
): Promise<NormaliseResult> {
  const contentType = run.contentType ?? kind.contentTypes[0] ?? 'application/json';
  return kind.normalise(
    {
      body: Buffer.isBuffer(body) ? body : Buffer.from(body),
      contentType: contentType === '*' ? 'application/octet-stream' : contentType,
      headers: run.headers ?? {},
    },
    {
      contentType,
      now: run.now ?? SAMPLE_NOW,
      source: run.source ?? 'test-source',
      options: compileOptions(kind, run.options),
      memory: run.memory ?? new LocalSourceMemory(() => run.now ?? SAMPLE_NOW),
    },
  );
}

/** Runs a kind on a `*.http.txt` fixture: its headers and body, as the sender sent them. */
export async function runKindOnHttpFile(
  kind: AnySourceKind,
  path: string,
  run: Omit<RunOptions, 'headers' | 'contentType'> = {},
): Promise<NormaliseResult> {
  const parsed = parseHttpRequestFile(fixtureBytes(path));
  if (!parsed.ok) throw new Error(`${path}: ${parsed.reason}`);
  const { headers, body } = parsed.request;
  const contentType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return runKind(kind, body, { ...run, headers, contentType });
}

export function okEvents(result: NormaliseResult): NormalisedEvent[] {
  if (!result.ok)
    throw new Error(`expected events, got errors:\n${JSON.stringify(result.errors, null, 2)}`);
  return result.events;
}

/**
 * Compares events with a golden file under test/fixtures/ingest/golden/. A missing golden
 * fails; `UPDATE_GOLDEN=1 npx vitest run <file>` writes it, to be read line by line before it
 * is committed (a golden is only as good as that reading).
 */
export function expectGolden(events: readonly NormalisedEvent[], golden: string): void {
  const url = new URL(`ingest/golden/${golden}`, FIXTURES);
  const actual = `${JSON.stringify(events, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(url.pathname), { recursive: true });
    writeFileSync(url, actual);
    return;
  }
  if (!existsSync(url))
    throw new Error(`golden ${golden} is missing; run with UPDATE_GOLDEN=1, then review it.`);
  expect(JSON.parse(actual)).toEqual(JSON.parse(readFileSync(url, 'utf8')));
}
