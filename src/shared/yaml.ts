import {
  CORE_SCHEMA,
  EVENT_ID,
  SCALAR_STYLE,
  YAMLException,
  constructFromEvents,
  getScalarValue,
  parseEvents,
  type Event as YamlEvent,
} from 'js-yaml';
import type { Diagnostic } from './diagnostics.js';
import { formatPath } from './diagnostics.js';
import type { ErrorCode } from './error-codes.js';

export type YamlPath = readonly (string | number)[];

export interface SourcePosition {
  /** 1-based */
  readonly line: number;
  /** 1-based */
  readonly column: number;
}

/**
 * Where each node of one YAML document starts in the file. Lookups fall back to the
 * nearest ancestor that has a position, so every diagnostic gets a line even when it
 * is about a key that is missing.
 */
export class PositionMap {
  readonly #values = new Map<string, SourcePosition>();
  readonly #keys = new Map<string, SourcePosition>();
  readonly #texts = new Map<string, SourcePosition>();

  setValue(path: YamlPath, pos: SourcePosition): void {
    this.#values.set(pathKey(path), pos);
  }

  setKey(path: YamlPath, pos: SourcePosition): void {
    this.#keys.set(pathKey(path), pos);
  }

  /** Position of the value at `path`, else of its key, else of the nearest ancestor. */
  get(path: YamlPath): SourcePosition {
    for (let n = path.length; n >= 0; n -= 1) {
      const key = pathKey(path.slice(0, n));
      const pos = this.#values.get(key) ?? this.#keys.get(key);
      if (pos) return pos;
    }
    return { line: 1, column: 1 };
  }

  setText(path: YamlPath, pos: SourcePosition): void {
    this.#texts.set(pathKey(path), pos);
  }

  /**
   * Where the text of the scalar at `path` begins (after an opening quote; the first content
   * line of a block scalar), for pointing inside a value such as an expression.
   */
  getText(path: YamlPath): SourcePosition | undefined {
    return this.#texts.get(pathKey(path));
  }

  /** Position of the key that introduces `path` (useful for "unknown key" messages). */
  getKey(path: YamlPath): SourcePosition {
    return this.#keys.get(pathKey(path)) ?? this.get(path);
  }
}

export interface YamlDocument {
  readonly value: unknown;
  /** 0-based index of the document within a multi-document file. */
  readonly index: number;
  readonly positions: PositionMap;
}

