import { readFile, stat } from 'node:fs/promises';
import { FileFollower } from '../ingest/follow/file-follower.js';
import { getSourceKind } from '../ingest/sources/registry.js';
import { INGEST_USAGE } from './usage.js';

interface IngestArgs {
  follow?: string;
  file?: string;
  format?: string;
  source?: string;
  url: string;
  token?: string;
  fromStart: boolean;
  stateFile?: string;
  batch: number;
  pollMs: number;
}

/** A delivery Cordon asked to retry later (429, 503) or could not take now. */
class RetryLater extends Error {
  constructor(
    message: string,
    readonly afterMs: number,
  ) {
    super(message);
  }
}

/** Cordon refused the token (401, 403): sending again would be refused again. */
class TokenRefused extends Error {}

/** The token, and where it was found (named when Cordon refuses it). */
function findToken(flag: string | undefined): { token: string; from: string } | undefined {
  if (flag) return { token: flag, from: '--token' };
  for (const name of ['CORDON_TOKEN', 'CORDON_INGEST_TOKEN']) {
    const token = process.env[name];
    if (token) return { token, from: name };
  }
  return undefined;
}

/**
 * `cordon ingest --follow <path> --format <type>`: for servers that only write logs
 * (TorchServe, Triton): tails the file and posts its lines to a running Cordon in batches,
 * retrying what Cordon asks to retry, resuming from a saved position after a restart.
 * `cordon ingest <file>` posts a file once.
 */
export async function runIngest(argv: readonly string[]): Promise<number> {
  const args = readArgs(argv);
  if (typeof args === 'string') {
    console.error(`cordon ingest: ${args}\n\n${INGEST_USAGE}`);
    return 2;
  }
  const kind = args.format === undefined ? undefined : getSourceKind(args.format);
  if (args.format !== undefined && !kind) {
    console.error(
      `cordon ingest: no source type "${args.format}" (cordon parse --list shows them).`,
    );
    return 2;
  }
  const source = args.source ?? args.format ?? '';
  const found = findToken(args.token);
  if (!found) {
    console.error(
      'cordon ingest: give an ingest token with --token, CORDON_TOKEN or CORDON_INGEST_TOKEN (`source .cordon/credentials.env` sets the last).',
    );
    return 2;
  }
  const { token } = found;
  const accepted = kind?.contentTypes ?? ['application/x-ndjson'];
  const contentType = accepted.includes('application/x-ndjson')
    ? 'application/x-ndjson'
    : accepted.includes('*') || accepted.includes('text/plain')
      ? 'text/plain'
      : (accepted[0] ?? 'text/plain');
  const deliver = async (lines: string[]): Promise<void> => {
    const res = await post(args.url, source, token, contentType, `${lines.join('\n')}\n`);
    if (res.status === 202) {
      const answer = (await res.json()) as {
        accepted?: number;
        duplicates?: number;
        rejected?: unknown[];
      };
      if (answer.rejected?.length)
        console.error(
          `cordon ingest: ${answer.rejected.length} line(s) refused; see GET /v1/deadletters.`,
        );
      return;
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403) {
      const why =
        res.status === 401
          ? 'is not a token it knows'
          : `may not send to source "${source}" (its principal lacks the ingest role or this source)`;
      throw new TokenRefused(
        `Cordon at ${args.url} refused the token (${res.status}): the token from ${found.from} ${why}. ` +
          'Check --token, CORDON_TOKEN or CORDON_INGEST_TOKEN (in .cordon/credentials.env).',
      );
    }
    if (res.status === 429 || res.status === 503) {
      const after = Number(res.headers.get('retry-after') ?? '5');
      throw new RetryLater(
        `Cordon asked to retry (${res.status})`,
        (Number.isFinite(after) ? after : 5) * 1000,
      );
    }
    if (res.status === 400 || res.status === 413 || res.status === 415) {
      // Refused for good and kept as a dead letter by Cordon; resending would not help.
      console.error(
        `cordon ingest: ${lines.length} line(s) refused (${res.status}): ${text.slice(0, 500)}`,
      );
      return;
    }
    throw new RetryLater(`Cordon answered ${res.status}: ${text.slice(0, 300)}`, 5_000);
  };

  if (args.file !== undefined) {
    const text = await readFile(args.file, 'utf8');
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    let sent = 0;
    try {
      for (; sent < lines.length; sent += args.batch)
        await deliver(lines.slice(sent, sent + args.batch));
    } catch (err) {
      if (!(err instanceof TokenRefused || err instanceof RetryLater)) throw err;
      // Sent once, not retried: say how far it got, without a stack trace.
      const end = err.message.endsWith('.') ? '' : '.';
      console.error(
        `cordon ingest: ${err.message}${end} Stopped after sending ${sent} of ${lines.length} line(s).`,
      );
      return 1;
    }
    console.error(`cordon ingest: sent ${lines.length} line(s) to source "${source}".`);
    return 0;
  }
  let refused = false;
  const follower = new FileFollower({
    path: args.follow ?? '',
    fromStart: args.fromStart,
    ...(args.stateFile === undefined ? {} : { stateFile: args.stateFile }),
    maxLines: args.batch,
    pollMs: args.pollMs,
    maxLineBytes: 256 * 1024,
    deliver,
    retryMs: (err) =>
      err instanceof RetryLater ? err.afterMs : err instanceof TokenRefused ? 0 : 2_000,
    onError: (err) => {
      if (err instanceof TokenRefused) {
        // Every later batch would be refused the same way: stop, the position unsaved.
        console.error(`cordon ingest: ${err.message}`);
        refused = true;
        follower.stop();
      } else console.error(`cordon ingest: ${(err as Error).message}; retrying.`);
    },
  });
  const stop = (): void => follower.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.error(
    `cordon ingest: following ${args.follow ?? ''} into source "${source}" at ${args.url}.`,
  );
  // Waited for like tail -F, but said: a mistyped path would otherwise wait silently forever.
  if (!(await stat(args.follow ?? '').catch(() => undefined)))
    console.error(
      `cordon ingest: warning: ${args.follow ?? ''} does not exist yet; waiting for it to appear (then it is read from its start). Check the path if it should be there.`,
    );
  await follower.run();
  return refused ? 1 : 0;
}

