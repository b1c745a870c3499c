/**
 * Reading canonical events from compiled rules. Paths are split once at compile time, and only
 * own properties are read, so a rule naming `labels.constructor` sees a missing label rather than
 * `Object.prototype.constructor`.
 */
export type FieldGetter = (event: unknown) => unknown;

function own(node: unknown, key: string): unknown {
  return node !== null && typeof node === 'object' && Object.hasOwn(node, key)
    ? (node as Record<string, unknown>)[key]
    : undefined;
}

export function compileGetter(path: string): FieldGetter {
  const segments = path.split('.');
  const [a = '', b, c] = segments;
  if (segments.length === 1) return (e) => own(e, a);
  if (segments.length === 2 && b !== undefined) return (e) => own(own(e, a), b);
  if (segments.length === 3 && b !== undefined && c !== undefined)
    return (e) => own(own(own(e, a), b), c);
  return (e) => {
    let node = e;
    for (const s of segments) node = own(node, s);
    return node;
  };
}

/** The text form Sigma compares strings against; undefined for objects, arrays and null. */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Every string in the event except under `raw`: what a Sigma keyword search looks through. */
export function stringLeaves(event: unknown): string[] {
  const out: string[] = [];
  if (event === null || typeof event !== 'object') return out;
  const stack: unknown[] = [];
  for (const [key, value] of Object.entries(event)) if (key !== 'raw') stack.push(value);
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') out.push(node);
    else if (Array.isArray(node)) stack.push(...(node as unknown[]));
    else if (node !== null && typeof node === 'object')
      stack.push(...Object.values(node as Record<string, unknown>));
  }
  return out;
}