export interface LoadedYaml {
  readonly file: string;
  readonly documents: readonly YamlDocument[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses a (possibly multi-document) YAML source with js-yaml's CORE schema: no implicit
 * timestamps, duplicate keys rejected. Syntax problems become diagnostics with the line and
 * column js-yaml reports; they are never thrown.
 */
export function loadYaml(source: string, file: string): LoadedYaml {
  let events: YamlEvent[];
  let values: unknown[];
  try {
    events = parseEvents(source, { filename: file });
    values = constructFromEvents(events, { source, filename: file, schema: CORE_SCHEMA });
  } catch (err) {
    return { file, documents: [], diagnostics: [yamlErrorToDiagnostic(err, file, source)] };
  }
  const positionMaps = mapPositions(events, source);
  const documents = values.map((value, index) => ({
    value,
    index,
    positions: positionMaps[index] ?? new PositionMap(),
  }));
  return { file, documents, diagnostics: [] };
}

function yamlErrorToDiagnostic(err: unknown, file: string, source: string): Diagnostic {
  if (err instanceof YAMLException) {
    const line = (err.mark?.line ?? 0) + 1;
    const column = (err.mark?.column ?? 0) + 1;
    if (/duplicated mapping key/i.test(err.reason)) {
      const key = keyAt(source, err.mark?.position ?? -1);
      return {
        code: 'CORDON_ERR_YAML_DUPLICATE_KEY',
        severity: 'error',
        message: `Mapping repeats the key ${key ? `"${key}"` : 'at this position'}; other tools silently keep one of the values, Cordon refuses. Remove or rename the duplicate.`,
        file,
        line,
        column,
        path: '',
      };
    }
    const unquoted = /complex key/i.test(err.reason) ? unquotedTemplate(source) : undefined;
    if (unquoted) {
      return {
        code: 'CORDON_ERR_YAML_SYNTAX',
        severity: 'error',
        message:
          'A value starting with "{{" must be quoted: YAML reads an unquoted {{ ... }} as a nested mapping. Write it as "{{ ... }}".',
        file,
        line: unquoted.line,
        column: unquoted.column,
        path: '',
      };
    }
    return {
      code: 'CORDON_ERR_YAML_SYNTAX',
      severity: 'error',
      message: `YAML syntax error: ${err.reason}. Fix the syntax at this position.`,
      file,
      line,
      column,
      path: '',
    };
  }
  return {
    code: 'CORDON_ERR_YAML_SYNTAX',
    severity: 'error',
    message: `YAML could not be parsed: ${err instanceof Error ? err.message : String(err)}.`,
    file,
    line: 1,
    column: 1,
    path: '',
  };
}

/** The mapping key written at `position` (up to its colon), without quotes. */
function keyAt(source: string, position: number): string | undefined {
  if (position < 0) return undefined;
  const match = /^\s*(?:"([^"]*)"|'([^']*)'|([^:#\n]+?))\s*:/.exec(source.slice(position));
  const key = match?.[1] ?? match?.[2] ?? match?.[3];
  return key?.trim() || undefined;
}

/** Where the first unquoted `{{` value is (a mapping value or a sequence item). */
function unquotedTemplate(source: string): SourcePosition | undefined {
  const lines = source.split('\n');
  for (const [i, text] of lines.entries()) {
    const match = /^(\s*(?:-\s+)?(?:[^'"#\s][^:#]*:\s+)?)\{\{/.exec(text);
    if (match && !text.trimStart().startsWith('#'))
      return { line: i + 1, column: (match[1]?.length ?? 0) + 1 };
  }
  return undefined;
}

interface Frame {
  readonly kind: 'map' | 'seq';
  readonly path: YamlPath;
  expectKey: boolean;
  pendingKey: string;
  nextIndex: number;
  /** Frames opened by complex (non-scalar) mapping keys are tracked but not recorded. */
  readonly ignored: boolean;
}

function mapPositions(events: readonly YamlEvent[], source: string): PositionMap[] {
  const lineStarts = computeLineStarts(source);
  const toPos = (offset: number): SourcePosition => offsetToPosition(lineStarts, offset);
  const maps: PositionMap[] = [];
  let current: PositionMap | undefined;
  const stack: Frame[] = [];

  for (const ev of events) {
    if (ev.type === EVENT_ID.DOCUMENT) {
      current = new PositionMap();
      maps.push(current);
      stack.length = 0;
      continue;
    }
    if (!current) continue;
    if (ev.type === EVENT_ID.POP) {
      stack.pop();
      continue;
    }
    const offset = startOffset(ev);
    const top = stack[stack.length - 1];
    let path: YamlPath | undefined;
    let ignored = top?.ignored ?? false;

    if (!top) {
      path = [];
    } else if (top.kind === 'map' && top.expectKey) {
      top.expectKey = false;
      if (ev.type === EVENT_ID.SCALAR) {
        top.pendingKey = getScalarValue(source, ev);
        if (!top.ignored && offset >= 0)
          current.setKey([...top.path, top.pendingKey], toPos(offset));
        continue;
      }
      top.pendingKey = '?';
      ignored = true;
    } else if (top.kind === 'map') {
      top.expectKey = true;
      path = [...top.path, top.pendingKey];
    } else {
      path = [...top.path, top.nextIndex];
      top.nextIndex += 1;
    }

    if (path && !ignored && offset >= 0) current.setValue(path, toPos(offset));
    if (path && !ignored && ev.type === EVENT_ID.SCALAR && ev.valueStart >= 0)
      current.setText(path, toPos(ev.valueStart));
    if (ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE) {
      stack.push({
        kind: ev.type === EVENT_ID.MAPPING ? 'map' : 'seq',
        path: path ?? [],
        expectKey: true,
        pendingKey: '',
        nextIndex: 0,
        ignored,
      });
    }
  }
  return maps;
}

function startOffset(ev: YamlEvent): number {
  switch (ev.type) {
    // js-yaml's anchorStart is the anchor's name; the node starts at the "&" (or "*") before it.
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE:
      return firstNonNegative(markStart(ev.anchorStart), ev.tagStart, ev.start);
    case EVENT_ID.SCALAR: {
      // Quoted scalars report where their text starts; point at the opening quote instead.
      const quoted =
        ev.style === SCALAR_STYLE.SINGLE_QUOTED || ev.style === SCALAR_STYLE.DOUBLE_QUOTED;
      return firstNonNegative(
        markStart(ev.anchorStart),
        ev.tagStart,
        ev.valueStart >= 0 && quoted ? ev.valueStart - 1 : ev.valueStart,
      );
    }
    case EVENT_ID.ALIAS:
      return markStart(ev.anchorStart);
    default:
      return -1;
  }
}

function markStart(nameStart: number): number {
  return nameStart > 0 ? nameStart - 1 : nameStart;
}

function firstNonNegative(...offsets: number[]): number {
  const valid = offsets.filter((o) => o >= 0);
  return valid.length ? Math.min(...valid) : -1;
}

function computeLineStarts(source: string): number[] {
  const starts = [0];
  for (let i = 0; i < source.length; i += 1) if (source.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function offsetToPosition(lineStarts: readonly number[], offset: number): SourcePosition {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1 };
}

function pathKey(path: YamlPath): string {
  return JSON.stringify(path);
}

/**
 * A one-document file (rule tests, playbook tests): its first document with a sink for it,
 * and the syntax diagnostics so far; no document when the YAML did not parse or is empty.
 */
export function loadSingleDocument(
  source: string,
  file: string,
): { doc: YamlDocument | undefined; sink: DiagnosticSink | undefined; diagnostics: Diagnostic[] } {
  const loaded = loadYaml(source, file);
  const doc = loaded.documents[0];
  return {
    doc,
    sink: doc ? new DiagnosticSink(file, doc.positions) : undefined,
    diagnostics: [...loaded.diagnostics],
  };
}

/**
 * Collects diagnostics for one document, resolving each path to a source position.
 * Validators call `error(path, code, message)` and never deal with line numbers.
 */
export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly file: string,
    readonly positions: PositionMap,
    readonly basePath: YamlPath = [],
  ) {}

  error(path: YamlPath, code: ErrorCode, message: string, onKey = false): void {
    this.push('error', path, code, message, onKey);
  }

  warning(path: YamlPath, code: ErrorCode, message: string, onKey = false): void {
    this.push('warning', path, code, message, onKey);
  }

  /**
   * An error inside the text of the scalar at `path`, at character `offset` of its value (an
   * expression's own error position); falls back to the scalar's position.
   */
  errorInText(
    path: YamlPath,
    code: ErrorCode,
    message: string,
    text: string,
    offset: number,
  ): void {
    this.inText('error', path, code, message, text, offset);
  }

  /** A warning inside the text of the scalar at `path` (as errorInText). */
  warningInText(
    path: YamlPath,
    code: ErrorCode,
    message: string,
    text: string,
    offset: number,
  ): void {
    this.inText('warning', path, code, message, text, offset);
  }

  private inText(
    severity: Diagnostic['severity'],
    path: YamlPath,
    code: ErrorCode,
    message: string,
    text: string,
    offset: number,
  ): void {
    const full = [...this.basePath, ...path];
    const start = this.positions.getText(full);
    if (!start) return this.push(severity, path, code, message, false);
    const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
    const lines = before.split('\n');
    const last = lines[lines.length - 1] ?? '';
    const at =
      lines.length === 1
        ? { line: start.line, column: start.column + last.length }
        : { line: start.line + lines.length - 1, column: start.column + last.length };
    this.push(severity, path, code, message, false, at);
  }

  private push(
    severity: Diagnostic['severity'],
    path: YamlPath,
    code: ErrorCode,
    message: string,
    onKey: boolean,
    at?: SourcePosition,
  ): void {
    const full = [...this.basePath, ...path];
    const pos = at ?? (onKey ? this.positions.getKey(full) : this.positions.get(full));
    this.diagnostics.push({
      code,
      severity,
      message,
      file: this.file,
      line: pos.line,
      column: pos.column,
      path: formatPath(full),
    });
  }
}
