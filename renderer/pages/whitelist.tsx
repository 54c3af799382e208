// Whitelist: addresses and networks that are never banned; adding one lifts the bans inside it.
import { useState, type FormEvent } from 'react';
import type { BridgeError } from '../../electron/bridge.js';
import type { WhitelistInfo } from '../../helper/protocol/index.js';
import { patchBans } from '../bans-store.js';
import { call } from '../bridge-client.js';
import { Empty, ErrorAlert, PageHeader, QueryView, RefreshButton } from '../components.js';
import { formatCount, formatDateTime, formatUid } from '../format.js';
import { useQuery } from '../use-query.js';

function AddForm(props: { onAdded: () => void }) {
  const [address, setAddress] = useState('');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BridgeError | null>(null);
  const [added, setAdded] = useState<{ network: string; lifted: string[] } | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const network = address.trim();
    if (!network) return;
    setBusy(true);
    setError(null);
    setAdded(null);
    const result = await call((bridge) => bridge.whitelistAdd(network, comment.trim()));
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    patchBans({ added: [], removed: result.value });
    setAdded({ network, lifted: result.value });
    setAddress('');
    setComment('');
    props.onAdded();
  };

  return (
    <form className="card form-card" onSubmit={submit} aria-labelledby="add-title">
      <h2 id="add-title">New whitelist entry</h2>
      <div className="form-row">
        <div className="field">
          <label htmlFor="whitelist-address">Address or network</label>
          <input
            id="whitelist-address"
            className="input mono"
            value={address}
            onChange={(event) => setAddress(event.currentTarget.value)}
            placeholder="192.0.2.10 or 192.0.2.0/24"
            autoComplete="off"
            spellCheck={false}
            required
            aria-describedby="whitelist-address-hint"
          />
          <p className="field-hint" id="whitelist-address-hint">
            IPv4 or IPv6, a single address or a network in CIDR notation.
          </p>
        </div>
        <div className="field field-grow">
          <label htmlFor="whitelist-comment">Comment</label>
          <input id="whitelist-comment" className="input" value={comment} onChange={(event) => setComment(event.currentTarget.value)} placeholder="Office network, monitoring…" />
          <p className="field-hint">Who or what this is, for whoever reads the list next.</p>
        </div>
        <div className="field field-button">
          <button type="submit" className="button button-primary" disabled={busy || address.trim() === ''}>
            {busy ? 'Adding…' : 'Add to whitelist'}
          </button>
        </div>
      </div>
      {error ? <ErrorAlert error={error} prefix={`Could not add ${address.trim()}.`} onDismiss={() => setError(null)} /> : null}
      {added ? (
        <p role="status" className="note-ok">
          Added {added.network} to the whitelist.{' '}
          {added.lifted.length === 0
            ? 'No active ban was inside it.'
            : `It lifted ${formatCount(added.lifted.length)} ${added.lifted.length === 1 ? 'ban' : 'bans'}: ${added.lifted.slice(0, 10).join(', ')}${added.lifted.length > 10 ? ` and ${formatCount(added.lifted.length - 10)} more` : ''}.`}
        </p>
      ) : null}
    </form>
  );
}

function WhitelistTable(props: { entries: readonly WhitelistInfo[]; onRemoved: () => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<{ network: string; error: BridgeError } | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);

  const remove = async (network: string) => {
    setBusy(network);
    setError(null);
    setRemoved(null);
    const result = await call((bridge) => bridge.whitelistRemove(network));
    setBusy(null);
    if (result.ok) {
      setRemoved(network);
      props.onRemoved();
    } else setError({ network, error: result.error });
  };

  if (props.entries.length === 0)
    return (
      <Empty title="The whitelist is empty.">Loopback and this machine's own addresses are never banned anyway. Add your office or VPN network above.</Empty>
    );
  return (
    <>
      {removed ? (
        <p role="status" className="note-ok">
          Removed {removed} from the whitelist. It can be banned again.
        </p>
      ) : null}
      {error ? <ErrorAlert error={error.error} prefix={`Could not remove ${error.network}.`} onDismiss={() => setError(null)} /> : null}
      <div className="table-card">
        <table className="data-table" aria-label="Whitelist">
          <thead>
            <tr>
              <th scope="col">Address or network</th>
              <th scope="col">Comment</th>
              <th scope="col">Added</th>
              <th scope="col">Added by</th>
              <th scope="col" className="col-narrow">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((entry) => (
              <tr key={entry.network} data-network={entry.network}>
                <td className="mono">{entry.network}</td>
                <td>{entry.comment || <span className="muted">–</span>}</td>
                <td className="nowrap">{formatDateTime(entry.added_at)}</td>
                <td className="nowrap">{entry.added_by === 0xffff_ffff ? <span className="muted">unknown</span> : formatUid(entry.added_by)}</td>
                <td className="col-narrow">
                  <button type="button" className="button button-small" aria-label={`Remove ${entry.network}`} disabled={busy === entry.network} onClick={() => void remove(entry.network)}>
                    {busy === entry.network ? 'Removing…' : 'Remove'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function WhitelistPage() {
  const query = useQuery((bridge) => bridge.getWhitelist());
  const refreshing = query.state.status === 'ready' && query.state.refreshing;
  return (
    <div className="page">
      <PageHeader
        title="Whitelist"
        description="Addresses and networks that are never banned, whatever they do. Adding one lifts the bans inside it."
        actions={<RefreshButton onClick={query.reload} busy={refreshing} />}
      />
      <AddForm onAdded={query.reload} />
      <QueryView query={query.state} loading="Loading the whitelist…" what="The whitelist" retry={query.reload}>
        {(entries) => <WhitelistTable entries={entries} onRemoved={query.reload} />}
      </QueryView>
    </div>
  );
}
