// Changes to the ban list that events bring, as data: a patch adds, removes or clears, and a batch
// of them merges into one, so the list of 100,000 bans is walked once per batch. Pure, so it is
// tested against applying the patches one by one.
import type { BanInfo } from '../helper/protocol/index.js';

export interface Patch {
  readonly added: readonly BanInfo[];
  readonly removed: readonly string[];
  /** A flush ('*'): every ban ended. */
  readonly cleared?: boolean;
}

/** Applies a patch to the list in one pass; invariant: at most one ban per address. */
export function applyPatch(bans: readonly BanInfo[], patch: Patch): readonly BanInfo[] {
  if (patch.cleared) return patch.added.slice();
  if (patch.added.length === 0 && patch.removed.length === 0) return bans;
  const removed = new Set(patch.removed);
  const added = new Map(patch.added.map((ban) => [ban.ip, ban]));
  const next: BanInfo[] = [];
  for (const ban of bans) {
    if (removed.has(ban.ip)) continue;
    const replacement = added.get(ban.ip);
    if (replacement) {
      next.push(replacement);
      added.delete(ban.ip);
    } else next.push(ban);
  }
  for (const ban of added.values()) next.push(ban);
  return next;
}

/**
 * The patches of a batch as one, in order (a flush resets; a later add or removal of an address wins),
 * so a burst of 1,000 events costs one pass over the list, not 1,000.
 */
export function mergePatches(patches: readonly Patch[]): Patch {
  let cleared = false;
  let added = new Map<string, BanInfo>();
  let removed = new Set<string>();
  for (const patch of patches) {
    if (patch.cleared) {
      cleared = true;
      added = new Map();
      removed = new Set();
    }
    for (const ip of patch.removed) {
      added.delete(ip);
      removed.add(ip);
    }
    // An address both removed and added ends up present: applyPatch drops the old ban, then adds this.
    for (const ban of patch.added) added.set(ban.ip, ban);
  }
  return { added: [...added.values()], removed: [...removed], cleared };
}

