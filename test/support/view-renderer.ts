// Development view of the window: serves dist/renderer-app with the demo bridge in headless Chromium
// and saves a screenshot of every page, the intel panel and the helper-stopped banner.
// Usage: node --import tsx test/support/view-renderer.ts [bans=2000] [light|dark] [outdir=/tmp/c2b-screens]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createDemoBridgeScript, type DemoBridgeOptions } from './demo-bridge.js';
import { launchChromium, RENDERER_APP, serveDirectory } from './renderer-browser.js';

const PAGES = ['Dashboard', 'Bans', 'Whitelist', 'Services', 'Activity', 'Settings'] as const;

async function open(page: Page, url: string, options: DemoBridgeOptions): Promise<void> {
  await page.addInitScript(createDemoBridgeScript(options));
  await page.goto(url);
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

async function main(): Promise<void> {
  const bans = Number(process.argv[2] ?? 2000);
  const scheme = process.argv[3] === 'dark' ? 'dark' : 'light';
  const outdir = process.argv[4] ?? '/tmp/c2b-screens';
  mkdirSync(outdir, { recursive: true });
  const server = await serveDirectory(RENDERER_APP);
  const browser = await launchChromium({ colorScheme: scheme });
  const errors: string[] = [];
  try {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(`console ${message.type()}: ${message.text()}`);
    });
    await open(page, `${server.url}/index.html`, { bans });
    const shot = (name: string) => page.screenshot({ path: join(outdir, `${scheme}-${bans}-${name}.png`) });

    for (const title of PAGES) {
      await page.getByRole('link', { name: title, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: title }).waitFor();
      await page.locator('.state-loading').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => {});
      await page.waitForTimeout(title === 'Dashboard' ? 2_500 : 400);
      await shot(title.toLowerCase());
    }

    await page.getByRole('link', { name: 'Bans', exact: true }).click();
    const firstAddress = page.locator('tr[data-address] .link-button').first();
    if ((await firstAddress.count()) > 0) {
      await firstAddress.click();
      await page.getByRole('dialog').waitFor();
      await page.waitForTimeout(500);
      await shot('intel');
      await page.keyboard.press('Escape');
    }

    await page.evaluate(() => (globalThis as unknown as { __demo: { setConnection(state: string): void } }).__demo.setConnection('stopped'));
    await page.getByRole('button', { name: 'Start the helper' }).waitFor();
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    await page.waitForTimeout(300);
    await shot('stopped');

    const unreachable = await browser.context.newPage();
    await open(unreachable, `${server.url}/index.html#/whitelist`, { bans, connection: 'unreachable' });
    await unreachable.waitForTimeout(400);
    await unreachable.screenshot({ path: join(outdir, `${scheme}-${bans}-unreachable.png`) });

    const notInstalled = await browser.context.newPage();
    await open(notInstalled, `${server.url}/index.html#/bans`, { bans, connection: 'stopped', startHelperError: 'NotInstalled' });
    await notInstalled.getByRole('button', { name: 'Start the helper' }).click();
    await notInstalled.getByText('The helper is not installed on this machine').waitFor();
    await notInstalled.screenshot({ path: join(outdir, `${scheme}-${bans}-not-installed.png`) });
  } finally {
    await browser.close();
    await server.close();
  }
  for (const error of errors) console.log(error);
  console.log(`screenshots in ${outdir}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
