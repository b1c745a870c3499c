import { got } from '../../normalizers/json-values.js';
import type { Problems } from '../lines/problems.js';

/** The seven pipe-separated header fields of a CEF message, unescaped. */
export interface CefHeader {
  readonly version: number;
  readonly vendor: string;
  readonly product: string;
  readonly deviceVersion: string;
  readonly signatureId: string;
  readonly name: string;
  readonly severity: string;
  /** Raw extension text after the seventh pipe (still escaped). */
  readonly extension: string;
}

const HEADER_NAMES =
  'Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity';

/**
 * Splits `CEF:Version|…|Severity|Extension` on unescaped pipes. In the header `\|` is a pipe
 * and `\\` a backslash; any other backslash stays as it is (lenient, like the Logstash codec).
 */
export function parseCefHeader(text: string, problems: Problems): CefHeader | undefined {
  const m = /^CEF:(\d+)\|/.exec(text);
  if (!m) {
    problems.error(
      ['version'],
      `must start with "CEF:0|" (or "CEF:1|"); got ${got(text.slice(0, 20))}.`,
    );
    return undefined;
  }
  const version = Number(m[1]);
  if (version > 1)
    problems.error(['version'], `must be 0 or 1 (CEF 0.x / 1.x); got ${got(`CEF:${m[1]}`)}.`);
  const fields: string[] = [];
  let current = '';
  let i = m[0].length;
  while (i < text.length && fields.length < 6) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === '|' || text[i + 1] === '\\')) {
      current += text[i + 1];
      i += 2;
    } else if (c === '|') {
      fields.push(current);
      current = '';
      i += 1;
    } else {
      current += c;
      i += 1;
    }
  }
  if (fields.length < 6) {
    problems.error(
      ['header'],
      `has ${fields.length + 1} header fields; CEF needs 7 (${HEADER_NAMES}), each followed by "|", then the extension. ` +
        'Is the severity or a field missing?',
    );
    return undefined;
  }
  const [
    vendor = '',
    product = '',
    deviceVersion = '',
    signatureId = '',
    name = '',
    severity = '',
  ] = fields;
  return {
    version,
    vendor,
    product,
    deviceVersion,
    signatureId,
    name,
    severity,
    extension: text.slice(i),
  };
}
