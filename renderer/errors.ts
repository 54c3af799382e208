// What a failed operation means, in a sentence a person can act on. The technical message is shown
// beside it, smaller, by ErrorAlert.
import type { BridgeError, BridgeErrorKind } from '../electron/bridge.js';

const SENTENCES: Record<BridgeErrorKind, string> = {
  NotAuthorized:
    'You are not allowed to change bans or the whitelist. Ask an administrator to add you to the croissant2ban group (or to allow you in polkit), or use an account that is.',
  InvalidAddress: 'That is not a valid IP address or network.',
  InvalidArgument: 'The helper refused a value as out of range or malformed. Check what you typed and try again.',
  Whitelisted: 'That address is whitelisted, so it cannot be banned.',
  NotFound: 'That address is not banned (any more).',
  Failed: 'The helper tried but could not do it. Its log (journalctl -u croissant2ban) says why.',
  Unreachable: 'The helper is not running, so nothing can be read or changed right now. Start it, then try again.',
  Timeout: 'The helper did not answer in time. It may be busy; try again in a moment.',
  InteractionRequired:
    'This needs an administrator password, but no password prompt (polkit agent) is running in your session. Log in to a desktop session with one, or join the croissant2ban group.',
  AccessDenied: 'The system bus refused the call: its policy does not let your account talk to the helper this way.',
  BadReply: 'The helper answered with something this app does not understand. The app and the helper may be different versions.',
  InvalidRequest: 'The app refused to send that request because a value was not valid.',
  NotInstalled: 'The helper is not installed on this machine (no croissant2ban.service).',
};

export function describeError(error: BridgeError): string {
  return SENTENCES[error.kind] ?? `Something went wrong (${error.kind}).`;
}
