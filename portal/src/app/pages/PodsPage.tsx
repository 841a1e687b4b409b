import { useQuery } from '@tanstack/react-query';
import type { Pod } from '@crosswire/orchestrator/contract';
import { api } from '../api.ts';
import { EmptyState, ErrorState, LoadingState } from '../components/States.tsx';
import { TableHead } from '../components/TableHead.tsx';
import { ago, fullTime } from '../format.ts';
import { useTitle } from '../router.tsx';
import { POLL_MS } from './AdaptersPage.tsx';

/** The fleet: each pod, what it runs, how full it is and when it last checked in. */
export function PodsPage() {
  useTitle('Pods');
  const pods = useQuery({
    queryKey: ['pods'],
    queryFn: ({ signal }) => api.get<{ items: Pod[] }>('/api/v1/pods', signal),
    refetchInterval: POLL_MS,
  });
  return (
    <section aria-labelledby="pods-title">
      <h1 id="pods-title">Pods</h1>
      {pods.isPending ? (
        <LoadingState label="Loading pods…" />
      ) : !pods.data ? (
        <ErrorState error={pods.error} onRetry={() => void pods.refetch()} />
      ) : pods.data.items.length === 0 ? (
        <EmptyState>No adapter pod has registered yet: enabled adapters wait until one does.</EmptyState>
      ) : (
        <table className="pods">
          <caption className="visually-hidden">Adapter pods, refreshed every two seconds</caption>
          <TableHead columns={['Pod', 'Version', 'Adapters held', 'Connector types', 'Last heartbeat', 'State']} />
          <tbody>
            {pods.data.items.map((p) => (
              <tr key={p.id}>
                <th scope="row">{p.id}</th>
                <td>{p.version}</td>
                <td>
                  {p.leasesHeld} of {p.capacity}
                  {p.adapters.length > 0 && <div className="muted">{p.adapters.join(', ')}</div>}
                </td>
                <td>{p.connectorTypes.join(', ')}</td>
                <td>
                  <time dateTime={p.lastHeartbeatAt} title={fullTime(p.lastHeartbeatAt)}>
                    {ago(p.lastHeartbeatAt)}
                  </time>
                </td>
                <td>{p.draining ? 'Draining' : 'Serving'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
