import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Adapter, Revision, RevisionDiff } from '@crosswire/orchestrator/contract';
import { useEffect, useRef, useState } from 'react';
import { api, apiPath, hasRole, type Me } from '../../api.ts';
import { EmptyState, ErrorState, LoadingState } from '../../components/States.tsx';
import { TableHead } from '../../components/TableHead.tsx';
import { ChangesTable } from '../../components/ChangesTable.tsx';
import { fullTime } from '../../format.ts';

/** Side by side: each changed field with its value in the older and the newer revision. */
export function DiffView({ name, from, to }: { name: string; from: number; to: number }) {
  const diff = useQuery({
    queryKey: ['diff', name, from, to],
    queryFn: ({ signal }) => api.get<RevisionDiff>(`${apiPath('adapters', name, 'diff')}?from=${from}&to=${to}`, signal),
    staleTime: Infinity,
  });
  if (diff.isPending) return <LoadingState label="Loading the changes…" />;
  if (diff.isError) return <ErrorState error={diff.error} onRetry={() => void diff.refetch()} />;
  if (diff.data.changes.length === 0) return <EmptyState>Revisions {from} and {to} have the same configuration.</EmptyState>;
  return <ChangesTable caption={`Changes from revision ${from} to revision ${to}`} before={`Revision ${from}`} after={`Revision ${to}`} changes={diff.data.changes} />;
}

export function Revisions({ adapter, me }: { adapter: Adapter; me: Me | undefined }) {
  const queryClient = useQueryClient();
  const [compare, setCompare] = useState<{ from: number; to: number }>();
  const [confirm, setConfirm] = useState<number>();
  const [done, setDone] = useState<string>();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const mayEdit = hasRole(me, 'engineer');
  const revisions = useQuery({
    queryKey: ['revisions', adapter.name, adapter.revision],
    queryFn: ({ signal }) => api.get<{ items: Omit<Revision, 'spec'>[]; nextCursor: string | null }>(`${apiPath('adapters', adapter.name, 'revisions')}?limit=100`, signal),
    placeholderData: keepPreviousData,
  });
  const rollback = useMutation({
    mutationFn: (revision: number) =>
      api.post<Adapter>(apiPath('adapters', adapter.name, 'revisions', revision, 'rollback'), undefined, { headers: { 'If-Match': `"${adapter.revision}"` } }),
    onSuccess: (updated, revision) => {
      queryClient.setQueryData(['adapter', adapter.name], updated);
      void queryClient.invalidateQueries({ queryKey: ['revisions', adapter.name] });
      void queryClient.invalidateQueries({ queryKey: ['events', adapter.name] });
      setConfirm(undefined);
      setDone(
        updated.revision === adapter.revision
          ? `Revision ${revision} has the current configuration: nothing to roll back.`
          : `Rolled back: revision ${updated.revision} has the configuration of revision ${revision}.`,
      );
    },
  });
  useEffect(() => {
    if (confirm !== undefined) confirmRef.current?.focus();
  }, [confirm]);

  return (
    <section aria-labelledby="revisions-title" className="panel">
      <h2 id="revisions-title">Revision history</h2>
      {done && (
        <p role="status" className="banner ok">
          {done}
        </p>
      )}
      {rollback.isError && <ErrorState error={rollback.error} />}
      {revisions.isPending ? (
        <LoadingState label="Loading revisions…" />
      ) : revisions.isError ? (
        <ErrorState error={revisions.error} onRetry={() => void revisions.refetch()} />
      ) : (
        <table className="revisions">
          <caption className="visually-hidden">Revisions, newest first</caption>
          <TableHead columns={['Revision', 'Author', 'Time', 'Change']} actions="Actions" />
          <tbody>
            {revisions.data.items.map((r) => (
              <tr key={r.revision} aria-current={r.revision === adapter.revision ? 'true' : undefined}>
                <th scope="row">
                  {r.revision}
                  {r.revision === adapter.revision && <span className="muted"> (current)</span>}
                </th>
                <td>{r.author}</td>
                <td>
                  <time dateTime={r.createdAt}>{fullTime(r.createdAt)}</time>
                </td>
                <td>{r.message ?? ''}</td>
                <td className="row-actions">
                  {r.revision > 1 && (
                    <button type="button" onClick={() => setCompare({ from: r.revision - 1, to: r.revision })} aria-pressed={compare?.to === r.revision && compare.from === r.revision - 1}>
                      Changes in revision {r.revision}
                    </button>
                  )}
                  {r.revision !== adapter.revision && (
                    <button type="button" onClick={() => setCompare({ from: r.revision, to: adapter.revision })}>
                      Compare revision {r.revision} with current
                    </button>
                  )}
                  {mayEdit && r.revision !== adapter.revision && confirm !== r.revision && (
                    <button type="button" onClick={() => (rollback.reset(), setDone(undefined), setConfirm(r.revision))}>
                      Roll back to revision {r.revision}
                    </button>
                  )}
                  {confirm === r.revision && (
                    <div className="confirm" role="group" aria-label={`Confirm roll back to revision ${r.revision}`}>
                      <p>
                        Write a new revision with the configuration of revision {r.revision}? {adapter.enabled ? 'The running session restarts with it.' : ''}
                      </p>
                      <button ref={confirmRef} type="button" className="primary" disabled={rollback.isPending} onClick={() => rollback.mutate(r.revision)}>
                        {rollback.isPending ? 'Rolling back…' : `Yes, roll back to revision ${r.revision}`}
                      </button>{' '}
                      <button type="button" onClick={() => setConfirm(undefined)} disabled={rollback.isPending}>
                        Cancel
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {compare && (
        <div className="compare">
          <DiffView name={adapter.name} from={compare.from} to={compare.to} />
          <button type="button" className="link" onClick={() => setCompare(undefined)}>
            Close the comparison
          </button>
        </div>
      )}
    </section>
  );
}
