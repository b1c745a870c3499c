import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NormalisedEvent } from '../../../src/ingest/canonical-event.js';
import {
  applyKeepPolicy,
  DEFAULT_KEEP_POLICY,
  redactText,
} from '../../../src/ingest/keep-policy.js';

const stamp = { source: 'llm', received: 1_718_000_000_000 };
function llmEvent(id: string): NormalisedEvent {
  return {
    id,
    time: 1_717_999_999_000,
    kind: 'llm',
    name: 'chat',
    severity: 'info',
    outcome: 'success',
    entity: { user: 'alice' },
    measures: {},
    labels: {},
    text: {
      prompt: 'my key is sk-proj-abcdefghijklmnopqrstuv, mail bob@example.com',
      response: 'ok',
    },
    raw: { messages: [{ content: 'my key is sk-proj-abcdefghijklmnopqrstuv' }] },
  };
}

describe('keep policy', () => {
  it('labels a prompt with its hash, under every text policy, keeping a sender’s own', () => {
    const prompt = llmEvent('a').text?.prompt ?? '';
    const hash = createHash('sha256').update(prompt).digest('hex').slice(0, 16);
    for (const text of ['keep', 'redact', 'drop'] as const) {
      const out = applyKeepPolicy(llmEvent('a'), { ...DEFAULT_KEEP_POLICY, text }, stamp, false);
      // The hash is of the prompt as sent, so redacting or dropping it counts inputs alike.
      expect(out.labels.input_hash).toBe(hash);
    }
    const own = llmEvent('b');
    own.labels.input_hash = 'sender-chosen';
    expect(applyKeepPolicy(own, DEFAULT_KEEP_POLICY, stamp, false).labels.input_hash).toBe(
      'sender-chosen',
    );
    const none = llmEvent('c');
    delete none.text;
    expect(applyKeepPolicy(none, DEFAULT_KEEP_POLICY, stamp, false).labels).toEqual({});
  });

  it('keeps raw and text by default and stamps source and receipt time', () => {
    const out = applyKeepPolicy(llmEvent('a'), DEFAULT_KEEP_POLICY, stamp, false);
    expect(out).toMatchObject({ source: 'llm', received: stamp.received, raw: expect.any(Object) });
    expect(out.text?.prompt).toContain('sk-proj-');
  });

  it('redacts secrets and emails in text and in raw alike', () => {
    const out = applyKeepPolicy(
      llmEvent('a'),
      { ...DEFAULT_KEEP_POLICY, text: 'redact' },
      stamp,
      false,
    );
    expect(out.text?.prompt).toBe('my key is [REDACTED:api_key], mail [REDACTED:email]');
    expect(JSON.stringify(out.raw)).not.toContain('sk-proj-');
    expect(JSON.stringify(out.raw)).toContain('[REDACTED:api_key]');
  });

  it('drops text and the raw item that holds the same prompt', () => {
    const out = applyKeepPolicy(
      llmEvent('a'),
      { ...DEFAULT_KEEP_POLICY, text: 'drop' },
      stamp,
      false,
    );
    expect(out).not.toHaveProperty('text');
    expect(out).not.toHaveProperty('raw');
  });

  it('samples raw deterministically by source and id, at about the share asked', () => {
    const policy = { ...DEFAULT_KEEP_POLICY, raw: 'sampled' as const, rawSample: 0.1 };
    const kept = (id: string) =>
      applyKeepPolicy(llmEvent(id), policy, stamp, false).raw !== undefined;
    const ids = Array.from({ length: 2000 }, (_, i) => `e${i}`);
    const share = ids.filter(kept).length / ids.length;
    expect(share).toBeGreaterThan(0.07);
    expect(share).toBeLessThan(0.13);
    expect(ids.map(kept)).toEqual(ids.map(kept));
  });

  it('keeps a sender-chosen raw unless the policy is none; on-failure and none drop copies', () => {
    expect(
      applyKeepPolicy(llmEvent('a'), { ...DEFAULT_KEEP_POLICY, raw: 'on-failure' }, stamp, true)
        .raw,
    ).toBeDefined();
    expect(
      applyKeepPolicy(llmEvent('a'), { ...DEFAULT_KEEP_POLICY, raw: 'on-failure' }, stamp, false)
        .raw,
    ).toBeUndefined();
    expect(
      applyKeepPolicy(llmEvent('a'), { ...DEFAULT_KEEP_POLICY, raw: 'none' }, stamp, true).raw,
    ).toBeUndefined();
  });

  it('redacts the usual secret shapes', () => {
    expect(redactText('AKIAABCDEFGHIJKLMNOP and ghp_abcdefghijklmnopqrstuvwxyz0123456789')).toBe(
      '[REDACTED:aws_key] and [REDACTED:github_token]',
    );
    expect(redactText('Authorization: Bearer abcdef0123456789xyz')).toBe(
      'Authorization: [REDACTED:credential]',
    );
    expect(redactText('card 4111 1111 1111 1111 ok')).toBe('card [REDACTED:card_number] ok');
  });
});
