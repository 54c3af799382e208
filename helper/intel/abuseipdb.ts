// AbuseIPDB's check (GET /api/v2/check): how confident the community is that the address is abusive,
// how many reports, and what kind of network it is ("Data Center/Web Hosting/Transit", ...).
import type { Address } from '../core/address.js';
import { getJson, isRecord, SourceError, statusError } from './http.js';

export interface AbuseIpdbFacts {
  confidence?: number;
  reports?: number;
  distinctReporters?: number;
  /** Epoch ms of the last report. */
  lastReportedAt?: number;
  usageType?: string;
  isp?: string;
  domain?: string;
  tor?: boolean;
}

const count = (value: unknown) => (Number.isInteger(value) && (value as number) >= 0 ? (value as number) : undefined);
const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** SourceError for every failure, including a body without the "data" object. */
export async function abuseIpdbLookup(address: Address, options: { readonly baseUrl: string; readonly apiKey: string; readonly signal: AbortSignal }): Promise<AbuseIpdbFacts> {
  const url = new URL('api/v2/check', options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  url.searchParams.set('ipAddress', address.text);
  url.searchParams.set('maxAgeInDays', '90');
  const response = await getJson(url, { headers: { key: options.apiKey }, signal: options.signal });
  if (response.status !== 200) throw statusError(url, response);
  const data = isRecord(response.body) ? response.body.data : undefined;
  if (!isRecord(data)) throw new SourceError(`${url.host}: the answer has no "data" object`, 'malformed');
  const confidence = count(data.abuseConfidenceScore);
  const lastReported = text(data.lastReportedAt);
  return {
    confidence: confidence !== undefined && confidence <= 100 ? confidence : undefined,
    reports: count(data.totalReports),
    distinctReporters: count(data.numDistinctUsers),
    lastReportedAt: lastReported === undefined || Number.isNaN(Date.parse(lastReported)) ? undefined : Date.parse(lastReported),
    usageType: text(data.usageType),
    isp: text(data.isp),
    domain: text(data.domain),
    tor: typeof data.isTor === 'boolean' ? data.isTor : undefined,
  };
}
