import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Adapter, PluginManifest } from '@crosswire/orchestrator/contract';
import { useId, useMemo, useState } from 'react';
import { api, apiPath, hasRole, type Me } from '../../api.ts';
import { FieldErrorList } from '../../components/FieldErrorList.tsx';
import { ErrorState } from '../../components/States.tsx';
import { fullTime } from '../../format.ts';
import { SchemaForm } from '../../schema-form/SchemaForm.tsx';
import { placeErrors } from '../../schema-form/model.ts';
import { MODE_LABEL, ModeOptions } from '../AdaptersPage.tsx';
import { buildSpec, CONFIG_POINTER, type Basics } from '../../adapter-spec.ts';
import { ConflictBanner, SaveFailure, useSpecSave, useUnsavedWarning } from './spec-save.tsx';

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
  const [saved, setSaved] = useState<number>();
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
    setSaved(undefined);
  };

  const { save, errors, setErrors, conflict, setConflict, conflictRef } = useSpecSave(adapter, {
    onSaved: (updated) => {
      setDraft(undefined);
      setSaved(updated.revision);
    },
  });
  useUnsavedWarning(draft !== undefined);
  const saveDraft = (d: Draft) =>
    save.mutate({
      spec: {
        ...buildSpec(d.basics, adapter.connector.type, d.config, plugin.data),
        ...(adapter.labels ? { labels: adapter.labels } : {}),
        ...(adapter.pipeline ? { pipeline: adapter.pipeline } : {}),
      },
      baseRevision: d.baseRevision,
    });

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
            saveDraft(draft);
          }}
        >
          <p className="muted">Editing revision {draft.baseRevision}.</p>
          {conflict && (
            <ConflictBanner
              adapter={adapter}
              conflict={conflict}
              conflictRef={conflictRef}
              draftName="edits"
              onKeep={() => {
                setDraft({ ...draft, baseRevision: conflict.current });
                setConflict(undefined);
              }}
              onDiscard={() => {
                void queryClient.fetchQuery({ queryKey: ['adapter', adapter.name], queryFn: () => api.get<Adapter>(apiPath('adapters', adapter.name)) }).then(start);
              }}
            />
          )}
          <SaveFailure save={save} />
          <FieldErrorList errors={otherErrors} />
          <div className="field">
            <label htmlFor={ids.mode}>Mode</label>
            <select id={ids.mode} value={draft.basics.mode} onChange={(e) => setDraft({ ...draft, basics: { ...draft.basics, mode: e.target.value } })}>
              <ModeOptions />
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
