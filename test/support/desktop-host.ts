// The desktop app's main process without Electron, for the end-to-end tests: the same helper link
// and bridge operations (argument checks included) over a real DaemonClient, answering requests and
// pushing events as JSON lines on stdio. Run as another user (setpriv) it is a desktop user who is
// not allowed to change bans.
//   stdin:  {"id": 1, "channel": "croissant2ban:getBans", "args": []}
//   stdout: {"id": 1, "result": ...}  |  {"event": {...}}
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DaemonClient } from '../../helper/client/index.js';
import { startHelperUnit } from '../../helper/client/systemd.js';
import type { HelperEvent, Preferences } from '../../electron/bridge.js';
import { createHelperLink } from '../../electron/main/helper-link.js';
import { createOperations } from '../../electron/main/operations.js';
import { DEFAULT_PREFERENCES } from '../../electron/main/preferences.js';
import { timerScheduler } from '../../electron/main/scheduler.js';

export const desktopHostScript = fileURLToPath(import.meta.url);
const CHANNEL_PREFIX = 'croissant2ban:';

function main() {
  const write = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
  const now = () => Date.now();
  const link = createHelperLink({
    connect: () => DaemonClient.connect({ timeoutMs: 10_000 }),
    scheduler: timerScheduler,
    now,
    onEvent: (event: HelperEvent) => write({ event }),
  });
  let preferences: Preferences = DEFAULT_PREFERENCES;
  const operations = createOperations({
    link,
    startHelper: () => startHelperUnit({ interactive: false }),
    preferences: {
      get: () => preferences,
      async update(changes) {
        preferences = { ...preferences, ...changes };
        write({ event: { type: 'preferences', preferences } });
        return preferences;
      },
    },
    now,
  });
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    let request: { id: number; channel: string; args: unknown[] };
    try {
      request = JSON.parse(line) as typeof request;
    } catch {
      return;
    }
    const operation = typeof request.channel === 'string' && request.channel.startsWith(CHANNEL_PREFIX) ? request.channel.slice(CHANNEL_PREFIX.length) : null;
    void operations.invoke(operation, request.args).then((result) => write({ id: request.id, result }));
  });
  lines.on('close', () => {
    link.stop();
    process.exit(0);
  });
  link.start();
}

if (process.argv[1] === desktopHostScript) main();
