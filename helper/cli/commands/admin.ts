// The c2b commands that go through the helper's D-Bus API: status, ban, extend, unban, list, banned,
// whitelist, logs, stats, services and flush. Each parses its arguments, makes its calls
// and prints for people (aligned tables, relative times, colour on a terminal) or for programs (JSON).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UNKNOWN_UID, type BanInfo } from '../../protocol/index.js';
import { withHelper } from '../api-client.js';
import { formatDuration, formatLocalTime, formatRelative, formatSparkline, formatTable, painter } from '../format.js';
import { ExitCode, UsageError, type CliIo, type Command } from '../io.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const isoOrNull = (epochSeconds: number) => (epochSeconds === 0 ? null : new Date(epochSeconds * 1000).toISOString());
const uidText = (uid: number) => (uid === UNKNOWN_UID ? 'helper' : `uid ${uid}`);

function positional(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']> = {}, count = 1) {
  const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true });
  if (positionals.length !== count) throw new UsageError(count === 0 ? `unexpected ${positionals.join(' ')}` : `expected ${count} argument${count === 1 ? '' : 's'}, got ${positionals.length}`);
  return { values: values as Record<string, string | boolean | undefined>, positionals };
}

function integerOption(value: string | boolean | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) > max) throw new UsageError(`${name} must be a whole number from 0 to ${max}`);
  return Number(value);
}

export const status: Command = async (argv, io) => {
  const { values } = positional(argv, { json: { type: 'boolean', short: 'j' } }, 0);
  return withHelper(io, 'status', async (client) => {
    const info = await client.status();
    if (values.json) {
      io.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      return ExitCode.ok;
    }
    const paint = painter(io.stdout, io.env);
    io.stdout.write(
      formatTable([
        ['helper', `${paint('green', 'running')} (pid ${info.pid}, version ${info.version}${info.dry_run ? ', dry run' : ''})`],
        ['up', `${formatDuration(info.uptime_secs)} (since ${formatLocalTime(info.started_at * 1000)})`],
        ['active bans', String(info.active_bans)],
        ['failures seen', `${info.events_processed} since start`],
        ['services', info.services.join(', ') || '(none)'],
        ['firewall', info.firewall_backend],
        ['authorisation', info.authorization],
        ['config', info.config_path],
        ['database', info.database_path],
      ]) + '\n',
    );
    return ExitCode.ok;
  });
};

export const ban: Command = async (argv, io) => {
  const { values, positionals } = positional(argv, { duration: { type: 'string', short: 'd' }, reason: { type: 'string', short: 'r' } });
  const seconds = integerOption(values.duration, '--duration', 3600, 10 * 365 * 86_400);
  const reason = typeof values.reason === 'string' ? values.reason : 'banned with c2b';
  return withHelper(io, 'ban', async (client) => {
    await client.ban(positionals[0]!, seconds, reason);
    io.stdout.write(`banned ${positionals[0]} ${seconds === 0 ? 'permanently' : `for ${formatDuration(seconds)}`}\n`);
    return ExitCode.ok;
  });
};

export const extend: Command = async (argv, io) => {
  const { values, positionals } = positional(argv, { duration: { type: 'string', short: 'd' } });
  if (values.duration === undefined) throw new UsageError('say how long the ban lasts from now with -d <seconds> (0 = permanent)');
  const seconds = integerOption(values.duration, '--duration', 0, 10 * 365 * 86_400);
  return withHelper(io, 'extend', async (client) => {
    await client.extendBan(positionals[0]!, seconds);
    io.stdout.write(`the ban of ${positionals[0]} now ${seconds === 0 ? 'never ends' : `ends in ${formatDuration(seconds)}`}\n`);
    return ExitCode.ok;
  });
};

export const unban: Command = async (argv, io) => {
  const { positionals } = positional(argv);
  return withHelper(io, 'unban', async (client) => {
    await client.unban(positionals[0]!);
    io.stdout.write(`unbanned ${positionals[0]}\n`);
    return ExitCode.ok;
  });
};

type ListFormat = 'table' | 'json' | 'simple';

