// The main process's Electron wiring (electron/main/index.ts), checked without Electron: the real
// compiled dist/electron/main/index.js runs under plain Node in a child process, against a recording
// stub of the 'electron' module (test/support/electron-stub.ts, put in place by a resolution hook);
// test/support/electron-main-run.ts drives it as Electron would and reports what came back. The
// child is always the compiled one, so this needs `npm run build` first, also under tsx.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { after, test } from 'node:test';
import { channelOf } from '../../../electron/bridge.js';
import { OPERATION_NAMES } from '../../../electron/main/operations.js';
import type { SenderSpec, WiringPlan, WiringReport } from '../../support/electron-main-run.js';
import { repositoryRoot, temporaryDirectory } from '../../support/paths.js';

const BUILT = {
  driver: join(repositoryRoot, 'dist', 'test', 'support', 'electron-main-run.js'),
  main: join(repositoryRoot, 'dist', 'electron', 'main', 'index.js'),
  preload: join(repositoryRoot, 'dist', 'electron', 'preload.cjs'),
  page: join(repositoryRoot, 'dist', 'renderer-app', 'index.html'),
  icons: join(repositoryRoot, 'dist', 'electron', 'icons'),
};
/** How long the process may take to end by itself once Quit has run. */
const EXIT_DEADLINE_MS = 10_000;
const RUN_DEADLINE_MS = 60_000;

const PAGE = 'app://croissant2ban/index.html';
const fromApp: SenderSpec = { contents: 'window', frameUrl: PAGE, subframe: false };
const STRANGERS: Record<string, SenderSpec> = {
  'another page': { contents: 'other', frameUrl: PAGE, subframe: false },
  'a subframe of the window': { contents: 'window', frameUrl: PAGE, subframe: true },
  'the top frame on http://127.0.0.1': { contents: 'window', frameUrl: 'http://127.0.0.1:8080/index.html', subframe: false },
  'a frame that is gone': { contents: 'window', frameUrl: null, subframe: false },
};
/** Calls whose answers differ between a refused sender and a trusted one. */
const PROBES: readonly { readonly channel: string; readonly args: readonly unknown[] }[] = [
  { channel: channelOf('connection'), args: [] },
  { channel: channelOf('unban'), args: ['not-an-address'] },
  { channel: channelOf('getBans'), args: [] },
];

const NAVIGATIONS: Record<string, boolean> = {
  'https://example.com/': true,
  'file:///etc/passwd': true,
  'http://127.0.0.1:8080/': true,
  'app://other/index.html': true,
  'app://croissant2ban/index.html#/bans': false,
};
const FILES = ['app://croissant2ban/index.html', 'app://croissant2ban/../../../etc/passwd', 'app://croissant2ban/%2e%2e/x', 'app://other/index.html'];
const PERMISSIONS = ['media', 'notifications', 'geolocation', 'clipboard-read'];

const invocations = [
  ...PROBES.flatMap(({ channel, args }) => [
    { label: `${channel} from the window`, channel, sender: fromApp, args },
    ...Object.entries(STRANGERS).map(([who, sender]) => ({ label: `${channel} from ${who}`, channel, sender, args })),
  ]),
  // Every handler checks the sender, whatever its operation (no arguments: none reaches the helper).
  ...OPERATION_NAMES.map((operation) => ({ label: `${operation} from another page`, channel: channelOf(operation), sender: STRANGERS['another page']!, args: [] })),
];
const PLAN: WiringPlan = { navigations: Object.keys(NAVIGATIONS), files: FILES, permissions: PERMISSIONS, invocations };

interface Run {
  readonly report: WiringReport;
  /** Whether the process ended by itself within EXIT_DEADLINE_MS of its report (else it was killed). */
  readonly exitedByItself: boolean;
  readonly code: number | null;
  readonly output: string;
}

const home = temporaryDirectory('c2b-main-wiring-');
after(() => home.dispose());

