// The window's frame: navigation, the helper-connection banner, the current page and the intel panel.
import { useEffect, useRef, useState, type ComponentType } from 'react';
import { call } from './bridge-client.js';
import { useConnection } from './connection.js';
import type { BridgeError } from '../electron/bridge.js';
import { describeStartError } from '../electron/bridge.js';
import { IntelPanel } from './intel-panel.js';
import { ActivityPage } from './pages/activity.js';
import { BansPage } from './pages/bans.js';
import { DashboardPage } from './pages/dashboard.js';
import { ServicesPage } from './pages/services.js';
import { SettingsPage } from './pages/settings.js';
import { WhitelistPage } from './pages/whitelist.js';
import { PAGES, pageHref, usePage, type PageId } from './router.js';

const PAGE_COMPONENTS: Record<PageId, ComponentType> = {
  dashboard: DashboardPage,
  bans: BansPage,
  whitelist: WhitelistPage,
  services: ServicesPage,
  activity: ActivityPage,
  settings: SettingsPage,
};

function ShieldIcon() {
  return (
    <svg className="brand-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M12 2 4 5v6c0 5 3.4 9.3 8 11 4.6-1.7 8-6 8-11V5l-8-3Z" />
      <path className="brand-icon-mark" d="M8.5 12.5 11 15l4.5-5" />
    </svg>
  );
}

function NavIcon(props: { page: PageId }) {
  const paths: Record<PageId, string> = {
    dashboard: 'M4 13h6V4H4v9Zm0 7h6v-5H4v5Zm10 0h6v-9h-6v9Zm0-16v5h6V4h-6Z',
    bans: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Zm-6.36 9A6.36 6.36 0 0 1 15.9 6.97L6.97 15.9A6.33 6.33 0 0 1 5.64 12Zm6.36 6.36c-1.45 0-2.79-.49-3.86-1.31l8.9-8.9A6.36 6.36 0 0 1 12 18.36Z',
    whitelist: 'M12 2 4 5v6c0 5 3.4 9.3 8 11 4.6-1.7 8-6 8-11V5l-8-3Zm-1.2 14.2-3.5-3.5 1.4-1.4 2.1 2.1 4.9-4.9 1.4 1.4-6.3 6.3Z',
    services: 'M4 5h16v4H4V5Zm0 5h16v4H4v-4Zm0 5h16v4H4v-4Zm2-8.5v1h2v-1H6Zm0 5v1h2v-1H6Zm0 5v1h2v-1H6Z',
    activity: 'M3 12h4l3-8 4 16 3-8h4v2h-2.6L14 21 10 8.2 8.4 14H3v-2Z',
    settings:
      'M19.4 13a7.7 7.7 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.3 7.3 0 0 0-1.7-1L15 3h-4l-.4 2.9a7.3 7.3 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.7 7.7 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1c.5.4 1.1.7 1.7 1L11 21h4l.4-2.9c.6-.3 1.2-.6 1.7-1l2.5 1 2-3.5-2.2-1.6ZM13 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7Z',
  };
  return (
    <svg className="nav-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={paths[props.page]} />
    </svg>
  );
}

/** Says, in plain words, when the helper is not there, and offers to start it. */
function ConnectionBanner() {
  const { connection } = useConnection();
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<BridgeError | null>(null);
  const [slowStart, setSlowStart] = useState(false);
  const slowTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (connection.state === 'running') {
      setStarting(false);
      setStartError(null);
      setSlowStart(false);
      clearTimeout(slowTimer.current ?? undefined);
    }
  }, [connection.state]);
  useEffect(() => () => clearTimeout(slowTimer.current ?? undefined), []);

  if (connection.state === 'running') return null;
  if (connection.state === 'connecting')
    return (
      <div className="banner banner-info" role="status">
        <span className="spinner" aria-hidden="true" /> Connecting to the helper…
      </div>
    );
  if (connection.state === 'unreachable')
    return (
      <section className="banner banner-error" aria-labelledby="banner-title">
        <div role="alert">
          <p className="banner-title" id="banner-title">
            Cannot reach the system bus
          </p>
          <p className="banner-text">
            The app talks to the helper over the D-Bus system bus, and the bus does not answer: {connection.detail}
          </p>
        </div>
        <p className="banner-retry" role="status">
          <span className="spinner" aria-hidden="true" /> Retrying…
        </p>
      </section>
    );

  const start = async () => {
    setStarting(true);
    setStartError(null);
    setSlowStart(false);
    const result = await call((bridge) => bridge.startHelper());
    if (!result.ok) {
      setStarting(false);
      setStartError(result.error);
      return;
    }
    // systemd accepted the job; the helper appears on the bus when it is up. Say so if it does not.
    clearTimeout(slowTimer.current ?? undefined);
    slowTimer.current = setTimeout(() => {
      setStarting(false);
      setSlowStart(true);
    }, 20_000);
  };
  return (
    <section className="banner banner-warning" aria-labelledby="banner-title">
      <div className="banner-main">
        <div role="alert">
          <p className="banner-title" id="banner-title">
            The Croissant2Ban helper is not running.
          </p>
          <p className="banner-text">Bans already in the firewall stay until they expire, but no new attacks are detected and nothing can be changed.</p>
        </div>
        <button type="button" className="button button-primary" onClick={start} disabled={starting} aria-busy={starting || undefined}>
          {starting ? 'Starting…' : 'Start the helper'}
        </button>
      </div>
      {slowStart ? (
        <p role="alert" className="banner-error-text">
          systemd was asked to start the helper, but it has not appeared on the bus after 20 seconds. Its log says why: journalctl -u croissant2ban
        </p>
      ) : null}
      {startError ? (
        <div role="alert" className="banner-error-text">
          <p>
            <strong>Could not start the helper.</strong> {describeStartError(startError)}
          </p>
          <details className="alert-details">
            <summary>Technical details</summary>
            <code>
              {startError.kind}: {startError.message}
            </code>
          </details>
        </div>
      ) : null}
    </section>
  );
}

function HelperState() {
  const { connection } = useConnection();
  const label = { connecting: 'Connecting…', running: 'Helper running', stopped: 'Helper stopped', unreachable: 'Bus unreachable' }[connection.state];
  return (
    <p className={`helper-state helper-state-${connection.state}`}>
      <span className="helper-state-dot" aria-hidden="true" />
      {label}
    </p>
  );
}

export function App() {
  const page = usePage();
  const Page = PAGE_COMPONENTS[page];
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // A new page: focus its heading so a screen reader starts there, and Tab continues from it.
  useEffect(() => {
    const title = PAGES.find((entry) => entry.id === page)?.title ?? '';
    document.title = `${title} · Croissant2Ban`;
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const heading = document.getElementById('page-title');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    mainRef.current?.scrollTo(0, 0);
  }, [page]);

  return (
    <>
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          mainRef.current?.focus();
        }}
      >
        Skip to content
      </a>
      <div className="shell">
        <aside className="sidebar">
          <div className="brand">
            <ShieldIcon />
            <span className="brand-name">Croissant2Ban</span>
          </div>
          <nav aria-label="Main">
            <ul className="nav-list">
              {PAGES.map((entry) => (
                <li key={entry.id}>
                  <a className="nav-link" href={pageHref(entry.id)} aria-current={entry.id === page ? 'page' : undefined}>
                    <NavIcon page={entry.id} />
                    {entry.title}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <HelperState />
        </aside>
        <div className="content">
          <ConnectionBanner />
          <main id="main" ref={mainRef} tabIndex={-1} className={`main main-${page}`}>
            <Page />
          </main>
        </div>
      </div>
      <IntelPanel />
    </>
  );
}
