// Dashboard: what is happening now (live feed, counters), the last 24 hours (attacks per hour, top
// services), and where the newest bans come from (map, top countries).
import { useEffect, useMemo, useRef, useState } from 'react';
import type { StatsInfo } from '../../helper/protocol/index.js';
import { newestBans } from '../ban-order.js';
import { useBans } from '../bans-store.js';
import { call, useHelperEvent } from '../bridge-client.js';
import { BarList, HourlyChart, type BarItem } from '../charts.js';
import { useNow } from '../clock.js';
import { Empty, ErrorAlert, Loading, Offline, PageHeader } from '../components.js';
import { useFeed, type FeedEntry } from '../feed-store.js';
import { formatClock, formatCount, formatSpan } from '../format.js';
import { requestIntel, useIntelCache } from '../intel-cache.js';
import { openIntel } from '../panel-store.js';
import { useQuery, type QueryState } from '../use-query.js';
import { WorldMap, type MapPoint } from '../world-map.js';

/** Stats are read again after events, but not more often than this. */
const STATS_MIN_INTERVAL_MS = 4_000;
const MAP_BANS = 100;

/** The 24 hourly windows of a StatsInfo, or null from a helper that does not send them (older versions). */
function hourlyFromStats(stats: StatsInfo): { events: number[]; bans: number[] | null } | null {
  const events = stats.events_per_hour_24h;
  if (!Array.isArray(events) || events.length !== 24) return null;
  const bans = Array.isArray(stats.bans_per_hour_24h) && stats.bans_per_hour_24h.length === 24 ? stats.bans_per_hour_24h : null;
  return { events, bans };
}

/**
 * For a helper without events_per_hour_24h: failed attempts of the last 24 hours counted in the same
 * windows (window i covers [now-(24-i) h, now-(23-i) h)), from GetEvents.
 */
function useHourlyFallback(needed: boolean, stats: StatsInfo | null): number[] | null {
  const [counts, setCounts] = useState<number[] | null>(null);
  useEffect(() => {
    if (!needed || !stats) return;
    let cancelled = false;
    const now = Math.floor(Date.now() / 1000);
    void call((bridge) => bridge.getEvents(10_000, now - 24 * 3_600)).then((result) => {
      if (cancelled || !result.ok) return;
      const buckets = Array<number>(24).fill(0);
      for (const event of result.value) {
        const index = 23 - Math.floor((now - event.time) / 3_600);
        if (index >= 0 && index < 24) buckets[index]!++;
      }
      setCounts(buckets);
    });
    return () => {
      cancelled = true;
    };
  }, [needed, stats]);
  return counts;
}

function Counter(props: { label: string; value: number | undefined; detail?: string; tone?: 'danger' | 'warning' }) {
  return (
    <div className={`counter ${props.tone ? `counter-${props.tone}` : ''}`}>
      <p className="counter-label">{props.label}</p>
      <p className="counter-value">{props.value === undefined ? '–' : formatCount(props.value)}</p>
      {props.detail ? <p className="counter-detail">{props.detail}</p> : null}
    </div>
  );
}

function Counters(props: { stats: QueryState<StatsInfo>; liveActiveBans: number | null }) {
  const stats = props.stats.status === 'ready' ? props.stats.value : null;
  const active = props.liveActiveBans ?? stats?.active_bans;
  return (
    <section className="counters" aria-label="Counters">
      <Counter label="Active bans" value={active} detail={stats ? `${formatCount(stats.permanent_bans)} permanent` : undefined} tone="danger" />
      <Counter label="Bans, last 24 h" value={stats?.bans_24h} detail={stats ? `${formatCount(stats.bans_total)} since the start` : undefined} />
      <Counter label="Failed attempts, last 24 h" value={stats?.events_24h} detail={stats ? `${formatCount(stats.events_total)} since the start` : undefined} tone="warning" />
      <Counter label="Unique attackers, last 24 h" value={stats?.unique_attackers_24h} detail="distinct addresses" />
    </section>
  );
}

const REMOVAL_REASONS: Record<string, string> = {
  expired: 'its ban expired',
  unbanned: 'unbanned by an admin',
  whitelisted: 'whitelisted',
  flushed: 'all bans flushed',
};

