import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Adapter, PipelineTryResult, PipelineTryStep, TryMessage } from '@crosswire/orchestrator/contract';
import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, ApiError, apiPath, hasRole, type FieldError, type Me } from '../../api.ts';
import { ErrorState } from '../../components/States.tsx';
import {
  CONDITION_OPS,
  draftOf,
  errorsByInput,
  fixText,
  isEmpty,
  moved,
  newCondition,
  newRoute,
  newTransform,
  specOf,
  TRANSFORM_OPS,
  type ConditionDraft,
  type PipelineDraft,
  type RouteDraft,
  type TransformDraft,
  type ValueType,
} from '../../pipeline-draft.ts';
import { DiffView } from './Revisions.tsx';

/** Where an input is, for its id and for server errors (`/pipeline/filters/0/pattern`). */
const idOf = (pointer: string) => `pipeline${pointer.replaceAll('/', '-')}`;

const FIELD_HELP = 'A FIX tag number (11), a FIX name (ClOrdID) or a JSON path ($.order.id).';

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
  const queryClient = useQueryClient();
  const mayEdit = hasRole(me, 'engineer');
  const [editing, setEditing] = useState<Editing>();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [conflict, setConflict] = useState<{ base: number; current: number }>();
  const [showTheirs, setShowTheirs] = useState(false);
  const [saved, setSaved] = useState<number>();
  const conflictRef = useRef<HTMLDivElement>(null);
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
  const discard = () => {
    setEditing(undefined);
    setErrors([]);
    setConflict(undefined);
    setShowTheirs(false);
  };

  const save = useMutation({
    mutationFn: (e: Editing) => {
      const pipeline = specOf(e.draft);
      return api.put<Adapter>(
        apiPath('adapters', adapter.name),
        {
          mode: adapter.mode,
          ...(adapter.instances !== undefined ? { instances: adapter.instances } : {}),
          ...(adapter.description ? { description: adapter.description } : {}),
          ...(adapter.labels ? { labels: adapter.labels } : {}),
          connector: adapter.connector,
          ...(isEmpty(pipeline) && !adapter.pipeline ? {} : { pipeline }),
        },
        { headers: { 'If-Match': `"${e.baseRevision}"` } },
      );
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(['adapter', adapter.name], updated);
      void queryClient.invalidateQueries({ queryKey: ['revisions', adapter.name] });
      void queryClient.invalidateQueries({ queryKey: ['events', adapter.name] });
      void queryClient.invalidateQueries({ queryKey: ['channels'] });
      discard();
      setSaved(updated.revision);
    },
    onError: (error, e) => {
      if (!(error instanceof ApiError)) return;
      if (error.status === 412) {
        const current = typeof error.body.currentRevision === 'number' ? error.body.currentRevision : adapter.revision;
        setConflict({ base: e.baseRevision, current });
        void queryClient.invalidateQueries({ queryKey: ['adapter', adapter.name] });
      } else setErrors(error.errors);
    },
  });
  useEffect(() => {
    if (conflict) conflictRef.current?.focus();
  }, [conflict]);
  useEffect(() => {
    if (!editing) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [editing]);

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
          save.mutate(editing);
        }}
      >
        {editing && <p className="muted">Editing revision {editing.baseRevision}.</p>}
        {conflict && editing && (
          <div role="alert" className="banner conflict" tabIndex={-1} ref={conflictRef}>
            <p>
              <strong>Someone else saved first.</strong> {adapter.name} is now at revision {conflict.current}; you started from revision {conflict.base}. Nothing of yours was saved,
              and your pipeline is still in the form below.
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
                setEditing({ ...editing, baseRevision: conflict.current });
                setConflict(undefined);
              }}
            >
              Keep my pipeline on top of revision {conflict.current}
            </button>{' '}
            <button type="button" onClick={discard}>
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
        {placed.other.length > 0 && (
          <ul className="field-error">
            {placed.other.map((e) => (
              <li key={e.path + e.message}>
                {e.path}: {e.message}
              </li>
            ))}
          </ul>
        )}
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

function Messages({ id, messages }: { id: string; messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <p id={id} className="field-error">
      {messages.join('; ')}
    </p>
  );
}

