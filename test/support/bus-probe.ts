// A tiny bus client to run as another user (see as-user.ts): makes the raw calls given as JSON in
// argv[2] and prints, per call, the reply body or the error name, as JSON on stdout.
//   [{ "destination": ..., "path": ..., "interface": ..., "member": ..., "signature": ..., "body": [...] }]
// A "requestName" entry asks the bus for that name instead.
import { fileURLToPath } from 'node:url';
import { BusConnection, BusError, systemBusAddress } from '../../helper/client/bus.js';

interface ProbeCall {
  readonly destination?: string;
  readonly path?: string;
  readonly interface?: string;
  readonly member?: string;
  readonly signature?: string;
  readonly body?: unknown[];
  readonly requestName?: string;
}

export const probeScript = fileURLToPath(import.meta.url);

async function main() {
  const calls = JSON.parse(process.argv[2] ?? '[]') as ProbeCall[];
  const bus = await BusConnection.connect(systemBusAddress());
  const results: unknown[] = [];
  for (const call of calls) {
    try {
      const reply = call.requestName
        ? await bus.callBus('RequestName', 'su', [call.requestName, 4])
        : await bus.call({ destination: call.destination!, path: call.path!, interface: call.interface!, member: call.member!, signature: call.signature ?? '', body: call.body ?? [] });
      results.push({ ok: JSON.parse(JSON.stringify(reply.body ?? [], (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value instanceof Map ? Object.fromEntries(value) : value))) });
    } catch (error) {
      results.push({ error: error instanceof BusError ? error.errorName : String(error), message: (error as Error).message });
    }
  }
  bus.close();
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

if (process.argv[1] === probeScript) void main();
