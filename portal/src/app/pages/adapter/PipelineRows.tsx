/** The pipeline designer's inputs: one labelled field each, server errors under the input they name. */
import { CONDITION_OPS, TRANSFORM_OPS, newCondition, type ConditionDraft, type RouteDraft, type TransformDraft, type ValueType } from '../../pipeline-draft.ts';

/** Where an input is, for its id and for server errors (`/pipeline/filters/0/pattern`). */
const idOf = (pointer: string) => `pipeline${pointer.replaceAll('/', '-')}`;

const FIELD_HELP = 'A FIX tag number (11), a FIX name (ClOrdID) or a JSON path ($.order.id).';

export function Messages({ id, messages }: { id: string; messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <p id={id} className="field-error">
      {messages.join('; ')}
    </p>
  );
}

export function TextField({
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

export function ConditionRow({
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
        <TextField pointer={`${pointer}/pattern`} label="Pattern" value={c.pattern} onChange={(pattern) => onChange({ ...c, pattern })} messages={at(`${pointer}/pattern`)} help="JavaScript syntax, matched anywhere in the value (anchor with ^ and $). Runs in linear time: no backreferences or lookahead." />
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

export function TransformRow({
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

export function RouteRow({
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