function TextField({
  pointer,
  label,
  value,
  onChange,
  messages,
  list,
  help,
  multiline,
}: {
  pointer: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  messages: readonly string[];
  list?: string;
  help?: string;
  multiline?: boolean;
}) {
  const id = idOf(pointer);
  const described = [help ? `${id}-help` : '', messages.length ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, 'aria-invalid': messages.length > 0 || undefined, 'aria-describedby': described, 'data-pointer': pointer, spellCheck: false };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea {...common} rows={3} value={value} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input {...common} type="text" autoComplete="off" list={list} value={value} onChange={(e) => onChange(e.target.value)} />
      )}
      {help && (
        <p id={`${id}-help`} className="help">
          {help}
        </p>
      )}
      <Messages id={`${id}-error`} messages={messages} />
    </div>
  );
}

function SelectField<T extends string>({ pointer, label, value, options, onChange }: { pointer: string; label: string; value: T; options: readonly T[] | ReadonlyArray<[T, string]>; onChange: (value: T) => void }) {
  const id = idOf(pointer);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} data-pointer={pointer} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => {
          const [v, text] = typeof o === 'string' ? [o, o] : o;
          return (
            <option key={v} value={v}>
              {text}
            </option>
          );
        })}
      </select>
    </div>
  );
}

const VALUE_TYPES: ReadonlyArray<[ValueType, string]> = [
  ['text', 'text'],
  ['number', 'number'],
  ['boolean', 'true / false'],
];

function ConditionRow({
  legend,
  pointer,
  condition: c,
  at,
  onChange,
  onRemove,
}: {
  legend: string;
  pointer: string;
  condition: ConditionDraft;
  at: (pointer: string) => string[];
  onChange: (next: ConditionDraft) => void;
  onRemove: (() => void) | undefined;
}) {
  return (
    <fieldset className="group pipeline-row">
      <legend>{legend}</legend>
      <TextField pointer={`${pointer}/field`} label="Field" value={c.field} onChange={(field) => onChange({ ...c, field })} messages={at(`${pointer}/field`)} help={FIELD_HELP} />
      <SelectField pointer={`${pointer}/op`} label="Test" value={c.op} options={CONDITION_OPS} onChange={(op) => onChange({ ...c, op })} />
      {c.op === 'equals' && (
        <>
          <TextField pointer={`${pointer}/value`} label="Value" value={c.value} onChange={(value) => onChange({ ...c, value })} messages={at(`${pointer}/value`)} />
          <SelectField pointer={`${pointer}/valueType`} label="Compare as" value={c.valueType} options={VALUE_TYPES} onChange={(valueType) => onChange({ ...c, valueType })} />
        </>
      )}
      {c.op === 'in' && (
        <TextField pointer={`${pointer}/values`} label="Values" value={c.values} onChange={(values) => onChange({ ...c, values })} messages={at(`${pointer}/values`)} help="Comma-separated." />
      )}
      {c.op === 'matches' && (
        <TextField pointer={`${pointer}/pattern`} label="Pattern" value={c.pattern} onChange={(pattern) => onChange({ ...c, pattern })} messages={at(`${pointer}/pattern`)} help="A JavaScript regular expression." />
      )}
      {c.op === 'exists' && (
        <SelectField
          pointer={`${pointer}/exists`}
          label="Holds when the field is"
          value={c.exists ? 'present' : 'absent'}
          options={['present', 'absent'] as const}
          onChange={(v) => onChange({ ...c, exists: v === 'present' })}
        />
      )}
      {onRemove && (
        <div className="row-actions">
          <button type="button" onClick={onRemove}>
            Remove {legend.toLowerCase()}
          </button>
        </div>
      )}
    </fieldset>
  );
}

