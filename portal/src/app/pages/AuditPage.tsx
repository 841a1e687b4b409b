import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { AuditRecord, AuditVerification } from '@crosswire/orchestrator/contract';
import { useEffect, useId, useState } from 'react';
import { api } from '../api.ts';
import { EmptyState, ErrorState, LoadingState } from '../components/States.tsx';
import { TableHead } from '../components/TableHead.tsx';
import { fullTime } from '../format.ts';
import { useTitle } from '../router.tsx';

type Filters = { actor: string; target: string; action: string; since: string; until: string };
const EMPTY: Filters = { actor: '', target: '', action: '', since: '', until: '' };

/** A `datetime-local` value (local time) → RFC 3339, as the API wants. */
export const toIso = (local: string) => (local ? new Date(local).toISOString() : '');

/** Who changed what, when: searchable, with the hash chain's status. */
export function AuditPage() {
  useTitle('Audit');
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [cursors, setCursors] = useState<string[]>([]);
  const [open, setOpen] = useState<number>();
  const ids = { actor: useId(), target: useId(), action: useId(), since: useId(), until: useId() };
  const query = new URLSearchParams({ limit: '50' });
  for (const key of ['actor', 'target', 'action'] as const) if (filters[key].trim()) query.set(key, filters[key].trim());
  if (filters.since) query.set('since', toIso(filters.since));
  if (filters.until) query.set('until', toIso(filters.until));
  const cursor = cursors.at(-1);
  if (cursor) query.set('cursor', cursor);
  const key = JSON.stringify(filters);
  useEffect(() => setCursors([]), [key]);
  const records = useQuery({
    queryKey: ['audit', query.toString()],
    queryFn: ({ signal }) => api.get<{ items: AuditRecord[]; nextCursor: string | null }>(`/api/v1/audit?${query}`, signal),
    placeholderData: keepPreviousData,
  });
  const chain = useQuery({ queryKey: ['audit-verify'], queryFn: ({ signal }) => api.get<AuditVerification>('/api/v1/audit/verify', signal) });
  const filtered = Object.values(filters).some(Boolean);

  const field = (name: keyof Filters, label: string, type = 'text', hint?: string) => (
    <div className="field">
      <label htmlFor={ids[name]}>{label}</label>
      <input id={ids[name]} type={type} value={draft[name]} placeholder={hint} onChange={(e) => setDraft({ ...draft, [name]: e.target.value })} autoComplete="off" />
    </div>
  );

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit</h1>
      <section aria-labelledby="chain-title" className="panel">
        <h2 id="chain-title">Chain status</h2>
        {chain.isPending ? (
          <LoadingState label="Checking the hash chain…" />
        ) : chain.isError ? (
          <ErrorState error={chain.error} onRetry={() => void chain.refetch()} />
        ) : chain.data.ok ? (
          <p className="chain-ok">
            <strong>Intact.</strong> {chain.data.records} records checked; every record's hash chains to the one before.{' '}
            <button type="button" className="link" onClick={() => void chain.refetch()} disabled={chain.isFetching}>
              {chain.isFetching ? 'Checking…' : 'Check again'}
            </button>
          </p>
        ) : (
          <p role="alert" className="banner error">
            <strong>Broken</strong> at record {chain.data.firstBroken?.id}: {chain.data.firstBroken?.reason}. {chain.data.records} records checked.
          </p>
        )}
      </section>
      <form
        className="filters"
        role="search"
        aria-label="Search the audit trail"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        {field('actor', 'Actor', 'text', 'subject or name')}
        {field('target', 'Target', 'text', 'adapter/lse-gateway')}
        {field('action', 'Action', 'text', 'adapter.update')}
        {field('since', 'From', 'datetime-local')}
        {field('until', 'Until', 'datetime-local')}
        <button type="submit" className="primary">
          Search
        </button>
        {filtered && (
          <button type="button" className="link" onClick={() => (setDraft(EMPTY), setFilters(EMPTY))}>
            Clear filters
          </button>
        )}
      </form>
      {records.isPending ? (
        <LoadingState label="Loading the audit trail…" />
      ) : !records.data ? (
        <ErrorState error={records.error} onRetry={() => void records.refetch()} />
      ) : records.data.items.length === 0 ? (
        <EmptyState>{filtered ? 'No records match these filters.' : 'Nothing has been changed yet.'}</EmptyState>
      ) : (
        <table className="audit">
          <caption className="visually-hidden">Audit records, newest first</caption>
          <TableHead columns={['Time', 'Actor', 'Action', 'Target', 'Request']} actions="Details" />
          <tbody>
            {records.data.items.map((r) => (
              <AuditRow key={r.id} record={r} open={open === r.id} onToggle={() => setOpen(open === r.id ? undefined : r.id)} />
            ))}
          </tbody>
        </table>
      )}
      {(cursors.length > 0 || records.data?.nextCursor) && (
        <nav className="pager" aria-label="Pages">
          <button type="button" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Previous page
          </button>
          <span>Page {cursors.length + 1}</span>
          <button type="button" disabled={!records.data?.nextCursor} onClick={() => setCursors((c) => [...c, records.data!.nextCursor!])}>
            Next page
          </button>
        </nav>
      )}
    </section>
  );
}

function AuditRow({ record, open, onToggle }: { record: AuditRecord; open: boolean; onToggle: () => void }) {
  return (
    <>
      <tr>
        <td>
          <time dateTime={record.at}>{fullTime(record.at)}</time>
        </td>
        <td>
          {record.actor.name} <span className="muted">({record.actor.roles.join(', ') || 'no role'})</span>
        </td>
        <td>
          <code>{record.action}</code>
        </td>
        <td>{record.target}</td>
        <td>
          <code>{record.requestId ?? ''}</code>
        </td>
        <td>
          <button type="button" className="link" aria-expanded={open} onClick={onToggle}>
            {open ? 'Hide' : 'Show'} changes<span className="visually-hidden"> of record {record.id}</span>
          </button>
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={6}>
            <div className="side-by-side">
              <div>
                <h3>Before</h3>
                <pre className="config">{record.before === null ? '(nothing)' : JSON.stringify(record.before, null, 2)}</pre>
              </div>
              <div>
                <h3>After</h3>
                <pre className="config">{record.after === null ? '(nothing)' : JSON.stringify(record.after, null, 2)}</pre>
              </div>
            </div>
            <p className="muted">
              Record {record.id}, subject {record.actor.subject}, hash <code>{record.hash.slice(0, 16)}…</code>
            </p>
          </td>
        </tr>
      )}
    </>
  );
}
