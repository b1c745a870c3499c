import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { LocalSourceMemory } from '../ingest/sources/memory.js';
import { parseHttpRequestFile } from '../ingest/sources/http-request-file.js';
import { allSourceKinds, getSourceKind } from '../ingest/sources/registry.js';
import type { AnySourceKind } from '../ingest/sources/source-kind.js';
import { addInputHash } from '../ingest/keep-policy.js';
import { suggest } from '../shared/shape.js';
import { enrichForParse } from './parse-enrichment.js';
import { PARSE_USAGE } from './usage.js';

/** Media type a file most likely carries when sent, by its extension. */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.json': 'application/json',
  '.ndjson': 'application/x-ndjson',
  '.jsonl': 'application/x-ndjson',
  '.sse': 'text/event-stream',
  '.prom': 'text/plain',
  '.log': 'text/plain',
  '.txt': 'text/plain',
};

interface ParseArgs {
  type?: string;
  file?: string;
  contentType?: string;
  options?: string;
  now?: number;
  pretty: boolean;
  list: boolean;
}

/**
 * `cordon parse --source <type> <file>`: what a payload, a log file or a raw HTTP request
 * (`.http.txt`) turns into, offline, so a user checks a sender before pointing it at Cordon.
 * Events go to stdout as NDJSON; warnings and refusals to stderr; exit 1 when anything is
 * refused.
 */
export async function runParse(argv: readonly string[]): Promise<number> {
  const args = readArgs(argv);
  if (typeof args === 'string') {
    console.error(`cordon parse: ${args}\n\n${PARSE_USAGE}`);
    return 2;
  }
  if (args.list) {
    for (const kind of allSourceKinds()) console.log(describeKind(kind));
    return 0;
  }
  const kind = args.type === undefined ? undefined : getSourceKind(args.type);
  if (!kind) {
    const types = allSourceKinds().map((k) => k.type);
    const hint = args.type === undefined ? undefined : suggest(args.type, types);
    console.error(
      `cordon parse: ${args.type === undefined ? 'name the source type with --source <type>' : `no source type "${args.type}"`}.${hint ? ` Did you mean "${hint}"?` : ''} Types: ${types.join(', ')} (cordon parse --list describes them).`,
    );
    return 2;
  }
  let options: unknown;
  if (kind.options) {
    const problems: string[] = [];
    let raw: unknown;
    try {
      raw = args.options === undefined ? undefined : JSON.parse(args.options);
    } catch (err) {
      console.error(`cordon parse: --options must be JSON (${(err as Error).message}).`);
      return 2;
    }
    options = kind.options.compile(raw, (path, reason) =>
      problems.push(`options${path.length ? `.${path.join('.')}` : ''}: ${reason}`),
    );
    if (problems.length > 0 || options === undefined) {
      for (const p of problems) console.error(`cordon parse: ${p}`);
      return 2;
    }
  } else if (args.options !== undefined) {
    console.error(`cordon parse: source type "${kind.type}" takes no options.`);
    return 2;
  }
  let bytes: Buffer;
  try {
    bytes = args.file === '-' ? await readStdin() : await readFile(args.file ?? '');
  } catch (err) {
    console.error(
      `cordon parse: cannot read ${args.file ?? ''} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
    return 2;
  }
  let headers: Record<string, string> = {};
  let body = bytes;
  let method = 'POST';
  let contentType = args.contentType;
  if (args.file?.endsWith('.http.txt') || args.file?.endsWith('.http')) {
    const parsed = parseHttpRequestFile(bytes);
    if (!parsed.ok) {
      console.error(`cordon parse: ${args.file}: ${parsed.reason}`);
      return 1;
    }
    ({ headers, body, method } = parsed.request);
    contentType ??= headers['content-type'];
  }
  contentType ??= BY_EXTENSION[extname(args.file ?? '').toLowerCase()];
  let media = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!kind.contentTypes.includes('*') && !kind.contentTypes.includes(media))
    media = kind.contentTypes[0] ?? media;
  const now = args.now ?? Date.now();

  if (method === 'GET') {
    const reply = kind.handshake?.({ method, headers, query: {} }, options);
    if (!reply) {
      console.error(`cordon parse: a GET request, and ${kind.type} answers no handshake.`);
      return 1;
    }
    console.log(JSON.stringify({ handshake: reply }, null, args.pretty ? 2 : undefined));
    return 0;
  }
  const result = await kind.normalise(
    { body, contentType: media, headers },
    {
      contentType: media,
      now,
      source: kind.type,
      options,
      memory: new LocalSourceMemory(() => now),
    },
  );
  if (!result.ok) {
    console.error(`cordon parse: refused as ${kind.type} (${result.errors.length} problem(s)):`);
    for (const e of result.errors) console.error(`  ${e.path || '(body)'}: ${e.reason}`);
    return 1;
  }
  // Enrichment from the sender's API, as the live path runs it (it may need the network).
  const enrichment = await enrichForParse(kind, result.events, options, now);
  for (const event of result.events) {
    // What accepting adds from the event itself, so parse shows what rules will see.
    addInputHash(event);
    console.log(JSON.stringify({ ...event, source: kind.type }, null, args.pretty ? 2 : undefined));
  }
  for (const w of result.warnings) console.error(`warning: ${w}`);
  for (const line of enrichment) console.error(line);
  const rejected = result.rejected ?? [];
  for (const item of rejected)
    for (const e of item.errors)
      console.error(`refused item ${item.index}: ${e.path}: ${e.reason}`);
  console.error(
    `${result.events.length} event(s)${rejected.length ? `, ${rejected.length} item(s) refused` : ''}.`,
  );
  return rejected.length > 0 ? 1 : 0;
}

function describeKind(kind: AnySourceKind): string {
  return `${kind.type.padEnd(18)} ${kind.title} [${kind.category}; ${kind.contentTypes.join(', ')}; auth: ${kind.auth.join(', ')}${kind.options ? `; options: ${kind.options.keys.join(', ')}` : ''}]`;
}

function readArgs(argv: readonly string[]): ParseArgs | string {
  const out: ParseArgs = { pretty: false, list: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[(i += 1)];
    if (flag === '--source' || flag === '--type') out.type = value();
    else if (flag === '--content-type') out.contentType = value();
    else if (flag === '--options') out.options = value();
    else if (flag === '--now') {
      const text = value() ?? '';
      const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
      if (!Number.isFinite(ms)) return `--now takes an RFC 3339 time or epoch ms; got "${text}".`;
      out.now = ms;
    } else if (flag === '--pretty') out.pretty = true;
    else if (flag === '--list') out.list = true;
    else if (flag.startsWith('-') && flag !== '-') return `unknown option "${flag}".`;
    else if (out.file === undefined) out.file = arg;
    else return `name one file (got "${out.file}" and "${arg}").`;
  }
  if (!out.list && out.file === undefined)
    return 'name the file to parse (or - for standard input).';
  return out;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