function runMainProcess(): Promise<Run> {
  for (const [what, path] of Object.entries(BUILT)) {
    if (!existsSync(path)) throw new Error(`${path} (${what}) is missing: this test runs the compiled main process; run \`npm run build\` first`);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home.path,
    XDG_CONFIG_HOME: join(home.path, 'config'),
    DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/croissant2ban-tests-have-no-host-bus',
  };
  for (const name of ['DBUS_SESSION_BUS_ADDRESS', 'NODE_TEST_CONTEXT', 'NODE_OPTIONS']) delete env[name];
  const child = spawn(process.execPath, [BUILT.driver, '--show', JSON.stringify(PLAN)], { cwd: home.path, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let output = '';
  let reportText = '';
  let reported = false;
  let killed = false;
  const kill = () => {
    killed = true;
    child.kill('SIGKILL');
  };
  const runDeadline = setTimeout(kill, RUN_DEADLINE_MS);
  let exitDeadline: NodeJS.Timeout | undefined;
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdio[3]!.on('data', (chunk: Buffer) => {
    reportText += chunk.toString();
    if (!reported && reportText.endsWith('\n')) {
      reported = true;
      exitDeadline = setTimeout(kill, EXIT_DEADLINE_MS);
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(runDeadline);
      clearTimeout(exitDeadline);
      if (!reported) {
        reject(new Error(`the main process ended (code ${code}${killed ? `, killed after ${RUN_DEADLINE_MS} ms` : ''}) without a report:\n${output}`));
        return;
      }
      resolve({ report: JSON.parse(reportText) as WiringReport, exitedByItself: !killed, code, output });
    });
  });
}

let running: Promise<Run> | undefined;
/** One run of the main process for all the tests below; each fails on its own if it broke. */
const run = () => (running ??= runMainProcess());
const report = async () => (await run()).report;

test('the app: scheme is registered privileged (standard, secure) before the app is ready', async () => {
  const { schemeRegistrations, callsBeforeReady } = await report();
  assert.deepEqual(schemeRegistrations, [{ schemes: [{ scheme: 'app', privileges: { standard: true, secure: true } }], ready: false }]);
  const apis = callsBeforeReady.map((call) => call.api);
  assert.ok(apis.includes('protocol.registerSchemesAsPrivileged'), apis.join(', '));
  // What Electron allows only once it is ready waits for it.
  const early = apis.filter((api) => /^(protocol\.handle|session\.|new (BrowserWindow|Tray|Notification))/.test(api));
  assert.deepEqual(early, []);
});

test('the window: context isolation, sandbox, no node integration, the built preload, the app page', async () => {
  const { windows } = await report();
  assert.equal(windows.length, 1, 'one window, opened at start because of --show');
  const { options, loaded } = windows[0]!;
  const preferences = options.webPreferences as Record<string, unknown>;
  assert.equal(preferences.contextIsolation, true);
  assert.equal(preferences.sandbox, true);
  assert.equal(preferences.nodeIntegration, false);
  assert.notEqual(preferences.webSecurity, false);
  assert.notEqual(preferences.nodeIntegrationInSubFrames, true);
  assert.notEqual(preferences.webviewTag, true);
  const preload = preferences.preload;
  assert.equal(typeof preload, 'string');
  assert.ok(isAbsolute(preload as string) && (preload as string).endsWith('preload.cjs'), String(preload));
  assert.ok(existsSync(preload as string), `${preload} does not exist`);
  assert.deepEqual(loaded, [PAGE]);
});

test('pages may not navigate or be redirected away from the app', async () => {
  const { navigation } = await report();
  assert.deepEqual(
    navigation.map(({ url }) => url),
    Object.keys(NAVIGATIONS),
  );
  for (const { url, navigatePrevented, redirectPrevented } of navigation) {
    assert.equal(navigatePrevented, NAVIGATIONS[url], `will-navigate to ${url}`);
    assert.equal(redirectPrevented, NAVIGATIONS[url], `will-redirect to ${url}`);
  }
});

test('no webviews and no new windows', async () => {
  const { webviewPrevented, windowOpen } = await report();
  assert.equal(webviewPrevented, true);
  assert.deepEqual(windowOpen, { action: 'deny' });
});

test('every permission is refused, asked or checked', async () => {
  const { permissions, permissionRequestHandlers, permissionCheckHandlers } = await report();
  assert.equal(permissionRequestHandlers, 1);
  assert.equal(permissionCheckHandlers, 1);
  assert.deepEqual(
    permissions.map(({ permission }) => permission),
    PERMISSIONS,
  );
  for (const { permission, requestAnswers, checkAnswer } of permissions) {
    assert.deepEqual(requestAnswers, [false], `request for ${permission}`);
    assert.equal(checkAnswer, false, `check of ${permission}`);
  }
});

test('IPC: one handler for each operation channel, nothing else', async () => {
  const { handledChannels, ipcListeners } = await report();
  assert.deepEqual([...handledChannels].sort(), OPERATION_NAMES.map(channelOf).sort());
  assert.deepEqual(ipcListeners, []);
});

test("IPC: only the window's top frame on the app's page is answered", async () => {
  const { invocations: answers, connection: atStart } = await report();
  // The link tried the bus at start (and has a retry pending) before any of these calls.
  assert.equal((atStart as { state?: unknown } | null)?.state, 'unreachable', JSON.stringify(atStart));
  assert.equal(answers.length, invocations.length);
  const answerOf = (label: string) => {
    const index = invocations.findIndex((invocation) => invocation.label === label);
    assert.notEqual(index, -1, label);
    return answers[index]!.answer;
  };
  for (const [index, { label }] of invocations.entries()) {
    if (label.endsWith('from the window')) continue;
    assert.deepEqual(answers[index]!.sender, invocations[index]!.sender, label);
    const answer = answers[index]!.answer as { ok?: unknown; error?: { kind?: unknown; message?: unknown } };
    assert.equal(answer.ok, false, `${label}: ${JSON.stringify(answer)}`);
    assert.equal(answer.error?.kind, 'InvalidRequest', `${label}: ${JSON.stringify(answer)}`);
    // Refused for who sent it, not for its arguments.
    assert.match(String(answer.error?.message), /sender/, `${label}: ${JSON.stringify(answer)}`);
  }
  // The same calls from the window reach the operations: no bus here, so the helper is unreachable.
  const connection = answerOf(`${channelOf('connection')} from the window`) as { state?: unknown; detail?: unknown };
  assert.equal(connection.state, 'unreachable', JSON.stringify(connection));
  assert.equal(typeof connection.detail, 'string');
  const unban = answerOf(`${channelOf('unban')} from the window`) as { ok?: unknown; error?: { kind?: unknown } };
  assert.equal(unban.ok, false);
  assert.equal(unban.error?.kind, 'InvalidAddress', JSON.stringify(unban));
  const bans = answerOf(`${channelOf('getBans')} from the window`) as { ok?: unknown; error?: { kind?: unknown } };
  assert.equal(bans.ok, false);
  assert.equal(bans.error?.kind, 'Unreachable', JSON.stringify(bans));
});

test('app: serves the built page with its CSP, and nothing outside it', async () => {
  const { protocolSchemes, files } = await report();
  assert.deepEqual(protocolSchemes, ['app']);
  assert.deepEqual(
    files.map(({ url }) => url),
    FILES,
  );
  const [page, ...others] = files;
  assert.equal(page!.status, 200);
  assert.match(page!.headers['content-security-policy'] ?? '', /default-src 'none'/);
  assert.match(page!.headers['content-type'] ?? '', /^text\/html/);
  assert.ok(Buffer.from(page!.body, 'base64').equals(readFileSync(BUILT.page)), 'the body is dist/renderer-app/index.html');
  for (const { url, status, body } of others) {
    assert.equal(status, 404, url);
    assert.equal(Buffer.from(body, 'base64').toString(), 'not found', url);
  }
});

test('a tray icon with its menu', async () => {
  const { trays } = await report();
  assert.equal(trays.length, 1);
  const [tray] = trays;
  const first = tray!.images[0] as { path?: unknown } | undefined;
  assert.equal(typeof first?.path, 'string');
  assert.ok((first!.path as string).startsWith(BUILT.icons) && existsSync(first!.path as string), String(first?.path));
  assert.match(tray!.toolTip, /Croissant2Ban/);
  assert.ok(tray!.menu?.includes('Quit'), JSON.stringify(tray!.menu));
  assert.ok(tray!.menu?.includes('Open Croissant2Ban'), JSON.stringify(tray!.menu));
});

test('closing the window hides it; Quit from the tray ends the app, and the process exits by itself', async () => {
  const { report: ran, exitedByItself, code, output } = await run();
  assert.equal(ran.closePreventedBeforeQuit, true, 'closing the window keeps the app in the tray');
  assert.equal(ran.quitClicked, true, 'Quit in the tray menu calls app.quit()');
  assert.equal(ran.closePreventedAfterQuit, false, 'once quitting, the window may close');
  assert.equal(exitedByItself, true, `still running ${EXIT_DEADLINE_MS} ms after quitting (a timer or connection left open):\n${output}`);
  assert.equal(code, 0, output);
});
