import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ManifestApplyResult, ManifestExport, ResourceChange } from '@crosswire/orchestrator/contract';
import { useId, useRef, useState } from 'react';
import { api, ApiError, hasRole, type Me } from '../api.ts';
import { DownloadButton } from '../components/DownloadButton.tsx';
import { ErrorState, LoadingState } from '../components/States.tsx';
import { TableHead } from '../components/TableHead.tsx';
import { Link, useTitle } from '../router.tsx';
import { storedZip } from '../zip.ts';
import { ChangesTable } from '../components/ChangesTable.tsx';

/** Where the zip bundle of everything (or of `names`) downloads from. */
export const bundleUrl = (names?: readonly string[]) =>
  `/api/v1/manifests/bundle${names?.length ? `?names=${encodeURIComponent(names.join(','))}` : ''}`;

/** A problem of a refused import: the file in the bundle and the JSON Pointer into it. */
interface BundleProblem {
  path: string;
  message: string;
  file?: string;
  pointer?: string;
}

const ACTION_LABEL: Record<ResourceChange['action'], string> = { create: 'Create', update: 'Update', delete: 'Delete', unchanged: 'Unchanged' };
const DONE_LABEL: Record<ResourceChange['action'], string> = { create: 'Created', update: 'Updated', delete: 'Deleted', unchanged: 'Unchanged' };
const changeCount = (r: ManifestApplyResult) => r.summary.create + r.summary.update + r.summary.delete;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function ManifestsPage({ me }: { me: Me | undefined }) {
  useTitle('Import / export');
  return (
    <section aria-labelledby="manifests-title">
      <h1 id="manifests-title">Import / export</h1>
      <p className="muted">
        Adapters and artifacts as JSON manifests: the files teams keep in Git and apply with <code>installer apply</code>. Secrets leave only as references.
      </p>
      <ExportPanel />
      <ImportPanel me={me} />
    </section>
  );
}

