#!/usr/bin/env node
// Turns ip-location-db's address-to-ASN CSV (CC BY 4.0: RouteViews, the RIRs via NRO, DB-IP) into the
// compact table the helper reads (dist/data/asn.bin, see helper/intel/asn-table.ts). Skipped when
// the table was built from the installed version of the package.
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'dist', 'data', 'asn.bin');
let source;
try {
  source = dirname(createRequire(import.meta.url).resolve('@ip-location-db/asn/package.json'));
} catch {
  console.error('build-intel-data: @ip-location-db/asn is not installed (npm ci installs it); the helper will run without shipped ASN data');
  process.exit(1);
}
const inputs = ['asn-ipv4-num.csv', 'asn-ipv6-num.csv'].map((name) => join(source, name));
// npm normalises file times, so the data's identity and date come from the package version (2.3.YYYYMMDDHH).
const version = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')).version;
const stampFile = `${output}.source`;
if (!process.argv.includes('--force') && existsSync(output) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === version) process.exit(0);

const { encodeAsnTable, parseAsnCsvLine } = await import(join(root, 'dist', 'helper', 'intel', 'asn-table.js'));

async function readRanges(file) {
  const ranges = [];
  let lineNumber = 0;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    lineNumber++;
    if (line === '') continue;
    const range = parseAsnCsvLine(line);
    if (range === null) throw new Error(`${file}:${lineNumber}: not "start,end,asn,organisation": ${line.slice(0, 80)}`);
    ranges.push(range);
  }
  return ranges;
}

const [v4, v6] = await Promise.all(inputs.map(readRanges));
const stamp = /\.(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(version);
const builtAt = stamp === null ? Date.now() : Date.UTC(Number(stamp[1]), Number(stamp[2]) - 1, Number(stamp[3]), Number(stamp[4]));
const table = encodeAsnTable({ v4, v6 }, builtAt);
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, table);
writeFileSync(stampFile, version);
console.log(`build-intel-data: ${v4.length} IPv4 and ${v6.length} IPv6 ranges -> ${output} (${(table.length / 1048576).toFixed(1)} MB)`);
