import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Adapter, AdapterEvent } from '@crosswire/orchestrator/contract';
import { useEffect, useId, useRef, useState } from 'react';
import { api, ApiError, hasRole, type Me } from '../api.ts';
import { EmptyState, ErrorState, LoadingState } from '../components/States.tsx';
import { TableHead } from '../components/TableHead.tsx';
import { AdminBadge, StatusBadge } from '../components/StatusBadge.tsx';
import { ago, fullTime } from '../format.ts';
import { Link, useLocation, useTitle } from '../router.tsx';
import { POLL_MS } from './AdaptersPage.tsx';
import { ConfigEditor } from './adapter/ConfigEditor.tsx';
import { MessageCounters } from './adapter/MessageCounters.tsx';
import { MessageTrace } from './adapter/MessageTrace.tsx';
import { PipelineEditor } from './adapter/PipelineEditor.tsx';
import { ExportManifest } from './adapter/ExportManifest.tsx';
import { Revisions } from './adapter/Revisions.tsx';
import { SessionActions } from './adapter/SessionActions.tsx';

export function AdapterPage({ name, me }: { name: string; me: Me | undefined }) {
  useTitle(name);
  const { search } = useLocation();
  const path = `/api/v1/adapters/${encodeURIComponent(name)}`;
  const adapter = useQuery({
    queryKey: ['adapter', name],
    queryFn: ({ signal }) => api.get<Adapter>(path, signal),
    refetchInterval: POLL_MS,
  });

  return (
    <section aria-labelledby="adapter-title">
      <p className="breadcrumb">
        <Link to="/adapters">Adapters</Link> / <span aria-current="page">{name}</span>
      </p>
      <div className="page-head">
        <h1 id="adapter-title">{name}</h1>
        {adapter.data && <ExportManifest name={name} />}
      </div>
      {search.get('created') === '1' && (
        <p role="status" className="banner ok">
          Created, disabled: no pod runs it until it is enabled.
        </p>
      )}
      {adapter.isPending ? (
        <LoadingState label="Loading the adapter…" />
      ) : !adapter.data ? (
        adapter.error instanceof ApiError && adapter.error.status === 404 ? (
          <EmptyState>
            There is no adapter called {name}. <Link to="/adapters">Back to the adapters</Link>.
          </EmptyState>
        ) : (
          <ErrorState error={adapter.error} onRetry={() => void adapter.refetch()} />
        )
      ) : (
        <>
          {adapter.isError && <ErrorState error={adapter.error} onRetry={() => void adapter.refetch()} />}
          {adapter.data.description && <p className="description">{adapter.data.description}</p>}
          <StatusPanel adapter={adapter.data} />
          <MessageCounters name={name} />
          <AdminState adapter={adapter.data} me={me} />
          <SessionActions adapter={adapter.data} me={me} />
          <ConfigEditor adapter={adapter.data} me={me} />
          <PipelineEditor adapter={adapter.data} me={me} />
          <Revisions adapter={adapter.data} me={me} />
          <MessageTrace adapter={adapter.data} me={me} />
          <Events name={name} />
        </>
      )}
    </section>
  );
}

function StatusPanel({ adapter }: { adapter: Adapter }) {
  const { status } = adapter;
  return (
    <section aria-labelledby="status-title" className="panel status-bar">
      <h2 id="status-title">Status</h2>
      <dl className="facts">
        <div>
          <dt>State</dt>
          <dd>
            <StatusBadge state={status.state} reason={status.reason} />
          </dd>
        </div>
        {status.reason && (
          <div>
            <dt>Reason</dt>
            <dd>{status.reason}</dd>
          </div>
        )}
        <div>
          <dt>Holder pod</dt>
          <dd>{status.holders.length ? status.holders.map((h) => `${h.pod} (slot ${h.slot}, ${h.state})`).join(', ') : 'none'}</dd>
        </div>
        <div>
          <dt>Lease epoch</dt>
          <dd>{status.epoch ?? '—'}</dd>
        </div>
        {status.holders[0] && (
          <div>
            <dt>Running since</dt>
            <dd>
              <time dateTime={status.holders[0].since} title={fullTime(status.holders[0].since)}>
                {ago(status.holders[0].since)}
              </time>
            </dd>
          </div>
        )}
        <div>
          <dt>Last check-in</dt>
          <dd>{status.lastCheckIn ? <time dateTime={status.lastCheckIn} title={fullTime(status.lastCheckIn)}>{ago(status.lastCheckIn)}</time> : 'never'}</dd>
        </div>
      </dl>
    </section>
  );
}

