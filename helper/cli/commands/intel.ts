// c2b intel <ip> [-r] [-j]: who is behind an address. Through the helper when it runs (its cache, its
// API keys); otherwise looked up directly by this process, as any user, and nothing is cached.
import { accessSync, constants } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH } from '../../config/defaults.js';
import { defaultConfig, loadConfig } from '../../config/load.js';
import type { Config } from '../../config/types.js';
import { parseAddress } from '../../core/address.js';
import { createLogger } from '../../daemon/log.js';
import { createIntelGatherer } from '../../intel/gatherer.js';
import { memoryCache, REMOTE_SOURCES } from '../../intel/record.js';
import type { IntelInfo } from '../../protocol/index.js';
import { withHelper } from '../api-client.js';
import { formatRelative, formatTable } from '../format.js';
import { ExitCode, UsageError, type CliIo, type Command } from '../io.js';

const SOURCE_NAMES: Record<string, string> = { rdns: 'reverse DNS', whois: 'WHOIS', shodan: 'Shodan', abuseipdb: 'AbuseIPDB' };

const utc = (epochSeconds: number) => `${new Date(epochSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC`;

/** The human report: Location, Network, Reputation, Flags and Sources, each only when it has lines. */
export function formatIntel(info: IntelInfo, options: { readonly banned?: boolean; readonly now: number }): string {
  const out: string[] = [`IP: ${info.address ?? '?'}`];
  if (options.banned !== undefined) out.push(`Banned: ${options.banned ? 'yes' : 'no'}`);
  if (info.gathered_at !== undefined) out.push(`Gathered: ${utc(info.gathered_at)}`);
  if (info.scope !== undefined && info.scope !== 'public') out.push(`Scope: ${info.scope} address (answered locally, nothing was looked up)`);

  const section = (title: string, rows: (readonly [string, string | undefined])[]) => {
    const present = rows.filter((row): row is readonly [string, string] => row[1] !== undefined && row[1] !== '');
    if (present.length === 0) return;
    out.push(`--- ${title} ---`, ...present.map(([label, value]) => (label === '' ? value : `${label}: ${value}`)));
  };
  const join = (...parts: (string | undefined)[]) => parts.filter((part) => part !== undefined && part !== '').join(', ') || undefined;

  section('Location', [
    ['Country', info.country === undefined ? info.country_code : `${info.country}${info.country_code === undefined ? '' : ` (${info.country_code})`}`],
    ['City', join(info.city, info.region)],
    ['Coordinates', info.latitude === undefined || info.longitude === undefined ? undefined : `${info.latitude}, ${info.longitude}`],
    ['Timezone', info.time_zone],
  ]);
  section('Network', [
    ['ASN', info.asn === undefined ? undefined : `AS${info.asn}${info.as_organization === undefined ? '' : ` (${info.as_organization})`}`],
    ['ISP', info.isp],
    ['Reverse DNS', info.reverse_dns === undefined ? undefined : `${info.reverse_dns}${info.reverse_dns_confirmed ? '' : ' (not forward-confirmed)'}`],
    ['Organization', info.organization],
    ['Network', join(info.network_name, info.network_range)],
    ['Registry', info.registry],
    ['Abuse contact', info.abuse_contact],
  ]);
  const lastReport = info.abuse_last_reported === undefined ? '' : `, last ${formatRelative(info.abuse_last_reported, options.now)}`;
  section('Reputation', [
    ['Abuse confidence', info.abuse_confidence === undefined ? undefined : `${info.abuse_confidence}% (${info.abuse_reports ?? 0} reports from ${info.abuse_reporters ?? 0} users${lastReport})`],
    ['Usage type', info.usage_type],
    ['Domain', info.domain],
    ['Open ports', info.open_ports?.join(', ')],
    ['Hostnames', info.hostnames?.join(', ')],
    ['Vulnerabilities', info.vulnerabilities?.join(', ')],
  ]);
  section('Flags', [
    ['', info.hosting ? `Hosting/Datacenter (${(info.hosting_reasons ?? []).join('; ')})` : undefined],
    ['', info.tor ? 'Tor exit node' : undefined],
  ]);
  const sources: [string, string][] = (info.local_databases ?? []).map((database) => ['local', database]);
  for (const source of REMOTE_SOURCES) {
    const name = SOURCE_NAMES[source]!;
    const at = info.gathered?.[source];
    const error = info.errors?.[source];
    if (error !== undefined) sources.push([name, `failed${at === undefined ? '' : ` (last answer ${formatRelative(at, options.now)})`}: ${error}; asked again later`]);
    else if (at !== undefined) sources.push([name, formatRelative(at, options.now)]);
    else if (info.pending?.includes(source)) sources.push([name, 'no answer yet']);
  }
  if (sources.length > 0) out.push('--- Sources ---', formatTable(sources.map(([name, text]) => [`${name}:`, text])));
  return `${out.join('\n')}\n`;
}

/** The config for a direct lookup: the installed one when this user may read it, else the defaults. */
function directConfig(path: string): { config: Config; note: string | null } {
  const fallback = (reason: string) => ({ config: defaultConfig(), note: `${path} is ${reason}: default intel settings, no API keys` });
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    return fallback((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not there' : 'not readable by you');
  }
  try {
    return { config: loadConfig(path), note: null };
  } catch (error) {
    return fallback(`not valid (${String((error as Error).message).split('\n')[0]})`);
  }
}

export const intel: Command = async (argv, io) => {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { refresh: { type: 'boolean', short: 'r' }, json: { type: 'boolean', short: 'j' }, config: { type: 'string', short: 'c' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError(`expected 1 argument, got ${positionals.length}`);
  const text = positionals[0]!;
  const refresh = Boolean(values.refresh);
  const now = () => Math.floor(Date.now() / 1000);
  const print = (info: IntelInfo, banned?: boolean) => {
    io.stdout.write(values.json ? `${JSON.stringify(info, null, 2)}\n` : formatIntel(info, { banned, now: now() }));
    return ExitCode.ok;
  };

  return withHelper(
    io,
    'intel',
    async (client) => {
      const [info, banned] = await Promise.all([client.getIntel(text, refresh), client.isBanned(text)]);
      if (!values.json && (info.pending?.length ?? 0) > 0 && !refresh) {
        io.stderr.write('c2b intel: some sources have no answer yet (only admins start lookups, and a slow source answers later); see Sources\n');
      }
      return print(info, banned);
    },
    async () => {
      const address = parseAddress(text);
      if (address === null) {
        io.stderr.write(`c2b intel: not an IP address: ${JSON.stringify(text.slice(0, 64))}\n`);
        return ExitCode.usage;
      }
      const { config, note } = directConfig(typeof values.config === 'string' ? values.config : DEFAULT_CONFIG_PATH);
      io.stderr.write(`c2b intel: the helper is not running; looked up directly, nothing cached${note === null ? '' : ` (${note})`}\n`);
      const logger = createLogger({ level: () => 'error', write: (line) => io.stderr.write(line) });
      const gatherer = createIntelGatherer({ settings: config.intel, cache: memoryCache(), logger });
      try {
        return print(await gatherer.lookup(address, { refresh: true, gather: true }));
      } finally {
        gatherer.close();
      }
    },
  );
};
