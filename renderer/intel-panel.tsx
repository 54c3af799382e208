// The side panel about one address: where it is, whose network, how bad its reputation, what the
// helper could not find out, and whether it is banned now (with Unban / Whitelist).
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { BridgeError } from '../electron/bridge.js';
import type { IntelInfo } from '../helper/protocol/index.js';
import { unbanAddress, whitelistAddress } from './actions.js';
import { useBans } from './bans-store.js';
import { useConnection } from './connection.js';
import { useNow } from './clock.js';
import { ErrorAlert, Loading } from './components.js';
import { formatAgo, formatDateTime, formatExpiry } from './format.js';
import { lookUpNow, useIntel } from './intel-cache.js';
import { closeIntel, useIntelPanel } from './panel-store.js';

export function IntelPanel() {
  const ip = useIntelPanel();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const returnFocus = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (ip && !dialog.open) {
      returnFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
    } else if (!ip && dialog.open) dialog.close();
  }, [ip]);

  const onClose = () => {
    closeIntel();
    const target = returnFocus.current;
    returnFocus.current = null;
    if (target?.isConnected) target.focus();
    else document.getElementById('main')?.focus();
  };

  return (
    <dialog
      ref={dialogRef}
      className="intel-panel"
      aria-labelledby="intel-title"
      onClose={onClose}
      onClick={(event) => {
        // A click on the backdrop lands on the dialog element itself.
        if (event.target === event.currentTarget) event.currentTarget.close();
      }}
    >
      {ip ? <IntelContent key={ip} ip={ip} onClose={() => dialogRef.current?.close()} /> : null}
    </dialog>
  );
}

