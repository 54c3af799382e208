// Settings: the app's own preferences, what the helper runs with, and where the data comes from.
import { useEffect, useState, type ReactNode } from 'react';
import type { BridgeError, Preferences } from '../../electron/bridge.js';
import { MANAGE_ACTION } from '../../helper/protocol/index.js';
import { bridge, call, useHelperEvent } from '../bridge-client.js';
import { useNow } from '../clock.js';
import { ErrorAlert, Loading, PageHeader, QueryView, RefreshButton } from '../components.js';
import { formatClock, formatCount, formatDateTime, formatSpan } from '../format.js';
import { useQuery } from '../use-query.js';

const HOUR_MS = 3_600_000;

function PreferencesSection() {
  const [preferences, setPreferences] = useState<Preferences | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<BridgeError | null>(null);
  const now = useNow(1000);

  useEffect(() => {
    let cancelled = false;
    bridge()
      .getPreferences()
      .then(
        (value) => !cancelled && setPreferences(value),
        (reason: unknown) => !cancelled && setLoadError(String(reason)),
      );
    return () => {
      cancelled = true;
    };
  }, []);
  useHelperEvent((event) => {
    if (event.type === 'preferences') setPreferences(event.preferences);
  });

  const change = async (changes: Partial<Preferences>) => {
    // Shown at once (a checkbox that lags behind the click feels broken); put back if saving fails.
    const before = preferences;
    setPreferences((current) => (current ? { ...current, ...changes } : current));
    setSaving(true);
    setError(null);
    const result = await call((bridge) => bridge.setPreferences(changes));
    setSaving(false);
    if (result.ok) setPreferences(result.value);
    else {
      setPreferences(before);
      setError(result.error);
    }
  };

  let body: ReactNode;
  if (loadError) body = <ErrorAlert error={{ kind: 'Failed', message: loadError }} prefix="Could not read the preferences." />;
  else if (!preferences) body = <Loading>Loading preferences…</Loading>;
  else {
    const paused = preferences.notificationsPausedUntil > now;
    body = (
      <>
        <div className="check-field">
          <input id="pref-login" type="checkbox" checked={preferences.startAtLogin} disabled={saving} onChange={(event) => void change({ startAtLogin: event.currentTarget.checked })} />
          <div>
            <label htmlFor="pref-login">Start Croissant2Ban when I log in</label>
            <p className="field-hint">The tray icon shows whether this machine is protected, and notifies you of bans.</p>
          </div>
        </div>
        <div className="check-field">
          <input
            id="pref-attacks"
            type="checkbox"
            checked={preferences.attackNotifications}
            disabled={saving}
            onChange={(event) => void change({ attackNotifications: event.currentTarget.checked })}
          />
          <div>
            <label htmlFor="pref-attacks">Notify me of every failed attempt, not only of bans</label>
            <p className="field-hint">Off by default: a server on the internet sees many, and bursts are grouped into one notice anyway.</p>
          </div>
        </div>
        <div className="pause-row">
          <div>
            <p className="pause-title">Notifications</p>
            <p className="field-hint" role="status">
              {paused
                ? `Paused until ${formatClock(preferences.notificationsPausedUntil)} (${formatSpan((preferences.notificationsPausedUntil - now) / 1000)} left).`
                : 'On. Bans are announced as they happen.'}
            </p>
          </div>
          {paused ? (
            <button type="button" className="button" disabled={saving} onClick={() => void change({ notificationsPausedUntil: 0 })}>
              Resume notifications
            </button>
          ) : (
            <button type="button" className="button" disabled={saving} onClick={() => void change({ notificationsPausedUntil: Date.now() + HOUR_MS })}>
              Pause notifications for 1 hour
            </button>
          )}
        </div>
      </>
    );
  }
  return (
    <section className="card settings-section" aria-labelledby="preferences-title">
      <h2 id="preferences-title">Preferences</h2>
      {body}
      {error ? <ErrorAlert error={error} prefix="Could not save the preference." onDismiss={() => setError(null)} /> : null}
    </section>
  );
}

function describeAuthorization(value: string): string {
  if (value === 'polkit') return `polkit decides (action ${MANAGE_ACTION}); members of the croissant2ban group need no password`;
  if (value.startsWith('group:')) return `members of the ${value.slice('group:'.length)} group (no polkit on this system)`;
  return value;
}

function HelperSection() {
  const query = useQuery((bridge) => bridge.status());
  return (
    <section className="card settings-section" aria-labelledby="helper-title">
      <div className="card-header">
        <h2 id="helper-title">Helper</h2>
        <RefreshButton onClick={query.reload} busy={query.state.status === 'ready' && query.state.refreshing} />
      </div>
      <QueryView query={query.state} loading="Loading the helper's status…" what="The helper's status" retry={query.reload}>
        {(status) => (
          <dl className="fields fields-wide">
            <dt>Version</dt>
            <dd>{status.version}</dd>
            <dt>Process</dt>
            <dd className="tabular">pid {status.pid}</dd>
            <dt>Running for</dt>
            <dd>
              {formatSpan(status.uptime_secs)} <span className="muted">(since {formatDateTime(status.started_at)})</span>
            </dd>
            <dt>Firewall</dt>
            <dd>
              {status.firewall_backend}
              {status.dry_run ? (
                <>
                  {' '}
                  <span className="tag tag-warning">dry run</span> <span className="muted">nothing is changed in the firewall</span>
                </>
              ) : null}
            </dd>
            <dt>Services</dt>
            <dd>{status.services.length > 0 ? status.services.join(', ') : <span className="muted">none</span>}</dd>
            <dt>Events processed</dt>
            <dd className="tabular">{formatCount(status.events_processed)}</dd>
            <dt>Configuration</dt>
            <dd className="mono">{status.config_path}</dd>
            <dt>Database</dt>
            <dd className="mono">{status.database_path}</dd>
            <dt>Who may change bans</dt>
            <dd>{describeAuthorization(status.authorization)}</dd>
          </dl>
        )}
      </QueryView>
    </section>
  );
}

function AboutSection() {
  return (
    <section className="card settings-section" aria-labelledby="about-title">
      <h2 id="about-title">About</h2>
      <p>Croissant2Ban watches authentication logs, bans attackers in nftables, and shows who they are. Free software under the GPL 3.0 or later.</p>
      <h3>Data</h3>
      <ul className="attribution-list">
        <li>GeoLite2 data created by MaxMind (https://www.maxmind.com)</li>
        <li>ASN data: RouteViews and DB-IP via ip-location-db (CC BY 4.0)</li>
        <li>RDAP bootstrap: IANA</li>
        <li>Map: Natural Earth via world-atlas</li>
      </ul>
      <h3>Tray icon on GNOME</h3>
      <p>GNOME shows tray icons only with the AppIndicator extension (package gnome-shell-extension-appindicator on Debian and Ubuntu). Without it the app runs, but its icon is not visible.</p>
    </section>
  );
}

export function SettingsPage() {
  return (
    <div className="page page-settings">
      <PageHeader title="Settings" description="This app's preferences, and what the helper runs with." />
      <PreferencesSection />
      <HelperSection />
      <AboutSection />
    </div>
  );
}
