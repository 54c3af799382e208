// Is the address in a hosting or datacenter network? Decided from what the sources say, each reason
// kept so the admin can judge it: AbuseIPDB's usage type, Shodan's "cloud" tag, an AS number of a
// large cloud or hosting provider, or a reverse name in a provider's generic host naming.

export interface HostingEvidence {
  readonly usageType?: string;
  readonly shodanTags?: readonly string[];
  readonly asn?: number;
  readonly asOrganization?: string;
  readonly hostname?: string;
}

/** The largest cloud and hosting networks by address space; a hint, not a list of every host. */
const HOSTING_ASNS = new Map<number, string>([
  [16509, 'Amazon AWS'], [14618, 'Amazon AWS'], [8987, 'Amazon AWS'],
  [15169, 'Google'], [396982, 'Google Cloud'], [19527, 'Google Cloud'],
  [8075, 'Microsoft Azure'], [8068, 'Microsoft'],
  [14061, 'DigitalOcean'], [16276, 'OVH'], [24940, 'Hetzner'], [213230, 'Hetzner Cloud'],
  [63949, 'Akamai Linode'], [20473, 'Vultr (Choopa)'], [51167, 'Contabo'], [12876, 'Scaleway'],
  [45102, 'Alibaba Cloud'], [37963, 'Alibaba Cloud'], [132203, 'Tencent Cloud'], [45090, 'Tencent Cloud'],
  [31898, 'Oracle Cloud'], [36351, 'IBM Cloud (SoftLayer)'], [9009, 'M247'], [60781, 'LeaseWeb'],
  [28753, 'LeaseWeb'], [53667, 'FranTech (BuyVM)'], [46606, 'Unified Layer'], [26496, 'GoDaddy'],
  [398324, 'Censys'], [396507, 'Emerald Onion'], [211298, 'Driftnet'], [14956, 'RouterHosting'],
  [197540, 'netcup'], [8560, 'IONOS'], [35540, 'OVH (SoYouStart)'], [62567, 'DigitalOcean'],
]);

/** Generic host names that providers give their virtual machines. */
const HOSTING_NAMES: readonly (readonly [RegExp, string])[] = [
  [/\.compute(-\d)?\.amazonaws\.com$|\.compute\.internal$/, 'Amazon AWS'],
  [/\.bc\.googleusercontent\.com$/, 'Google Cloud'],
  [/\.cloudapp\.azure\.com$|\.cloudapp\.net$/, 'Microsoft Azure'],
  [/\.linodeusercontent\.com$|\.members\.linode\.com$/, 'Akamai Linode'],
  [/\.vultrusercontent\.com$|\.vultr\.com$/, 'Vultr'],
  [/\.your-server\.de$|\.clients\.your-server\.de$/, 'Hetzner'],
  [/\.contaboserver\.net$/, 'Contabo'],
  [/\.ip-\d+-\d+-\d+\.(eu|net|us)$|\.ovh\.net$/, 'OVH'],
  [/\.scw\.cloud$/, 'Scaleway'],
];

/** The reasons to call the address hosting; empty when nothing says so. */
export function hostingReasons(evidence: HostingEvidence): string[] {
  const reasons: string[] = [];
  if (evidence.usageType !== undefined && /data ?cent(er|re)|hosting|transit/i.test(evidence.usageType)) {
    reasons.push(`AbuseIPDB usage type: ${evidence.usageType}`);
  }
  if (evidence.shodanTags?.some((tag) => tag === 'cloud' || tag === 'hosting')) reasons.push('Shodan tag: cloud');
  const provider = evidence.asn === undefined ? undefined : HOSTING_ASNS.get(evidence.asn);
  if (provider !== undefined) reasons.push(`AS${evidence.asn} is ${provider}`);
  const named = evidence.hostname === undefined ? undefined : HOSTING_NAMES.find(([pattern]) => pattern.test(evidence.hostname!));
  if (named !== undefined) reasons.push(`reverse name ${evidence.hostname} is ${named[1]} host naming`);
  return reasons;
}
