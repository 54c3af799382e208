// The bans page with many bans, against a naive page that puts every ban in one <table>: time to the
// first painted rows, time per scroll step, and memory. Both read the same bans from the same demo
// bridge in the same headless Chromium; fail2ban has no UI, so the naive table is the baseline.
//
// What is measured (all in the page, with performance.now(), so IPC with Playwright is not counted):
// - firstPaintMs: from the moment the demo bridge holds its N bans (the end of its init script, before
//   the document is parsed) to the second requestAnimationFrame after the first row (tr[data-address])
//   is in the DOM, i.e. the frame that painted it has been produced. It covers loading and parsing the
//   page's script, getBans (a copy of N objects, as IPC would give), sorting (the app sorts newest
//   first; the naive page sorts the same way) and rendering.
// - scrollMs: the mean time of one of SCROLL_STEPS steps from top to bottom. A step sets scrollTop, then
//   waits for frames until the row that belongs at the top is in the DOM (the app renders it after the
//   scroll event; the naive page has it already) and for one more frame so it is painted. Frames are
//   paced by Chromium (about 16.7 ms each), so about 33 ms per step is the floor. Scrolling stops after
//   SCROLL_BUDGET_MS and the mean is over the steps done (the naive table at 100,000 rows is that slow).
// - Both pages are loaded after a warm-up load of a blank page, so the browser's cold start is in neither.
// The naive table has the same columns as text and a checkbox per row, but no buttons or select: form
// controls double its layout time, so the baseline is kinder to itself than a real naive page would be.
// - heapMb: used JS heap of the app page after a forced garbage collection (CDP Performance metrics),
//   demo bridge data included; demoHeapMb is a blank page with only the demo bridge, to subtract.
//   domNodes: DOM nodes in the page (Blink's count), the naive table's real cost.
// Each page runs in its own browser so that no two share a renderer process (and a heap).
import { createDemoBridgeScript } from '../support/demo-bridge.js';
import { launchChromium, RENDERER_APP, serveDirectory } from '../support/renderer-browser.js';

const SCROLL_STEPS = 50;
/** Scrolling stops after this long (the naive table at 100,000 rows takes seconds per step); the mean is over the steps done. */
const SCROLL_BUDGET_MS = 15_000;
/** How long the naive table may take to appear at all. */
const FIRST_PAINT_TIMEOUT_MS = 80_000;
const ROW_HEIGHT = 40;

export interface BansPageMeasurement {
  readonly firstPaintMs: number;
  readonly scrollMs: number;
  readonly naiveFirstPaintMs: number;
  readonly naiveScrollMs: number;
  readonly heapMb: number;
  readonly naiveHeapMb: number;
  /** Heap of a page with the demo bridge alone: its N bans are in both pages' heap. */
  readonly demoHeapMb: number;
  readonly domNodes: number;
  readonly naiveDomNodes: number;
}

/**
 * Marks when the bridge is ready and when the first row has been painted (see the header). Also
 * defines __name, which functions passed to page.evaluate call when this file runs under tsx.
 */
const PROBE = `(() => {
  globalThis.__bridgeReadyAt = performance.now();
  globalThis.__name ??= (target) => target;
  const observer = new MutationObserver(() => {
    if (!document.querySelector('tr[data-address]')) return;
    observer.disconnect();
    requestAnimationFrame(() => requestAnimationFrame(() => { globalThis.__rowsPaintedAt = performance.now(); }));
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;

/** The naive page: every ban in one table, built as one HTML string (the fastest naive way). */
const NAIVE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>All bans</title>
<style>body{font:14px system-ui;margin:0}table{border-collapse:collapse;width:100%}td,th{padding:6px 8px;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}</style>
<script defer src="naive.js"></script></head>
<body><table><thead><tr><th></th><th>Address</th><th>Service</th><th>Reason</th><th>Source</th><th>Failures</th><th>Banned at</th><th>Expires</th></tr></thead><tbody id="rows"></tbody></table></body></html>`;

const NAIVE_JS = `(async () => {
  const result = await globalThis.croissant2ban.getBans();
  const bans = result.value.sort((a, b) => b.banned_at - a.banned_at);
  const when = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const now = Math.floor(Date.now() / 1000);
  const escape = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const expiry = (at) => at === 0 ? 'permanent' : 'in ' + Math.floor((at - now) / 60) + ' min ' + ((at - now) % 60) + ' s';
  document.getElementById('rows').innerHTML = bans.map((ban) =>
    '<tr data-address="' + ban.ip + '"><td><input type="checkbox" aria-label="Select ' + ban.ip + '"></td><td>' + ban.ip + '</td><td>' + ban.service +
    '</td><td>' + escape(ban.reason) + '</td><td>' + ban.source + '</td><td>' + ban.failures + '</td><td>' + when.format(ban.banned_at * 1000) +
    '</td><td>' + expiry(ban.expires_at) + '</td></tr>').join('');
})();`;

interface PageResult {
  readonly firstPaintMs: number;
  readonly scrollMs: number;
  readonly heapMb: number;
  readonly domNodes: number;
}

