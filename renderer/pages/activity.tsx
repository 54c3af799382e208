// Activity: who changed what (bans, extensions, unbans, whitelist, flushes, reloads), newest first.
import { Empty, PageHeader, QueryView, RefreshButton } from '../components.js';
import { formatDateTime, formatUid } from '../format.js';
import { useQuery } from '../use-query.js';

const ACTIONS: Record<string, string> = {
  ban: 'Ban',
  extend: 'Extend',
  unban: 'Unban',
  'whitelist-add': 'Whitelist add',
  'whitelist-remove': 'Whitelist remove',
  flush: 'Flush',
  reload: 'Reload',
};

export function ActivityPage() {
  const query = useQuery((bridge) => bridge.getActivity(500));
  return (
    <div className="page">
      <PageHeader
        title="Activity"
        description="Changes made through the helper, by whom (user id), newest first. The last 500 entries."
        actions={<RefreshButton onClick={query.reload} busy={query.state.status === 'ready' && query.state.refreshing} />}
      />
      <QueryView query={query.state} loading="Loading activity…" what="Activity" retry={query.reload}>
        {(entries) =>
          entries.length === 0 ? (
            <Empty title="No admin activity yet.">Bans, unbans and whitelist changes made by people (and reloads) appear here.</Empty>
          ) : (
            <div className="table-card">
              <table className="data-table" aria-label="Activity">
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">User</th>
                    <th scope="col">Action</th>
                    <th scope="col">Target</th>
                    <th scope="col" className="col-grow">
                      Detail
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((entry, index) => (
                    <tr key={`${entry.time}-${index}`}>
                      <td className="nowrap tabular">{formatDateTime(entry.time)}</td>
                      <td className="nowrap">{entry.uid === 0xffff_ffff ? <span className="tag tag-muted">helper</span> : formatUid(entry.uid)}</td>
                      <td className="nowrap">
                        <span className={`tag tag-action-${entry.action}`}>{ACTIONS[entry.action] ?? entry.action}</span>
                      </td>
                      <td className="mono">{entry.target || <span className="muted">–</span>}</td>
                      <td>{entry.detail}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryView>
    </div>
  );
}
