import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Artifact, ArtifactVersion } from '@crosswire/orchestrator/contract';
import { useEffect, useId, useRef, useState } from 'react';
import { api, ApiError, apiPath, hasRole, type Me } from '../api.ts';
import { EmptyState, ErrorState, LoadingState } from '../components/States.tsx';
import { TableHead } from '../components/TableHead.tsx';
import { ago, fullTime } from '../format.ts';
import { Link, useTitle } from '../router.tsx';

/** GET /artifacts items (the orchestrator does not export this type from its contract yet). */
type ArtifactSummary = ArtifactVersion & { versions: number };

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A file name → an artifact name suggestion (`FIX44 Custom.xml` → `fix44-custom.xml`). */
const suggestName = (file: string) =>
  file
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');

function upload(name: string, file: File) {
  return api.put<ArtifactVersion>(apiPath('artifacts', name), undefined, { raw: file });
}

export function ArtifactsPage({ me }: { me: Me | undefined }) {
  useTitle('Artifacts');
  const queryClient = useQueryClient();
  const mayEdit = hasRole(me, 'engineer');
  const [open, setOpen] = useState<string>();
  const [message, setMessage] = useState<string>();
  const artifacts = useQuery({
    queryKey: ['artifacts'],
    queryFn: ({ signal }) => api.get<{ items: ArtifactSummary[] }>('/api/v1/artifacts?limit=500', signal),
  });
  const done = (text: string) => {
    setMessage(text);
    void queryClient.invalidateQueries({ queryKey: ['artifacts'] });
    void queryClient.invalidateQueries({ queryKey: ['artifact'] });
  };

  return (
    <section aria-labelledby="artifacts-title">
      <h1 id="artifacts-title">Artifacts</h1>
      <p className="muted">Versioned files adapters use: FIX data dictionaries, CA bundles. An artifact cannot be deleted while an adapter names it.</p>
      {message && (
        <p role="status" className="banner ok">
          {message}
        </p>
      )}
      {mayEdit && <UploadForm onDone={done} />}
      {artifacts.isPending ? (
        <LoadingState label="Loading artifacts…" />
      ) : artifacts.isError ? (
        <ErrorState error={artifacts.error} onRetry={() => void artifacts.refetch()} />
      ) : artifacts.data.items.length === 0 ? (
        <EmptyState>There are no artifacts yet.</EmptyState>
      ) : (
        <table className="artifacts">
          <caption className="visually-hidden">Artifacts, latest version of each</caption>
          <TableHead columns={['Name', 'Version', 'Size', 'SHA-256', 'Uploaded']} actions="Actions" />
          <tbody>
            {artifacts.data.items.map((a) => (
              <ArtifactRow key={a.name} artifact={a} mayEdit={mayEdit} open={open === a.name} onToggle={() => setOpen(open === a.name ? undefined : a.name)} onDone={done} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function UploadForm({ onDone }: { onDone: (message: string) => void }) {
  const [name, setName] = useState('');
  const [file, setFile] = useState<File>();
  const fileRef = useRef<HTMLInputElement>(null);
  const ids = { name: useId(), file: useId() };
  const send = useMutation({
    mutationFn: () => upload(name, file!),
    onSuccess: (v) => {
      onDone(`Uploaded ${v.name}, version ${v.version}.`);
      setName('');
      setFile(undefined);
      if (fileRef.current) fileRef.current.value = '';
    },
  });
  const nameProblem = name && !NAME.test(name) ? 'Lowercase letters, digits, "-" and ".", starting and ending with a letter or digit.' : undefined;
  return (
    <form
      className="panel filters"
      aria-label="Upload an artifact"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (file && name && !nameProblem) send.mutate();
      }}
    >
      <div className="field">
        <label htmlFor={ids.file}>File</label>
        <input
          id={ids.file}
          ref={fileRef}
          type="file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            setFile(f);
            if (f && !name) setName(suggestName(f.name));
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.name}>Artifact name</label>
        <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" spellCheck={false} aria-invalid={nameProblem ? true : undefined} aria-describedby={nameProblem ? `${ids.name}-error` : undefined} />
        {nameProblem && (
          <p id={`${ids.name}-error`} className="field-error">
            {nameProblem}
          </p>
        )}
      </div>
      <button type="submit" className="primary" disabled={!file || !name || !!nameProblem || send.isPending}>
        {send.isPending ? 'Uploading…' : 'Upload'}
      </button>
      {send.isError && <ErrorState error={send.error} />}
    </form>
  );
}

function ArtifactRow({ artifact, mayEdit, open, onToggle, onDone }: { artifact: ArtifactSummary; mayEdit: boolean; open: boolean; onToggle: () => void; onDone: (m: string) => void }) {
  const queryClient = useQueryClient();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const replaceRef = useRef<HTMLInputElement>(null);
  const replaceId = useId();
  const replace = useMutation({
    mutationFn: (file: File) => upload(artifact.name, file),
    onSuccess: (v) => onDone(v.version === artifact.version ? `${artifact.name}: the same content as version ${v.version}, nothing changed.` : `Replaced ${artifact.name}: version ${v.version}.`),
    onSettled: () => {
      if (replaceRef.current) replaceRef.current.value = '';
    },
  });
  const remove = useMutation({
    mutationFn: () => api.del<undefined>(apiPath('artifacts', artifact.name)),
    onSuccess: () => onDone(`Deleted ${artifact.name}.`),
    // Refused because it is in use: the detail's referenced-by list may be older than that.
    onError: () => void queryClient.invalidateQueries({ queryKey: ['artifact', artifact.name] }),
  });
  useEffect(() => {
    if (confirmDelete) confirmRef.current?.focus();
  }, [confirmDelete]);
  const referencedBy =
    remove.error instanceof ApiError && Array.isArray(remove.error.body.referencedBy) ? (remove.error.body.referencedBy as Array<{ name: string }>) : undefined;

  return (
    <>
      <tr>
        <th scope="row">
          <button type="button" className="link" aria-expanded={open} onClick={onToggle}>
            {artifact.name}
          </button>
        </th>
        <td>{artifact.version}</td>
        <td>{formatBytes(artifact.size)}</td>
        <td>
          <code title={artifact.sha256}>{artifact.sha256.slice(0, 12)}…</code>
        </td>
        <td>
          <time dateTime={artifact.createdAt} title={fullTime(artifact.createdAt)}>
            {ago(artifact.createdAt)}
          </time>{' '}
          by {artifact.createdBy}
        </td>
        <td className="row-actions">
          <a className="button" href={`${apiPath('artifacts', artifact.name, 'content')}`} download={artifact.name}>
            Download<span className="visually-hidden"> {artifact.name}</span>
          </a>
          {mayEdit && (
            <>
              <label className="button" htmlFor={replaceId}>
                Replace<span className="visually-hidden"> {artifact.name}</span>
              </label>
              <input
                id={replaceId}
                ref={replaceRef}
                className="visually-hidden"
                type="file"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  if (f) replace.mutate(f);
                }}
              />
              {!confirmDelete && (
                <button type="button" className="danger" onClick={() => (remove.reset(), setConfirmDelete(true))}>
                  Delete<span className="visually-hidden"> {artifact.name}</span>
                </button>
              )}
            </>
          )}
        </td>
      </tr>
      {(confirmDelete || remove.isError || replace.isError) && (
        <tr>
          <td colSpan={6}>
            {replace.isError && <ErrorState error={replace.error} />}
            {remove.isError &&
              (referencedBy ? (
                <div role="alert" className="banner error">
                  <p>{artifact.name} is still used, so it was not deleted. Referenced by:</p>
                  <ul>
                    {referencedBy.map((r) => (
                      <li key={r.name}>
                        <Link to={`/adapters/${encodeURIComponent(r.name)}`}>{r.name}</Link>
                      </li>
                    ))}
                  </ul>
                </div>
              ) : (
                <ErrorState error={remove.error} />
              ))}
            {confirmDelete && !remove.isError && (
              <div className="confirm" role="group" aria-label={`Confirm deleting ${artifact.name}`}>
                <p>Delete {artifact.name} and all its {artifact.versions} versions?</p>
                <button ref={confirmRef} type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
                  {remove.isPending ? 'Deleting…' : `Yes, delete ${artifact.name}`}
                </button>{' '}
                <button type="button" onClick={() => setConfirmDelete(false)}>
                  Cancel
                </button>
              </div>
            )}
            {remove.isError && (
              <button type="button" onClick={() => (remove.reset(), setConfirmDelete(false))}>
                Dismiss
              </button>
            )}
          </td>
        </tr>
      )}
      {open && (
        <tr>
          <td colSpan={6}>
            <ArtifactDetail name={artifact.name} />
          </td>
        </tr>
      )}
    </>
  );
}

function ArtifactDetail({ name }: { name: string }) {
  const detail = useQuery({ queryKey: ['artifact', name], queryFn: ({ signal }) => api.get<Artifact>(apiPath('artifacts', name), signal) });
  const versions = useQuery({
    queryKey: ['artifact', name, 'versions'],
    queryFn: ({ signal }) => api.get<{ items: ArtifactVersion[] }>(apiPath('artifacts', name, 'versions'), signal),
  });
  return (
    <div className="detail">
      <h2>{name}</h2>
      {detail.data && (
        <p>
          Referenced by:{' '}
          {detail.data.referencedBy.length === 0
            ? 'no adapter'
            : detail.data.referencedBy.map((r, i) => (
                <span key={r.id}>
                  {i > 0 && ', '}
                  <Link to={`/adapters/${encodeURIComponent(r.name)}`}>{r.name}</Link>
                </span>
              ))}
        </p>
      )}
      {versions.isPending ? (
        <LoadingState label="Loading versions…" />
      ) : versions.isError ? (
        <ErrorState error={versions.error} />
      ) : (
        <table>
          <caption>Versions of {name}</caption>
          <TableHead columns={['Version', 'Size', 'SHA-256', 'Type', 'Uploaded']} actions="Download" />
          <tbody>
            {versions.data.items.map((v) => (
              <tr key={v.version}>
                <th scope="row">{v.version}</th>
                <td>{formatBytes(v.size)}</td>
                <td>
                  <code>{v.sha256}</code>
                </td>
                <td>{v.contentType}</td>
                <td>
                  {fullTime(v.createdAt)} by {v.createdBy}
                </td>
                <td>
                  <a href={`${apiPath('artifacts', name, 'content')}?version=${v.version}`} download={`${name}`}>
                    Download version {v.version}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
