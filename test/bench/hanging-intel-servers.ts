// Intel sources that never answer, for the bench's "ban latency with auto_intel on" run: a DNS server,
// an HTTP server (RDAP, Shodan, AbuseIPDB) and a WHOIS server on the loopback of the namespace this
// runs in. Prints their addresses as one JSON line, then runs until killed.
import { startFakeDns } from '../support/fake-dns.js';
import { startFakeHttp } from '../support/fake-http.js';
import { startFakeWhois } from '../support/fake-whois.js';

const dns = await startFakeDns();
dns.hang = true;
const http = await startFakeHttp(() => 'hang');
const whois = await startFakeWhois(() => 'hang');
console.log(JSON.stringify({ dns: dns.server, http: http.url, whois: whois.host }));