function printBans(io: CliIo, bans: readonly BanInfo[], format: ListFormat) {
  // Written in one piece: 100,000 bans as one string is faster than 100,000 writes.
  if (format === 'simple') {
    io.stdout.write(bans.length === 0 ? '' : `${bans.map((ban) => ban.ip).join('\n')}\n`);
    return;
  }
  if (format === 'json') {
    const rows = bans.map((ban) => ({
      ip: ban.ip,
      service: ban.service === '' ? null : ban.service,
      reason: ban.reason,
      source: ban.source,
      failures: ban.failures,
      banned_at: new Date(ban.banned_at * 1000).toISOString(),
      expires_at: isoOrNull(ban.expires_at),
    }));
    io.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
    return;
  }
  if (bans.length === 0) {
    io.stdout.write('no active bans\n');
    return;
  }
  const now = nowSeconds();
  const paint = painter(io.stdout, io.env);
  const sorted = [...bans].sort((left, right) => right.banned_at - left.banned_at);
  const table = formatTable([
    ['ADDRESS', 'SERVICE', 'SOURCE', 'BANNED', 'EXPIRES', 'REASON'],
    ...sorted.map((ban) => [
      ban.ip,
      ban.service || '-',
      ban.source,
      formatRelative(ban.banned_at, now),
      ban.expires_at === 0 ? 'permanent' : formatRelative(ban.expires_at, now),
      ban.reason,
    ]),
  ]);
  const [header, ...rows] = table.split('\n');
  io.stdout.write(`${paint('bold', header!)}\n${rows.join('\n')}\n${paint('dim', `${bans.length} active ban${bans.length === 1 ? '' : 's'}`)}\n`);
}

export const list: Command = async (argv, io) => {
  const { values } = positional(argv, { format: { type: 'string', short: 'f', default: 'table' } }, 0);
  const format = values.format as string;
  if (format !== 'table' && format !== 'json' && format !== 'simple') throw new UsageError(`--format must be table, json or simple, not ${JSON.stringify(format)}`);
  return withHelper(io, 'list', async (client) => {
    printBans(io, await client.getBans(), format);
    return ExitCode.ok;
  });
};

/** One banned address per line: for scripts and users of the simple format. */
export const banned: Command = async (argv, io) => {
  positional(argv, {}, 0);
  return withHelper(io, 'banned', async (client) => {
    printBans(io, await client.getBans(), 'simple');
    return ExitCode.ok;
  });
};

export const whitelist: Command = async (argv, io) => {
  const [action, ...rest] = argv;
  if (action === 'add') {
    const { values, positionals } = positional(rest, { comment: { type: 'string', short: 'c', default: '' } });
    return withHelper(io, 'whitelist add', async (client) => {
      const unbanned = await client.whitelistAdd(positionals[0]!, values.comment as string);
      io.stdout.write(`whitelisted ${positionals[0]}${unbanned.length > 0 ? `; unbanned ${unbanned.join(', ')}` : ''}\n`);
      return ExitCode.ok;
    });
  }
  if (action === 'rm' || action === 'remove') {
    const { positionals } = positional(rest);
    return withHelper(io, 'whitelist rm', async (client) => {
      await client.whitelistRemove(positionals[0]!);
      io.stdout.write(`removed ${positionals[0]} from the whitelist\n`);
      return ExitCode.ok;
    });
  }
  if (action === 'list' || action === 'ls') {
    const { values } = positional(rest, { json: { type: 'boolean', short: 'j' } }, 0);
    return withHelper(io, 'whitelist list', async (client) => {
      const entries = await client.getWhitelist();
      if (values.json) {
        io.stdout.write(`${JSON.stringify(entries.map((entry) => ({ ...entry, added_at: new Date(entry.added_at * 1000).toISOString(), added_by: entry.added_by === UNKNOWN_UID ? null : entry.added_by })), null, 1)}\n`);
      } else if (entries.length === 0) {
        io.stdout.write('the database whitelist is empty (config networks and zones are not listed here)\n');
      } else {
        io.stdout.write(`${formatTable([['NETWORK', 'ADDED', 'BY', 'COMMENT'], ...entries.map((entry) => [entry.network, formatLocalTime(entry.added_at * 1000), uidText(entry.added_by), entry.comment])])}\n`);
      }
      return ExitCode.ok;
    });
  }
  throw new UsageError(action === undefined ? 'say add, rm or list' : `unknown whitelist action ${JSON.stringify(action)}: add, rm or list`);
};

