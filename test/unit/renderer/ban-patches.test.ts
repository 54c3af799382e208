import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BanInfo } from '../../../helper/protocol/index.js';
import { applyPatch, mergePatches, type Patch } from '../../../renderer/ban-patches.js';

function ban(ip: string, expires: number): BanInfo {
  return { ip, service: 'ssh', reason: 'r', source: 'detector', banned_at: 1, expires_at: expires, failures: 3 };
}

function random(seed: number) {
  let state = seed;
  return () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

const asMap = (bans: readonly BanInfo[]) => new Map(bans.map((entry) => [entry.ip, entry.expires_at]));

test('a batch merged into one patch gives the list that applying its patches one by one gives', () => {
  const next = random(11);
  const ips = Array.from({ length: 12 }, (_, index) => `192.0.2.${index}`);
  const pick = () => ips[Math.floor(next() * ips.length)]!;
  for (let round = 0; round < 500; round++) {
    const start = [...new Set(Array.from({ length: 6 }, pick))].map((ip) => ban(ip, 100));
    const patches: Patch[] = Array.from({ length: 1 + Math.floor(next() * 8) }, (_, index) => {
      const roll = next();
      if (roll < 0.08) return { added: next() < 0.5 ? [ban(pick(), 500 + index)] : [], removed: [], cleared: true };
      if (roll < 0.5) return { added: [], removed: [pick()] };
      return { added: [ban(pick(), 200 + index)], removed: next() < 0.3 ? [pick()] : [] };
    });
    const oneByOne = patches.reduce<readonly BanInfo[]>((list, patch) => applyPatch(list, patch), start);
    const merged = applyPatch(start, mergePatches(patches));
    assert.deepEqual(asMap(merged), asMap(oneByOne), `round ${round}: ${JSON.stringify(patches)}`);
    assert.equal(new Set(merged.map((entry) => entry.ip)).size, merged.length, 'at most one ban per address');
  }
});

test('an address removed and added in one batch ends up present with the newest ban; a flush drops what came before it', () => {
  const start = [ban('192.0.2.1', 100), ban('192.0.2.2', 100)];
  const merged = mergePatches([
    { added: [], removed: ['192.0.2.1'] },
    { added: [ban('192.0.2.1', 300)], removed: [] },
  ]);
  assert.deepEqual(asMap(applyPatch(start, merged)), new Map([['192.0.2.1', 300], ['192.0.2.2', 100]]));
  const flushed = mergePatches([{ added: [ban('192.0.2.3', 100)], removed: [] }, { added: [], removed: [], cleared: true }, { added: [ban('192.0.2.4', 100)], removed: [] }]);
  assert.deepEqual(asMap(applyPatch(start, flushed)), new Map([['192.0.2.4', 100]]));
});
