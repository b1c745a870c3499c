import type { ConditionNode, DetectionIR, SearchIR } from './ir.js';

/**
 * Every canonical field path a detection's searches read (a field condition's own and any
 * `fieldref`'s), or undefined when it reads the whole event (a keyword search looks through
 * every string). Only searches its conditions name are counted: an unused one reads nothing.
 * Lets a driver decide that no detection can match an event from a few of its fields, read
 * off the line's text, without parsing the rest (see replay-routing.ts).
 */
export function fieldsRead(ir: DetectionIR): readonly string[] | undefined {
  const paths = new Set<string>();
  const used = new Set<string>();
  for (const c of ir.conditions) namesIn(c, used);
  for (const name of used) {
    const search = ir.searches.get(name);
    if (search && !addPaths(search, paths)) return undefined;
  }
  return [...paths].sort();
}

function namesIn(node: ConditionNode, out: Set<string>): void {
  switch (node.kind) {
    case 'ref':
      out.add(node.name);
      return;
    case 'not':
      namesIn(node.operand, out);
      return;
    case 'and':
    case 'or':
      for (const o of node.operands) namesIn(o, out);
      return;
    case 'of':
      for (const n of node.names) out.add(n);
  }
}

/** Adds the search's paths; false when it reads every field. */
function addPaths(search: SearchIR, out: Set<string>): boolean {
  switch (search.kind) {
    case 'keywords':
      return false;
    case 'or':
      return search.items.every((item) => addPaths(item, out));
    case 'and':
      for (const item of search.items) {
        if (item.kind === 'keywords') return false;
        if (item.kind === 'and' || item.kind === 'or') {
          if (!addPaths(item, out)) return false;
          continue;
        }
        out.add(item.path);
        if (item.kind === 'values')
          for (const v of item.values) if (v.kind === 'fieldref') out.add(v.path);
      }
      return true;
  }
}
