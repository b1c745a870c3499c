import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  canIngest,
  generateDefaultPrincipals,
  loadPrincipals,
} from '../../../src/config/principals.js';
import { sha256Hex } from '../../../src/shared/hash.js';
import { tempDir } from '../../helpers/temp-dir.js';

const dir = (): string => tempDir('principals');

describe('principals', () => {
  it('loads hashed, env and file tokens and authenticates by token', async () => {
    const d = dir();
    writeFileSync(join(d, 'secret'), 'file-token\n');
    const file = join(d, 'tokens.json');
    writeFileSync(
      file,
      JSON.stringify({
        principals: [
          { id: 'ops', roles: ['admin'], token_sha256: sha256Hex('hashed-token') },
          { id: 'ci', roles: ['ingest'], sources: ['events'], token_env: 'CI_TOKEN' },
          { id: 'oncall', roles: ['approver', 'ml-oncall'], token_file: join(d, 'secret') },
        ],
      }),
    );
    const directory = await loadPrincipals(file, { CI_TOKEN: 'env-token' });
    expect(directory.authenticate('hashed-token')?.id).toBe('ops');
    expect(directory.authenticate('env-token')).toEqual({
      id: 'ci',
      roles: ['ingest'],
      sources: ['events'],
    });
    expect(directory.authenticate('file-token')?.roles).toEqual(['approver', 'ml-oncall']);
    expect(directory.authenticate('nope')).toBeUndefined();
    const ci = directory.authenticate('env-token');
    expect(ci && canIngest(ci, 'events')).toBe(true);
    expect(ci && canIngest(ci, 'splunk')).toBe(false);
  });

  it('reports every bad entry and never accepts inline tokens', async () => {
    const file = join(dir(), 'tokens.json');
    writeFileSync(
      file,
      JSON.stringify({
        principals: [
          { id: 'a', roles: ['admin'], token: 'inline-secret' },
          { id: 'a', roles: [], token_sha256: 'x' },
          { id: 'b c', roles: ['admin'], token_sha256: sha256Hex('t') },
          { id: 'd', roles: ['ingest'], token_env: 'MISSING_VAR' },
        ],
      }),
    );
    const err = (await loadPrincipals(file, {}).then(
      () => new Error('expected a rejection'),
      (e: unknown) => e,
    )) as Error & { code: string };
    expect(err.code).toBe('CORDON_ERR_CONFIG_INVALID');
    expect(err.message).toContain(
      'principals[0] must have exactly one of token_sha256, token_env, token_file (tokens are never written inline).',
    );
    expect(err.message).toContain('principals[1].id "a" is used twice');
    expect(err.message).toContain('principals[1].roles must be a non-empty list');
    expect(err.message).toContain('principals[2].id must be a name');
    expect(err.message).toContain(
      'principals[3]: environment variable MISSING_VAR is not set or empty.',
    );
    expect(err.message).not.toContain('inline-secret');
  });

  it('generates owner-only credentials on first start, storing only hashes in the tokens file', async () => {
    const file = join(dir(), 'tokens.json');
    const generated = await generateDefaultPrincipals(file);
    const stored = readFileSync(file, 'utf8');
    for (const token of Object.values(generated.tokens)) expect(stored).not.toContain(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(generated.credentialsFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(generated.credentialsFile, 'utf8')).toContain(
      `CORDON_INGEST_TOKEN=${generated.tokens.ingest}`,
    );
    const directory = await loadPrincipals(file, {});
    expect(directory.authenticate(generated.tokens.approver)).toEqual({
      id: 'approver',
      roles: ['approver', 'analyst', 'responder'],
      sources: [],
    });
    expect(directory.authenticate(generated.tokens.ingest)?.sources).toEqual(['*']);
  });
});
