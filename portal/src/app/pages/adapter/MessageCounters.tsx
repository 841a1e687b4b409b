import { useQuery } from '@tanstack/react-query';
import type { MessageCounters as Counters, MinuteCounts } from '@crosswire/orchestrator/contract';
import { api, apiPath } from '../../api.ts';
import { ErrorState, LoadingState } from '../../components/States.tsx';
import { POLL_MS } from '../AdaptersPage.tsx';

const WINDOW_MINUTES = 60;
type Kind = 'in' | 'out' | 'rejected';
const KINDS: ReadonlyArray<{ kind: Kind; label: string }> = [
  { kind: 'in', label: 'In' },
  { kind: 'out', label: 'Out' },
  { kind: 'rejected', label: 'Rejected' },
];

const number = (n: number) => n.toLocaleString('en');
const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * The adapter's messages in, out and rejected: this minute (still counting), the one before, the last
 * hour, and a bar per minute. Pods report every second or so; the panel refreshes with the console.
 */
export function MessageCounters({ name }: { name: string }) {
  const counters = useQuery({
    queryKey: ['counters', name],
    queryFn: ({ signal }) => api.get<Counters>(`${apiPath('adapters', name, 'counters')}?minutes=${WINDOW_MINUTES}`, signal),
    refetchInterval: POLL_MS,
  });
  return (
    <section aria-labelledby="messages-title" className="panel messages">
      <h2 id="messages-title">Messages</h2>
      {counters.isPending ? (
        <LoadingState label="Loading message counters…" />
      ) : !counters.data ? (
        <ErrorState error={counters.error} onRetry={() => void counters.refetch()} />
      ) : (
        <Summary counters={counters.data} />
      )}
    </section>
  );
}

function Summary({ counters }: { counters: Counters }) {
  const { buckets, totals } = counters;
  const current = buckets[buckets.length - 1];
  const previous = buckets[buckets.length - 2];
  const quiet = totals.in + totals.out + totals.rejected === 0;
  return (
    <>
      <table className="counters">
        <caption className="visually-hidden">Messages in, out and rejected</caption>
        <thead>
          <tr>
            <th scope="col">Messages</th>
            <th scope="col" className="count">
              This minute
            </th>
            <th scope="col" className="count">
              Previous minute
            </th>
            <th scope="col" className="count">
              Last {WINDOW_MINUTES} minutes
            </th>
            <th scope="col">Per minute</th>
          </tr>
        </thead>
        <tbody>
          {KINDS.map(({ kind, label }) => (
            <tr key={kind}>
              <th scope="row">{label}</th>
              <td className="count">{number(current?.[kind] ?? 0)}</td>
              <td className="count">{number(previous?.[kind] ?? 0)}</td>
              <td className="count">{number(totals[kind])}</td>
              <td>
                <Sparkline buckets={buckets} kind={kind} label={label} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {quiet ? (
        <p className="muted">No messages in the last {WINDOW_MINUTES} minutes.</p>
      ) : (
        <details className="per-minute">
          <summary>Minute by minute</summary>
          <table>
            <caption className="visually-hidden">Messages per minute, newest first, minutes with traffic only</caption>
            <thead>
              <tr>
                <th scope="col">Minute</th>
                {KINDS.map(({ kind, label }) => (
                  <th scope="col" className="count" key={kind}>
                    {label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {buckets
                .filter((b) => b.in + b.out + b.rejected > 0)
                .reverse()
                .map((b) => (
                  <tr key={b.minute}>
                    <th scope="row">
                      <time dateTime={b.minute}>{clock(b.minute)}</time>
                    </th>
                    {KINDS.map(({ kind }) => (
                      <td className="count" key={kind}>
                        {number(b[kind])}
                      </td>
                    ))}
                  </tr>
                ))}
            </tbody>
          </table>
        </details>
      )}
    </>
  );
}

/** One bar per minute, oldest on the left; the label gives the peak for those who cannot see it. */
function Sparkline({ buckets, kind, label }: { buckets: readonly MinuteCounts[]; kind: Kind; label: string }) {
  const width = 120;
  const height = 24;
  const peak = Math.max(0, ...buckets.map((b) => b[kind]));
  const step = width / Math.max(1, buckets.length);
  const description = `${label} per minute over the last ${buckets.length} minutes: peak ${number(peak)}`;
  return (
    <svg className={`sparkline sparkline-${kind}`} width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={description}>
      <title>{description}</title>
      <line x1="0" y1={height - 0.5} x2={width} y2={height - 0.5} className="baseline" />
      {buckets.map((b, i) => {
        const h = peak === 0 ? 0 : Math.max(1, (b[kind] / peak) * (height - 2));
        return h === 0 ? null : <rect key={b.minute} x={i * step} y={height - 1 - h} width={Math.max(1, step - 0.5)} height={h} />;
      })}
    </svg>
  );
}