function TransformRow({
  index,
  count,
  pointer,
  transform: t,
  at,
  mayEdit,
  onChange,
  onMove,
  onRemove,
}: {
  index: number;
  count: number;
  pointer: string;
  transform: TransformDraft;
  at: (pointer: string) => string[];
  mayEdit: boolean;
  onChange: (next: TransformDraft) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  const name = `transform ${index + 1}`;
  return (
    <fieldset className="group pipeline-row">
      <legend>Transform {index + 1}</legend>
      <SelectField pointer={`${pointer}/op`} label="Operation" value={t.op} options={TRANSFORM_OPS} onChange={(op) => onChange({ ...t, op })} />
      <TextField pointer={`${pointer}/field`} label="Field" value={t.field} onChange={(field) => onChange({ ...t, field })} messages={at(`${pointer}/field`)} help={FIELD_HELP} />
      {t.op === 'set' && (
        <>
          <TextField pointer={`${pointer}/value`} label="Value" value={t.value} onChange={(value) => onChange({ ...t, value })} messages={at(`${pointer}/value`)} />
          <SelectField pointer={`${pointer}/valueType`} label="Write as" value={t.valueType} options={VALUE_TYPES} onChange={(valueType) => onChange({ ...t, valueType })} />
        </>
      )}
      {(t.op === 'rename' || t.op === 'copy') && (
        <TextField pointer={`${pointer}/to`} label="To field" value={t.to} onChange={(to) => onChange({ ...t, to })} messages={at(`${pointer}/to`)} />
      )}
      {t.op === 'map-values' && (
        <>
          <TextField pointer={`${pointer}/map`} label="Map" value={t.map} onChange={(map) => onChange({ ...t, map })} messages={at(`${pointer}/map`)} help="One from=to a line, e.g. 1=BUY." multiline />
          <TextField
            pointer={`${pointer}/otherwise`}
            label="Otherwise"
            value={t.otherwise}
            onChange={(otherwise) => onChange({ ...t, otherwise })}
            messages={at(`${pointer}/otherwise`)}
            help="Written when the value is not in the map; empty keeps it."
          />
        </>
      )}
      {t.op === 'add-reference-id' && <p className="help">Writes an id derived from the message's origin: the same message always gets the same id.</p>}
      {mayEdit && (
        <div className="row-actions">
          <button type="button" onClick={() => onMove(-1)} disabled={index === 0}>
            Move {name} up
          </button>
          <button type="button" onClick={() => onMove(1)} disabled={index === count - 1}>
            Move {name} down
          </button>
          <button type="button" onClick={onRemove}>
            Remove {name}
          </button>
        </div>
      )}
    </fieldset>
  );
}

function RouteRow({
  index,
  pointer,
  route: r,
  at,
  mayEdit,
  channelList,
  onChange,
  onRemove,
}: {
  index: number;
  pointer: string;
  route: RouteDraft;
  at: (pointer: string) => string[];
  mayEdit: boolean;
  channelList: string;
  onChange: (next: RouteDraft) => void;
  onRemove: () => void;
}) {
  const setWhen = (when: ConditionDraft[]) => onChange({ ...r, when });
  return (
    <fieldset className="group pipeline-row">
      <legend>Route {index + 1}</legend>
      <TextField
        pointer={`${pointer}/channel`}
        label="Channel"
        value={r.channel}
        onChange={(channel) => onChange({ ...r, channel })}
        messages={at(`${pointer}/channel`)}
        list={channelList}
        help="An existing channel, or a new name: the channel is created when the pipeline is saved."
      />
      {r.when.map((c, j) => (
        <ConditionRow
          key={c.key}
          legend={`Route ${index + 1} condition ${j + 1}`}
          pointer={`${pointer}/when/${j}`}
          condition={c}
          at={at}
          onChange={(next) => setWhen(r.when.map((x, k) => (k === j ? next : x)))}
          onRemove={mayEdit ? () => setWhen(r.when.filter((_, k) => k !== j)) : undefined}
        />
      ))}
      {mayEdit && (
        <div className="row-actions">
          <button type="button" onClick={() => setWhen([...r.when, newCondition()])}>
            Add condition to route {index + 1}
          </button>
          <button type="button" onClick={onRemove}>
            Remove route {index + 1}
          </button>
        </div>
      )}
    </fieldset>
  );
}

function shownBody(message: TryMessage): string {
  return message.body.kind === 'fix' ? fixText(message.body.fields) : JSON.stringify(message.body.value, null, 2);
}

function stepLabel(step: PipelineTryStep): string {
  if (step.step === 'filter') return `Filter ${step.index + 1} (${step.spec.field} ${step.spec.op})`;
  if (step.step === 'transform') return `Transform ${step.index + 1} (${step.spec.op} ${step.spec.field})`;
  return `Route ${step.index + 1} to ${step.channel}`;
}

function stepResult(step: PipelineTryStep): ReactNode {
  if (step.step === 'filter') return step.passed ? 'passed' : 'failed: the message is dropped';
  if (step.step === 'route') return step.matched ? 'matched' : 'did not match';
  if ('error' in step) return <span className="level-error">failed: {step.error}</span>;
  return <pre className="message-body">{shownBody(step.output)}</pre>;
}

function outcomeText(result: PipelineTryResult): string {
  const { outcome, deliveries } = result;
  const parked = deliveries[0]?.channel;
  switch (outcome.kind) {
    case 'filtered':
      return `Dropped by filter ${(outcome.filter ?? 0) + 1}.`;
    case 'routed':
      return `Delivered to ${deliveries.map((d) => d.channel).join(', ')}.`;
    case 'unrouted':
      return parked ? `No route took it: parked in ${parked}.` : 'No route took it, and there is no dead-letter channel: it would be counted and dropped.';
    case 'failed':
      return `Transform ${(outcome.transform ?? 0) + 1} failed (${outcome.reason ?? ''}): ${parked ? `parked in ${parked}` : 'no dead-letter channel, so it would be dropped'}.`;
  }
}

const SAMPLE = '8=FIX.4.4|35=D|11=ORD-1|55=EUR/USD|54=1|38=100|40=2|44=1.0850';

/** Runs a pasted message through the pipeline as the form shows it; the server runs the adapter's own engine. */
function TryIt({ pipeline, onErrors }: { pipeline: PipelineDraft; onErrors: (errors: FieldError[]) => void }) {
  const [message, setMessage] = useState('');
  const id = useId();
  const run = useMutation({
    mutationFn: () => api.post<PipelineTryResult>('/api/v1/pipelines/try', { pipeline: specOf(pipeline), message }),
    onMutate: () => onErrors([]),
    onError: (error) => {
      if (error instanceof ApiError) onErrors(error.errors);
    },
  });
  const messageErrors = run.error instanceof ApiError ? run.error.errors.filter((e) => e.path === '/message').map((e) => e.message) : [];
  const result = run.data;
  return (
    <section aria-labelledby={`${id}-title`} className="try-it">
      <h3 id={`${id}-title`}>Try it</h3>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          run.mutate();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-message`}>Message</label>
          <textarea
            id={`${id}-message`}
            rows={4}
            value={message}
            placeholder={SAMPLE}
            spellCheck={false}
            aria-describedby={`${id}-help${messageErrors.length ? ` ${id}-error` : ''}`}
            aria-invalid={messageErrors.length > 0 || undefined}
            onChange={(e) => setMessage(e.target.value)}
          />
          <p id={`${id}-help`} className="help">
            FIX tag=value fields separated by | or SOH, or a JSON document. Nothing is sent anywhere: the steps below show what the adapter would do. Use tag numbers for FIX
            fields here: the orchestrator has no FIX data dictionary to look names up.
          </p>
          <Messages id={`${id}-error`} messages={messageErrors} />
        </div>
        <button type="submit" disabled={run.isPending}>
          {run.isPending ? 'Running…' : 'Run through the pipeline'}
        </button>
      </form>
      {run.isError && run.error instanceof ApiError && run.error.errors.length > 0 && (
        <p role="alert" className="banner error">
          {run.error.detail}: the fields are marked above.
        </p>
      )}
      {run.isError && !(run.error instanceof ApiError && run.error.errors.length > 0) && <ErrorState error={run.error} />}
      {result && (
        <div role="status" aria-live="polite" className="try-result">
          <p>
            <strong>{outcomeText(result)}</strong>
          </p>
          {result.warnings.length > 0 && (
            <ul className="try-warnings">
              {result.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
          <ol className="try-steps">
            {result.steps.map((step) => (
              <li key={`${step.step}-${step.index}`}>
                <strong>{stepLabel(step)}</strong>: {stepResult(step)}
              </li>
            ))}
          </ol>
          {result.deliveries.length > 0 && (
            <>
              <h4>Delivered</h4>
              <ul>
                {result.deliveries.map((d) => (
                  <li key={d.channel}>
                    {d.channel}: <pre className="message-body">{shownBody(d.message)}</pre>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}
