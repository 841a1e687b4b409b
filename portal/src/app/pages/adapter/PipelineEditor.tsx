import { useQuery } from '@tanstack/react-query';
import type { Adapter } from '@crosswire/orchestrator/contract';
import { useId, useMemo, useState } from 'react';
import { api, hasRole, type FieldError, type Me } from '../../api.ts';
import { FieldErrorList } from '../../components/FieldErrorList.tsx';
import { draftOf, errorsByInput, isEmpty, moved, newCondition, newRoute, newTransform, specOf, type ConditionDraft, type PipelineDraft, type RouteDraft, type TransformDraft } from '../../pipeline-draft.ts';
import { ConditionRow, RouteRow, TextField, TransformRow } from './PipelineRows.tsx';
import { TryIt } from './PipelineTryIt.tsx';
import { ConflictBanner, SaveFailure, useSpecSave, useUnsavedWarning } from './spec-save.tsx';

interface Editing {
  draft: PipelineDraft;
  /** The revision the edit started from: sent as If-Match. */
  baseRevision: number;
}

/**
 * The pipeline designer: filters, transforms in order, routes and the dead-letter channel as forms.
 * Engineers edit and save a new revision of the adapter spec (If-Match, with the same conflict handling
 * as the configuration editor); everyone else reads it. The "try it" box runs a pasted message through
 * what the form shows, saved or not.
 */
