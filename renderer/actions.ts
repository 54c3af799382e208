// The changes a person can make to one address, shared by the bans table and the intel panel: each
// calls the bridge and patches the local ban list at once (the helper's event confirms it later).
import type { Result } from '../electron/bridge.js';
import type { BanInfo } from '../helper/protocol/index.js';
import { patchBans } from './bans-store.js';
import { call } from './bridge-client.js';

export async function unbanAddress(ip: string): Promise<Result<boolean>> {
  const result = await call((bridge) => bridge.unban(ip));
  if (result.ok || result.error.kind === 'NotFound') patchBans({ added: [], removed: [ip] });
  return result;
}

export async function whitelistAddress(ip: string, comment: string): Promise<Result<string[]>> {
  const result = await call((bridge) => bridge.whitelistAdd(ip, comment));
  if (result.ok) patchBans({ added: [], removed: [ip, ...result.value] });
  return result;
}

export type Extension = 'hour' | 'day' | 'week' | 'permanent';
export const EXTENSIONS: readonly { value: Extension; label: string; secs: number }[] = [
  { value: 'hour', label: '+1 hour', secs: 3_600 },
  { value: 'day', label: '+1 day', secs: 86_400 },
  { value: 'week', label: '+1 week', secs: 7 * 86_400 },
  { value: 'permanent', label: 'Permanent', secs: 0 },
];

/** Makes the ban end later by the extension (what is left plus it); the ban keeps its record. Permanent stays permanent. */
export async function extendBan(ban: BanInfo, extension: Extension): Promise<Result<boolean>> {
  const nowSecs = Math.floor(Date.now() / 1000);
  const extra = EXTENSIONS.find((entry) => entry.value === extension)!.secs;
  const durationSecs = extension === 'permanent' || ban.expires_at === 0 ? 0 : Math.max(0, ban.expires_at - nowSecs) + extra;
  const result = await call((bridge) => bridge.extendBan(ban.ip, durationSecs));
  if (result.ok) patchBans({ added: [{ ...ban, expires_at: durationSecs === 0 ? 0 : nowSecs + durationSecs }], removed: [] });
  return result;
}
