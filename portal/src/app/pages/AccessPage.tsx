import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FieldError, PersonRole, RoleMapping } from '@crosswire/orchestrator/contract';
import { useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, hasRole, type Me } from '../api.ts';
import { EmptyState, ErrorState, LoadingState } from '../components/States.tsx';
import { TableHead } from '../components/TableHead.tsx';
import { fullTime } from '../format.ts';
import { useTitle } from '../router.tsx';

// The ladder, lowest first; each role includes those before it.
const ROLES: readonly PersonRole[] = ['viewer', 'operator', 'engineer', 'admin'];
const ENDPOINT = '/api/v1/role-mapping';

interface Row {
  /** React key: rows have no identity of their own while their value is being typed. */
  key: number;
  claimValue: string;
  roles: PersonRole[];
}

interface Draft {
  /** The version the edit started from: sent as If-Match. */
  base: number;
  rows: Row[];
}

let nextKey = 0;
const rowsOf = (mapping: RoleMapping): Row[] => mapping.entries.map((e) => ({ key: nextKey++, claimValue: e.claimValue, roles: e.roles }));

/** Server errors by row: `/entries/3/roles/0` belongs to the fourth row. */
function errorsByRow(errors: FieldError[]): Map<number, string[]> {
  const byRow = new Map<number, string[]>();
  for (const error of errors) {
    const match = /^\/entries\/(\d+)/.exec(error.path);
    if (match) byRow.set(Number(match[1]), [...(byRow.get(Number(match[1])) ?? []), error.message]);
  }
  return byRow;
}

/**
 * Which Crosswire roles each value of the roles claim grants. Admins edit the whole table and save it
 * with If-Match; when someone saved first the edit stays and the message offers to keep it or load
 * theirs. Engineers see it read-only; the orchestrator refuses it to everyone else.
 */
