import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { Adapter, PluginManifest } from '@crosswire/orchestrator/contract';
import { useEffect, useId, useState } from 'react';
import { api, hasRole, type Me } from '../api.ts';
import { DownloadButton } from '../components/DownloadButton.tsx';
import { EmptyState, ErrorState, LoadingState } from '../components/States.tsx';
import { AdminBadge, StatusBadge } from '../components/StatusBadge.tsx';
import { ago, fullTime } from '../format.ts';
import { Link, navigate, useLocation, useTitle } from '../router.tsx';
import { bundleUrl } from './ManifestsPage.tsx';

const STATES = ['Active', 'Claiming', 'Error', 'Inactive'] as const;
const MODES = [
  ['single', 'Single'],
  ['active_passive', 'Active/passive'],
  ['scale_out', 'Scale-out'],
] as const;
const PAGE_SIZES = [25, 50, 100, 200];
export const MODE_LABEL: Record<string, string> = Object.fromEntries(MODES);
/** Lists refresh this often: status changes show within two seconds without a reload. */
export const POLL_MS = 1_500;

/** One `<option>` per adapter mode, for the mode filter here and the mode field of the adapter editors. */
export function ModeOptions() {
  return (
    <>
      {MODES.map(([value, label]) => (
        <option key={value} value={value}>
          {label}
        </option>
      ))}
    </>
  );
}

type Filters = { name: string; status: string; mode: string; connectorType: string; enabled: string; limit: string };
const FILTER_KEYS: (keyof Filters)[] = ['name', 'status', 'mode', 'connectorType', 'enabled', 'limit'];

