// Makes the package's bin entry points executable after tsc wrote them (tsc does not keep modes).
import { chmodSync, readFileSync } from 'node:fs';
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
for (const path of Object.values(manifest.bin)) chmodSync(new URL(`../${path}`, import.meta.url), 0o755);
