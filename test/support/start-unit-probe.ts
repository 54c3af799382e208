// Calls startHelperUnit as whoever runs this script (another user, through as-user.ts) and prints
// the outcome as JSON: {"ok":true} or {"kind":..., "message":...}. argv[2]: the options as JSON.
import { fileURLToPath } from 'node:url';
import { ClientError } from '../../helper/client/index.js';
import { startHelperUnit, type StartUnitOptions } from '../../helper/client/systemd.js';

export const startUnitProbeScript = fileURLToPath(import.meta.url);

async function main() {
  const options = JSON.parse(process.argv[2] ?? '{"interactive":false}') as StartUnitOptions;
  try {
    await startHelperUnit(options);
    process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
  } catch (error) {
    const failure = error instanceof ClientError ? { kind: error.kind, message: error.message } : { kind: 'thrown', message: String(error) };
    process.stdout.write(`${JSON.stringify(failure)}\n`);
  }
}

if (process.argv[1] === startUnitProbeScript) void main();
