import type { LineOptions } from '../lines/options.js';
import { LINE_OPTIONS_SPEC } from '../lines/options.js';
import { normaliseLines } from '../lines/line-driver.js';
import type { SourceKind } from '../source-kind.js';
import { readCefLine } from './read-cef.js';

/**
 * ArcSight CEF lines (ingest-formats §14.1), one per line or octet-counted, bare or behind a
 * syslog header: what SIEM forwarders and appliances send over HTTP (Vector, Fluent Bit,
 * rsyslog omhttp). The syslog listener feeds the `syslog` kind, which detects CEF by itself.
 */
export const cefKind: SourceKind<LineOptions> = {
  type: 'cef',
  title: 'ArcSight Common Event Format (CEF) lines, optionally inside syslog',
  category: 'line',
  contentTypes: ['*'],
  hecEvent: 'line',
  auth: ['bearer', 'basic', 'header'],
  options: LINE_OPTIONS_SPEC,
  normalise: (request, ctx) => normaliseLines(request, ctx, 'CEF message', readCefLine),
};