async function measurePage(url: string, options: { bans: number; scroller: 'app' | 'document' | null; warmUp: string }): Promise<PageResult> {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.addInitScript(createDemoBridgeScript({ bans: options.bans, liveEvents: false, latencyMs: 0 }) + PROBE);
    await page.goto(options.warmUp);
    await page.goto(url, { waitUntil: 'commit' });

    let firstPaintMs = 0;
    let scrollMs = 0;
    if (options.scroller) {
      await page.waitForFunction(() => (globalThis as { __rowsPaintedAt?: number }).__rowsPaintedAt !== undefined, null, { timeout: FIRST_PAINT_TIMEOUT_MS, polling: 100 });
      firstPaintMs = await page.evaluate(() => {
        const marks = globalThis as unknown as { __rowsPaintedAt: number; __bridgeReadyAt: number };
        return marks.__rowsPaintedAt - marks.__bridgeReadyAt;
      });
      scrollMs = await page.evaluate(
        async ({ steps, rowHeight, scroller, budget }) => {
          // The page's DOM, typed by hand: test/ compiles without the DOM library.
          interface Scroller {
            scrollTop: number;
            readonly scrollHeight: number;
            readonly clientHeight: number;
          }
          const page = globalThis as unknown as {
            requestAnimationFrame(callback: (time: number) => void): number;
            document: { querySelector(selector: string): Scroller | null; scrollingElement: Scroller };
          };
          const frame = () => new Promise<number>((resolve) => page.requestAnimationFrame(resolve));
          const doc = page.document;
          const element = scroller === 'app' ? doc.querySelector('.table-scroll')! : doc.scrollingElement;
          const bottom = element.scrollHeight - element.clientHeight;
          await frame();
          const started = performance.now();
          let done = 0;
          for (let step = 1; step <= steps && performance.now() - started < budget; step++) {
            const target = Math.round((bottom * step) / steps);
            element.scrollTop = target;
            await frame();
            if (scroller === 'app') {
              const index = Math.floor(element.scrollTop / rowHeight);
              for (let wait = 0; wait < 30 && !doc.querySelector(`tr[data-index="${index}"]`); wait++) await frame();
            }
            await frame();
            done++;
          }
          return (performance.now() - started) / done;
        },
        { steps: SCROLL_STEPS, rowHeight: ROW_HEIGHT, scroller: options.scroller, budget: SCROLL_BUDGET_MS },
      );
    }

    const session = await browser.context.newCDPSession(page);
    await session.send('HeapProfiler.collectGarbage');
    await session.send('Performance.enable');
    const { metrics } = await session.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((entry) => entry.name === name)?.value ?? 0;
    if (errors.length > 0) throw new Error(`the page failed: ${errors.join('; ')}`);
    return { firstPaintMs, scrollMs, heapMb: metric('JSHeapUsedSize') / 1_048_576, domNodes: metric('Nodes') };
  } finally {
    await browser.close();
  }
}

/** Measures the built app (dist/renderer-app; run scripts/build-renderer.mjs first) and the naive table with `bans` bans. */
export async function measureBansPage(options: { bans: number }): Promise<BansPageMeasurement> {
  const server = await serveDirectory(RENDERER_APP, {
    '/naive.html': { type: 'text/html; charset=utf-8', body: NAIVE_HTML },
    '/naive.js': { type: 'text/javascript; charset=utf-8', body: NAIVE_JS },
    '/blank.html': { type: 'text/html; charset=utf-8', body: '<!doctype html><title>blank</title>' },
  });
  try {
    const warmUp = `${server.url}/blank.html`;
    const app = await measurePage(`${server.url}/index.html#/bans`, { bans: options.bans, scroller: 'app', warmUp });
    const naive = await measurePage(`${server.url}/naive.html`, { bans: options.bans, scroller: 'document', warmUp });
    const demo = await measurePage(warmUp, { bans: options.bans, scroller: null, warmUp });
    return {
      firstPaintMs: app.firstPaintMs,
      scrollMs: app.scrollMs,
      naiveFirstPaintMs: naive.firstPaintMs,
      naiveScrollMs: naive.scrollMs,
      heapMb: app.heapMb,
      naiveHeapMb: naive.heapMb,
      demoHeapMb: demo.heapMb,
      domNodes: app.domNodes,
      naiveDomNodes: naive.domNodes,
    };
  } finally {
    await server.close();
  }
}

/** The bench's report: the app's bans page against the naive table, at 100,000 bans and at 1,000. */
export async function benchBansPage(): Promise<void> {
  console.log('\nThe bans page in Chromium (the built window, demo bridge), against one naive <table> of the same bans:');
  for (const bans of [1_000, 100_000]) {
    const measured = await measureBansPage({ bans });
    const ratio = (naive: number, ours: number) => `${(naive / ours).toFixed(1)}x`;
    console.log(`  ${bans.toLocaleString('en')} bans: first paint ${measured.firstPaintMs.toFixed(0)} ms (naive ${measured.naiveFirstPaintMs.toFixed(0)} ms, ${ratio(measured.naiveFirstPaintMs, measured.firstPaintMs)} faster); ` +
      `scroll step ${measured.scrollMs.toFixed(0)} ms (naive ${measured.naiveScrollMs.toFixed(0)} ms, ${ratio(measured.naiveScrollMs, measured.scrollMs)}); ` +
      `JS heap ${measured.heapMb.toFixed(0)} MB (naive ${measured.naiveHeapMb.toFixed(0)} MB, demo data ${measured.demoHeapMb.toFixed(0)} MB); DOM nodes ${measured.domNodes.toLocaleString('en')} (naive ${measured.naiveDomNodes.toLocaleString('en')})`);
  }
}
