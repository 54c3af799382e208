// Bundles the window's preload into one CommonJS file (dist/electron/preload.cjs): a sandboxed
// preload cannot load other files, and only require('electron') is left to Electron.
// tsc type-checks the same sources (electron/preload/) against the real Electron types.
import * as esbuild from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
await esbuild.build({
  entryPoints: [`${root}electron/preload/preload.ts`],
  outfile: `${root}dist/electron/preload.cjs`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  external: ['electron'],
  sourcemap: true,
  logLevel: 'warning',
});
