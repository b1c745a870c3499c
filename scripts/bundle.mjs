// Bundles the compiled CLI and its worker threads (dist/, after tsc) into dist/bundle/: a command
// then loads a few files instead of ~100 small modules, on the main thread and again in each
// worker thread. package.json's bin and `npm start` run dist/bundle/main.js; dist/ itself stays
// as tsc wrote it (the tests and the benchmarks import it).
//
//   - Only our compiled files are bundled: npm packages and node: builtins stay imports, so
//     each resolves its own files as installed (pino starts its transports from its own files).
//   - import.meta.url in a bundled module becomes the URL of its compiled file in dist/,
//     computed from the bundle file (one flat folder, so the relative path is fixed): files
//     found relative to a module (package.json, the Lua scripts, the console, worker modules)
//     are found exactly as from dist/.
//   - Worker threads: builtModuleUrl (src/shared/built-module-url.ts) sees
//     `globalThis.__cordonBundle` replaced with `true` and starts the bundled entry of the
//     worker (BUNDLED_WORKERS there) instead of its compiled file.
//   - Names of functions and classes are kept (errors and logs show them).
//
// Run by scripts/build.mjs; alone: `node scripts/bundle.mjs` after a build.
import { chmodSync, existsSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'rolldown';
import { parseAst } from 'rolldown/parseAst';

// The real path: the module ids rolldown hands the plugin below are.
const DIST = realpathSync(resolve('dist'));
const OUT = join(DIST, 'bundle');
const MAIN = join(DIST, 'cli', 'main.js');

const { BUNDLED_WORKERS } = await import(
  pathToFileURL(join(DIST, 'shared', 'built-module-url.js')).href
);

const input = { main: MAIN };
for (const [from, to] of Object.entries(BUNDLED_WORKERS)) {
  const file = join(DIST, from);
  if (!existsSync(file))
    throw new Error(`bundle: worker entry dist/${from} (BUNDLED_WORKERS) was not built`);
  const name = /^([\w-]+)\.js$/.exec(to)?.[1];
  if (!name || name in input)
    throw new Error(`bundle: BUNDLED_WORKERS names ${to} twice or not as <name>.js`);
  input[name] = file;
}
if (!existsSync(MAIN)) throw new Error('bundle: dist/cli/main.js was not built');

const posix = (path) => path.split(sep).join('/');

/** import.meta.<property> (a member expression on the meta property), or undefined. */
function metaProperty(node) {
  if (node?.type !== 'MemberExpression' || node.computed) return undefined;
  const { object } = node;
  if (object.type !== 'MetaProperty' || object.meta.name !== 'import') return undefined;
  return node.property.name;
}

/**
 * import.meta.url of each bundled module → the URL of its compiled file, relative to the bundle
 * file that holds it. Refuses what would behave differently bundled: another use of
 * import.meta, or a compiled module named by URL (a worker) that has no bundled entry.
 */
function moduleUrls() {
  const workers = new Set(Object.keys(BUNDLED_WORKERS));
  return {
    name: 'cordon-module-urls',
    transform(code, id) {
      if (!id.startsWith(DIST + sep)) {
        if (id.startsWith('\0')) return null; // rolldown's own helpers
        this.error(`${id}: only compiled files under dist/ are bundled`);
      }
      if (!code.includes('import.meta')) return null;
      const where = posix(relative(DIST, id));
      const own = `new URL(${JSON.stringify(posix(relative(OUT, id)))}, import.meta.url).href`;
      const urls = []; // [start, end] of each import.meta.url
      const stack = [parseAst(code, { sourceType: 'module' }, id)];
      while (stack.length > 0) {
        const node = stack.pop();
        if (Array.isArray(node)) {
          stack.push(...node);
          continue;
        }
        if (typeof node !== 'object' || node === null) continue;
        // Reached only where it is not import.meta.<name> (those stop below): import.meta alone.
        if (node.type === 'MetaProperty' && node.meta.name === 'import')
          this.error(`${where}: import.meta other than import.meta.url is not supported bundled`);
        const property = metaProperty(node);
        if (property !== undefined) {
          if (property !== 'url')
            this.error(`${where}: import.meta.${property} is not supported bundled`);
          urls.push([node.start, node.end]);
          continue;
        }
        if (
          node.type === 'NewExpression' &&
          node.callee.type === 'Identifier' &&
          node.callee.name === 'URL' &&
          metaProperty(node.arguments[1]) === 'url' &&
          typeof node.arguments[0]?.value === 'string' &&
          /\.[cm]?js$/.test(node.arguments[0].value)
        ) {
          const target = posix(relative(DIST, resolve(dirname(id), node.arguments[0].value)));
          if (!workers.has(target))
            this.error(
              `${where} loads dist/${target} by URL: add it to BUNDLED_WORKERS ` +
                '(src/shared/built-module-url.ts) so the bundle has an entry for it',
            );
        }
        for (const key of Object.keys(node))
          if (typeof node[key] === 'object') stack.push(node[key]);
      }
      if (urls.length === 0) return null;
      urls.sort((a, b) => a[0] - b[0]);
      let out = '';
      let at = 0;
      for (const [start, end] of urls) {
        out += code.slice(at, start) + own;
        at = end;
      }
      return { code: out + code.slice(at), map: null };
    },
  };
}

/**
 * Each compiled file with tsc's source map, so the bundle's maps lead back to the TypeScript
 * (node --enable-source-maps then names src/… files and lines in stack traces), not to dist/.
 */
function compiledSourceMaps() {
  return {
    name: 'cordon-compiled-source-maps',
    load(id) {
      if (!id.startsWith(DIST + sep) || !id.endsWith('.js') || !existsSync(`${id}.map`))
        return null;
      const code = readFileSync(id, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
      return { code, map: readFileSync(`${id}.map`, 'utf8') };
    },
  };
}

const MARKER = 'globalThis.__cordonBundle';
rmSync(OUT, { recursive: true, force: true });
await build({
  input,
  platform: 'node',
  // Bare specifiers (npm packages) and node: builtins: only relative imports are ours.
  external: (id) => !id.startsWith('.') && !isAbsolute(id),
  plugins: [compiledSourceMaps(), moduleUrls()],
  transform: { define: { [MARKER]: 'true' } },
  logLevel: 'warn',
  onLog(level, log, handler) {
    // A warning is a difference from the unbundled code (a cycle evaluated in another order, a
    // missing export): fail rather than ship it.
    if (level === 'warn') throw new Error(`bundle: ${log.message}`);
    handler(level, log);
  },
  output: {
    dir: OUT,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    keepNames: true,
    minify: false,
    sourcemap: true,
  },
});

// The entry keeps main.js's hashbang (and with it the Node flags); executable like the bin it is.
const first = readFileSync(join(OUT, 'main.js'), 'utf8').split('\n', 1)[0];
if (first !== readFileSync(MAIN, 'utf8').split('\n', 1)[0])
  throw new Error(`bundle: dist/bundle/main.js starts with ${first}, not main.js's hashbang`);
chmodSync(join(OUT, 'main.js'), 0o755);
// The marker replaced everywhere, or builtModuleUrl would start the threads on the unbundled files.
for (const file of readdirSync(OUT).filter((f) => f.endsWith('.js')))
  if (readFileSync(join(OUT, file), 'utf8').includes(MARKER.split('.')[1]))
    throw new Error(`bundle: dist/bundle/${file} still reads ${MARKER}`);