function AddressButton(props: { ip: string }) {
  return (
    <button type="button" className="link-button mono" onClick={() => openIntel(props.ip)}>
      {props.ip}
    </button>
  );
}

function FeedItem(props: { entry: FeedEntry }) {
  const { entry } = props;
  const time = <time dateTime={new Date(entry.at).toISOString()}>{formatClock(entry.at)}</time>;
  const [kind, label, address, detail] =
    entry.kind === 'attack'
      ? ['feed-attack', 'Attempt', <AddressButton ip={entry.ip} />, `failed on ${entry.service} · ${entry.eventType.replace(/_/g, ' ')}`]
      : entry.kind === 'ban'
        ? ['feed-ban', 'Ban', <AddressButton ip={entry.ip} />, `banned ${entry.durationSecs === 0 ? 'permanently' : `for ${formatSpan(entry.durationSecs)}`} · ${entry.reason}`]
        : ['feed-unban', 'Lifted', entry.ip === '*' ? <span>every ban</span> : <AddressButton ip={entry.ip} />, REMOVAL_REASONS[entry.reason] ?? entry.reason];
  return (
    <li className={`feed-item ${kind}`}>
      <span className="feed-kind">{label}</span>
      <span className="feed-address">{address}</span>
      {time}
      <span className="feed-detail" title={detail}>
        {detail}
      </span>
    </li>
  );
}

function LiveFeed() {
  const feed = useFeed();
  return (
    <section className="card feed" aria-labelledby="feed-title">
      <div className="card-header">
        <h2 id="feed-title">Live feed</h2>
        <span className="live-dot" aria-hidden="true" />
      </div>
      {feed.length === 0 ? (
        <Empty title="Quiet so far.">New failed attempts and bans appear here as they happen.</Empty>
      ) : (
        <ol className="feed-list">
          {feed.map((entry) => (
            <FeedItem key={entry.id} entry={entry} />
          ))}
        </ol>
      )}
    </section>
  );
}

function Origins() {
  const bansState = useBans();
  const newest = useMemo(() => newestBans(bansState.bans, MAP_BANS), [bansState.bans]);
  const intel = useIntelCache();
  useEffect(() => requestIntel(newest.map((ban) => ban.ip)), [newest]);

  const { points, countries, located, pending } = useMemo(() => {
    const places = new Map<string, { latitude: number; longitude: number; count: number; label: string }>();
    const byCountry = new Map<string, { label: string; count: number }>();
    let locatedCount = 0;
    let pendingCount = 0;
    for (const ban of newest) {
      const entry = intel.get(ban.ip);
      if (!entry || entry.status === 'loading') pendingCount++;
      const info = entry?.info;
      if (!info) continue;
      const country = info.country ?? info.country_code;
      if (country) {
        const key = info.country_code ?? country;
        const current = byCountry.get(key) ?? { label: country, count: 0 };
        current.count++;
        byCountry.set(key, current);
      }
      if (info.latitude !== undefined && info.longitude !== undefined) {
        locatedCount++;
        const key = `${info.latitude.toFixed(1)},${info.longitude.toFixed(1)}`;
        const place = places.get(key) ?? { latitude: info.latitude, longitude: info.longitude, count: 0, label: [info.city, country].filter(Boolean).join(', ') || key };
        place.count++;
        places.set(key, place);
      }
    }
    return {
      points: [...places.entries()].map(([key, place]): MapPoint => ({ key, ...place })),
      countries: [...byCountry.entries()]
        .sort((a, b) => b[1].count - a[1].count)
        .slice(0, 8)
        .map(([key, value]): BarItem => ({ key, label: value.label, value: value.count })),
      located: locatedCount,
      pending: pendingCount,
    };
  }, [newest, intel]);

  const loading = bansState.status === 'loading' || bansState.status === 'idle';
  const note =
    newest.length === 0
      ? null
      : pending > 0
        ? `Locating the newest ${formatCount(newest.length)} bans… (${formatCount(newest.length - pending)} done)`
        : newest.length === 1 ? `The newest ban; ${located === 1 ? 'its location is known' : 'its location is not known'}.` : `The newest ${formatCount(newest.length)} bans; ${formatCount(located)} with a known location.`;

  return (
    <>
      <section className="card card-map" aria-labelledby="map-title">
        <div className="card-header">
          <h2 id="map-title">Attack origins</h2>
          {note ? <span className="card-note">{note}</span> : null}
        </div>
        {loading ? <Loading>Loading bans…</Loading> : bansState.status === 'offline' && newest.length === 0 ? <Offline what="The map" /> : null}
        {!loading ? <WorldMap points={points} label={`Map of attack origins: ${formatCount(points.length)} places from the newest ${formatCount(newest.length)} bans.`} /> : null}
      </section>
      <section className="card" aria-labelledby="countries-title">
        <div className="card-header">
          <h2 id="countries-title">Top countries</h2>
        </div>
        {countries.length === 0 ? (
          <p className="muted card-empty">{loading || pending > 0 ? 'Locating…' : newest.length === 0 ? 'No active bans to locate.' : 'No location known for these addresses.'}</p>
        ) : (
          <BarList items={countries} unit="bans" label="Top countries among the newest bans" />
        )}
      </section>
    </>
  );
}

