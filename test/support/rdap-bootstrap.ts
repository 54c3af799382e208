// IANA's RDAP bootstrap as shipped in conf/intel, with every registry moved to one test server: the
// helper then finds "the registry" of any address at that server, as it would in the world.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from './paths.js';

/** Writes rdap-ipv4.json and rdap-ipv6.json into `folder`, all ranges served by `baseUrl`. */
export function writeRdapBootstrap(folder: string, baseUrl: string): void {
  for (const family of ['ipv4', 'ipv6']) {
    const shipped = JSON.parse(readFileSync(join(repositoryRoot, 'conf', 'intel', `rdap-${family}.json`), 'utf8')) as { services: [string[], string[]][] };
    shipped.services = shipped.services.map(([ranges]) => [ranges, [`${baseUrl}/`]]);
    writeFileSync(join(folder, `rdap-${family}.json`), JSON.stringify(shipped));
  }
}