export function AdaptersPage({ me }: { me?: Me | undefined } = {}) {
  useTitle('Adapters');
  const { search } = useLocation();
  const filters: Filters = {
    name: search.get('name') ?? '',
    status: search.get('status') ?? '',
    mode: search.get('mode') ?? '',
    connectorType: search.get('connectorType') ?? '',
    enabled: search.get('enabled') ?? '',
    limit: search.get('limit') ?? '50',
  };
  const [nameInput, setNameInput] = useState(filters.name);
  // Adapters picked for "Export selected": kept across pages and refreshes, by name.
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const toggle = (names: readonly string[], on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      for (const name of names) if (on) next.add(name);
      else next.delete(name);
      return next;
    });
  // Cursors of the pages before this one: "Previous" pops, "Next" pushes; any filter change starts over.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const filterKey = FILTER_KEYS.map((k) => filters[k]).join('|');
  useEffect(() => setCursors([]), [filterKey]);

  const setFilter = (key: keyof Filters, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    navigate(`/adapters${next.size ? `?${next}` : ''}`, { replace: true });
  };
  // Searching as you type, without a request per keystroke.
  useEffect(() => {
    if (nameInput === filters.name) return;
    const timer = setTimeout(() => setFilter('name', nameInput.trim()), 300);
    return () => clearTimeout(timer);
  }, [nameInput, filters.name]);

  const query = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filters[key]) query.set(key, filters[key]);
  if (cursor) query.set('cursor', cursor);
  const adapters = useQuery({
    queryKey: ['adapters', query.toString()],
    queryFn: ({ signal }) => api.get<{ items: Adapter[]; nextCursor: string | null }>(`/api/v1/adapters?${query}`, signal),
    placeholderData: keepPreviousData,
    refetchInterval: POLL_MS,
  });
  const plugins = useQuery({
    queryKey: ['plugins'],
    queryFn: ({ signal }) => api.get<{ items: PluginManifest[] }>('/api/v1/plugins', signal),
    staleTime: 5 * 60_000,
  });
  const filtered = FILTER_KEYS.some((k) => k !== 'limit' && filters[k]);
  const ids = { name: useId(), status: useId(), mode: useId(), type: useId(), enabled: useId(), limit: useId() };

  return (
    <section aria-labelledby="adapters-title">
      <div className="page-head">
        <h1 id="adapters-title">Adapters</h1>
        <div className="row-actions">
          {selected.size > 0 ? (
            <DownloadButton path={bundleUrl([...selected].sort())} fallbackName="crosswire-manifests.zip" label={`Export selected (${selected.size}, zip)`} />
          ) : (
            <button type="button" disabled title="Select adapters with the checkboxes first">
              Export selected (zip)
            </button>
          )}
          {hasRole(me, 'engineer') && (
            <Link to="/new-adapter" className="button primary">
              New adapter
            </Link>
          )}
        </div>
      </div>
      <form className="filters" role="search" aria-label="Filter adapters" onSubmit={(e) => (e.preventDefault(), setFilter('name', nameInput.trim()))}>
        <div className="field">
          <label htmlFor={ids.name}>Name contains</label>
          <input id={ids.name} type="search" value={nameInput} onChange={(e) => setNameInput(e.target.value)} placeholder="lse-" autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={ids.status}>Status</label>
          <select id={ids.status} value={filters.status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">Any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.enabled}>Admin state</label>
          <select id={ids.enabled} value={filters.enabled} onChange={(e) => setFilter('enabled', e.target.value)}>
            <option value="">Any</option>
            <option value="true">Enabled</option>
            <option value="false">Disabled</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.mode}>Mode</label>
          <select id={ids.mode} value={filters.mode} onChange={(e) => setFilter('mode', e.target.value)}>
            <option value="">Any</option>
            <ModeOptions />
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.type}>Connector type</label>
          <select id={ids.type} value={filters.connectorType} onChange={(e) => setFilter('connectorType', e.target.value)}>
            <option value="">Any</option>
            {(plugins.data?.items ?? []).map((p) => (
              <option key={p.type} value={p.type}>
                {p.title || p.type}
              </option>
            ))}
            {filters.connectorType && !plugins.data?.items.some((p) => p.type === filters.connectorType) && (
              <option value={filters.connectorType}>{filters.connectorType}</option>
            )}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.limit}>Per page</label>
          <select id={ids.limit} value={filters.limit} onChange={(e) => setFilter('limit', e.target.value)}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        {filtered && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setNameInput('');
              navigate(filters.limit !== '50' ? `/adapters?limit=${filters.limit}` : '/adapters', { replace: true });
            }}
          >
            Clear filters
          </button>
        )}
      </form>

      {adapters.isPending ? (
        <LoadingState label="Loading adapters…" />
      ) : !adapters.data ? (
        <ErrorState error={adapters.error} onRetry={() => void adapters.refetch()} />
      ) : adapters.data.items.length === 0 ? (
        <EmptyState>{filtered ? 'No adapters match these filters.' : cursor ? 'No more adapters.' : 'There are no adapters yet.'}</EmptyState>
      ) : (
        <>
          {adapters.isError && <ErrorState error={adapters.error} onRetry={() => void adapters.refetch()} />}
          <table className="adapters">
            <caption className="visually-hidden">Adapters{filtered ? ' matching the filters' : ''}, refreshed every two seconds</caption>
            <thead>
              <tr>
                <td>
                  <input
                    type="checkbox"
                    aria-label="Select every adapter on this page"
                    checked={adapters.data.items.every((a) => selected.has(a.name))}
                    onChange={(e) => toggle(adapters.data.items.map((a) => a.name), e.target.checked)}
                  />
                </td>
                <th scope="col">Name</th>
                <th scope="col">Connector type</th>
                <th scope="col">Mode</th>
                <th scope="col">Admin state</th>
                <th scope="col">Status</th>
                <th scope="col">Holder pod</th>
                <th scope="col">Last check-in</th>
              </tr>
            </thead>
            <tbody>
              {adapters.data.items.map((a) => (
                <tr key={a.id}>
                  <td>
                    <input type="checkbox" aria-label={`Select ${a.name}`} checked={selected.has(a.name)} onChange={(e) => toggle([a.name], e.target.checked)} />
                  </td>
                  <th scope="row">
                    <Link to={`/adapters/${encodeURIComponent(a.name)}`}>{a.name}</Link>
                  </th>
                  <td>{a.connector.type}</td>
                  <td>
                    {MODE_LABEL[a.mode] ?? a.mode}
                    {a.mode === 'scale_out' && a.instances ? ` ×${a.instances}` : ''}
                  </td>
                  <td>
                    <AdminBadge enabled={a.enabled} />
                  </td>
                  <td>
                    <StatusBadge state={a.status.state} reason={a.status.reason} />
                    {a.status.reason && <div className="reason">{a.status.reason}</div>}
                  </td>
                  <td>{a.status.holders.length ? a.status.holders.map((h) => h.pod).join(', ') : <span className="muted">none</span>}</td>
                  <td>{a.status.lastCheckIn ? <time dateTime={a.status.lastCheckIn} title={fullTime(a.status.lastCheckIn)}>{ago(a.status.lastCheckIn)}</time> : <span className="muted">never</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {(cursors.length > 0 || adapters.data?.nextCursor) && (
        <nav className="pager" aria-label="Pages">
          <button type="button" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Previous page
          </button>
          <span aria-live="polite">
            Page {cursors.length + 1}
            {/* Keyset pages before this one were full, so the range needs no total count. */}
            {adapters.isPlaceholderData
              ? ', loading…'
              : adapters.data?.items.length
                ? `, adapters ${cursors.length * Number(filters.limit) + 1}–${cursors.length * Number(filters.limit) + adapters.data.items.length}`
                : ''}
          </span>
          <button type="button" disabled={!adapters.data?.nextCursor || adapters.isPlaceholderData} onClick={() => setCursors((c) => [...c, adapters.data!.nextCursor!])}>
            Next page
          </button>
        </nav>
      )}
    </section>
  );
}
