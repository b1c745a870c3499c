import { readFileSync } from 'node:fs';
import type { SecretRef } from '../../config/connectors.js';
import { CordonError } from '../../shared/errors.js';

/** Where secret references are looked up; tests pass their own. */
export interface SecretSource {
  readonly env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string;
}

export const processSecrets: SecretSource = {
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
};

/** Names a reference without its value: what errors and start-up checks may say. */
export function describeSecretRef(ref: SecretRef): string {
  return 'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`;
}

/**
 * The secret's current value, read on every call so a rotated file or variable takes effect
 * without a restart. Trailing newlines of files are dropped (`echo x > file`).
 */
export function resolveSecret(ref: SecretRef, source: SecretSource, connector: string): string {
  let value: string | undefined;
  if ('env' in ref) value = source.env[ref.env];
  else {
    try {
      value = source.readFile(ref.file).replace(/\r?\n$/, '');
    } catch {
      value = undefined;
    }
  }
  if (value === undefined || value === '') {
    throw new CordonError(
      'CORDON_ERR_CONNECTOR_SECRET',
      `Connector "${connector}" needs a secret from ${describeSecretRef(ref)}, which is ${'env' in ref ? 'not set' : 'missing or empty'}. Set it (or disable the connector with "enabled: false").`,
    );
  }
  return value;
}