function ExportPanel() {
  const exported = useQuery({
    queryKey: ['manifests'],
    queryFn: ({ signal }) => api.get<ManifestExport>('/api/v1/manifests', signal),
  });
  return (
    <section aria-labelledby="export-title" className="panel">
      <h2 id="export-title">Export</h2>
      <p>
        A zip bundle of every adapter and artifact: <code>manifests/*.json</code> and <code>artifacts/</code>, byte for byte what <code>installer export -o</code>{' '}
        writes. To export some adapters, select them on the <Link to="/adapters">adapters list</Link>.
      </p>
      {exported.isPending ? (
        <LoadingState label="Counting the manifests…" />
      ) : exported.isError ? (
        <ErrorState error={exported.error} onRetry={() => void exported.refetch()} />
      ) : (
        <>
          <p>
            <DownloadButton className="primary" path={bundleUrl()} fallbackName="crosswire-manifests.zip" label="Export everything (zip)" />{' '}
            <span className="muted">{plural(exported.data.items.length, 'manifest')}</span>
          </p>
          {exported.data.warnings.length > 0 && <Warnings warnings={exported.data.warnings} title="Sealed secrets exported as references" />}
        </>
      )}
    </section>
  );
}

/** The picked files as one zip bundle: a .zip as it is, .json manifests wrapped under manifests/. */
async function asBundle(files: readonly File[]): Promise<Blob> {
  const zips = files.filter((f) => f.name.toLowerCase().endsWith('.zip'));
  if (zips.length > 0) {
    if (files.length > 1) throw new Error('Choose one .zip bundle, or one or more .json manifests, not both.');
    return zips[0]!.slice(0, zips[0]!.size, 'application/zip');
  }
  const other = files.find((f) => !f.name.toLowerCase().endsWith('.json'));
  if (other) throw new Error(`${other.name} is neither a .json manifest nor a .zip bundle.`);
  return storedZip(await Promise.all(files.map(async (f) => ({ name: `manifests/${f.name}`, data: new Uint8Array(await f.arrayBuffer()) }))));
}

function ImportPanel({ me }: { me: Me | undefined }) {
  const queryClient = useQueryClient();
  const mayApply = hasRole(me, 'engineer');
  const inputRef = useRef<HTMLInputElement>(null);
  const [picked, setPicked] = useState<{ names: string; bundle: Blob }>();
  const [pickError, setPickError] = useState<string>();
  const ids = { file: useId(), help: useId() };

  const diff = useMutation({
    mutationFn: (bundle: Blob) => api.post<ManifestApplyResult>('/api/v1/manifests/bundle/diff', undefined, { raw: bundle }),
  });
  const apply = useMutation({
    mutationFn: (bundle: Blob) => api.post<ManifestApplyResult>('/api/v1/manifests/bundle/apply', undefined, { raw: bundle }),
    onSuccess: () => {
      for (const key of ['adapters', 'adapter', 'artifacts', 'artifact', 'manifests', 'events', 'revisions']) void queryClient.invalidateQueries({ queryKey: [key] });
    },
  });

  async function choose(files: File[]) {
    diff.reset();
    apply.reset();
    setPickError(undefined);
    setPicked(undefined);
    if (files.length === 0) return;
    try {
      const bundle = await asBundle(files);
      setPicked({ names: files.map((f) => f.name).join(', '), bundle });
      diff.mutate(bundle);
    } catch (error) {
      setPickError((error as Error).message);
    }
  }

  function startOver() {
    diff.reset();
    apply.reset();
    setPicked(undefined);
    if (inputRef.current) inputRef.current.value = '';
  }

  const plan = diff.data;
  return (
    <section aria-labelledby="import-title" className="panel">
      <h2 id="import-title">Import</h2>
      <p id={ids.help} className="help">
        A .zip bundle (as exported) or one or more .json manifest files. You see what would change first; nothing is written until you confirm.
        {!mayApply && ' You can preview an import; applying it needs the engineer role.'}
      </p>
      <div className="field">
        <label htmlFor={ids.file}>Manifests or bundle</label>
        <input
          id={ids.file}
          ref={inputRef}
          type="file"
          accept=".zip,.json,application/zip,application/json"
          multiple
          aria-describedby={ids.help}
          onChange={(e) => void choose([...(e.target.files ?? [])])}
        />
      </div>
      {pickError && (
        <p role="alert" className="banner error">
          {pickError}
        </p>
      )}
      {diff.isPending && <LoadingState label="Comparing with the system…" />}
      {diff.isError && <ImportError error={diff.error} action="Nothing can be imported" />}
      {apply.isSuccess ? (
        <Applied result={apply.data} onAgain={startOver} />
      ) : (
        plan &&
        picked && (
          <>
            <Plan result={plan} names={picked.names} />
            {apply.isError && <ImportError error={apply.error} action="The import was refused" />}
            {changeCount(plan) > 0 && (
              <div className="wizard-buttons">
                {mayApply ? (
                  <button type="button" className="primary" disabled={apply.isPending} onClick={() => apply.mutate(picked.bundle)}>
                    {apply.isPending ? 'Applying…' : `Confirm: apply ${plural(changeCount(plan), 'change')}`}
                  </button>
                ) : (
                  <p className="muted">Applying needs the engineer role.</p>
                )}
                <button type="button" onClick={startOver} disabled={apply.isPending}>
                  Cancel
                </button>
              </div>
            )}
          </>
        )
      )}
    </section>
  );
}

function Summary({ result, verbs }: { result: ManifestApplyResult; verbs: [string, string, string] }) {
  const s = result.summary;
  return (
    <>
      {s.create} {verbs[0]}, {s.update} {verbs[1]}, {s.delete} {verbs[2]}, {s.unchanged} unchanged
    </>
  );
}

function Plan({ result, names }: { result: ManifestApplyResult; names: string }) {
  const changed = result.resources.filter((r) => r.action !== 'unchanged');
  return (
    <section aria-labelledby="plan-title">
      <h3 id="plan-title">What importing {names} would change</h3>
      <p role="status">
        {changeCount(result) === 0 ? 'Nothing to change: the system already matches these manifests. ' : ''}
        <Summary result={result} verbs={['to create', 'to update', 'to delete']} />.
      </p>
      {result.warnings.length > 0 && <Warnings warnings={result.warnings} title="Warnings" />}
      {changed.map((r) => (
        <Resource key={`${r.kind}/${r.name}`} change={r} />
      ))}
    </section>
  );
}

function Resource({ change }: { change: ResourceChange }) {
  const title = `${ACTION_LABEL[change.action]} ${change.kind} ${change.name}`;
  if (change.changes.length === 0) {
    return (
      <p className={`resource op-${change.action}`}>
        <strong>{title}</strong>
        {change.file && <span className="muted"> ({change.file})</span>}
      </p>
    );
  }
  return (
    <ChangesTable
      caption={
        <>
          {title}
          {change.file && <span className="muted"> ({change.file})</span>}
        </>
      }
      before="Now"
      after="After the import"
      changes={change.changes}
    />
  );
}

function Applied({ result, onAgain }: { result: ManifestApplyResult; onAgain: () => void }) {
  const changed = result.resources.filter((r) => r.action !== 'unchanged');
  return (
    <div role="status" className="banner ok">
      <p>
        Imported: <Summary result={result} verbs={['created', 'updated', 'deleted']} />.
      </p>
      {changed.length > 0 && (
        <ul>
          {changed.map((r) => (
            <li key={`${r.kind}/${r.name}`}>
              {DONE_LABEL[r.action]} {r.kind.toLowerCase()}{' '}
              {r.kind === 'Adapter' && r.action !== 'delete' ? <Link to={`/adapters/${encodeURIComponent(r.name)}`}>{r.name}</Link> : r.name}
            </li>
          ))}
        </ul>
      )}
      {result.warnings.length > 0 && <Warnings warnings={result.warnings} title="Warnings" />}
      <button type="button" onClick={onAgain}>
        Import another
      </button>
    </div>
  );
}

function Warnings({ warnings, title }: { warnings: ReadonlyArray<{ file: string; path: string; message: string }>; title: string }) {
  return (
    <div className="banner conflict">
      <p>
        <strong>{title}</strong>
      </p>
      <ul>
        {warnings.map((w, i) => (
          <li key={i}>
            <code>
              {w.file}
              {w.path}
            </code>
            : {w.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Every problem of a refused bundle by file and field, or the refusal itself (size, role, network). */
function ImportError({ error, action }: { error: unknown; action: string }) {
  if (!(error instanceof ApiError) || error.errors.length === 0) return <ErrorState error={error} />;
  const problems = error.errors as BundleProblem[];
  return (
    <div role="alert" className="state error">
      <p>
        {action}: {error.detail}
      </p>
      <table className="problems">
        <caption className="visually-hidden">Problems, by file and field</caption>
        <TableHead columns={['File', 'Field', 'Problem']} />
        <tbody>
          {problems.map((p, i) => (
            <tr key={i}>
              <td>
                <code>{p.file || '(bundle)'}</code>
              </td>
              <td>{p.pointer ? <code>{p.pointer}</code> : <span className="muted">whole file</span>}</td>
              <td>{p.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
