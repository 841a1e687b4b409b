import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Adapter, AdapterEvent, MessageTrace as Trace, TracedMessageDetails } from '@crosswire/orchestrator/contract';
import { api, apiPath, hasRole, type Me } from '../../api.ts';
import { EmptyState, ErrorState, LoadingState } from '../../components/States.tsx';
import { TableHead } from '../../components/TableHead.tsx';
import { fullTime } from '../../format.ts';
import { POLL_MS } from '../AdaptersPage.tsx';

/** How many traced messages the panel shows: the newest. */
const SHOWN = 50;
const DURATIONS = [1, 5, 15];

/** A traced message's content as one line: FIX as tag=value|…, a JSON or text body as JSON. */
function content(details: TracedMessageDetails): string {
  const text = details.fields ? details.fields.map(([tag, value]) => `${tag}=${value}`).join('|') : JSON.stringify(details.body ?? null);
  return details.truncated ? `${text} … (cut)` : text;
}

const isTraced = (e: AdapterEvent): e is AdapterEvent & { details: TracedMessageDetails } =>
  e.details.trace === true && (e.details.direction === 'in' || e.details.direction === 'out');

/**
 * The live message trace: operators start it for a few minutes (or stop it); everyone sees the last
 * messages in and out, as the pod sent them, sensitive fields already masked.
 */
export function MessageTrace({ adapter, me }: { adapter: Adapter; me: Me | undefined }) {
  const queryClient = useQueryClient();
  const tracePath = apiPath('adapters', adapter.name, 'trace');
  const trace = useQuery({
    queryKey: ['trace', adapter.name],
    queryFn: ({ signal }) => api.get<Trace>(tracePath, signal),
    refetchInterval: POLL_MS,
  });
  const messages = useQuery({
    queryKey: ['events', adapter.name, 'trace'],
    queryFn: ({ signal }) =>
      api.get<{ items: AdapterEvent[] }>(`${apiPath('adapters', adapter.name, 'events')}?category=message&limit=${SHOWN}`, signal),
    refetchInterval: POLL_MS,
  });
  const change = useMutation({
    mutationFn: (minutes: number | undefined) => (minutes ? api.post<Trace>(tracePath, { minutes }) : api.del<Trace>(tracePath)),
    onSuccess: (updated) => {
      queryClient.setQueryData(['trace', adapter.name], updated);
      void queryClient.invalidateQueries({ queryKey: ['events', adapter.name] });
    },
  });
  const mayOperate = hasRole(me, 'operator');
  const active = trace.data?.active === true;
  const traced = (messages.data?.items ?? []).filter(isTraced);

  return (
    <section aria-labelledby="trace-title" className="panel">
      <h2 id="trace-title">Message trace</h2>
      <p role="status">
        {!trace.data
          ? ''
          : active
            ? `Tracing until ${fullTime(trace.data.until!)}${trace.data.startedBy ? ` (started by ${trace.data.startedBy})` : ''}: up to ${trace.data.maxPerSecond} messages a second, passwords and secrets masked by the pod.`
            : 'Not tracing. A trace shows the messages in and out for a few minutes, passwords and secrets masked.'}
      </p>
      {trace.isError && <ErrorState error={trace.error} onRetry={() => void trace.refetch()} />}
      {me && mayOperate && trace.data && (
        <div className="session-actions" role="group" aria-label="Trace controls">
          {DURATIONS.map((minutes) => (
            <button key={minutes} type="button" className={active ? undefined : 'primary'} disabled={change.isPending} onClick={() => change.mutate(minutes)}>
              {active ? `Trace ${minutes} min from now` : `Trace ${minutes} min`}
            </button>
          ))}
          {active && (
            <button type="button" className="danger" disabled={change.isPending} onClick={() => change.mutate(undefined)}>
              Stop trace
            </button>
          )}
        </div>
      )}
      {me && !mayOperate && <p className="muted">Operators start and stop a trace; you can read it.</p>}
      {change.isError && <ErrorState error={change.error} />}
      {messages.isPending ? (
        <LoadingState label="Loading traced messages…" />
      ) : !messages.data ? (
        <ErrorState error={messages.error} onRetry={() => void messages.refetch()} />
      ) : traced.length === 0 ? (
        <EmptyState>{active ? 'Tracing: no message has passed yet.' : 'No traced messages.'}</EmptyState>
      ) : (
        <table className="events trace">
          <caption className="visually-hidden">Traced messages, newest first</caption>
          <TableHead columns={['Direction', 'Time', 'Type', 'Seq', 'Content (masked)']} />
          <tbody>
            {traced.map((e) => (
              <tr key={e.id}>
                <td>{e.details.direction === 'in' ? '← in' : '→ out'}</td>
                <td>
                  <time dateTime={e.details.at}>{fullTime(e.details.at)}</time>
                </td>
                <td>{e.details.msgType !== undefined ? `35=${e.details.msgType}` : (e.details.subject ?? '')}</td>
                <td>{e.details.seq ?? ''}</td>
                <td>
                  <code className="message-body">{content(e.details)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