function Field(props: { label: string; children: ReactNode }) {
  if (props.children === undefined || props.children === null || props.children === '') return null;
  return (
    <>
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

function Section(props: { title: string; children: ReactNode }) {
  return (
    <section className="intel-section" aria-label={props.title}>
      <h3>{props.title}</h3>
      <dl className="fields">{props.children}</dl>
    </section>
  );
}

const yesNo = (value: boolean | undefined) => (value === undefined ? undefined : value ? 'Yes' : 'No');
const list = (values: readonly (string | number)[] | undefined) => (values && values.length > 0 ? values.join(', ') : undefined);

function hasAny(info: IntelInfo, keys: readonly (keyof IntelInfo)[]): boolean {
  return keys.some((key) => {
    const value = info[key];
    return value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0);
  });
}

function ThreatMeter(props: { confidence: number }) {
  const level = props.confidence >= 75 ? 'high' : props.confidence >= 25 ? 'medium' : 'low';
  return (
    <span className={`meter meter-${level}`}>
      <meter min={0} max={100} low={25} high={75} optimum={0} value={props.confidence} aria-label="Abuse confidence" />
      <span>{props.confidence} / 100</span>
    </span>
  );
}

function IntelDetails(props: { info: IntelInfo; now: number }) {
  const { info, now } = props;
  return (
    <>
      {hasAny(info, ['country', 'city', 'region', 'latitude', 'time_zone']) ? (
        <Section title="Location">
          <Field label="Country">{info.country ? `${info.country}${info.country_code ? ` (${info.country_code})` : ''}` : undefined}</Field>
          <Field label="Region">{info.region}</Field>
          <Field label="City">{info.city}</Field>
          <Field label="Coordinates">
            {info.latitude !== undefined && info.longitude !== undefined ? `${info.latitude.toFixed(3)}, ${info.longitude.toFixed(3)}` : undefined}
          </Field>
          <Field label="Time zone">{info.time_zone}</Field>
        </Section>
      ) : null}
      {hasAny(info, ['asn', 'as_organization', 'isp', 'reverse_dns']) ? (
        <Section title="Network">
          <Field label="ASN">{info.asn !== undefined ? `AS${info.asn}${info.as_organization ? ` · ${info.as_organization}` : ''}` : info.as_organization}</Field>
          <Field label="ISP">{info.isp}</Field>
          <Field label="Reverse DNS">
            {info.reverse_dns ? (
              <>
                <span className="mono">{info.reverse_dns}</span>{' '}
                <span className={`tag ${info.reverse_dns_confirmed ? 'tag-ok' : 'tag-muted'}`}>{info.reverse_dns_confirmed ? 'confirmed' : 'not confirmed'}</span>
              </>
            ) : undefined}
          </Field>
          <Field label="Host names">{list(info.hostnames)}</Field>
        </Section>
      ) : null}
      {hasAny(info, ['organization', 'network_name', 'network_range', 'registry', 'abuse_contact']) ? (
        <Section title="Registration (WHOIS)">
          <Field label="Organisation">{info.organization}</Field>
          <Field label="Network">{info.network_name}</Field>
          <Field label="Range">{info.network_range ? <span className="mono">{info.network_range}</span> : undefined}</Field>
          <Field label="Registry">{info.registry}</Field>
          <Field label="Abuse contact">{info.abuse_contact ? <span className="mono selectable">{info.abuse_contact}</span> : undefined}</Field>
        </Section>
      ) : null}
      {hasAny(info, ['abuse_confidence', 'abuse_reports', 'tor', 'hosting', 'open_ports', 'vulnerabilities', 'usage_type']) ? (
        <Section title="Threat">
          <Field label="Abuse confidence">{info.abuse_confidence !== undefined ? <ThreatMeter confidence={info.abuse_confidence} /> : undefined}</Field>
          <Field label="Reports">
            {info.abuse_reports !== undefined
              ? `${info.abuse_reports}${info.abuse_reporters !== undefined ? ` from ${info.abuse_reporters} reporters` : ''}${info.abuse_last_reported ? `, last ${formatAgo(info.abuse_last_reported, now)}` : ''}`
              : undefined}
          </Field>
          <Field label="Usage">{info.usage_type}</Field>
          <Field label="Domain">{info.domain}</Field>
          <Field label="Tor exit">{yesNo(info.tor)}</Field>
          <Field label="Hosting">
            {info.hosting === undefined ? undefined : info.hosting ? (
              <>
                Yes
                {info.hosting_reasons && info.hosting_reasons.length > 0 ? (
                  <ul className="plain-list">
                    {info.hosting_reasons.map((reason) => (
                      <li key={reason}>{reason}</li>
                    ))}
                  </ul>
                ) : null}
              </>
            ) : (
              'No'
            )}
          </Field>
          <Field label="Open ports">{list(info.open_ports)}</Field>
          <Field label="Vulnerabilities">
            {info.vulnerabilities && info.vulnerabilities.length > 0 ? (
              <ul className="plain-list mono">
                {info.vulnerabilities.map((name) => (
                  <li key={name}>{name}</li>
                ))}
              </ul>
            ) : undefined}
          </Field>
          <Field label="Shodan tags">{list(info.shodan_tags)}</Field>
        </Section>
      ) : null}
      <Section title="Sources">
        <Field label="Local databases">{list(info.local_databases)}</Field>
        <Field label="Answered">
          {info.gathered && Object.keys(info.gathered).length > 0 ? (
            <ul className="plain-list">
              {Object.entries(info.gathered).map(([source, at]) => (
                <li key={source}>
                  {source} · {formatAgo(at, now)}
                </li>
              ))}
            </ul>
          ) : (
            'No remote source yet'
          )}
        </Field>
        <Field label="Failed">
          {info.errors && Object.keys(info.errors).length > 0 ? (
            <ul className="plain-list">
              {Object.entries(info.errors).map(([source, why]) => (
                <li key={source}>
                  {source}: {why}
                </li>
              ))}
            </ul>
          ) : undefined}
        </Field>
        <Field label="Waiting for">{list(info.pending)}</Field>
        <Field label="Last answer">{info.gathered_at ? formatDateTime(info.gathered_at) : undefined}</Field>
      </Section>
    </>
  );
}

function BanStatus(props: { ip: string; now: number }) {
  const { ip, now } = props;
  const bans = useBans();
  const ban = useMemo(() => bans.bans.find((entry) => entry.ip === ip), [bans.bans, ip]);
  const [busy, setBusy] = useState<'unban' | 'whitelist' | null>(null);
  // Nothing can be changed while the helper is away; the buttons say so by being off.
  const helperAway = useConnection().connection.state !== 'running';
  const [error, setError] = useState<{ what: string; error: BridgeError } | null>(null);
  const [done, setDone] = useState<string | null>(null);

  if (bans.status === 'loading' || bans.status === 'idle') return <Loading>Checking whether it is banned…</Loading>;
  const run = async (what: 'unban' | 'whitelist') => {
    setBusy(what);
    setError(null);
    setDone(null);
    const result = what === 'unban' ? await unbanAddress(ip) : await whitelistAddress(ip, 'added from the intel panel');
    setBusy(null);
    if (!result.ok) setError({ what: what === 'unban' ? `Could not unban ${ip}.` : `Could not whitelist ${ip}.`, error: result.error });
    else setDone(what === 'unban' ? `${ip} is no longer banned.` : `${ip} is whitelisted now and will not be banned again.`);
  };

  return (
    <section className={`ban-status ${ban ? 'ban-status-banned' : ''}`} aria-label="Ban">
      {ban ? (
        <>
          <p className="ban-status-title">
            <span className="tag tag-danger">Banned</span> {formatExpiry(ban.expires_at, now) === 'permanent' ? 'permanently' : `expires ${formatExpiry(ban.expires_at, now)}`}
          </p>
          <dl className="fields">
            <Field label="Service">{ban.service || (ban.source === 'manual' ? 'none (manual ban)' : 'not known yet')}</Field>
            <Field label="Reason">{ban.reason}</Field>
            <Field label="Source">{ban.source}</Field>
            <Field label="Failures">{ban.failures > 0 ? String(ban.failures) : undefined}</Field>
            <Field label="Banned at">{formatDateTime(ban.banned_at)}</Field>
            <Field label="Expires">{ban.expires_at === 0 ? 'never (permanent)' : formatDateTime(ban.expires_at)}</Field>
          </dl>
        </>
      ) : (
        <p className="ban-status-title">
          <span className="tag tag-muted">Not banned</span> This address has no active ban.
        </p>
      )}
      <div className="button-row">
        {ban ? (
          <button type="button" className="button button-danger" onClick={() => void run('unban')} disabled={busy !== null || helperAway}>
            {busy === 'unban' ? 'Unbanning…' : 'Unban this address'}
          </button>
        ) : null}
        <button type="button" className="button" onClick={() => void run('whitelist')} disabled={busy !== null || helperAway}>
          {busy === 'whitelist' ? 'Whitelisting…' : 'Whitelist this address'}
        </button>
      </div>
      {done ? (
        <p role="status" className="note-ok">
          {done}
        </p>
      ) : null}
      {error ? <ErrorAlert error={error.error} prefix={error.what} onDismiss={() => setError(null)} /> : null}
    </section>
  );
}

function IntelContent(props: { ip: string; onClose: () => void }) {
  const { ip } = props;
  const entry = useIntel(ip);
  const now = useNow(1000);
  const info = entry?.info;
  const place = info ? [info.city, info.country].filter(Boolean).join(', ') : '';
  const refreshing = entry?.status === 'loading' || (entry?.status === 'ready' && entry.refreshing);
  const lookError = entry?.status === 'ready' ? entry.error : undefined;

  return (
    <div className="intel-content">
      <header className="intel-header">
        <div>
          <p className="intel-kicker">Address</p>
          <h2 id="intel-title" className="mono">
            {ip}
          </h2>
          <p className="intel-subtitle">
            {place || (info?.scope && info.scope !== 'public' ? `${info.scope} address` : '\u00a0')}
            {info?.as_organization ? ` · ${info.as_organization}` : ''}
          </p>
        </div>
        <button type="button" className="button-quiet close-button" onClick={props.onClose} aria-label="Close" autoFocus>
          ×
        </button>
      </header>
      <div className="intel-body">
        <BanStatus ip={ip} now={now} />
        <div className="intel-toolbar">
          <button type="button" className="button" onClick={() => void lookUpNow(ip, { refresh: true })} disabled={refreshing}>
            {refreshing ? 'Looking…' : 'Look again'}
          </button>
          <span className="muted small">Asks the remote sources (reverse DNS, WHOIS, Shodan, AbuseIPDB) again.</span>
        </div>
        {lookError ? <ErrorAlert error={lookError} prefix="Could not look again." /> : null}
        {entry?.status === 'error' ? <ErrorAlert error={entry.error} prefix={`Could not read what is known about ${ip}.`} /> : null}
        {!info && entry?.status !== 'error' ? <Loading>Loading what is known about {ip}…</Loading> : null}
        {info ? <IntelDetails info={info} now={now} /> : null}
      </div>
    </div>
  );
}
