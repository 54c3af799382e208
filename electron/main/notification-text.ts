// The words of the desktop notifications. Who (address, country and network when intel knows
// them), why (service and reason), for how long; a burst is one sentence with a few addresses.
import type { IntelInfo } from '../../helper/protocol/index.js';
import type { Notice } from './ban-notifications.js';

/**
 * Text for a notification body on Linux, where libnotify and most notification daemons read it as
 * markup: a name such as "AT&T" must not break it, and a WHOIS name must not add links or lines.
 */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface NotificationText {
  readonly title: string;
  readonly body: string;
}

/** "10 min", "2 h", "3 days", "1 h 30 min"; 0 is permanent. */
export function durationWords(seconds: number): string {
  if (seconds <= 0) return 'permanently';
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3_600);
  const minutes = Math.floor((seconds % 3_600) / 60);
  const parts: string[] = [];
  if (days > 0) parts.push(`${days} day${days === 1 ? '' : 's'}`);
  if (hours > 0) parts.push(`${hours} h`);
  if (minutes > 0 && days === 0) parts.push(`${minutes} min`);
  if (parts.length === 0) parts.push(`${seconds} s`);
  return `for ${parts.slice(0, 2).join(' ')}`;
}

/** "Germany · AS3320 Deutsche Telekom AG", or what part of it is known. */
export function originWords(intel: IntelInfo | undefined): string {
  if (!intel) return '';
  const place = [intel.city, intel.country ?? intel.country_code].filter((part) => part !== undefined && part !== '').join(', ');
  const network = intel.asn !== undefined && intel.asn > 0 ? `AS${intel.asn}${intel.as_organization ? ` ${intel.as_organization}` : ''}` : (intel.organization ?? '');
  return [place, network].filter((part) => part !== '').join(' · ');
}

export function banNotificationText(notice: Notice, context: { readonly service?: string | undefined; readonly intel?: IntelInfo | undefined } = {}): NotificationText {
  if (notice.kind === 'burst') {
    const more = notice.count - notice.addresses.length;
    return {
      title: `${notice.count} addresses banned in the last ${notice.windowSeconds} s`,
      body: `${notice.addresses.join(', ')}${more > 0 ? ` and ${more} more` : ''}`,
    };
  }
  const { ban } = notice;
  const why = [context.service, ban.reason].filter((part) => part !== undefined && part !== '').join(': ');
  const origin = originWords(context.intel);
  return {
    title: `Banned ${ban.address} ${durationWords(ban.seconds)}`,
    body: [origin, why].filter((part) => part !== '').join('\n'),
  };
}

export function attackNotificationText(notice: Notice): NotificationText {
  if (notice.kind === 'burst') {
    return { title: `${notice.count} failed attempts in the last ${notice.windowSeconds} s`, body: notice.addresses.join(', ') };
  }
  return { title: `Failed attempt from ${notice.ban.address}`, body: notice.ban.reason };
}
