import { gunzip, inflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { CordonError } from '../shared/errors.js';

/**
 * Ingest bodies are taken raw (any content type, up to the limit) so a source's kind can report
 * exact positions and dead letters keep the bytes as they came. Shippers compress by default
 * (Filebeat, the OpenTelemetry Collector: gzip), so `Content-Encoding: gzip | deflate` is
 * undone here, the decompressed size held to the same limit (no zip bombs).
 */
export function registerIngestBodyParser(app: FastifyInstance, limitBytes: number): void {
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
        const tooLarge = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
        done(
          new CordonError(
            tooLarge ? 'CORDON_ERR_INGEST_BODY_TOO_LARGE' : 'CORDON_ERR_INGEST_INVALID_PAYLOAD',
            tooLarge
              ? `The ${encoding} body expands past the ingest limit of ${limitBytes} bytes (CORDON_INGEST_BODY_LIMIT_BYTES); send smaller batches.`
              : `The body is not valid ${encoding} (${err.message}); check the sender's compression setting.`,
          ),
          undefined,
        );
      });
    },
  );
}