async function post(
  url: string,
  source: string,
  token: string,
  contentType: string,
  body: string,
): Promise<Response> {
  try {
    return await fetch(`${url.replace(/\/$/, '')}/v1/ingest/${encodeURIComponent(source)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new RetryLater(`cannot reach Cordon at ${url} (${(err as Error).message})`, 2_000);
  }
}

function readArgs(argv: readonly string[]): IngestArgs | string {
  const out: IngestArgs = {
    url: process.env.CORDON_URL ?? `http://127.0.0.1:${process.env.CORDON_PORT ?? '8080'}`,
    fromStart: false,
    batch: 500,
    pollMs: 250,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => (eq > 0 ? arg.slice(eq + 1) : (argv[(i += 1)] ?? ''));
    if (flag === '--follow') out.follow = value();
    else if (flag === '--format') out.format = value();
    else if (flag === '--source') out.source = value();
    else if (flag === '--url') out.url = value();
    else if (flag === '--token') out.token = value();
    else if (flag === '--from-start') out.fromStart = true;
    else if (flag === '--state') out.stateFile = value();
    else if (flag === '--batch' || flag === '--poll-ms') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1 || n > 100_000)
        return `${flag} takes a whole number from 1 to 100000.`;
      if (flag === '--batch') out.batch = n;
      else out.pollMs = n;
    } else if (flag.startsWith('-')) return `unknown option "${flag}".`;
    else if (out.file === undefined) out.file = arg;
    else return `name one file (got "${out.file}" and "${arg}").`;
  }
  if ((out.follow === undefined) === (out.file === undefined))
    return 'name either --follow <path> or one file to send once.';
  if (out.format === undefined && out.source === undefined)
    return 'name the source with --source <connector name> (or --format <type> when the connector is named after its type).';
  return out;
}
