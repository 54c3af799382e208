// c2b replay: runs filters, gate and detector over a log file as if it were being tailed, and prints the ban decisions.
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { defaultConfig, loadConfig } from '../../config/load.js';
import type { Config, ServiceConfig } from '../../config/types.js';
import { Detection } from '../../core/detection.js';
import { DEFAULT_MAX_TRACKED, Detector } from '../../core/detector.js';
import type { BanDecision } from '../../core/events.js';
import { Gate, configuredWhitelist, localInterfaceAddresses } from '../../core/gate.js';
import { builtinFilterNames } from '../../filters/index.js';
import { readFileLines } from '../../sources/read-file-lines.js';
import { formatDuration, formatLocalTime, formatTable } from '../format.js';
import { ExitCode, UsageError, type CliIo, type Command } from '../io.js';


/** Built-in defaults for a service the config does not name: 5 failures in 600 s ban for 3600 s. */
function builtinService(name: string): ServiceConfig {
  return {
    name,
    enabled: true,
    logPaths: [],
    journalUnits: [],
    filter: name,
    patterns: [],
    maxFailures: 5,
    findTime: 600,
    banPolicy: { banTime: 3600, increment: false, factor: 2, maximum: 604_800 },
    port: null,
  };
}

function chooseService(config: Config, name: string, configGiven: boolean): ServiceConfig {
  const configured = config.services.find((service) => service.name === name);
  if (configured) return configured;
  if (!configGiven && builtinFilterNames().includes(name)) return builtinService(name);
  const known = configGiven ? config.services.map((service) => service.name) : builtinFilterNames();
  throw new UsageError(`unknown service ${JSON.stringify(name)}; known: ${known.join(', ') || '(none)'}`);
}

export const replay: Command = async (argv, io) => {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      service: { type: 'string', short: 's' },
      config: { type: 'string', short: 'c' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('expected exactly one log file');
  if (values.service === undefined) throw new UsageError('--service is required');
  const logFile = positionals[0]!;
  const config = values.config !== undefined ? loadConfig(values.config) : defaultConfig();
  const service = chooseService(config, values.service, values.config !== undefined);

  let fileTime: number;
  try {
    fileTime = (await stat(logFile)).mtimeMs;
  } catch (error) {
    io.stderr.write(`c2b replay: cannot read ${logFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
    return ExitCode.failure;
  }

  // As if tailed: a banned address's failures are not counted while its ban lasts (by log time).
  const bannedUntil = new Map<string, number>();
  const banCounts = new Map<string, number>();
  const gate = new Gate({
    networks: configuredWhitelist(config, (message) => io.stderr.write(`warning: ${message}\n`)),
    hostAddresses: localInterfaceAddresses(),
  });
  const detection = new Detection({
    services: [service],
    detector: new Detector({
      policyFor: () => service,
      maxTracked: config.general.maxTrackedAddresses || DEFAULT_MAX_TRACKED,
      history: { previousBans: (address) => banCounts.get(address) ?? 0 },
    }),
    gate,
    isBanned: (address, time) => (bannedUntil.get(address) ?? -Infinity) > time,
    now: () => fileTime,
    yearReference: () => fileTime,
  });

  const decisions: BanDecision[] = [];
  /** Per address: why it is never banned, and how often it would have been. */
  const spared = new Map<string, { reason: string; times: number }>();
  let overlong = 0;
  let jsonOutput = '';
  const origin = logFile;
  await readFileLines(logFile, {
    onLine: (text) => {
      for (const outcome of detection.process({ service: service.name, origin, text })) {
        if (outcome.kind === 'ban') {
          const { decision } = outcome;
          decisions.push(decision);
          banCounts.set(decision.address, (banCounts.get(decision.address) ?? 0) + 1);
          bannedUntil.set(decision.address, decision.banTime === 0 ? Infinity : decision.time + decision.banTime * 1000);
          if (values.json) {
            // Written in large pieces: one write per decision costs more than deciding it.
            jsonOutput += `${JSON.stringify(decisionJson(decision))}\n`;
            if (jsonOutput.length > 1 << 16) {
              io.stdout.write(jsonOutput);
              jsonOutput = '';
            }
          }
        } else if (outcome.kind === 'spared') {
          const entry = spared.get(outcome.decision.address) ?? { reason: outcome.reason, times: 0 };
          entry.times++;
          spared.set(outcome.decision.address, entry);
        }
      }
    },
    onOverlong: () => overlong++,
  });

  const { lines, failures, bans } = detection.counters;
  if (values.json) {
    for (const [address, { reason, times }] of spared) io.stderr.write(`not banned: ${address}: ${reason} (${timesText(times)})\n`);
    io.stdout.write(`${jsonOutput}${JSON.stringify({ summary: { lines, failures, bans, spared: spared.size } })}\n`);
    return ExitCode.ok;
  }
  printHuman(io, { logFile, service, decisions, spared, lines, failures, overlong });
  return ExitCode.ok;
};

function timesText(times: number): string {
  return times === 1 ? 'would have been banned once' : `would have been banned ${times} times`;
}

function decisionJson(decision: BanDecision) {
  return {
    action: 'ban',
    ip: decision.address,
    service: decision.service,
    failures: decision.failures,
    ban_time: decision.banTime,
    time: new Date(decision.time).toISOString(),
  };
}

function printHuman(
  io: CliIo,
  report: {
    logFile: string;
    service: ServiceConfig;
    decisions: readonly BanDecision[];
    spared: ReadonlyMap<string, { reason: string; times: number }>;
    lines: number;
    failures: number;
    overlong: number;
  },
): void {
  const { service } = report;
  const out: string[] = [];
  out.push(
    `${report.logFile} as service ${service.name}: ban after ${service.maxFailures} failures within ` +
      `${formatDuration(service.findTime)}, for ${formatDuration(service.banPolicy.banTime)}` +
      (service.banPolicy.increment ? ` (x${service.banPolicy.factor} per earlier ban, at most ${formatDuration(service.banPolicy.maximum)})` : ''),
    '',
  );
  if (report.decisions.length > 0) {
    const rows = [['TIME', 'ADDRESS', 'FAILURES', 'BAN', 'LAST PATTERN']];
    for (const decision of report.decisions) {
      rows.push([
        formatLocalTime(decision.time),
        decision.address,
        String(decision.failures),
        formatDuration(decision.banTime),
        decision.pattern,
      ]);
    }
    out.push(formatTable(rows), '');
  } else {
    out.push('No address would be banned.', '');
  }
  if (report.spared.size > 0) {
    out.push('Never banned (would have crossed the threshold):');
    const rows = [...report.spared].map(([address, { reason, times }]) => [address, reason, timesText(times)]);
    out.push(formatTable(rows, { indent: '  ' }), '');
  }
  const addresses = new Set(report.decisions.map((decision) => decision.address)).size;
  out.push(
    `${report.lines} lines, ${report.failures} failures, ${report.decisions.length} bans of ${addresses} addresses` +
      (report.overlong > 0 ? `, ${report.overlong} overlong lines skipped` : ''),
  );
  io.stdout.write(`${out.join('\n')}\n`);
}
