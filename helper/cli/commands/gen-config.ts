// c2b gen-config: writes the complete, commented default configuration (conf/croissant2ban.toml) to stdout or a new file.
import { closeSync, fchmodSync, openSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readShippedConfig } from '../../config/defaults.js';
import { ExitCode, UsageError, type Command } from '../io.js';


/** The file may come to hold API keys (intel, webhook headers): root and the admin group only. */
const CONFIG_MODE = 0o640;

export const genConfig: Command = async (argv, io) => {
  let values: { output?: string | undefined; force?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        output: { type: 'string', short: 'o' },
        force: { type: 'boolean', short: 'f', default: false },
      },
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const text = readShippedConfig();
  if (values.output === undefined) {
    io.stdout.write(text);
    return ExitCode.ok;
  }

  const path = resolve(io.cwd, values.output);
  let descriptor: number;
  try {
    // 'wx' fails when the file exists, so an admin's edited config is never replaced by accident.
    descriptor = openSync(path, values.force === true ? 'w' : 'wx', CONFIG_MODE);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EEXIST' ? 'it already exists; use --force to overwrite it' : (error as Error).message;
    io.stderr.write(`c2b gen-config: not writing ${path}: ${reason}\n`);
    return ExitCode.failure;
  }
  try {
    // The mode given to open applies only to a new file and passes through the umask; set it outright.
    fchmodSync(descriptor, CONFIG_MODE);
    writeFileSync(descriptor, text);
  } catch (error) {
    io.stderr.write(`c2b gen-config: cannot write ${path}: ${(error as Error).message}\n`);
    return ExitCode.failure;
  } finally {
    closeSync(descriptor);
  }
  io.stderr.write(`wrote ${path}\n`);
  return ExitCode.ok;
};
