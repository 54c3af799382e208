// Built-in patterns cannot be made to backtrack: recheck proves them linear, and crafted 64 KiB lines stay fast.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type { Diagnostics } from 'recheck';
import { builtinFilterNames, createMatcher, loadBuiltinFilter, MAX_LINE_CHARS } from '../../../helper/filters/index.js';

const { checkSync } = createRequire(import.meta.url)('recheck') as {
  checkSync: (source: string, flags: string, parameters?: { timeout?: number }) => Diagnostics;
};

for (const name of builtinFilterNames()) {
  test(`recheck finds every regex of the ${name} filter safe (no super-linear backtracking)`, () => {
    const definition = loadBuiltinFilter(name);
    const regexes = [...(definition.lead === null ? [] : [{ name: 'lead', regex: definition.lead }]), ...definition.patterns];
    for (const { name: pattern, regex } of regexes) {
      const diagnostics = checkSync(`^${regex.source}`, 's', { timeout: 30_000 });
      const detail = diagnostics.status === 'vulnerable' ? `${diagnostics.complexity.summary}, attack ${JSON.stringify(diagnostics.attack.string.slice(0, 80))}` : '';
      assert.equal(diagnostics.status, 'safe', `${name}/${pattern}: ${diagnostics.status} ${detail}`);
    }
  });
}

/** Pieces of text each filter's patterns react to: repeated, they make the longest possible near-misses. */
const FRAGMENTS = [
  ' from 192.0.2.1 port 1 ssh2',
  ' from ',
  ': ',
  ', client: 192.0.2.1, server: ',
  '"',
  "' ",
  '`',
  ', rip=192.0.2.1',
  '(auth failed, 1 attempts)',
  '(',
  ' user ',
  ' rhost=192.0.2.1',
  '[client 192.0.2.1]',
  'a',
  ' ',
];

const HEADERS: Record<string, readonly string[]> = {
  ssh: [
    'Mar  4 10:00:00 h sshd[1]: Failed password for ',
    'Mar  4 10:00:00 h sshd[1]: Invalid user ',
    'Mar  4 10:00:00 h sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=',
    'Mar  4 10:00:00 h sshd[1]: Disconnecting invalid user ',
    'Mar  4 10:00:00 h sshd[1]: Received disconnect from 192.0.2.1 port 1:3: ',
    'Mar  4 10:00:00 h sshd[1]: User ',
    'Mar  4 10:00:00 h sshd[1]: Failed hostbased for ',
  ],
  nginx: ['2024/03/04 10:00:00 [error] 1#1: *1 user "', '2024/03/04 10:00:00 [error] 1#1: *1 limiting requests, excess: 1.0 by zone "'],
  apache: [
    '[Mon Mar 04 11:00:01 2024] [error] [client 192.0.2.1] user ',
    '[Mon Mar 04 11:00:01 2024] [error] [client 192.0.2.1] Authorization of user ',
    '[Mon Mar 04 11:00:01 2024] [error] [client 192.0.2.1] Digest: realm mismatch - got `',
  ],
  postfix: ['Mar  4 12:00:01 mx1 postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: '],
  dovecot: [
    'Mar  4 12:00:01 mx1 dovecot: imap-login: Disconnected ',
    'Mar  4 12:00:01 mx1 dovecot: auth: passwd-file(',
    'Mar  4 12:00:01 auth(',
    'Mar  4 12:00:01 mx1 auth: pam_unix(dovecot:auth): authentication failure; ruser=',
  ],
};

for (const name of builtinFilterNames()) {
  test(`crafted lines of the longest length a reader passes on take the ${name} filter under 100 ms each`, () => {
    const matcher = createMatcher(loadBuiltinFilter(name), { service: name, yearReference: () => 0 });
    let slowest = 0;
    for (const header of HEADERS[name] ?? []) {
      for (const fragment of FRAGMENTS) {
        const line = (header + fragment.repeat(Math.ceil(MAX_LINE_CHARS / fragment.length))).slice(0, MAX_LINE_CHARS - 8) + ' x';
        const started = performance.now();
        matcher.push(line);
        slowest = Math.max(slowest, performance.now() - started);
        assert.ok(performance.now() - started < 100, `${name}: ${JSON.stringify(header + fragment)}... took ${(performance.now() - started).toFixed(0)} ms`);
      }
    }
    assert.ok(slowest < 100);
  });
}
