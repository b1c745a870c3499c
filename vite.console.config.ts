import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The browser console (src/console/ui), built into dist/console/ by `npm run build`; the API
// process serves that folder on CORDON_CONSOLE_PORT. Preact's automatic JSX runtime; no
// inline script or style in the output (the console is served with a strict CSP).
export const CONSOLE_ROOT = fileURLToPath(new URL('./src/console/ui/', import.meta.url));
export const CONSOLE_OUT = fileURLToPath(new URL('./dist/console/', import.meta.url));

export const consoleJsx = { runtime: 'automatic', importSource: 'preact' } as const;

export default defineConfig({
  root: CONSOLE_ROOT,
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: consoleJsx },
  build: {
    outDir: CONSOLE_OUT,
    emptyOutDir: true,
    target: 'es2022',
    // Every asset a file of its own: an inlined data: URL would need a looser CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