export const logs: Command = async (argv, io) => {
  const { values } = positional(argv, { limit: { type: 'string', short: 'l' }, json: { type: 'boolean', short: 'j' }, activity: { type: 'boolean', short: 'a' } }, 0);
  const limit = integerOption(values.limit, '--limit', 50, 10_000);
  return withHelper(io, 'logs', async (client) => {
    if (values.activity) {
      const entries = await client.getActivity(limit);
      if (values.json) io.stdout.write(`${JSON.stringify(entries, null, 1)}\n`);
      else io.stdout.write(`${formatTable([['TIME', 'BY', 'ACTION', 'TARGET', 'DETAIL'], ...entries.map((entry) => [formatLocalTime(entry.time * 1000), uidText(entry.uid), entry.action, entry.target || '-', entry.detail])])}\n`);
      return ExitCode.ok;
    }
    const events = await client.getEvents(limit, 0);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(events.map((event) => ({ ...event, time: new Date(event.time * 1000).toISOString() })), null, 1)}\n`);
    } else if (events.length === 0) {
      io.stdout.write('no failed attempts recorded\n');
    } else {
      io.stdout.write(`${formatTable([['TIME', 'SERVICE', 'ADDRESS', 'EVENT', 'PATTERN'], ...events.map((event) => [formatLocalTime(event.time * 1000), event.service, event.ip, event.event_type, event.pattern])])}\n`);
    }
    return ExitCode.ok;
  });
};

export const stats: Command = async (argv, io) => {
  const { values } = positional(argv, { json: { type: 'boolean', short: 'j' } }, 0);
  return withHelper(io, 'stats', async (client) => {
    const numbers = await client.getStats();
    if (values.json) {
      io.stdout.write(`${JSON.stringify(numbers, null, 2)}\n`);
      return ExitCode.ok;
    }
    const byCount = (record: Record<string, number>) =>
      Object.entries(record)
        .sort((left, right) => right[1] - left[1])
        .map(([name, count]) => `${name} ${count}`)
        .join(', ') || '-';
    const perHour = (counts: readonly number[]) => `|${formatSparkline(counts)}| 24 h to now, peak ${Math.max(0, ...counts)}`;
    io.stdout.write(
      `${formatTable([
        ['active bans', `${numbers.active_bans} (${numbers.permanent_bans} permanent; ${byCount(numbers.bans_by_source)})`],
        ['bans, last 24 h', String(numbers.bans_24h)],
        ['bans, all time', String(numbers.bans_total)],
        ['failures, last 24 h', `${numbers.events_24h} from ${numbers.unique_attackers_24h} addresses (${byCount(numbers.events_by_service_24h)})`],
        ['failures kept', String(numbers.events_total)],
        ['failures per hour', perHour(numbers.events_per_hour_24h)],
        ['bans per hour', perHour(numbers.bans_per_hour_24h)],
      ])}\n`,
    );
    return ExitCode.ok;
  });
};

export const services: Command = async (argv, io) => {
  const { values } = positional(argv, { json: { type: 'boolean', short: 'j' } }, 0);
  return withHelper(io, 'services', async (client) => {
    const list = await client.getServices();
    if (values.json) {
      io.stdout.write(`${JSON.stringify(list, null, 1)}\n`);
      return ExitCode.ok;
    }
    io.stdout.write(
      `${formatTable([
        ['SERVICE', 'STATE', 'RULE', 'BANS', 'FAILURES 24H', 'READS'],
        ...list.map((service) => [
          service.name,
          service.enabled ? 'on' : 'off',
          `${service.max_retry} in ${formatDuration(service.find_time_secs)} -> ${formatDuration(service.ban_time_secs)}`,
          String(service.active_bans),
          String(service.events_24h),
          [...service.log_paths, ...service.journal_units.map((unit) => `journal:${unit}`)].join(', '),
        ]),
      ])}\n`,
    );
    return ExitCode.ok;
  });
};

/** Flush through the helper; when it is not running, root flushes the firewall and database directly. */
export const flush: Command = async (argv, io) => {
  const { values } = parseArgs({ args: [...argv], options: { yes: { type: 'boolean', default: false }, config: { type: 'string', short: 'c' } } });
  if (!values.yes) {
    io.stderr.write('c2b flush: removes every ban from the firewall and the database; say --yes to do it\n');
    return ExitCode.usage;
  }
  return withHelper(
    io,
    'flush',
    async (client) => {
      const count = await client.flush();
      io.stdout.write(`flushed: ${count} active ban${count === 1 ? '' : 's'} ended\n`);
      return ExitCode.ok;
    },
    async () => {
      const { flushOffline } = await import('./firewall-admin.js');
      return flushOffline(['--yes', ...(values.config ? ['-c', values.config] : [])], io);
    },
  );
};

export const reload: Command = async (argv, io) => {
  positional(argv, {}, 0);
  return withHelper(io, 'reload', async (client) => {
    await client.reload();
    io.stdout.write('configuration reloaded\n');
    return ExitCode.ok;
  });
};
