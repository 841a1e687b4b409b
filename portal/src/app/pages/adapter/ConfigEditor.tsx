import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Adapter, FieldError, PluginManifest } from '@crosswire/orchestrator/contract';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, ApiError, apiPath, hasRole, type Me } from '../../api.ts';
import { ErrorState } from '../../components/States.tsx';
import { fullTime } from '../../format.ts';
import { SchemaForm } from '../../schema-form/SchemaForm.tsx';
import { placeErrors } from '../../schema-form/model.ts';
import { MODE_LABEL } from '../AdaptersPage.tsx';
import { buildSpec, CONFIG_POINTER, type Basics } from '../../adapter-spec.ts';
import { DiffView } from './Revisions.tsx';

interface Draft {
  /** The revision the draft is based on: sent as If-Match. */
  baseRevision: number;
  /** Which load of the editor this is: a fresh load redraws the form (fields that keep their own text start over). */
  load: number;
  basics: Basics;
  config: unknown;
}

/**
 * The configuration panel: read-only for everyone, editable for engineers. Saving sends If-Match with the
 * revision the edit started from; when someone saved first (412) the draft stays as typed, the message
 * says who won, shows what they changed and offers to keep the draft on top of their revision or to
 * load theirs.
 */
export function ConfigEditor({ adapter, me }: { adapter: Adapter; me: Me | undefined }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [conflict, setConflict] = useState<{ base: number; current: number }>();
  const [showTheirs, setShowTheirs] = useState(false);
  const [saved, setSaved] = useState<number>();
  const conflictRef = useRef<HTMLDivElement>(null);
  const ids = { mode: useId(), instances: useId(), description: useId() };
  const mayEdit = hasRole(me, 'engineer');
  const plugin = useQuery({
    queryKey: ['plugin', adapter.connector.type],
    queryFn: ({ signal }) => api.get<PluginManifest>(apiPath('plugins', adapter.connector.type), signal),
    staleTime: 5 * 60_000,
  });

  const start = (from: Adapter) => {
    setDraft((previous) => ({
      load: (previous?.load ?? 0) + 1,
      baseRevision: from.revision,
      basics: { name: '', mode: from.mode, instances: String(from.instances ?? 2), description: from.description ?? '' },
      config: from.connector.config,
    }));
    setErrors([]);
    setConflict(undefined);
    setShowTheirs(false);
    setSaved(undefined);
  };

  const save = useMutation({
    mutationFn: (d: Draft) =>
      api.put<Adapter>(
        apiPath('adapters', adapter.name),
        {
          ...buildSpec(d.basics, adapter.connector.type, d.config, plugin.data),
          ...(adapter.labels ? { labels: adapter.labels } : {}),
          ...(adapter.pipeline ? { pipeline: adapter.pipeline } : {}),
        },
        { headers: { 'If-Match': `"${d.baseRevision}"` } },
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(['adapter', adapter.name], updated);
      void queryClient.invalidateQueries({ queryKey: ['revisions', adapter.name] });
      void queryClient.invalidateQueries({ queryKey: ['events', adapter.name] });
      setDraft(undefined);
      setSaved(updated.revision);
    },
    onError: (error, d) => {
      if (!(error instanceof ApiError)) return;
      if (error.status === 412) {
        const current = typeof error.body.currentRevision === 'number' ? error.body.currentRevision : adapter.revision;
        setConflict({ base: d.baseRevision, current });
        void queryClient.invalidateQueries({ queryKey: ['adapter', adapter.name] });
      } else setErrors(error.errors);
    },
  });
  useEffect(() => {
    if (conflict) conflictRef.current?.focus();
  }, [conflict]);
  // A draft is not lost to a reload or a closed tab without the browser asking first.
  useEffect(() => {
    if (!draft) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [draft]);

  const placed = useMemo(
    () => (plugin.data && draft ? placeErrors(errors, CONFIG_POINTER, plugin.data.configSchema, draft.config) : { byPointer: new Map<string, string[]>(), unplaced: [] }),
    [errors, plugin.data, draft],
  );
  const otherErrors = errors.filter((e) => !e.path.startsWith(CONFIG_POINTER));

  return (
    <section aria-labelledby="config-title" className="panel">
      <h2 id="config-title">Configuration</h2>
      <dl className="facts">
        <div>
          <dt>Connector type</dt>
          <dd>{adapter.connector.type}</dd>
        </div>
        <div>
          <dt>Mode</dt>
          <dd>
            {MODE_LABEL[adapter.mode] ?? adapter.mode}
            {adapter.mode === 'scale_out' && adapter.instances ? ` (${adapter.instances} instances)` : ''}
          </dd>
        </div>
        <div>
          <dt>Revision</dt>
          <dd>{adapter.revision}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>
            <time dateTime={adapter.updatedAt}>{fullTime(adapter.updatedAt)}</time>
          </dd>
        </div>
      </dl>
      {saved !== undefined && (
        <p role="status" className="banner ok">
          Saved as revision {saved}.
        </p>
      )}
      {!draft ? (
        <>
          <details>
            <summary>Connector configuration</summary>
            <pre className="config">{JSON.stringify(adapter.connector.config, null, 2)}</pre>
          </details>
          {mayEdit && (
            <button type="button" onClick={() => start(adapter)}>
              Edit configuration
            </button>
          )}
        </>
      ) : (
        <form
          className="editor"
          noValidate
          aria-label={`Edit ${adapter.name}`}
          onSubmit={(e) => {
            e.preventDefault();
            setErrors([]);
            save.mutate(draft);
          }}
        >
          <p className="muted">Editing revision {draft.baseRevision}.</p>
          {conflict && (
            <div role="alert" className="banner conflict" tabIndex={-1} ref={conflictRef}>
              <p>
                <strong>Someone else saved first.</strong> {adapter.name} is now at revision {conflict.current}; you started from revision {conflict.base}. Nothing of yours was
                saved, and your edits are still in the form below.
              </p>
              <p>
                <button type="button" className="link" onClick={() => setShowTheirs((s) => !s)} aria-expanded={showTheirs}>
                  {showTheirs ? 'Hide' : 'Show'} what changed in revision {conflict.current}
                </button>
              </p>
              {showTheirs && <DiffView name={adapter.name} from={conflict.base} to={conflict.current} />}
              <button
                type="button"
                className="primary"
                onClick={() => {
                  setDraft({ ...draft, baseRevision: conflict.current });
                  setConflict(undefined);
                }}
              >
                Keep my edits on top of revision {conflict.current}
              </button>{' '}
              <button
                type="button"
                onClick={() => {
                  void queryClient.fetchQuery({ queryKey: ['adapter', adapter.name], queryFn: () => api.get<Adapter>(apiPath('adapters', adapter.name)) }).then(start);
                }}
              >
                Discard my edits and load revision {conflict.current}
              </button>
            </div>
          )}
          {save.isError && !(save.error instanceof ApiError && (save.error.status === 412 || save.error.errors.length)) && <ErrorState error={save.error} />}
          {save.isError && save.error instanceof ApiError && save.error.errors.length > 0 && (
            <p role="alert" className="banner error">
              {save.error.detail}
            </p>
          )}
          {otherErrors.length > 0 && (
            <ul className="field-error">
              {otherErrors.map((e) => (
                <li key={e.path + e.message}>
                  {e.path}: {e.message}
                </li>
              ))}
            </ul>
          )}
          <div className="field">
            <label htmlFor={ids.mode}>Mode</label>
            <select id={ids.mode} value={draft.basics.mode} onChange={(e) => setDraft({ ...draft, basics: { ...draft.basics, mode: e.target.value } })}>
              {Object.entries(MODE_LABEL).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          {draft.basics.mode === 'scale_out' && (
            <div className="field">
              <label htmlFor={ids.instances}>Instances</label>
              <input id={ids.instances} type="number" min={1} max={64} value={draft.basics.instances} onChange={(e) => setDraft({ ...draft, basics: { ...draft.basics, instances: e.target.value } })} />
            </div>
          )}
          <div className="field">
            <label htmlFor={ids.description}>Description</label>
            <textarea id={ids.description} rows={2} value={draft.basics.description} onChange={(e) => setDraft({ ...draft, basics: { ...draft.basics, description: e.target.value } })} />
          </div>
          {plugin.data ? (
            <SchemaForm key={draft.load} schema={plugin.data.configSchema} value={draft.config} onChange={(config) => setDraft({ ...draft, config })} errors={placed} idPrefix="edit" />
          ) : plugin.isError ? (
            <ErrorState error={plugin.error} />
          ) : null}
          <div className="wizard-buttons">
            <button type="submit" className="primary" disabled={save.isPending || !!conflict}>
              {save.isPending ? 'Saving…' : 'Save configuration'}
            </button>
            <button type="button" onClick={() => setDraft(undefined)} disabled={save.isPending}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
