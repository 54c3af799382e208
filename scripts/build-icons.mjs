// Renders the desktop app's icons (electron/icons/*.svg) to the PNG sizes trays, notifications and
// desktop files ask for, into dist/electron/icons/. Silent on success; an output newer than its
// source and this script is left alone.
// Usage: node scripts/build-icons.mjs
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sources = join(root, 'electron/icons');
const output = join(root, 'dist/electron/icons');
const self = fileURLToPath(import.meta.url);

const TRAY_STATES = ['protected', 'under-attack', 'unreachable'];
const TRAY_SIZES = [16, 22, 24, 32, 48];
/** Electron loads name.png and, on a scaled screen, name@2x.png beside it. */
const TRAY_BASE = 24;
const APP_SIZES = [16, 32, 48, 64, 128, 256, 512];

/** Every file to write: its source SVG and its size (null: the SVG itself, for scalable icon themes). */
function outputs() {
  const list = [];
  for (const state of TRAY_STATES) {
    const source = join(sources, `tray-${state}.svg`);
    for (const size of TRAY_SIZES) list.push({ source, size, file: `tray-${state}-${size}.png` });
    list.push({ source, size: TRAY_BASE, file: `tray-${state}.png` });
    list.push({ source, size: TRAY_BASE * 2, file: `tray-${state}@2x.png` });
  }
  const app = join(sources, 'app.svg');
  for (const size of APP_SIZES) list.push({ source: app, size, file: `app-${size}.png` });
  list.push({ source: app, size: null, file: 'app.svg' });
  return list;
}

const modified = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

async function main() {
  const scriptTime = modified(self);
  const stale = outputs().filter(({ source, file }) => modified(join(output, file)) < Math.max(modified(source), scriptTime));
  if (stale.length === 0) return;
  mkdirSync(output, { recursive: true });
  // Loaded only when there is work: the wasm module takes a moment to compile.
  const require = createRequire(import.meta.url);
  const { initWasm, Resvg } = await import('@resvg/resvg-wasm');
  await initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
  const texts = new Map();
  for (const { source, size, file } of stale) {
    const target = join(output, file);
    if (size === null) {
      copyFileSync(source, target);
      continue;
    }
    if (!texts.has(source)) texts.set(source, readFileSync(source, 'utf8'));
    // No fonts: the icons are shapes only, and loading the system's fonts would cost seconds.
    const image = new Resvg(texts.get(source), { fitTo: { mode: 'width', value: size }, font: { loadSystemFonts: false } });
    const rendered = image.render();
    writeFileSync(target, rendered.asPng());
    rendered.free();
    image.free();
  }
}

main().catch((error) => {
  console.error(`build-icons: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
