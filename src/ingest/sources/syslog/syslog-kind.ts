import { normaliseLines } from '../lines/line-driver.js';
import { LINE_OPTIONS_SPEC } from '../lines/options.js';
import type { LineOptions } from '../lines/options.js';
import type { SourceKind } from '../source-kind.js';
import { readSyslogLine } from './syslog-event.js';

/**
 * Syslog messages (RFC 5424 and RFC 3164, ingest-formats §14.3) over HTTP, one per line or
 * octet-counted; the syslog listener (`src/ingest/syslog/`) delivers UDP/TCP messages here.
 */
export const syslogKind: SourceKind<LineOptions> = {
  type: 'syslog',
  title: 'Syslog (RFC 5424 / RFC 3164), with CEF and LEEF payloads detected inside',
  category: 'line',
  contentTypes: ['*'],
  hecEvent: 'line',
  auth: ['bearer', 'basic', 'header'],
  options: LINE_OPTIONS_SPEC,
  normalise: (request, ctx) => normaliseLines(request, ctx, 'syslog message', readSyslogLine),
};
