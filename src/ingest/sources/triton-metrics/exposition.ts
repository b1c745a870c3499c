/**
 * A small reader for the Prometheus text exposition format (version 0.0.4), enough for
 * Triton's :8002/metrics: `# HELP`, `# TYPE`, and `name{label="value",…} value [timestamp]`.
 */

export interface Sample {
  /** Zero-based physical line, the batch item errors are reported on. */
  readonly line: number;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestamp: number | undefined;
}

export type SampleRead =
  | { readonly ok: true; readonly sample: Sample }
  | { readonly ok: false; readonly reasons: string[] };

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
/** Sticky: read at a position without copying the rest of a (possibly huge) line. */
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const BARE_VALUE = /[^,}\s]*/y;
const FLOAT = /^[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|Inf|inf|NaN|nan)$/;

export function parseValue(text: string): number | undefined {
  if (!FLOAT.test(text)) return undefined;
  if (/^[-+]?inf$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return /^[-+]?nan$/i.test(text) ? NaN : Number(text);
}

/** Reads `{a="1",b="x\"y"}` from `text` at position 0; returns labels and the rest. */
function readLabels(
  text: string,
  reasons: string[],
): { labels: Record<string, string>; rest: string } | undefined {
  const labels: Record<string, string> = {};
  let i = 1;
  const skip = (): void => {
    while (text[i] === ' ' || text[i] === '\t') i += 1;
  };
  skip();
  while (i < text.length && text[i] !== '}') {
    LABEL_NAME.lastIndex = i;
    const name = LABEL_NAME.exec(text)?.[0];
    if (name === undefined) {
      reasons.push(
        `expected a label name at column ${i + 1}; got ${JSON.stringify(text.slice(i, i + 20))}.`,
      );
      return undefined;
    }
    i += name.length;
    skip();
    if (text[i] !== '=') {
      reasons.push(`label ${name} is not followed by "=".`);
      return undefined;
    }
    i += 1;
    skip();
    if (text[i] !== '"') {
      BARE_VALUE.lastIndex = i;
      const bare = (BARE_VALUE.exec(text)?.[0] ?? '').slice(0, 40);
      reasons.push(
        `label ${name} has an unquoted value ${JSON.stringify(bare)}: label values are quoted, write ${name}="${bare}".`,
      );
      return undefined;
    }
    i += 1;
    let value = '';
    let closed = false;
    while (i < text.length) {
      const char = text[i];
      if (char === '\\') {
        const next = text[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
        continue;
      }
      i += 1;
      if (char === '"') {
        closed = true;
        break;
      }
      value += char;
    }
    if (!closed) {
      reasons.push(
        `the value of label ${name} is not closed with a quote (the line looks cut off).`,
      );
      return undefined;
    }
    if (Object.hasOwn(labels, name)) {
      reasons.push(`label ${name} appears twice in one series.`);
      return undefined;
    }
    Object.defineProperty(labels, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    skip();
    if (text[i] === ',') {
      i += 1;
      skip();
    } else if (text[i] !== '}') {
      reasons.push(
        `expected "," or "}" after label ${name}="${value}" at column ${i + 1}; got ${JSON.stringify(text.slice(i, i + 15))} (a missing comma?).`,
      );
      return undefined;
    }
  }
  if (text[i] !== '}') {
    reasons.push('the label set is not closed with "}" (the line looks cut off).');
    return undefined;
  }
  return { labels, rest: text.slice(i + 1) };
}

/** One sample line. */
export function readSample(text: string, line: number): SampleRead {
  const reasons: string[] = [];
  const name = NAME.exec(text)?.[0];
  if (name === undefined)
    return {
      ok: false,
      reasons: [
        `is not a sample line (metric_name{labels} value); got ${JSON.stringify(text.slice(0, 60))}.`,
      ],
    };
  let rest = text.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const read = readLabels(rest, reasons);
    if (read === undefined) return { ok: false, reasons };
    labels = read.labels;
    rest = read.rest;
  }
  const parts = rest
    .trim()
    .split(/\s+/)
    .filter((p) => p !== '');
  if (parts.length === 0 || parts.length > 2 || !/^\s/.test(rest))
    return {
      ok: false,
      reasons: [
        `expected a value after ${name}${Object.keys(labels).length > 0 ? '{…}' : ''} (and an optional timestamp); got ${JSON.stringify(rest.trim().slice(0, 40))}.`,
      ],
    };
  const value = parseValue(parts[0] ?? '');
  if (value === undefined) reasons.push(`value ${JSON.stringify(parts[0])} is not a number.`);
  let timestamp: number | undefined;
  if (parts[1] !== undefined) {
    if (/^-?\d+$/.test(parts[1])) timestamp = Number(parts[1]);
    else reasons.push(`timestamp ${JSON.stringify(parts[1])} is not integer epoch milliseconds.`);
  }
  if (reasons.length > 0 || value === undefined) return { ok: false, reasons };
  return { ok: true, sample: { line, name, labels, value, timestamp } };
}

/** `# TYPE name type`, or undefined for other comments. */
export function readTypeLine(text: string): { name: string; type: string } | undefined {
  const m = /^#\s*TYPE\s+(\S+)\s+(\S+)\s*$/.exec(text);
  return m?.[1] !== undefined && m[2] !== undefined ? { name: m[1], type: m[2] } : undefined;
}

/** A stable key for a series: name and labels in name order. */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((key) => `${key}=${JSON.stringify(labels[key])}`);
  return `${name}{${parts.join(',')}}`;
}
