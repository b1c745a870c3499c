import { got } from '../../normalizers/json-values.js';
import type { Problems } from '../lines/problems.js';

export interface LeefMessage {
  readonly version: '1.0' | '2.0';
  readonly vendor: string;
  readonly product: string;
  readonly productVersion: string;
  readonly eventId: string;
  readonly delimiter: string;
  readonly attributes: readonly (readonly [string, string])[];
}

const HEAD = /^LEEF:(\d+(?:\.\d+)?)\|/;

/**
 * `LEEF:1.0|Vendor|Product|Version|EventID|` + tab-separated key=value, or LEEF 2.0 with a
 * delimiter field after EventID: one character, or its code in hex (`x09`, `0x09`, `^`).
 * LEEF has no escaping: a value runs to the next delimiter and may contain `=`.
 */
export function parseLeef(text: string, problems: Problems): LeefMessage | undefined {
  const head = HEAD.exec(text);
  if (!head) {
    problems.error(
      ['version'],
      `must start with "LEEF:1.0|" or "LEEF:2.0|"; got ${got(text.slice(0, 20))}.`,
    );
    return undefined;
  }
  const versionText = head[1] ?? '';
  const version =
    versionText === '1.0' || versionText === '1'
      ? '1.0'
      : versionText === '2.0' || versionText === '2'
        ? '2.0'
        : undefined;
  if (version === undefined) {
    problems.error(['version'], `must be 1.0 or 2.0; got ${got(`LEEF:${versionText}`)}.`);
    return undefined;
  }
  let rest = text.slice(head[0].length);
  const fields: string[] = [];
  for (let n = 0; n < 4; n += 1) {
    const pipe = rest.indexOf('|');
    if (pipe < 0) {
      problems.error(
        ['header'],
        `has ${fields.length + 1} header fields; LEEF needs Version|Vendor|Product|Version|EventID| before the attributes.`,
      );
      return undefined;
    }
    fields.push(rest.slice(0, pipe));
    rest = rest.slice(pipe + 1);
  }
  let delimiter = '\t';
  if (version === '2.0') {
    const field = /^([^|]{0,8})\|/.exec(rest);
    if (field) {
      const parsed = readDelimiter(field[1] ?? '');
      if (parsed === undefined) {
        problems.error(
          ['delimiter'],
          `must be one character or its hex code (x09, 0x09); got ${got(field[1])}.`,
        );
        return undefined;
      }
      delimiter = parsed;
      rest = rest.slice(field[0].length);
    }
  }
  const [vendor = '', product = '', productVersion = '', eventId = ''] = fields;
  if (eventId.trim() === '')
    problems.error(
      ['event_id'],
      'must not be empty: it names the event (QRadar maps it to a QID).',
    );
  const attributes = readAttributes(rest, delimiter, version, problems);
  return { version, vendor, product, productVersion, eventId, delimiter, attributes };
}

function readDelimiter(field: string): string | undefined {
  if (field === '') return '\t';
  if ([...field].length === 1) return field;
  const hex = /^(?:0?[xX])([0-9A-Fa-f]{1,4})$/.exec(field);
  return hex ? String.fromCharCode(parseInt(hex[1] ?? '', 16)) : undefined;
}

function readAttributes(
  text: string,
  delimiter: string,
  version: string,
  problems: Problems,
): [string, string][] {
  const attributes: [string, string][] = [];
  if (text.trim() === '') return attributes;
  if (/[\r\n]/.test(text)) {
    problems.error(['attributes'], 'contain a raw line break; LEEF messages are one line each.');
    return attributes;
  }
  if (!text.includes(delimiter) && (text.match(/ [A-Za-z][\w.-]*=/g)?.length ?? 0) > 0) {
    const name = delimiter === '\t' ? 'tabs' : `"${delimiter}"`;
    problems.error(
      ['attributes'],
      `must be separated by ${name}${version === '1.0' ? ' (LEEF 1.0 always uses tabs)' : ''}; this line has none, but spaces before key=value pairs. ` +
        'A tool on the way probably turned tabs into spaces; send the line unchanged, or use LEEF 2.0 with an explicit delimiter.',
    );
    return attributes;
  }
  text.split(delimiter).forEach((segment, index) => {
    if (segment.trim() === '') return;
    const eq = segment.indexOf('=');
    if (eq <= 0) {
      problems.error(
        ['attributes', String(index)],
        `must be key=value; got ${got(segment)}. Is the delimiter right (${JSON.stringify(delimiter)})?`,
      );
      return;
    }
    attributes.push([segment.slice(0, eq).trim(), segment.slice(eq + 1)]);
  });
  return attributes;
}
