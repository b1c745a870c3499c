import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CordonError } from '../shared/errors.js';
import { digestsEqual, sha256Hex } from '../shared/hash.js';

/**
 * Identities that call the API. Tokens are bearer secrets; only their sha256 is kept in
 * memory and on disk. Roles:
 * - `ingest`: POST /v1/ingest/{source} for the sources listed in `sources` (`*` = all)
 * - `analyst`: read incidents, runs, approvals, cases, dead letters
 * - `approver`: decide approvals that do not name other roles (implies analyst reads)
 * - `responder`: resolve incidents (analysts only read unless granted it)
 * - `gateway`: limiter decision endpoints
 * - `metrics`: GET /metrics
 * - `auditor`: GET /v1/audit (the audit trail), nothing else
 * - `admin`: everything except deciding approvals, which stays with the roles a playbook names
 * Any other role name (e.g. `ml-oncall`) is a custom role that playbook approvals can require.
 */
export const BUILTIN_ROLES = [
  'ingest',
  'analyst',
  'approver',
  'responder',
  'gateway',
  'metrics',
  'auditor',
  'admin',
] as const;

export interface Principal {
  readonly id: string;
  readonly roles: readonly string[];
  readonly sources: readonly string[];
}

interface Entry {
  readonly principal: Principal;
  readonly tokenSha256: string;
}

export class PrincipalDirectory {
  readonly #entries: Entry[] = [];

