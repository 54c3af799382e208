// Services: what the helper watches, with which filter and limits, and how busy each one is.
import type { ServiceInfo } from '../../helper/protocol/index.js';
import { Empty, PageHeader, QueryView, RefreshButton } from '../components.js';
import { formatCount, formatDuration } from '../format.js';
import { useQuery } from '../use-query.js';

function ServiceRow(props: { service: ServiceInfo }) {
  const { service } = props;
  const sources = [...service.log_paths, ...service.journal_units.map((unit) => `journal: ${unit}`)];
  return (
    <tr data-service={service.name}>
      <th scope="row" className="service-name">
        {service.name}
      </th>
      <td>{service.enabled ? <span className="tag tag-ok">enabled</span> : <span className="tag tag-muted">disabled</span>}</td>
      <td className="mono">{service.filter}</td>
      <td>
        {sources.length === 0 ? (
          <span className="muted">nothing</span>
        ) : (
          <ul className="plain-list mono small">
            {sources.map((source) => (
              <li key={source}>{source}</li>
            ))}
          </ul>
        )}
      </td>
      <td className="numeric">{service.max_retry}</td>
      <td className="numeric nowrap">{formatDuration(service.find_time_secs)}</td>
      <td className="numeric nowrap">{formatDuration(service.ban_time_secs, { zeroIsPermanent: true })}</td>
      <td className="numeric">{formatCount(service.active_bans)}</td>
      <td className="numeric">{formatCount(service.events_24h)}</td>
    </tr>
  );
}

export function ServicesPage() {
  const query = useQuery((bridge) => bridge.getServices());
  return (
    <div className="page">
      <PageHeader
        title="Services"
        description="The logs the helper watches and when it bans: after “max retry” failures within the find time, for the ban time."
        actions={<RefreshButton onClick={query.reload} busy={query.state.status === 'ready' && query.state.refreshing} />}
      />
      <QueryView query={query.state} loading="Loading services…" what="Services" retry={query.reload}>
        {(services) =>
          services.length === 0 ? (
            <Empty title="No services are configured.">Add one under [services.NAME] in /etc/croissant2ban/config.toml, then reload the helper.</Empty>
          ) : (
            <div className="table-card">
              <table className="data-table services-table" aria-label="Services">
                <thead>
                  <tr>
                    <th scope="col">Service</th>
                    <th scope="col">State</th>
                    <th scope="col">Filter</th>
                    <th scope="col" className="col-grow">
                      Watches
                    </th>
                    <th scope="col" className="numeric">
                      Max retry
                    </th>
                    <th scope="col" className="numeric">
                      Find time
                    </th>
                    <th scope="col" className="numeric">
                      Ban time
                    </th>
                    <th scope="col" className="numeric">
                      Bans now
                    </th>
                    <th scope="col" className="numeric">
                      Failures (24 h)
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {services.map((service) => (
                    <ServiceRow key={service.name} service={service} />
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