export function PipelineEditor({ adapter, me }: { adapter: Adapter; me: Me | undefined }) {
  const mayEdit = hasRole(me, 'engineer');
  const [editing, setEditing] = useState<Editing>();
  const [saved, setSaved] = useState<number>();
  // The saved pipeline, redrawn only when a new revision arrives (polling must not reset the keys).
  const savedDraft = useMemo(() => draftOf(adapter.pipeline), [adapter.revision]);
  const draft = editing?.draft ?? savedDraft;
  const channels = useQuery({
    queryKey: ['channels'],
    queryFn: ({ signal }) => api.get<{ items: Array<{ name: string }> }>('/api/v1/channels', signal),
    staleTime: 30_000,
  });
  const channelList = useId();

  const change = (next: PipelineDraft) => {
    setEditing((e) => ({ draft: next, baseRevision: e?.baseRevision ?? adapter.revision }));
    setSaved(undefined);
  };
  const { save, errors, setErrors, conflict, setConflict, conflictRef } = useSpecSave(adapter, {
    onSaved: (updated) => {
      discard();
      setSaved(updated.revision);
    },
    alsoInvalidate: ['channels'],
  });
  useUnsavedWarning(editing !== undefined);
  const discard = () => {
    setEditing(undefined);
    setErrors([]);
    setConflict(undefined);
  };
  const saveEditing = (e: Editing) => {
    const pipeline = specOf(e.draft);
    save.mutate({
      spec: {
        mode: adapter.mode,
        ...(adapter.instances !== undefined ? { instances: adapter.instances } : {}),
        ...(adapter.description ? { description: adapter.description } : {}),
        ...(adapter.labels ? { labels: adapter.labels } : {}),
        connector: adapter.connector,
        ...(isEmpty(pipeline) && !adapter.pipeline ? {} : { pipeline }),
      },
      baseRevision: e.baseRevision,
    });
  };

  const [tryErrors, setTryErrors] = useState<FieldError[]>([]);
  const placed = useMemo(() => errorsByInput([...errors, ...tryErrors.filter((e) => e.path.startsWith('/pipeline'))]), [errors, tryErrors]);
  const at = (pointer: string) => placed.byInput.get(pointer) ?? [];

  const setFilters = (filters: ConditionDraft[]) => change({ ...draft, filters });
  const setTransforms = (transforms: TransformDraft[]) => change({ ...draft, transforms });
  const setRoutes = (routes: RouteDraft[]) => change({ ...draft, routes });

  return (
    <section aria-labelledby="pipeline-title" className="panel pipeline">
      <h2 id="pipeline-title">Pipeline</h2>
      <p className="muted">
        Every message this adapter receives passes the filters (all must hold), then the transforms in order, then every route whose conditions hold. What no route
        takes, or what a transform cannot handle, is parked in the dead-letter channel.
      </p>
      {!mayEdit && me && <p className="muted">Your role ({me.roles.join(', ') || 'none'}) can read and try this pipeline but not change it.</p>}
      {saved !== undefined && (
        <p role="status" className="banner ok">
          Pipeline saved as revision {saved}.
        </p>
      )}
      <form
        noValidate
        aria-label={`Pipeline of ${adapter.name}`}
        onSubmit={(e) => {
          e.preventDefault();
          if (!editing) return;
          setErrors([]);
          setTryErrors([]);
          saveEditing(editing);
        }}
      >
        {editing && <p className="muted">Editing revision {editing.baseRevision}.</p>}
        {conflict && editing && (
          <ConflictBanner
            adapter={adapter}
            conflict={conflict}
            conflictRef={conflictRef}
            draftName="pipeline"
            onKeep={() => {
              setEditing({ ...editing, baseRevision: conflict.current });
              setConflict(undefined);
            }}
            onDiscard={discard}
          />
        )}
        <SaveFailure save={save} />
        <FieldErrorList errors={placed.other} />
        <fieldset className="bare" disabled={!mayEdit}>
          <legend className="visually-hidden">Pipeline steps</legend>
          <fieldset className="section">
            <legend>Filters</legend>
            <p className="help">A message that fails any filter is dropped on purpose.</p>
            {draft.filters.length === 0 && <p className="muted">No filters: every message passes.</p>}
            {draft.filters.map((c, i) => (
              <ConditionRow
                key={c.key}
                legend={`Filter ${i + 1}`}
                pointer={`/pipeline/filters/${i}`}
                condition={c}
                at={at}
                onChange={(next) => setFilters(draft.filters.map((f, j) => (j === i ? next : f)))}
                onRemove={mayEdit ? () => setFilters(draft.filters.filter((_, j) => j !== i)) : undefined}
              />
            ))}
            {mayEdit && (
              <button type="button" onClick={() => setFilters([...draft.filters, newCondition()])}>
                Add filter
              </button>
            )}
          </fieldset>

          <fieldset className="section">
            <legend>Transforms</legend>
            <p className="help">Applied in this order; each one sees what the previous one wrote.</p>
            {draft.transforms.length === 0 && <p className="muted">No transforms: messages go on as they came.</p>}
            {draft.transforms.map((t, i) => (
              <TransformRow
                key={t.key}
                index={i}
                count={draft.transforms.length}
                pointer={`/pipeline/transforms/${i}`}
                transform={t}
                at={at}
                mayEdit={mayEdit}
                onChange={(next) => setTransforms(draft.transforms.map((x, j) => (j === i ? next : x)))}
                onMove={(by) => setTransforms(moved(draft.transforms, i, by))}
                onRemove={() => setTransforms(draft.transforms.filter((_, j) => j !== i))}
              />
            ))}
            {mayEdit && (
              <button type="button" onClick={() => setTransforms([...draft.transforms, newTransform()])}>
                Add transform
              </button>
            )}
          </fieldset>

          <fieldset className="section">
            <legend>Routes</legend>
            <p className="help">Every route whose conditions all hold takes the message; a route without conditions takes everything.</p>
            {draft.routes.length === 0 && <p className="muted">No routes: every message is parked in the dead-letter channel, if there is one.</p>}
            {draft.routes.map((r, i) => (
              <RouteRow
                key={r.key}
                index={i}
                pointer={`/pipeline/routes/${i}`}
                route={r}
                at={at}
                mayEdit={mayEdit}
                channelList={channelList}
                onChange={(next) => setRoutes(draft.routes.map((x, j) => (j === i ? next : x)))}
                onRemove={() => setRoutes(draft.routes.filter((_, j) => j !== i))}
              />
            ))}
            {mayEdit && (
              <button type="button" onClick={() => setRoutes([...draft.routes, newRoute()])}>
                Add route
              </button>
            )}
          </fieldset>

          <TextField
            pointer="/pipeline/deadLetterChannel"
            label="Dead-letter channel"
            value={draft.deadLetterChannel}
            onChange={(deadLetterChannel) => change({ ...draft, deadLetterChannel })}
            messages={at('/pipeline/deadLetterChannel')}
            list={channelList}
            help="Where unrouted messages and failed transforms are parked, with the reason. Empty: they are counted and dropped."
          />
          <datalist id={channelList}>
            {(channels.data?.items ?? []).map((c) => (
              <option key={c.name} value={c.name} />
            ))}
          </datalist>
        </fieldset>
        {mayEdit && (
          <div className="wizard-buttons">
            <button type="submit" className="primary" disabled={!editing || save.isPending || !!conflict}>
              {save.isPending ? 'Saving…' : 'Save pipeline'}
            </button>
            <button type="button" onClick={discard} disabled={!editing || save.isPending}>
              Discard changes
            </button>
          </div>
        )}
      </form>
      <TryIt pipeline={draft} onErrors={setTryErrors} />
    </section>
  );
}
