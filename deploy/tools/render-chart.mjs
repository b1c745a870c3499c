#!/usr/bin/env node
// Renders the Helm chart in deploy/helm/cordon without Helm, for the plain manifests in
// deploy/k8s/ and for the tests. It implements the subset of Go's text/template and of Helm's
// functions that the chart uses (listed in FUNCTIONS), with Go's semantics for those: `{{-`/`-}}`
// trimming, `if`/`else if`/`else`, `range` over maps in sorted key order and over lists, `with`,
// variables with block scope, `define`/`include`/`template`, pipelines and parentheses. Anything
// outside the subset is an error naming the template and line, never a silent difference; a
// chart change that needs more extends this file.
//
// Differences from Helm worth knowing: numbers print as JavaScript prints them (Helm prints
// values of a million and more in exponent form: quote such values in templates), and toYaml
// writes js-yaml's layout (the same data as Helm's, not always the same text).
//
//   node deploy/tools/render-chart.mjs            rewrite deploy/k8s/ from the chart's defaults
//   node deploy/tools/render-chart.mjs --check    exit 1 when deploy/k8s/ differs from them
import { readFileSync, readdirSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, load } from 'js-yaml';

export class TemplateError extends Error {}

// ---- lexing: text and actions ------------------------------------------------------------------

function lex(source, file) {
  const items = [];
  let pos = 0;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    if (open < 0) {
      items.push({ kind: 'text', text: source.slice(pos) });
      break;
    }
    let text = source.slice(pos, open);
    let start = open + 2;
    if (source[start] === '-' && /\s/.test(source[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    items.push({ kind: 'text', text });
    const close = findClose(source, start, file);
    let end = close;
    let trimAfter = false;
    if (source[close - 1] === '-' && /\s/.test(source[close - 2] ?? '')) {
      end = close - 1;
      trimAfter = true;
    }
    const line = source.slice(0, open).split('\n').length;
    const body = source.slice(start, end).trim();
    if (!body.startsWith('/*')) items.push({ kind: 'action', body, line, file });
    pos = close + 2;
    if (trimAfter) while (pos < source.length && /\s/.test(source[pos])) pos++;
  }
  return items;
}

function findClose(source, from, file) {
  let quote = '';
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '}' && source[i + 1] === '}') return i;
  }
  throw new TemplateError(`${file}: an action opened with {{ is never closed`);
}

// ---- parsing: control structures ---------------------------------------------------------------

const KEYWORD = /^(if|else|end|range|with|define|template|block)\b\s*/;

function parse(items, defines) {
  let i = 0;
  const where = (item) => `${item.file}:${item.line}`;

  function list(stopAt) {
    const nodes = [];
    while (i < items.length) {
      const item = items[i];
      if (item.kind === 'text') {
        if (item.text) nodes.push({ type: 'text', text: item.text });
        i++;
        continue;
      }
      const keyword = KEYWORD.exec(item.body)?.[1];
      if (keyword === 'end' || keyword === 'else') {
        if (!stopAt) throw new TemplateError(`${where(item)}: unexpected {{ ${keyword} }}`);
        return nodes;
      }
      i++;
      const rest = item.body.replace(KEYWORD, '');
      if (keyword === 'if' || keyword === 'with' || keyword === 'range') {
        nodes.push(block(keyword, rest, item));
      } else if (keyword === 'define') {
        const name = stringLiteral(rest, item);
        defines.set(name, list(item));
        expectEnd(item);
      } else if (keyword === 'template') {
        const [name, ...arg] = splitArgs(rest);
        nodes.push({
          type: 'template',
          name: stringLiteral(name, item),
          pipeline: parsePipeline(arg.join(' ') || '.', item),
          item,
        });
      } else if (keyword === 'block') {
        throw new TemplateError(`${where(item)}: {{ block }} is not supported by this renderer`);
      } else {
        nodes.push({ type: 'action', pipeline: parsePipeline(item.body, item), item });
      }
    }
    if (stopAt) throw new TemplateError(`${where(stopAt)}: this block has no {{ end }}`);
    return nodes;
  }

  function block(keyword, rest, item) {
    const node = { type: keyword, pipeline: parsePipeline(rest, item), body: list(item), item };
    const next = items[i];
    if (next && KEYWORD.exec(next.body)?.[1] === 'else') {
      i++;
      const elseRest = next.body.replace(KEYWORD, '').trim();
      if (keyword === 'if' && elseRest.startsWith('if ')) {
        // `else if` nests an if that shares this one's {{ end }}.
        node.otherwise = [block('if', elseRest.slice(3), next)];
        return node;
      }
      if (elseRest) throw new TemplateError(`${where(next)}: unsupported "else ${elseRest}"`);
      node.otherwise = list(item);
    }
    expectEnd(item);
    return node;
  }

  function expectEnd(opener) {
    const item = items[i];
    if (!item || KEYWORD.exec(item.body)?.[1] !== 'end')
      throw new TemplateError(`${where(opener)}: this block has no {{ end }}`);
    i++;
  }

  return list(false);
}