  add(principal: Principal, tokenSha256: string): void {
    this.#entries.push({ principal, tokenSha256 });
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Hashes the presented token and compares digests in constant time. */
  authenticate(token: string): Principal | undefined {
    const digest = sha256Hex(token);
    let found: Principal | undefined;
    for (const entry of this.#entries) {
      if (digestsEqual(digest, entry.tokenSha256)) found ??= entry.principal;
    }
    return found;
  }
}

export function hasRole(principal: Principal, ...roles: readonly string[]): boolean {
  return roles.some((r) => principal.roles.includes(r));
}

export function canIngest(principal: Principal, source: string): boolean {
  return (
    hasRole(principal, 'ingest', 'admin') &&
    (hasRole(principal, 'admin') ||
      principal.sources.includes('*') ||
      principal.sources.includes(source))
  );
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the principals file: `{ "principals": [ { "id", "roles", "sources"?, one of
 * "token_sha256" | "token_env" | "token_file" } ] }`. Every problem is reported at once.
 */
export async function loadPrincipals(
  file: string,
  env: Env = process.env,
): Promise<PrincipalDirectory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CordonError(
      'CORDON_ERR_CONFIG_INVALID',
      `Cannot read the tokens file ${file}: ${(err as Error).message}. Create it or set CORDON_TOKENS_FILE.`,
      { cause: err },
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CordonError(
      'CORDON_ERR_CONFIG_INVALID',
      `Tokens file ${file} is not valid JSON: ${(err as Error).message}.`,
    );
  }
  const list = (doc as { principals?: unknown } | null)?.principals;
  if (!Array.isArray(list)) {
    throw new CordonError(
      'CORDON_ERR_CONFIG_INVALID',
      `Tokens file ${file} must hold {"principals": [...]}.`,
    );
  }
  const problems: string[] = [];
  const directory = new PrincipalDirectory();
  const ids = new Set<string>();
  for (const [i, item] of list.entries()) {
    const where = `${file}: principals[${i}]`;
    const p = item as Record<string, unknown>;
    const id = p.id;
    if (typeof id !== 'string' || !/^[\w.@:-]{1,128}$/.test(id)) {
      problems.push(
        `${where}.id must be a name of letters, digits, _ . @ : - ; got ${JSON.stringify(id)}.`,
      );
      continue;
    }
    if (ids.has(id))
      problems.push(
        `${where}.id "${id}" is used twice; ids identify approvers and must be unique.`,
      );
    ids.add(id);
    const roles = p.roles;
    if (
      !Array.isArray(roles) ||
      roles.length === 0 ||
      !roles.every((r) => typeof r === 'string' && /^[\w.-]{1,64}$/.test(r))
    ) {
      problems.push(
        `${where}.roles must be a non-empty list of role names (${BUILTIN_ROLES.join(', ')} or custom).`,
      );
      continue;
    }
    const sources = p.sources ?? [];
    if (!Array.isArray(sources) || !sources.every((s) => typeof s === 'string')) {
      problems.push(`${where}.sources must be a list of source names or "*".`);
      continue;
    }
    const digest = await resolveTokenDigest(p, where, env, problems);
    if (digest) directory.add({ id, roles: roles as string[], sources: sources }, digest);
  }
  if (problems.length > 0) {
    throw new CordonError(
      'CORDON_ERR_CONFIG_INVALID',
      `Tokens file has ${problems.length} problem(s):\n${problems.map((x) => `  - ${x}`).join('\n')}`,
      { details: { problems } },
    );
  }
  return directory;
}

async function resolveTokenDigest(
  p: Record<string, unknown>,
  where: string,
  env: Env,
  problems: string[],
): Promise<string | undefined> {
  const given = ['token_sha256', 'token_env', 'token_file'].filter((k) => p[k] !== undefined);
  if (given.length !== 1) {
    problems.push(
      `${where} must have exactly one of token_sha256, token_env, token_file (tokens are never written inline).`,
    );
    return undefined;
  }
  if (typeof p.token_sha256 === 'string') {
    if (/^[0-9a-f]{64}$/.test(p.token_sha256)) return p.token_sha256;
    problems.push(
      `${where}.token_sha256 must be 64 lower-case hex characters (sha256 of the token).`,
    );
    return undefined;
  }
  const token = await readSecret(p.token_env, p.token_file, env);
  if (token.ok) return sha256Hex(token.value);
  problems.push(`${where}: ${token.reason}`);
  return undefined;
}

export type SecretResult = { ok: true; value: string } | { ok: false; reason: string };

/** Resolves `{ env: NAME }` or `{ file: path }`; reasons never include the secret. */
export async function readSecret(
  envName: unknown,
  filePath: unknown,
  env: Env,
): Promise<SecretResult> {
  if (typeof envName === 'string') {
    const value = env[envName];
    if (value === undefined || value.trim() === '')
      return { ok: false, reason: `environment variable ${envName} is not set or empty.` };
    return { ok: true, value: value.trim() };
  }
  if (typeof filePath === 'string') {
    try {
      const value = (await readFile(filePath, 'utf8')).trim();
      if (!value) return { ok: false, reason: `secret file ${filePath} is empty.` };
      return { ok: true, value };
    } catch (err) {
      return {
        ok: false,
        reason: `secret file ${filePath} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
      };
    }
  }
  return { ok: false, reason: 'a secret reference must be { env: NAME } or { file: path }.' };
}

export interface GeneratedCredentials {
  readonly tokensFile: string;
  readonly credentialsFile: string;
  readonly tokens: Readonly<
    Record<'admin' | 'ingest' | 'approver' | 'analyst' | 'gateway', string>
  >;
}

/**
 * First start on embedded defaults: make one principal per built-in duty, store only the
 * hashes in the tokens file and the plain tokens in an owner-only credentials file that the
 * README's quick start sources.
 */
export async function generateDefaultPrincipals(tokensFile: string): Promise<GeneratedCredentials> {
  const token = (): string => `cdn_${randomBytes(24).toString('base64url')}`;
  const tokens = {
    admin: token(),
    ingest: token(),
    approver: token(),
    analyst: token(),
    gateway: token(),
  };
  const principals = [
    { id: 'admin', roles: ['admin'], token_sha256: sha256Hex(tokens.admin) },
    { id: 'ingest', roles: ['ingest'], sources: ['*'], token_sha256: sha256Hex(tokens.ingest) },
    {
      id: 'approver',
      roles: ['approver', 'analyst', 'responder'],
      token_sha256: sha256Hex(tokens.approver),
    },
    { id: 'analyst', roles: ['analyst', 'metrics'], token_sha256: sha256Hex(tokens.analyst) },
    { id: 'gateway', roles: ['gateway'], token_sha256: sha256Hex(tokens.gateway) },
  ];
  await mkdir(dirname(tokensFile), { recursive: true });
  await writeFile(tokensFile, `${JSON.stringify({ principals }, null, 2)}\n`, { mode: 0o600 });
  const credentialsFile = join(dirname(tokensFile), 'credentials.env');
  const lines = Object.entries(tokens).map(
    ([name, value]) => `CORDON_${name.toUpperCase()}_TOKEN=${value}`,
  );
  await writeFile(
    credentialsFile,
    `# Generated by cordon start. Owner-only; do not commit.\n${lines.join('\n')}\n`,
    { mode: 0o600 },
  );
  await chmod(credentialsFile, 0o600);
  return { tokensFile, credentialsFile, tokens };
}

/**
 * The bearer tokens source connectors name (`auth.bearer`: a variable or a file), read from
 * `env` and the files, and what could not be read (never a value): what `cordon start` needs
 * for the API, and what `cordon validate` warns of.
 */
export async function resolveSourceTokens(
  content: {
    readonly connectors: readonly {
      readonly kind: string;
      readonly name: string;
      readonly origin: string;
      readonly bearerTokens: readonly ({ env: string } | { file: string })[];
    }[];
  },
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ tokens: { source: string; value: string }[]; problems: string[] }> {
  const tokens: { source: string; value: string }[] = [];
  const problems: string[] = [];
  for (const source of content.connectors.filter((c) => c.kind === 'source')) {
    for (const ref of source.bearerTokens) {
      const secret = await readSecret(
        'env' in ref ? ref.env : undefined,
        'file' in ref ? ref.file : undefined,
        env,
      );
      if (secret.ok) tokens.push({ source: source.name, value: secret.value });
      else
        problems.push(`connector ${source.name} (${source.origin}) auth.bearer: ${secret.reason}`);
    }
  }
  return { tokens, problems };
}