function AdminState({ adapter, me }: { adapter: Adapter; me: Me | undefined }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const action = adapter.enabled ? 'disable' : 'enable';
  const mayOperate = hasRole(me, 'operator');
  const change = useMutation({
    mutationFn: () => api.post<Adapter>(`/api/v1/adapters/${encodeURIComponent(adapter.name)}/${action}`),
    onSuccess: (updated) => {
      queryClient.setQueryData(['adapter', adapter.name], updated);
      void queryClient.invalidateQueries({ queryKey: ['adapters'] });
      void queryClient.invalidateQueries({ queryKey: ['events', adapter.name] });
      setConfirming(false);
    },
  });
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  return (
    <section aria-labelledby="admin-title" className="panel">
      <h2 id="admin-title">Admin state</h2>
      <p>
        <AdminBadge enabled={adapter.enabled} />{' '}
        {adapter.enabled ? 'Pods may claim and run this adapter.' : 'No pod runs this adapter.'}
      </p>
      {!me ? null : mayOperate ? (
        confirming ? (
          <div className="confirm" role="group" aria-labelledby="confirm-text">
            <p id="confirm-text">
              {action === 'enable'
                ? `Enable ${adapter.name}? A free pod will claim it and start the connection.`
                : `Disable ${adapter.name}? Its holder will log out and release it.`}
            </p>
            <button ref={confirmRef} type="button" className={action === 'disable' ? 'danger' : 'primary'} disabled={change.isPending} onClick={() => change.mutate()}>
              {change.isPending ? 'Working…' : `Yes, ${action}`}
            </button>{' '}
            <button type="button" onClick={() => setConfirming(false)} disabled={change.isPending}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" className={action === 'disable' ? 'danger' : 'primary'} onClick={() => (change.reset(), setConfirming(true))}>
            {action === 'enable' ? 'Enable' : 'Disable'}
          </button>
        )
      ) : (
        <p className="muted">Your role ({me.roles.join(', ') || 'none'}) can view this adapter but not change it.</p>
      )}
      {change.isError && <ErrorState error={change.error} />}
    </section>
  );
}

const LEVELS = ['debug', 'info', 'warning', 'error'];
const CATEGORIES = ['connection', 'action', 'system', 'message'];

function Events({ name }: { name: string }) {
  const [level, setLevel] = useState('');
  const [category, setCategory] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const ids = { level: useId(), category: useId(), since: useId(), until: useId() };
  const query = new URLSearchParams({ limit: '100' });
  if (level) query.set('level', level);
  if (category) query.set('category', category);
  if (since && !Number.isNaN(Date.parse(since))) query.set('since', new Date(since).toISOString());
  if (until && !Number.isNaN(Date.parse(until))) query.set('until', new Date(until).toISOString());
  const events = useQuery({
    queryKey: ['events', name, query.toString()],
    queryFn: ({ signal }) => api.get<{ items: AdapterEvent[]; nextCursor: string | null }>(`/api/v1/adapters/${encodeURIComponent(name)}/events?${query}`, signal),
    refetchInterval: POLL_MS,
  });
  return (
    <section aria-labelledby="events-title" className="panel">
      <h2 id="events-title">Events</h2>
      <div className="filters">
        <div className="field">
          <label htmlFor={ids.level}>Level</label>
          <select id={ids.level} value={level} onChange={(e) => setLevel(e.target.value)}>
            <option value="">Any</option>
            {LEVELS.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.category}>Category</label>
          <select id={ids.category} value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">Any</option>
            {CATEGORIES.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.since}>From</label>
          <input id={ids.since} type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.until}>Until</label>
          <input id={ids.until} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
        </div>
      </div>
      {events.isPending ? (
        <LoadingState label="Loading events…" />
      ) : !events.data ? (
        <ErrorState error={events.error} onRetry={() => void events.refetch()} />
      ) : events.data.items.length === 0 ? (
        <EmptyState>{level || category || since || until ? 'No events match these filters.' : 'No events yet.'}</EmptyState>
      ) : (
        <table className="events">
          <caption className="visually-hidden">Events, newest first</caption>
          <TableHead columns={['Time', 'Level', 'Category', 'Message']} />
          <tbody>
            {events.data.items.map((e) => (
              <tr key={e.id}>
                <td>
                  <time dateTime={e.at}>{fullTime(e.at)}</time>
                </td>
                <td>
                  <span className={`level level-${e.level}`}>{e.level}</span>
                </td>
                <td>{e.category}</td>
                <td>{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
