import { gunzip, inflate } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FieldError } from '../ingest/normalizers/types.js';
import { CordonError } from '../shared/errors.js';
import type { ApiDeps } from './deps.js';

/**
 * Ingest bodies are taken raw (any content type, up to the limit) so a source's kind can report
 * exact positions and dead letters keep the bytes as they came. Shippers compress by default
 * (Filebeat, the OpenTelemetry Collector: gzip), so `Content-Encoding: gzip | deflate` is
 * undone here, the decompressed size held to the same limit (no zip bombs).
 */
export function registerIngestBodyParser(
  app: FastifyInstance,
  deps: Pick<ApiDeps, 'ingest' | 'ingestBodyLimitBytes'>,
): void {
  const limitBytes = deps.ingestBodyLimitBytes;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: limitBytes },
    (request, body, done) => {
      const encoding = String(request.headers['content-encoding'] ?? 'identity')
        .trim()
        .toLowerCase();
      const raw = body as Buffer;
      if (encoding === 'identity' || encoding === '') {
        done(null, raw);
        return;
      }
      const undo =
        encoding === 'gzip' || encoding === 'x-gzip'
          ? gunzip
          : encoding === 'deflate'
            ? inflate
            : undefined;
      if (!undo) {
        done(
          new CordonError(
            'CORDON_ERR_INGEST_UNSUPPORTED_MEDIA_TYPE',
            `Content-Encoding "${encoding}" is not supported; send gzip, deflate or an uncompressed body.`,
          ),
          undefined,
        );
        return;
      }
      undo(raw, { maxOutputLength: limitBytes }, (err, out) => {
        if (!err) {
          done(null, out);
          return;
        }
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          done(
            new CordonError(
              'CORDON_ERR_INGEST_BODY_TOO_LARGE',
              `The ${encoding} body expands past the ingest limit of ${limitBytes} bytes (CORDON_INGEST_BODY_LIMIT_BYTES); send smaller batches.`,
            ),
            undefined,
          );
          return;
        }
        refuseCorrupt(deps, request, raw, encoding === 'x-gzip' ? 'gzip' : encoding, err).then(
          (refusal) => done(refusal, undefined),
          (failed: unknown) => done(failed as Error, undefined),
        );
      });
    },
  );
}

/**
 * A body that does not decompress as its Content-Encoding says is the sender's mistake (a
 * header left on an uncompressed body, a cut transfer): refused with 400 and kept as a dead
 * letter with its bytes as they came, like any body no kind can read.
 */
async function refuseCorrupt(
  deps: Pick<ApiDeps, 'ingest'>,
  request: FastifyRequest,
  raw: Buffer,
  encoding: string,
  err: Error,
): Promise<CordonError> {
  const errors: FieldError[] = [
    {
      path: '',
      reason: `body is not valid ${encoding}: ${err.message}; send the body compressed as Content-Encoding says, or drop the header.`,
    },
  ];
  // The route's onRequest hooks have named and admitted the source before the body is read.
  const source = request.dropInSource ?? (request.params as { source?: string }).source ?? '';
  const id = await deps.ingest.refuseUnread(
    source,
    errors,
    request.headers['content-type'],
    raw,
    request.principal?.id ?? 'unknown',
  );
  return new CordonError(
    'CORDON_ERR_INGEST_INVALID_PAYLOAD',
    `The ${encoding} body for source "${source}" was rejected: ${errors[0]?.reason ?? ''} It is kept as dead letter ${id}.`,
    { details: { deadLetterId: id, errors } },
  );
}
