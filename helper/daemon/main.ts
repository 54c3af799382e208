#!/usr/bin/env node
// croissant2ban: the root helper daemon. Reads its config, opens the store and runs the pipeline.
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { ExitCode } from '../cli/io.js';
import { DEFAULT_CONFIG_PATH } from '../config/defaults.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { createNullBackend } from '../firewall/null-backend.js';
import type { FirewallBackend } from '../firewall/backend.js';
import { Store } from '../store/store.js';
import { createLogger } from './log.js';
import { createPipeline } from './pipeline.js';

const usage = `usage: croissant2ban [-c <config>] [-f] [-o <log file>] [--dry-run]
  -c, --config <file>   configuration (default ${DEFAULT_CONFIG_PATH}; .json for the simple format)
  -f, --foreground      stay in the foreground, log to stderr
  -o, --output <file>   write the helper's own log to this file
      --dry-run         change no firewall: log what would be done`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        config: { type: 'string', short: 'c', default: DEFAULT_CONFIG_PATH },
        foreground: { type: 'boolean', short: 'f', default: false },
        output: { type: 'string', short: 'o' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`croissant2ban: ${(error as Error).message}\n${usage}\n`);
    return ExitCode.usage;
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return ExitCode.ok;
  }
  if (!values.foreground) {
    process.stderr.write('croissant2ban: running in the background is not available yet; use -f (or the systemd unit)\n');
    return ExitCode.usage;
  }

  let config;
  try {
    config = loadConfig(values.config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`croissant2ban: ${error.message}\n`);
      return ExitCode.config;
    }
    throw error;
  }

  const output = values.output !== undefined ? createWriteStream(values.output, { flags: 'a', mode: 0o640 }) : process.stderr;
  const logger = createLogger({ level: config.general.logLevel, write: (line) => output.write(line) });

  let firewall: FirewallBackend;
  if (values['dry-run'] || config.firewall.backend === 'null') {
    firewall = createNullBackend((message, fields) => logger.info(message, { ...fields, action: 'dry-run' }));
  } else {
    // The nftables and iptables backends arrive with the enforcement work; until then nothing is enforced.
    logger.warn(`firewall backend ${config.firewall.backend} is not available in this version; running as --dry-run`);
    firewall = createNullBackend((message, fields) => logger.info(message, { ...fields, action: 'dry-run' }));
  }

  let store: Store;
  try {
    store = new Store(config.general.dbPath);
  } catch (error) {
    logger.error('cannot open the database', { path: config.general.dbPath, error: String(error) });
    return ExitCode.failure;
  }
  const pipeline = createPipeline({ config, store, firewall, logger });
  await pipeline.start();

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info('stopping', { signal });
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await pipeline.stop();
  store.close();
  logger.info('stopped');
  return ExitCode.ok;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`croissant2ban: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = ExitCode.failure;
  },
);