export function AccessPage({ me }: { me?: Me | undefined }) {
  useTitle('Access');
  const queryClient = useQueryClient();
  const mayRead = hasRole(me, 'engineer');
  const mayEdit = hasRole(me, 'admin');
  const [draft, setDraft] = useState<Draft>();
  const [saved, setSaved] = useState<number>();
  const [conflict, setConflict] = useState<number>();
  const conflictRef = useRef<HTMLDivElement>(null);
  const mapping = useQuery({
    queryKey: ['role-mapping'],
    queryFn: ({ signal }) => api.get<RoleMapping>(ENDPOINT, signal),
    enabled: mayRead,
  });
  const save = useMutation({
    mutationFn: (d: Draft) =>
      api.put<RoleMapping>(ENDPOINT, { entries: d.rows.map((r) => ({ claimValue: r.claimValue, roles: r.roles })) }, { headers: { 'If-Match': `"${d.base}"` } }),
    onSuccess: (updated) => {
      queryClient.setQueryData(['role-mapping'], updated);
      // The saver's own roles may have changed with it.
      void queryClient.invalidateQueries({ queryKey: ['me'] });
      setDraft(undefined);
      setSaved(updated.version);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 412) {
        setConflict(typeof error.body.currentVersion === 'number' ? error.body.currentVersion : undefined);
        void queryClient.invalidateQueries({ queryKey: ['role-mapping'] });
      }
    },
  });
  useEffect(() => {
    if (conflict !== undefined) conflictRef.current?.focus();
  }, [conflict]);
  const stored = useMemo(() => (mapping.data ? rowsOf(mapping.data) : []), [mapping.data]);

  if (!mayRead) {
    return (
      <section aria-labelledby="access-title">
        <h1 id="access-title">Access</h1>
        <EmptyState>Only engineers and admins can see which IdP groups grant which roles. Ask an admin if your role looks wrong.</EmptyState>
      </section>
    );
  }
  if (mapping.isPending) return <LoadingState label="Loading the role mapping…" />;
  if (mapping.isError) return <ErrorState error={mapping.error} onRetry={() => void mapping.refetch()} />;

  const data = mapping.data;
  const rows = draft?.rows ?? stored;
  const edit = (change: (rows: Row[]) => Row[]) => {
    setSaved(undefined);
    setDraft({ base: draft?.base ?? data.version, rows: change(rows) });
  };
  const serverErrors = save.error instanceof ApiError && draft ? errorsByRow(save.error.errors) : new Map<number, string[]>();

  return (
    <section aria-labelledby="access-title">
      <h1 id="access-title">Access</h1>
      <p>
        Roles come from the <code>{data.rolesClaim}</code> claim of each person’s token. Each value below grants its roles; a value with no row that is itself a role name
        (viewer, operator, engineer, admin) grants that role. Each role includes those below it.
      </p>
      <p className="muted">
        {data.source === 'stored' ? (
          <>
            Version {data.version}, saved by {data.updatedBy}
            {data.updatedAt && (
              <>
                {' '}
                on <time dateTime={data.updatedAt}>{fullTime(data.updatedAt)}</time>
              </>
            )}
            . Changes apply to every orchestrator within seconds.
          </>
        ) : (
          <>In force: AUTH_ROLE_MAP from the orchestrator’s environment. The first save here replaces it (its pod grants stay).</>
        )}
        {data.podClaimValues.length > 0 && <> Adapter pods: {data.podClaimValues.join(', ')} grant pod (from AUTH_ROLE_MAP, not editable here).</>}
      </p>
      {me?.claimValues && (
        <p className="muted">
          Your token’s <code>{data.rolesClaim}</code> claim carries {me.claimValues.length ? me.claimValues.join(', ') : 'no values'}, which grant you{' '}
          {me.roles.join(', ') || 'no role'}.{mayEdit && ' A save that would take admin away from you is refused.'}
        </p>
      )}
      {saved !== undefined && (
        <p role="status" className="banner ok">
          Saved as version {saved}.
        </p>
      )}

      {!mayEdit ? (
        data.entries.length === 0 ? (
          <EmptyState>No IdP values are mapped: tokens carrying a role name grant that role.</EmptyState>
        ) : (
          <table>
            <caption className="visually-hidden">Roles granted by each claim value</caption>
            <TableHead columns={['Claim value', 'Roles']} />
            <tbody>
              {data.entries.map((e) => (
                <tr key={e.claimValue}>
                  <th scope="row">{e.claimValue}</th>
                  <td>{e.roles.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : (
        <form
          aria-label="Edit the role mapping"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate({ base: draft?.base ?? data.version, rows });
          }}
        >
          {conflict !== undefined && draft && (
            <div role="alert" className="banner conflict" tabIndex={-1} ref={conflictRef}>
              <p>
                <strong>Someone else saved first.</strong> The mapping is now at version {conflict}; you started from version {draft.base}. Nothing of yours was saved, and your
                edits are still in the table.
              </p>
              <button type="button" className="primary" onClick={() => (setDraft({ ...draft, base: conflict }), setConflict(undefined))}>
                Keep my edits on top of version {conflict}
              </button>{' '}
              <button type="button" onClick={() => (setDraft(undefined), setConflict(undefined), save.reset())}>
                Discard my edits and load version {conflict}
              </button>
            </div>
          )}
          {save.isError && !(save.error instanceof ApiError && save.error.status === 412) && (
            <p role="alert" className="banner error">
              {save.error instanceof ApiError ? save.error.detail : save.error.message}
            </p>
          )}
          <table className="role-mapping">
            <caption className="visually-hidden">Roles granted by each claim value, editable</caption>
            <TableHead columns={['Claim value', ...ROLES]} actions="Actions" />
            <tbody>
              {rows.map((row, i) => {
                const problems = serverErrors.get(i);
                const name = row.claimValue || `row ${i + 1}`;
                return (
                  <tr key={row.key}>
                    <td>
                      <input
                        aria-label={`Claim value in row ${i + 1}`}
                        value={row.claimValue}
                        aria-invalid={problems ? true : undefined}
                        aria-describedby={problems ? `mapping-error-${row.key}` : undefined}
                        onChange={(e) => edit((all) => all.map((r) => (r.key === row.key ? { ...r, claimValue: e.target.value } : r)))}
                        placeholder="an IdP group"
                        autoComplete="off"
                      />
                      {problems && (
                        <p className="field-error" id={`mapping-error-${row.key}`}>
                          {problems.join('; ')}
                        </p>
                      )}
                    </td>
                    {ROLES.map((role) => (
                      <td key={role}>
                        <input
                          type="checkbox"
                          aria-label={`${role} for ${name}`}
                          checked={row.roles.includes(role)}
                          onChange={(e) =>
                            edit((all) =>
                              all.map((r) =>
                                r.key === row.key ? { ...r, roles: e.target.checked ? ROLES.filter((x) => x === role || r.roles.includes(x)) : r.roles.filter((x) => x !== role) } : r,
                              ),
                            )
                          }
                        />
                      </td>
                    ))}
                    <td>
                      <button type="button" className="link" onClick={() => edit((all) => all.filter((r) => r.key !== row.key))}>
                        Remove {name}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {rows.length === 0 && <EmptyState>No IdP values are mapped: tokens carrying a role name grant that role.</EmptyState>}
          <div className="wizard-buttons">
            <button type="button" onClick={() => edit((all) => [...all, { key: nextKey++, claimValue: '', roles: ['viewer'] }])}>
              Add a claim value
            </button>
            <button type="submit" className="primary" disabled={!draft || save.isPending || conflict !== undefined}>
              {save.isPending ? 'Saving…' : 'Save'}
            </button>
            {draft && (
              <button type="button" onClick={() => (setDraft(undefined), setConflict(undefined), save.reset())} disabled={save.isPending}>
                Cancel
              </button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
