import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanFacts, cleanText, emptyRecord, memoryCache, storeCache, type IntelRecord } from '../../../helper/intel/record.js';
import { Store } from '../../../helper/store/store.js';
import { temporaryDirectory } from '../../support/paths.js';

/** Control characters, C1 controls, bidi controls and zero-width characters: none may survive cleaning. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

test('cleanText removes the control bytes of ANSI escape sequences, so a terminal shows them as plain text', () => {
  for (const hostile of ['\u001b[2J\u001b[31mEvil Corp\u001b[0m', '\u001b]0;new window title\u0007Evil Corp', '\u001b[1A\u001b[KEvil Corp', '\u009b31mEvil Corp']) {
    const cleaned = cleanText(hostile);
    assert.ok(!INVISIBLE.test(cleaned), JSON.stringify(cleaned));
    assert.ok(cleaned.includes('Evil Corp'), JSON.stringify(cleaned));
  }
});

test('cleanText removes C0 and C1 control characters and DEL', () => {
  assert.equal(cleanText('a\u0000b\u0007c\u0008d\u007fe\u0085f\u009bg'), 'a b c d e f g');
});

test('cleanText removes bidi overrides and isolates, so text cannot be shown reversed', () => {
  const cleaned = cleanText('invoice\u202egpj.exe \u2066isolated\u2069 \u202aembedded\u202c \u200eLRM\u200fRLM');
  assert.ok(!INVISIBLE.test(cleaned), JSON.stringify(cleaned));
  assert.ok(!cleaned.includes('\u202e'));
  assert.ok(cleaned.startsWith('invoice') && cleaned.includes('gpj.exe'), cleaned);
});

test('cleanText removes zero-width characters and the byte-order mark', () => {
  const cleaned = cleanText('\ufeffmail.goo\u200bgle.com\u200c\u200d');
  assert.ok(!INVISIBLE.test(cleaned), JSON.stringify(cleaned));
  assert.ok(cleaned.startsWith('mail.goo'), cleaned);
  assert.ok(cleaned.endsWith('gle.com'), cleaned);
});

test('cleanText makes one line: newlines, tabs and runs of spaces become one space, and the ends are trimmed', () => {
  assert.equal(cleanText('  Google\r\nLLC\n\n1600 Amphitheatre\tParkway   \u2028 end  '), 'Google LLC 1600 Amphitheatre Parkway end');
});

test('cleanText caps the text at 200 characters', () => {
  assert.equal(cleanText('x'.repeat(100_000)).length, 200);
  assert.equal(cleanText('y'.repeat(200)), 'y'.repeat(200));
  assert.equal(cleanText(`${' '.repeat(50)}${'z'.repeat(250)}`), 'z'.repeat(200), 'capped after trimming');
});

test('cleanText keeps ordinary non-ASCII text as it is', () => {
  for (const text of ['Réseaux IP Européens', 'Ростелеком', '中国电信', 'Türk Telekom', 'מרכז', 'Kraków 🥐']) assert.equal(cleanText(text), text);
});

test('cleanText turns text of only invisible characters into the empty string', () => {
  assert.equal(cleanText('\u001b\u200b\u202e \n\t'), '');
});

test('cleanFacts cleans strings and drops those that end up empty', () => {
  assert.deepEqual(cleanFacts({ organization: '  Evil\u001b[0m\nCorp ', networkName: '   ', country: '\u200b', registry: 'ARIN' }), {
    organization: 'Evil [0m Corp',
    registry: 'ARIN',
  });
});

test('cleanFacts keeps finite numbers and booleans, and drops NaN, infinities, null and nested objects', () => {
  assert.deepEqual(
    cleanFacts({ confidence: 87, zero: 0, negative: -1, tor: false, confirmed: true, nan: Number.NaN, inf: Number.POSITIVE_INFINITY, minf: Number.NEGATIVE_INFINITY, nothing: null, missing: undefined, nested: { a: 1 } }),
    { confidence: 87, zero: 0, negative: -1, tor: false, confirmed: true },
  );
});

test('cleanFacts cleans the strings of arrays, drops empty and non-scalar items, and caps arrays at 1000 items', () => {
  assert.deepEqual(cleanFacts({ hostnames: ['a.example\u001b[2J', '', '   ', 'b.example', null, { x: 1 }, ['nested']], ports: [22, 443] }), {
    hostnames: ['a.example [2J', 'b.example'],
    ports: [22, 443],
  });
  const many = cleanFacts({ ports: Array.from({ length: 5000 }, (_, index) => index + 1) });
  assert.equal(many.ports.length, 1000);
  assert.equal(many.ports[999], 1000);
});

test('cleanFacts does not modify its argument', () => {
  const facts = { organization: ' A\nB ', ports: [1, 2] };
  cleanFacts(facts);
  assert.deepEqual(facts, { organization: ' A\nB ', ports: [1, 2] });
});

function withStore(run: (store: Store) => void): void {
  const directory = temporaryDirectory('c2b-intel-');
  const store = new Store(join(directory.path, 'croissant2ban.db'));
  try {
    run(store);
  } finally {
    store.close();
    directory.dispose();
  }
}

const RECORD: IntelRecord = {
  answers: {
    rdns: { at: 1_700_000_001_000, facts: { hostname: 'dns.google', confirmed: true } },
    whois: { at: 1_700_000_002_000, facts: { organization: 'Google LLC', networkRange: '8.8.8.0/24', registry: 'ARIN', abuseContact: 'network-abuse@google.com', via: 'rdap' } },
    shodan: { at: 1_700_000_003_000, facts: { ports: [53, 443], hostnames: ['dns.google'], tags: [] } },
    abuseipdb: { at: 1_700_000_000_500, facts: { confidence: 0, reports: 0, tor: false, usageType: 'Content Delivery Network' } },
  },
  failures: {
    shodan: { at: 1_700_000_009_000, message: 'api.shodan.io: HTTP 503', retryAt: 1_700_000_609_000, attempts: 3 },
  },
};

test('a record written to the store cache reads back the same, with the newest answer as the row time', () => {
  withStore((store) => {
    const cache = storeCache(store);
    cache.write('8.8.8.8', RECORD);
    assert.deepEqual(cache.read('8.8.8.8'), RECORD);
    const row = store.intel('8.8.8.8');
    assert.equal(row?.gatheredAt, 1_700_000_003_000);
    assert.notEqual(row?.errors, null);
  });
});

test('the store cache reads an empty record for an address it has never seen', () => {
  withStore((store) => {
    assert.deepEqual(storeCache(store).read('2001:4860:4860::8888'), emptyRecord());
  });
});

test('a record with failures only is stored with no answer time, and without failures no errors column', () => {
  withStore((store) => {
    const cache = storeCache(store);
    const failed: IntelRecord = { answers: {}, failures: { whois: { at: 1_700_000_000_000, message: 'whois.arin.net: timed out', retryAt: 1_700_000_060_000, attempts: 1 } } };
    cache.write('192.0.2.1', failed);
    assert.equal(store.intel('192.0.2.1')?.gatheredAt, 0);
    assert.deepEqual(cache.read('192.0.2.1'), failed);

    cache.write('192.0.2.1', { answers: { rdns: { at: 1_700_000_100_000, facts: {} } }, failures: {} });
    assert.equal(store.intel('192.0.2.1')?.errors, null);
    assert.deepEqual(cache.read('192.0.2.1'), { answers: { rdns: { at: 1_700_000_100_000, facts: {} } }, failures: {} });
  });
});

test('a row whose JSON is corrupt reads as nothing known', () => {
  withStore((store) => {
    const cache = storeCache(store);
    store.saveIntel('8.8.8.8', { gatheredAt: 1, data: '{"whois": {"at": 1, "facts": {', errors: null });
    assert.deepEqual(cache.read('8.8.8.8'), emptyRecord());
    store.saveIntel('8.8.8.8', { gatheredAt: 1, data: JSON.stringify(RECORD.answers), errors: 'garbage' });
    assert.deepEqual(cache.read('8.8.8.8'), emptyRecord());
    store.saveIntel('8.8.8.8', { gatheredAt: 1, data: '', errors: null });
    assert.deepEqual(cache.read('8.8.8.8'), emptyRecord());
  });
});

test('a row that is JSON of the wrong shape keeps only the entries that have the expected shape', () => {
  withStore((store) => {
    const cache = storeCache(store);
    for (const data of ['null', '[]', '42', '"text"']) {
      store.saveIntel('8.8.8.8', { gatheredAt: 1, data, errors: data });
      assert.deepEqual(cache.read('8.8.8.8'), emptyRecord(), data);
    }
    store.saveIntel('8.8.8.8', {
      gatheredAt: 1,
      data: JSON.stringify({ rdns: { at: 'yesterday', facts: {} }, whois: { at: 5, facts: 'x' }, shodan: { at: 7, facts: { ports: [22] } }, unknown: { at: 1, facts: {} } }),
      errors: JSON.stringify({ whois: { at: 1, message: 42, retryAt: 2 }, abuseipdb: { at: 3, message: 'HTTP 429', retryAt: 4 } }),
    });
    assert.deepEqual(cache.read('8.8.8.8'), {
      answers: { shodan: { at: 7, facts: { ports: [22] } } },
      failures: { abuseipdb: { at: 3, message: 'HTTP 429', retryAt: 4, attempts: 1 } },
    });
  });
});

test('text in a stored row is cleaned again when read, in case it was written by an older version', () => {
  withStore((store) => {
    store.saveIntel('8.8.8.8', {
      gatheredAt: 1,
      data: JSON.stringify({ whois: { at: 1, facts: { organization: 'Evil\u001b[2J\u202eCorp', via: 'whois' } } }),
      errors: JSON.stringify({ rdns: { at: 2, message: 'bad\nname\u001b[0m', retryAt: 3, attempts: 1 } }),
    });
    const record = storeCache(store).read('8.8.8.8');
    // The escape byte becomes a space; the bidi override vanishes (it is invisible, not a separator).
    assert.equal(record.answers.whois?.facts.organization, 'Evil [2JCorp');
    assert.equal(record.failures.rdns?.message, 'bad name [0m');
  });
});

test('a later write replaces the earlier row', () => {
  withStore((store) => {
    const cache = storeCache(store);
    cache.write('8.8.8.8', RECORD);
    const newer: IntelRecord = { answers: { rdns: { at: 1_800_000_000_000, facts: { hostname: 'dns.google', confirmed: true } } }, failures: {} };
    cache.write('8.8.8.8', newer);
    assert.deepEqual(cache.read('8.8.8.8'), newer);
  });
});

test('the memory cache remembers what was written, per address, and nothing else', () => {
  const cache = memoryCache();
  assert.deepEqual(cache.read('8.8.8.8'), emptyRecord());
  cache.write('8.8.8.8', RECORD);
  assert.deepEqual(cache.read('8.8.8.8'), RECORD);
  assert.deepEqual(cache.read('1.1.1.1'), emptyRecord());
});

test('the 200-character cap never cuts a character outside the BMP in two, leaving half a surrogate pair', () => {
  const cleaned = cleanText(`${'a'.repeat(199)}🥐🥐`);
  assert.ok(cleaned.length <= 200, `${cleaned.length} characters`);
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(cleaned), `ends with ${JSON.stringify(cleaned.slice(-2))}`);
  assert.ok(cleaned.startsWith('a'.repeat(199)));
});
