// npm run bench: detection speed and memory side by side with fail2ban-regex, sshguard's parser and grep,
// then enforcement (ban latency against sshguard, restore, burst; see enforcement.ts), the API
// (api.ts) and intel (local lookups, ban latency with auto_intel off and on; intel.ts).
//
// Every tool reads the same generated 1,000,000-line auth.log in the same run; results are ratios,
// because the machines are shared and absolute numbers drift. Nothing here passes or fails.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot, temporaryDirectory } from '../support/paths.js';
import { benchApi } from './api.js';
import { benchBansPage } from './bans-page.js';
import { benchEnforcement } from './enforcement.js';
import { generateAuthLog } from './generate-auth-log.js';
import { benchIntel } from './intel.js';

interface Measurement {
  readonly name: string;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly output: string;
}

const LINES = Number(process.env.C2B_BENCH_LINES ?? 1_000_000);

/** Runs a command, returning wall time and the peak RSS of the child (getrusage of children, via python3). */
function measure(name: string, command: readonly string[], options: { stdin?: string } = {}): Measurement | null {
  const wrapper = [
    'import resource, subprocess, sys, time',
    'stdin = open(sys.argv[1], "rb") if sys.argv[1] else subprocess.DEVNULL',
    'start = time.monotonic()',
    'result = subprocess.run(sys.argv[2:], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)',
    'elapsed = time.monotonic() - start',
    'sys.stdout.buffer.write(result.stdout[-4000:])',
    'sys.stderr.write("%f %d %d" % (elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, result.returncode))',
  ].join('\n');
  const result = spawnSync('python3', ['-c', wrapper, options.stdin ?? '', ...command], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const [seconds, rssKb, status] = result.stderr.trim().split(/\s+/).slice(-3).map(Number);
  if (result.status !== 0 || seconds === undefined || rssKb === undefined || status === undefined || Number.isNaN(seconds)) {
    console.log(`  ${name}: could not run (${result.stderr.trim().slice(-300)})`);
    return null;
  }
  if (status !== 0 && !name.startsWith('grep')) {
    console.log(`  ${name}: exited with status ${status}: ${result.stdout.slice(-300)}`);
    return null;
  }
  return { name, seconds, peakRssMb: rssKb / 1024, output: result.stdout };
}

function row(measurement: Measurement, lines: number, reference: Measurement | null): string {
  const rate = lines / measurement.seconds;
  const ratio = reference ? `${(reference.seconds / measurement.seconds).toFixed(1)}x` : '-';
  return `  ${measurement.name.padEnd(34)} ${String(Math.round(rate)).padStart(11)} lines/s ${measurement.peakRssMb.toFixed(0).padStart(6)} MB   ${ratio.padStart(7)}`;
}

async function main(): Promise<void> {
  const directory = temporaryDirectory('c2b-bench-');
  try {
    const log = join(directory.path, 'auth.log');
    console.log(`Generating ${LINES} lines of auth.log ...`);
    const generated = await generateAuthLog(log, { lines: LINES, attackers: 5000 });
    console.log(`  ${generated.failureLines} failure lines from ${generated.attackers} attackers, ${(statSync(log).size / 1e6).toFixed(0)} MB\n`);

    const c2b = join(repositoryRoot, 'dist', 'helper', 'cli', 'c2b.js');
    const node = process.execPath;
    const results: Measurement[] = [];
    const add = (measurement: Measurement | null) => measurement && results.push(measurement);

    add(measure('c2b test-filter ssh', [node, c2b, 'test-filter', 'ssh', log]));
    add(measure('c2b replay --service ssh', [node, c2b, 'replay', log, '--service', 'ssh', '--json']));
    const fail2ban = existsSync('/usr/bin/fail2ban-regex')
      ? measure('fail2ban-regex (sshd filter)', ['/usr/bin/fail2ban-regex', log, '/etc/fail2ban/filter.d/sshd.conf'])
      : null;
    if (!fail2ban) console.log('  fail2ban-regex: not installed (apt-get install fail2ban) -- no ratio against it');
    const sshguardParser = '/usr/libexec/sshguard/sshg-parser';
    const sshguard = existsSync(sshguardParser) ? measure('sshguard sshg-parser', [sshguardParser], { stdin: log }) : null;
    if (!sshguard) console.log('  sshguard: not installed (apt-get install sshguard) -- no ratio against it');
    add(fail2ban);
    add(sshguard);
    add(measure('grep -cE (reference floor)', ['grep', '-cE', 'Failed password|Invalid user|maximum authentication', log]));

    console.log(`\nThroughput on ${LINES} lines (ratio = speed relative to fail2ban-regex):`);
    for (const measurement of results) console.log(row(measurement, LINES, fail2ban));
    if (sshguard) {
      console.log('\nRatios against sshguard\'s parser (above 1 = faster than sshguard):');
      for (const measurement of results.filter((entry) => entry.name.startsWith('c2b'))) {
        console.log(`  ${measurement.name.padEnd(34)} ${(sshguard.seconds / measurement.seconds).toFixed(2)}x speed, ${(measurement.peakRssMb / sshguard.peakRssMb).toFixed(1)}x memory`);
      }
    }
    const summary = results.find((entry) => entry.name.startsWith('c2b test-filter'));
    if (summary) console.log(`\nc2b test-filter said:\n${summary.output.split('\n').slice(0, 6).map((line) => `  ${line}`).join('\n')}`);
    const replayed = results.find((entry) => entry.name.startsWith('c2b replay'));
    if (replayed) console.log(`c2b replay summary: ${replayed.output.trim().split('\n').pop()}`);
    const f2b = results.find((entry) => entry.name.startsWith('fail2ban'));
    if (f2b) console.log(`fail2ban-regex said: ${(f2b.output.match(/Lines: .*/) ?? [''])[0]}`);
  } finally {
    directory.dispose();
  }
}

await main();
await benchEnforcement();
await benchApi();
await benchIntel();
await benchBansPage();
