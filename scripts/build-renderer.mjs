// Builds the window's code into dist/renderer-app/: app.js (React, bundled by esbuild), app.css, and
// index.html under a strict CSP (no inline script or style). The world map's land outline is made here
// from world-atlas, so the window needs no network and no runtime map library.
// Usage: node scripts/build-renderer.mjs   (prints nothing on success; exit 1 with esbuild's messages)
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { feature } from 'topojson-client';

const root = resolve(new URL('..', import.meta.url).pathname);
const outdir = join(root, 'dist/renderer-app');
const require = createRequire(import.meta.url);

// The app's one CSP (electron/main/app-files.ts, compiled by tsc before this runs). A meta tag
// cannot carry frame-ancestors (browsers ignore it there and say so), so it is left out of the tag;
// the app:// handler sends the whole policy as a header.
const { CONTENT_SECURITY_POLICY } = await import(pathToFileURL(join(root, 'dist/electron/main/app-files.js')).href);
const CSP = CONTENT_SECURITY_POLICY.split(';').map((directive) => directive.trim()).filter((directive) => !directive.startsWith('frame-ancestors')).join('; ');

/** The land of world-atlas (Natural Earth 1:110m) as one SVG path in an equirectangular 360x180 frame. */
function landPath() {
  const topology = JSON.parse(readFileSync(require.resolve('world-atlas/land-110m.json'), 'utf8'));
  const land = feature(topology, topology.objects.land);
  const round = (value) => Math.round(value * 10) / 10;
  const parts = [];
  const addRing = (ring, shift) => {
    let previous = '';
    let command = 'M';
    for (const [lon, lat] of ring) {
      const point = `${round(lon + shift + 180)} ${round(90 - lat)}`;
      if (point === previous) continue;
      parts.push(`${command}${point}`);
      previous = point;
      command = 'L';
    }
    parts.push('Z');
  };
  // Rings that cross the antimeridian (Eurasia through Chukotka, Fiji) are unwrapped so they stay
  // continuous past 180 degrees, and drawn a second time one turn over so the part past the edge shows
  // on the other side; without it their fill would streak across the whole map.
  const drawRing = (ring) => {
    let offset = 0;
    const unwrapped = ring.map(([lon, lat], index) => {
      const step = index === 0 ? 0 : lon - ring[index - 1][0];
      if (step > 180) offset -= 360;
      else if (step < -180) offset += 360;
      return [lon + offset, lat];
    });
    addRing(unwrapped, 0);
    const lons = unwrapped.map(([lon]) => lon);
    if (Math.max(...lons) > 180) addRing(unwrapped, -360);
    if (Math.min(...lons) < -180) addRing(unwrapped, 360);
  };
  const features = land.type === 'FeatureCollection' ? land.features : [land];
  for (const { geometry } of features) {
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
    for (const polygon of polygons) for (const ring of polygon) drawRing(ring);
  }
  // After a moveto, further coordinate pairs are implicit linetos: "M1 2 3 4Z" is "M1 2L3 4Z", shorter.
  return parts.join('').replace(/L/g, ' ');
}

/** Serves renderer/world-land.ts (a placeholder for tsc) with the generated outline instead. */
const worldLandPlugin = {
  name: 'world-land',
  setup(build) {
    build.onLoad({ filter: /[\\/]renderer[\\/]world-land\.ts$/ }, () => ({
      contents: `export const WORLD_LAND_PATH = ${JSON.stringify(landPath())};`,
      loader: 'ts',
    }));
  },
};

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Croissant2Ban</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="app.css">
<script defer src="app.js"></script>
</head>
<body>
<div id="root"></div>
</body>
</html>
`;

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
try {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [
      { in: 'renderer/main.tsx', out: 'app' },
      { in: 'renderer/styles.css', out: 'app' },
    ],
    outdir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome130',
    jsx: 'automatic',
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [worldLandPlugin],
    logLevel: 'error',
  });
} catch {
  // esbuild has printed its messages (logLevel error).
  process.exit(1);
}
writeFileSync(join(outdir, 'index.html'), html);