function stringLiteral(token, item) {
  const t = token.trim();
  if (/^"(?:[^"\\]|\\.)*"$/.test(t)) return JSON.parse(t);
  throw new TemplateError(`${item.file}:${item.line}: expected a quoted name, got ${t}`);
}

// ---- parsing: pipelines ------------------------------------------------------------------------

/** Splits on unquoted, unparenthesised whitespace. */
function splitArgs(text) {
  const out = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (quote) {
      cur += c;
      if (c === '\\' && quote === '"') cur += text[++k];
      else if (c === quote) quote = '';
    } else if (c === '"' || c === '`') {
      quote = c;
      cur += c;
    } else if (c === '(') {
      depth++;
      cur += c;
    } else if (c === ')') {
      depth--;
      cur += c;
    } else if (/\s/.test(c) && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

function splitPipes(text) {
  const out = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (quote) {
      if (c === '\\' && quote === '"') k++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(text.slice(start, k));
      start = k + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim());
}

function parsePipeline(text, item) {
  let body = text.trim();
  let declare;
  let assign = false;
  const decl = /^(\$\w*)(?:\s*,\s*(\$\w*))?\s*(:?=)\s*/.exec(body);
  if (decl) {
    declare = decl[2] ? [decl[1], decl[2]] : [decl[1]];
    assign = decl[3] === '=';
    body = body.slice(decl[0].length);
  }
  const commands = splitPipes(body).map((cmd) => {
    const args = splitArgs(cmd).map((a) => parseOperand(a, item));
    if (args.length === 0) throw new TemplateError(`${item.file}:${item.line}: empty command`);
    return args;
  });
  return { declare, assign, commands, item };
}

function parseOperand(token, item) {
  if (token.startsWith('"')) return { kind: 'const', value: JSON.parse(token) };
  if (token.startsWith('`')) return { kind: 'const', value: token.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(token)) return { kind: 'const', value: Number(token) };
  if (token === 'true' || token === 'false') return { kind: 'const', value: token === 'true' };
  if (token === 'nil') return { kind: 'const', value: undefined };
  if (token.startsWith('(')) {
    const close = token.lastIndexOf(')');
    const fields = token.slice(close + 1);
    return {
      kind: 'paren',
      pipeline: parsePipeline(token.slice(1, close), item),
      fields: fields ? fields.slice(1).split('.') : [],
    };
  }
  if (token === '.') return { kind: 'dot', fields: [] };
  if (token.startsWith('.')) return { kind: 'dot', fields: token.slice(1).split('.') };
  if (token.startsWith('$')) {
    const [name, ...fields] = token.split('.');
    return { kind: 'var', name, fields };
  }
  if (/^[A-Za-z_]\w*$/.test(token)) return { kind: 'func', name: token };
  throw new TemplateError(`${item.file}:${item.line}: cannot read "${token}"`);
}

// ---- evaluation --------------------------------------------------------------------------------

/** Go's truth: false, 0, nil and empty strings, lists and maps are false. */
function truthy(v) {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function field(value, names) {
  let v = value;
  for (const n of names) v = v === undefined || v === null ? undefined : v[n];
  return v;
}

function printValue(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object')
    throw new TemplateError('a map or list printed as text: pipe it through toYaml');
  return String(v);
}

function goQuote(v) {
  return JSON.stringify(printValue(v));
}

const FUNCTIONS = {
  toYaml: (v) =>
    v === undefined || v === null ? 'null' : dump(v, { lineWidth: -1 }).replace(/\n$/, ''),
  indent: (n, s) => printValue(s).replace(/^/gm, ' '.repeat(n)),
  nindent: (n, s) => '\n' + printValue(s).replace(/^/gm, ' '.repeat(n)),
  quote: (...args) => args.map(goQuote).join(' '),
  squote: (v) => `'${printValue(v)}'`,
  default: (fallback, v) => (truthy(v) ? v : fallback),
  required: (message, v) => {
    if (v === undefined || v === null || v === '') throw new TemplateError(message);
    return v;
  },
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  not: (v) => !truthy(v),
  and: (...vs) => vs.find((v) => !truthy(v)) ?? vs[vs.length - 1],
  or: (...vs) => vs.find((v) => truthy(v)) ?? vs[vs.length - 1],
  empty: (v) => !truthy(v),
  list: (...vs) => vs,
  print: (...vs) => vs.map(printValue).join(''),
  printf: (format, ...args) => {
    let k = 0;
    return format.replace(/%([sdvq%])/g, (_, verb) =>
      verb === '%' ? '%' : verb === 'q' ? goQuote(args[k++]) : printValue(args[k++]),
    );
  },
  toString: (v) => printValue(v),
  trunc: (n, s) => printValue(s).slice(0, n),
  trimSuffix: (suffix, s) => {
    const str = printValue(s);
    return str.endsWith(suffix) ? str.slice(0, -suffix.length) : str;
  },
  contains: (needle, s) => printValue(s).includes(needle),
  hasKey: (map, key) => map !== null && typeof map === 'object' && key in map,
  lower: (s) => printValue(s).toLowerCase(),
};

/** Go's variable scopes: `:=` declares in the innermost block, `=` assigns where declared. */
class Scope {
  constructor(parent, vars = new Map()) {
    this.parent = parent;
    this.vars = vars;
  }

  child() {
    return new Scope(this);
  }

  has(name) {
    return this.vars.has(name) || (this.parent?.has(name) ?? false);
  }

  get(name) {
    return this.vars.has(name) ? this.vars.get(name) : this.parent?.get(name);
  }

  declare(name, value) {
    this.vars.set(name, value);
  }

  assign(name, value) {
    if (this.vars.has(name)) this.vars.set(name, value);
    else if (this.parent) this.parent.assign(name, value);
    else throw new TemplateError(`assignment to undeclared variable ${name}`);
  }
}

class Renderer {
  constructor(defines) {
    this.defines = defines;
  }

  run(nodes, dot, scope) {
    let out = '';
    for (const node of nodes) out += this.node(node, dot, scope);
    return out;
  }

  node(node, dot, scope) {
    try {
      return this.#node(node, dot, scope);
    } catch (err) {
      if (err instanceof TemplateError && node.item && !err.located) {
        const located = new TemplateError(`${node.item.file}:${node.item.line}: ${err.message}`);
        located.located = true;
        throw located;
      }
      throw err;
    }
  }

  #node(node, dot, scope) {
    switch (node.type) {
      case 'text':
        return node.text;
      case 'action': {
        const value = this.pipeline(node.pipeline, dot, scope);
        return node.pipeline.declare ? '' : printValue(value);
      }
      case 'template':
        return this.include(node.name, this.pipeline(node.pipeline, dot, scope));
      case 'if': {
        const inner = scope.child();
        return truthy(this.pipeline(node.pipeline, dot, inner))
          ? this.run(node.body, dot, inner)
          : this.run(node.otherwise ?? [], dot, scope.child());
      }
      case 'with': {
        const inner = scope.child();
        const value = this.pipeline(node.pipeline, dot, inner);
        return truthy(value)
          ? this.run(node.body, value, inner)
          : this.run(node.otherwise ?? [], dot, scope.child());
      }
      case 'range': {
        const { declare } = node.pipeline;
        const value = this.pipeline({ ...node.pipeline, declare: undefined }, dot, scope);
        const entries = Array.isArray(value)
          ? value.map((v, k) => [k, v])
          : value && typeof value === 'object'
            ? Object.keys(value)
                .sort()
                .map((k) => [k, value[k]])
            : [];
        if (entries.length === 0) return this.run(node.otherwise ?? [], dot, scope.child());
        let out = '';
        for (const [key, element] of entries) {
          const inner = scope.child();
          if (declare?.length === 2) {
            inner.declare(declare[0], key);
            inner.declare(declare[1], element);
          } else if (declare) inner.declare(declare[0], element);
          out += this.run(node.body, element, inner);
        }
        return out;
      }
      default:
        throw new TemplateError(`unknown node ${node.type}`);
    }
  }

  include(name, dot) {
    const body = this.defines.get(name);
    if (!body) throw new TemplateError(`no template named "${name}"`);
    return this.run(body, dot, new Scope(undefined, new Map([['$', dot]])));
  }

  pipeline(pipeline, dot, scope) {
    let piped;
    let first = true;
    for (const command of pipeline.commands) {
      piped = this.command(command, dot, scope, first ? [] : [piped]);
      first = false;
    }
    if (pipeline.declare) {
      if (pipeline.assign) scope.assign(pipeline.declare[0], piped);
      else scope.declare(pipeline.declare[0], piped);
    }
    return piped;
  }

  command(args, dot, scope, piped) {
    const [head, ...rest] = args;
    if (head.kind !== 'func') {
      if (rest.length > 0 || piped.length > 0)
        throw new TemplateError('a value cannot take arguments');
      return this.operand(head, dot, scope);
    }
    const values = [...rest.map((a) => this.operand(a, dot, scope)), ...piped];
    if (head.name === 'include') return this.include(values[0], values[1]);
    const fn = FUNCTIONS[head.name];
    if (!fn) throw new TemplateError(`function "${head.name}" is not supported by this renderer`);
    return fn(...values);
  }

  operand(op, dot, scope) {
    switch (op.kind) {
      case 'const':
        return op.value;
      case 'dot':
        return field(dot, op.fields);
      case 'var': {
        if (!scope.has(op.name)) throw new TemplateError(`undefined variable ${op.name}`);
        return field(scope.get(op.name), op.fields);
      }
      case 'paren':
        return field(this.pipeline(op.pipeline, dot, scope.child()), op.fields);
      case 'func':
        return this.command([op], dot, scope, []);
      default:
        throw new TemplateError(`unknown operand ${op.kind}`);
    }
  }
}

/** Renders one template text with `data` as its dot (the renderer's own tests use it). */
export function renderString(source, data, file = 'inline') {
  const defines = new Map();
  const nodes = parse(lex(source, file), defines);
  return new Renderer(defines).run(nodes, data, new Scope(undefined, new Map([['$', data]])));
}

// ---- the chart ---------------------------------------------------------------------------------

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Helm's value merge: maps merge key by key, anything else replaces. */
export function mergeValues(base, override) {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = k in base ? mergeValues(base[k], v) : v;
  return out;
}

/**
 * Renders every template of the chart (files under templates/ not starting with "_"; "_*.tpl"
 * files only define named templates). Returns each template's output, in file-name order, with
 * blank results left out as Helm does.
 */
export function renderChart(chartDir, options = {}) {
  const chart = load(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'));
  const defaults = load(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) ?? {};
  const values = mergeValues(defaults, options.values ?? {});
  const release = {
    Name: options.releaseName ?? 'cordon',
    Namespace: options.namespace ?? 'default',
    Service: 'Helm',
  };
  const templatesDir = join(chartDir, 'templates');
  const files = readdirSync(templatesDir).sort();
  const defines = new Map();
  const parsed = files.map((file) => {
    const source = readFileSync(join(templatesDir, file), 'utf8');
    return { file, nodes: parse(lex(source, `templates/${file}`), defines) };
  });
  const renderer = new Renderer(defines);
  const out = [];
  for (const { file, nodes } of parsed) {
    if (file.startsWith('_') || !/\.ya?ml$/.test(file)) continue;
    const root = {
      Values: values,
      Release: release,
      Chart: {
        Name: chart.name,
        Version: chart.version,
        AppVersion: chart.appVersion,
      },
      Template: { Name: `${chart.name}/templates/${file}`, BasePath: `${chart.name}/templates` },
    };
    const text = renderer.run(nodes, root, new Scope(undefined, new Map([['$', root]])));
    if (text.trim()) out.push({ template: file, text: text.replace(/^\s*\n/, '') });
  }
  return out;
}

/** The plain manifests: one file per template, headed like `helm template` heads them. */
export function renderManifests(chartDir, options = {}) {
  return renderChart(chartDir, options).map(({ template, text }) => ({
    file: template,
    text: `# Generated by deploy/tools/render-chart.mjs from deploy/helm/cordon/templates/${template}\n# with the chart's default values. Do not edit: change the chart and run it again.\n${text.trimEnd()}\n`,
  }));
}

const here = dirname(fileURLToPath(import.meta.url));
export const CHART_DIR = resolve(here, '../helm/cordon');
export const MANIFESTS_DIR = resolve(here, '../k8s');

function main(argv) {
  const manifests = renderManifests(CHART_DIR);
  if (argv.includes('--check')) {
    const have = readdirSync(MANIFESTS_DIR).filter((f) => f.endsWith('.yaml'));
    const stale = manifests
      .filter(({ file, text }) => {
        try {
          return readFileSync(join(MANIFESTS_DIR, file), 'utf8') !== text;
        } catch {
          return true;
        }
      })
      .map((m) => m.file);
    const extra = have.filter((f) => !manifests.some((m) => m.file === f));
    if (stale.length + extra.length > 0) {
      process.stderr.write(
        `deploy/k8s differs from the chart: ${[...stale, ...extra].join(', ')}. Run node deploy/tools/render-chart.mjs\n`,
      );
      return 1;
    }
    return 0;
  }
  rmSync(MANIFESTS_DIR, { recursive: true, force: true });
  mkdirSync(MANIFESTS_DIR, { recursive: true });
  for (const { file, text } of manifests) writeFileSync(join(MANIFESTS_DIR, file), text);
  process.stdout.write(`wrote ${manifests.length} file(s) to ${MANIFESTS_DIR}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.exitCode = main(process.argv.slice(2));