export function DashboardPage() {
  const stats = useQuery((bridge) => bridge.getStats());
  const [liveActiveBans, setLiveActiveBans] = useState<number | null>(null);
  const lastStatsReload = useRef(0);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const now = useNow(30_000);

  useEffect(() => {
    if (stats.state.status === 'ready' && !stats.state.refreshing) {
      lastStatsReload.current = Date.now();
      setLiveActiveBans(null);
    }
  }, [stats.state]);
  useEffect(() => () => clearTimeout(reloadTimer.current ?? undefined), []);

  useHelperEvent((event) => {
    if (event.type === 'counters' && event.activeBans !== undefined) setLiveActiveBans(event.activeBans);
    if (event.type === 'ban-added' || event.type === 'ban-removed' || event.type === 'attack') {
      if (reloadTimer.current) return;
      const wait = Math.max(0, lastStatsReload.current + STATS_MIN_INTERVAL_MS - Date.now());
      reloadTimer.current = setTimeout(() => {
        reloadTimer.current = null;
        stats.reload();
      }, wait);
    }
  });

  const statsValue = stats.state.status === 'ready' ? stats.state.value : null;
  const hourlyStats = statsValue ? hourlyFromStats(statsValue) : null;
  const hourlyFallback = useHourlyFallback(statsValue !== null && hourlyStats === null, statsValue);
  const hourly = hourlyStats ?? (hourlyFallback ? { events: hourlyFallback, bans: null } : null);
  const services = statsValue
    ? Object.entries(statsValue.events_by_service_24h)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([name, count]): BarItem => ({ key: name, label: name, value: count }))
    : [];

  return (
    <div className="page page-dashboard">
      <PageHeader title="Dashboard" description="Failed logins and bans on this machine, as they happen." />
      {stats.state.status === 'error' ? <ErrorAlert error={stats.state.error} prefix="Could not load the statistics." /> : null}
      <Counters stats={stats.state} liveActiveBans={liveActiveBans} />
      <div className="dashboard-grid">
        <div className="dashboard-main">
          <section className="card" aria-labelledby="hourly-title">
            <div className="card-header">
              <h2 id="hourly-title">Failed attempts per hour</h2>
              <span className="card-note">last 24 hours</span>
            </div>
            {stats.state.status === 'loading' || (statsValue && !hourly) ? (
              <Loading>Loading statistics…</Loading>
            ) : stats.state.status === 'offline' ? (
              <Offline what="Statistics" />
            ) : hourly ? (
              <HourlyChart counts={hourly.events} bans={hourly.bans} now={now} />
            ) : null}
          </section>
          <Origins />
          <section className="card" aria-labelledby="services-title">
            <div className="card-header">
              <h2 id="services-title">Top services</h2>
              <span className="card-note">failed attempts, 24 h</span>
            </div>
            {statsValue === null ? null : services.length === 0 ? (
              <p className="muted card-empty">No failed attempts in the last 24 hours.</p>
            ) : (
              <BarList items={services} unit="failed attempts" label="Failed attempts per service" />
            )}
          </section>
        </div>
        <LiveFeed />
      </div>
    </div>
  );
}
