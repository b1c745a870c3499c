import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { NormalisedEvent } from '../../../src/ingest/canonical-event.js';
import type {
  FieldError,
  NormaliseContext,
  NormaliseResult,
} from '../../../src/ingest/normalizers/types.js';

/** Sample payloads (copies of the team's research samples), kept in the repo. */
const SAMPLES = new URL('../../fixtures/samples/ingest/', import.meta.url);
const FIXTURES = new URL('../../fixtures/ingest/', import.meta.url);

export function sample(name: string): Buffer {
  return readFileSync(new URL(name, SAMPLES));
}

export function sampleJson(name: string): unknown {
  return JSON.parse(sample(name).toString('utf8'));
}

export function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

/** A receipt time after every sample, so no sample time is clamped. */
export const NOW = Date.UTC(2024, 5, 11, 0, 0, 0);

export function ctx(overrides: Partial<NormaliseContext> = {}): NormaliseContext {
  return { contentType: 'application/json', now: NOW, source: 'test-source', ...overrides };
}

export function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export function expectEvents(result: NormaliseResult): NormalisedEvent[] {
  if (!result.ok)
    throw new Error(`expected ok, got errors:\n${JSON.stringify(result.errors, null, 2)}`);
  return result.events;
}

export function expectWarnings(result: NormaliseResult): string[] {
  if (!result.ok)
    throw new Error(`expected ok, got errors:\n${JSON.stringify(result.errors, null, 2)}`);
  return result.warnings;
}

/**
 * A batch accepted in part: the good items' events, and the refused items by index with the
 * phrase each reason must contain (keyed by error path).
 */
export function expectPartial(
  result: NormaliseResult,
  accepted: number,
  phrases: Record<string, string | string[]>,
): NormalisedEvent[] {
  if (!result.ok)
    throw new Error(
      `expected a partial batch, got errors:\n${JSON.stringify(result.errors, null, 2)}`,
    );
  expect(result.events).toHaveLength(accepted);
  const errors = (result.rejected ?? []).flatMap((item) => item.errors);
  expect(errors.map((e) => e.path).sort()).toEqual(Object.keys(phrases).sort());
  for (const error of errors)
    for (const phrase of [phrases[error.path] ?? []].flat()) expect(error.reason).toContain(phrase);
  return result.events;
}

export function expectErrors(result: NormaliseResult): FieldError[] {
  if (result.ok) throw new Error(`expected errors, got ${result.events.length} events`);
  return result.errors;
}

/**
 * Asserts the exact set of error paths, and that each path's reason contains its phrase.
 * Phrases are keyed by path; every path must have one.
 */
export function expectErrorsAt(
  result: NormaliseResult,
  phrases: Record<string, string | string[]>,
): void {
  const errors = expectErrors(result);
  expect(errors.map((e) => e.path).sort()).toEqual(Object.keys(phrases).sort());
  for (const error of errors) {
    const wanted = phrases[error.path];
    for (const phrase of typeof wanted === 'string' ? [wanted] : (wanted ?? [])) {
      expect(error.reason, `reason at ${error.path}`).toContain(phrase);
    }
  }
}
