import { useQuery } from '@tanstack/react-query';
import type { ArtifactVersion, JsonSchema } from '@crosswire/orchestrator/contract';
import { useId, useState } from 'react';
import { api } from '../api.ts';
import {
  asText,
  effectiveValue,
  formatMap,
  getAt,
  initialValue,
  joinPointer,
  layout,
  parseList,
  parseMap,
  parseNumber,
  secretState,
  setAt,
  type Field,
  type PlacedErrors,
} from './model.ts';

/**
 * Draws a form from a plugin's JSON Schema and its `x-` hints. The value is controlled by the caller;
 * `errors` are the server's, already placed on fields (see model.ts `placeErrors`).
 */
export interface SchemaFormProps {
  schema: JsonSchema;
  value: unknown;
  onChange: (value: unknown) => void;
  errors: PlacedErrors;
  /** Prefix for element ids, so two forms on one page do not collide. */
  idPrefix?: string;
  readOnly?: boolean;
}

interface Ctx {
  root: unknown;
  onChange: (value: unknown) => void;
  errors: PlacedErrors;
  idPrefix: string;
  readOnly: boolean;
}

export function SchemaForm({ schema, value, onChange, errors, idPrefix = 'cfg', readOnly = false }: SchemaFormProps) {
  const ctx: Ctx = { root: value, onChange, errors, idPrefix, readOnly };
  return (
    <div className="schema-form">
      {errors.unplaced.length > 0 && (
        <div role="alert" className="banner error">
          <p>The server refused the configuration:</p>
          <ul>
            {errors.unplaced.map((e) => (
              <li key={`${e.path} ${e.message}`}>
                {e.path || 'configuration'}: {e.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <Level schema={schema} pointer="" ctx={ctx} />
    </div>
  );
}

const domId = (ctx: Ctx, pointer: string) => `${ctx.idPrefix}${pointer.replace(/[^A-Za-z0-9_-]/g, '_')}`;

function Level({ schema, pointer, ctx }: { schema: JsonSchema; pointer: string; ctx: Ctx }) {
  const value = getAt(ctx.root, pointer);
  const { basic, advanced } = layout(schema, value, pointer);
  const advancedHasError = advanced.some((f) => [...ctx.errors.byPointer.keys()].some((p) => p === f.pointer || p.startsWith(`${f.pointer}/`)));
  return (
    <>
      {basic.map((f) => (
        <FieldView key={f.key} field={f} ctx={ctx} />
      ))}
      {advanced.length > 0 && (
        <details className="advanced" open={advancedHasError || undefined}>
          <summary>Advanced{pointer ? '' : ' settings'}</summary>
          {advanced.map((f) => (
            <FieldView key={f.key} field={f} ctx={ctx} />
          ))}
        </details>
      )}
    </>
  );
}

function Messages({ id, messages }: { id: string; messages: string[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <p id={id} className="field-error">
      {messages.join('; ')}
    </p>
  );
}

function FieldView({ field, ctx }: { field: Field; ctx: Ctx }) {
  const id = domId(ctx, field.pointer);
  const value = getAt(ctx.root, field.pointer);
  const messages = ctx.errors.byPointer.get(field.pointer);
  const set = (next: unknown) => ctx.onChange(setAt(ctx.root, field.pointer, next));
  const describedBy = [field.description ? `${id}-help` : '', messages ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const invalid = messages ? true : undefined;
  const help = field.description ? (
    <p id={`${id}-help`} className="help">
      {field.description}
    </p>
  ) : null;
  const label = (
    <label htmlFor={id}>
      {field.title}
      {field.required && <span className="required"> (required)</span>}
    </label>
  );
  const common = { id, 'aria-describedby': describedBy, 'aria-invalid': invalid, disabled: ctx.readOnly } as const;
  const placeholder = field.schema.default !== undefined && typeof field.schema.default !== 'object' ? `default: ${asText(field.schema.default)}` : undefined;

  switch (field.widget) {
    case 'object':
      return (
        <fieldset className={field.sectionTitle ? 'section' : 'group'} aria-describedby={describedBy} data-pointer={field.pointer}>
          <legend>{field.sectionTitle ?? field.title}</legend>
          {help}
          <Messages id={`${id}-error`} messages={messages} />
          <Level schema={field.schema} pointer={field.pointer} ctx={ctx} />
        </fieldset>
      );
    case 'array':
      return <ArrayOfObjects field={field} ctx={ctx} help={help} messages={messages} id={id} describedBy={describedBy} />;
    case 'switch': {
      const checked = effectiveValue(field.schema, value) === true;
      return (
        <div className="field switch" data-pointer={field.pointer}>
          <label htmlFor={id}>
            <input {...common} type="checkbox" role="switch" checked={checked} onChange={(e) => set(e.target.checked)} /> {field.title}
          </label>
          {help}
          <Messages id={`${id}-error`} messages={messages} />
        </div>
      );
    }
    case 'select':
      return (
        <FieldFrame field={field} label={label} help={help} messages={messages} id={id}>
          <select {...common} value={asText(value)} onChange={(e) => set(e.target.value === '' ? undefined : coerceOption(field.schema, e.target.value))}>
            <option value="">{field.schema.default !== undefined ? `Default (${asText(field.schema.default)})` : 'Choose…'}</option>
            {(field.options ?? []).map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </FieldFrame>
      );
    case 'multiselect': {
      const selected = Array.isArray(value) ? value.map(String) : Array.isArray(field.schema.default) ? field.schema.default.map(String) : [];
      return (
        <fieldset className="group checkboxes" aria-describedby={describedBy} data-pointer={field.pointer}>
          <legend>{field.title}</legend>
          {(field.options ?? []).map((o) => (
            <label key={o}>
              <input
                type="checkbox"
                disabled={ctx.readOnly}
                checked={selected.includes(o)}
                onChange={(e) => set(e.target.checked ? (field.options ?? []).filter((x) => x === o || selected.includes(x)) : selected.filter((x) => x !== o))}
              />{' '}
              {o}
            </label>
          ))}
          {help}
          <Messages id={`${id}-error`} messages={messages} />
        </fieldset>
      );
    }
    case 'map':
      return <MapField field={field} label={label} help={help} messages={messages} common={common} value={value} set={set} />;
    case 'list':
      return <ListField field={field} label={label} help={help} messages={messages} common={common} value={value} set={set} />;
    case 'number':
      return (
        <FieldFrame field={field} label={label} help={help} messages={messages} id={id}>
          <input
            {...common}
            type="number"
            inputMode="numeric"
            min={typeof field.schema.minimum === 'number' ? field.schema.minimum : undefined}
            max={typeof field.schema.maximum === 'number' ? field.schema.maximum : undefined}
            step={field.schema.type === 'integer' ? 1 : 'any'}
            placeholder={placeholder}
            value={asText(value)}
            onChange={(e) => set(parseNumber(e.target.value))}
          />
        </FieldFrame>
      );
    case 'textarea':
      return (
        <FieldFrame field={field} label={label} help={help} messages={messages} id={id}>
          <textarea {...common} rows={5} value={typeof value === 'string' ? value : ''} onChange={(e) => set(e.target.value || undefined)} />
        </FieldFrame>
      );
    case 'password':
      return <SecretField field={field} ctx={ctx} label={label} help={help} messages={messages} common={common} value={value} set={set} />;
    case 'artifact':
      return <ArtifactField field={field} label={label} help={help} messages={messages} common={common} value={value} set={set} />;
    case 'channel':
      return <ChannelField field={field} label={label} help={help} messages={messages} common={common} value={value} set={set} />;
    case 'json':
      return <JsonField field={field} label={label} help={help} messages={messages} common={common} value={value} set={set} />;
    default:
      return (
        <FieldFrame field={field} label={label} help={help} messages={messages} id={id}>
          <input {...common} type="text" placeholder={placeholder} value={asText(value)} onChange={(e) => set(e.target.value || undefined)} autoComplete="off" spellCheck={false} />
        </FieldFrame>
      );
  }
}

/** What every single-control field shares: its label, the control, help, and the messages that land on it. */
function FieldFrame({ field, label, help, messages, id, children }: { field: Field; label: React.ReactNode; help: React.ReactNode; messages: string[] | undefined; id: string; children: React.ReactNode }) {
  return (
    <div className="field" data-pointer={field.pointer}>
      {label}
      {children}
      {help}
      <Messages id={`${id}-error`} messages={messages} />
    </div>
  );
}

function coerceOption(schema: JsonSchema, raw: string): unknown {
  const match: unknown = Array.isArray(schema.enum) ? (schema.enum as unknown[]).find((e) => asText(e) === raw) : undefined;
  return match ?? raw;
}

type Common = { id: string; 'aria-describedby': string | undefined; 'aria-invalid': true | undefined; disabled: boolean };
interface LeafProps {
  field: Field;
  label: React.ReactNode;
  help: React.ReactNode;
  messages: string[] | undefined;
  common: Common;
  value: unknown;
  set: (v: unknown) => void;
}

type ParsedTextareaProps = Omit<LeafProps, 'value' | 'set'> & { rows: number; initialText: string; onText: (text: string) => void; children: React.ReactNode };
/**
 * A textarea whose text is kept as typed while `onText` turns each edit into the field's value: a
 * half-typed line or JSON document parses to something else (or nothing), and must not be redrawn from it.
 */
function ParsedTextarea({ field, label, help, messages, common, rows, initialText, onText, children }: ParsedTextareaProps) {
  const [text, setText] = useState(initialText);
  return (
    <FieldFrame field={field} label={label} help={help} messages={messages} id={common.id}>
      <textarea
        {...common}
        rows={rows}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          onText(e.target.value);
        }}
      />
      {children}
    </FieldFrame>
  );
}

function ListField({ value, set, ...rest }: LeafProps) {
  // A trailing newline is not an item yet, so the text is kept apart from the parsed items.
  return (
    <ParsedTextarea {...rest} rows={3} initialText={Array.isArray(value) ? value.join('\n') : ''} onText={(text) => set(parseList(text, (rest.field.schema.items ?? {}) as JsonSchema))}>
      <p className="help">One per line.</p>
    </ParsedTextarea>
  );
}

function MapField({ value, set, ...rest }: LeafProps) {
  return (
    <ParsedTextarea {...rest} rows={3} initialText={formatMap(value)} onText={(text) => set(parseMap(text))}>
      <p className="help">One per line, as Name: value.</p>
    </ParsedTextarea>
  );
}

function SecretField({ field, label, help, messages, common, value, set }: LeafProps & { ctx: Ctx }) {
  // The stored value (a placeholder or a reference) is kept until the user types a new one or removes it.
  const [kept] = useState(() => (typeof value === 'object' && value !== null ? value : undefined));
  const state = secretState(value);
  const keptState = secretState(kept);
  return (
    <FieldFrame field={field} label={label} help={help} messages={messages} id={common.id}>
      {keptState.kind === 'stored' && (
        <p className="help">
          {state.kind === 'stored' ? 'A value is set' : 'A value was set'} (fingerprint <code>{keptState.fingerprint.slice(-12)}</code>). Type a new one to replace it.
        </p>
      )}
      {keptState.kind === 'reference' && (
        <p className="help">
          Read from secret {keptState.name}, key {keptState.key}. Type a value to store it here instead.
        </p>
      )}
      <input
        {...common}
        type="password"
        autoComplete="new-password"
        value={typeof value === 'string' ? value : ''}
        onChange={(e) => set(e.target.value === '' ? kept : e.target.value)}
      />
      {kept !== undefined && state.kind !== 'unset' && !common.disabled && (
        <button type="button" className="link" onClick={() => set(undefined)}>
          Remove the value
        </button>
      )}
    </FieldFrame>
  );
}

function ArtifactField({ field, label, help, messages, common, value, set }: LeafProps) {
  const artifacts = useQuery({
    queryKey: ['artifacts'],
    queryFn: ({ signal }) => api.get<{ items: ArtifactVersion[] }>('/api/v1/artifacts?limit=500', signal),
    staleTime: 30_000,
  });
  const current = typeof value === 'string' ? value : '';
  const names = (artifacts.data?.items ?? []).map((a) => a.name);
  return (
    <FieldFrame field={field} label={label} help={help} messages={messages} id={common.id}>
      <select {...common} value={current} onChange={(e) => set(e.target.value || undefined)}>
        <option value="">None</option>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
        {current && !names.includes(current) && <option value={current}>{current}</option>}
      </select>
      {artifacts.isError && <p className="field-error">The artifacts could not be listed.</p>}
      {artifacts.data && names.length === 0 && <p className="help">No artifacts yet: upload one on the Artifacts page.</p>}
    </FieldFrame>
  );
}

function ChannelField({ field, label, help, messages, common, value, set }: LeafProps) {
  const channels = useQuery({
    queryKey: ['channels'],
    queryFn: ({ signal }) => api.get<{ items: Array<{ name: string }> }>('/api/v1/channels', signal),
    staleTime: 30_000,
  });
  const listId = `${common.id}-channels`;
  return (
    <FieldFrame field={field} label={label} help={help} messages={messages} id={common.id}>
      <input {...common} type="text" list={listId} value={typeof value === 'string' ? value : ''} onChange={(e) => set(e.target.value || undefined)} autoComplete="off" spellCheck={false} />
      <datalist id={listId}>
        {(channels.data?.items ?? []).map((c) => (
          <option key={c.name} value={c.name} />
        ))}
      </datalist>
      <p className="help">An existing channel, or a new name: the channel is created when the adapter is saved.</p>
    </FieldFrame>
  );
}

function JsonField({ value, set, ...rest }: LeafProps) {
  const [bad, setBad] = useState(false);
  return (
    <ParsedTextarea
      {...rest}
      rows={4}
      initialText={value === undefined ? '' : JSON.stringify(value, null, 2)}
      onText={(text) => {
        if (text.trim() === '') return (setBad(false), set(undefined));
        try {
          set(JSON.parse(text));
          setBad(false);
        } catch {
          setBad(true);
        }
      }}
    >
      <p className="help">JSON.</p>
      {bad && <p className="field-error">Not valid JSON yet.</p>}
    </ParsedTextarea>
  );
}

function ArrayOfObjects({
  field,
  ctx,
  help,
  messages,
  id,
  describedBy,
}: {
  field: Field;
  ctx: Ctx;
  help: React.ReactNode;
  messages: string[] | undefined;
  id: string;
  describedBy: string | undefined;
}) {
  const items = getAt(ctx.root, field.pointer);
  const list = Array.isArray(items) ? items : [];
  const itemSchema = (field.schema.items ?? {}) as JsonSchema;
  const itemTitle = typeof itemSchema.title === 'string' ? itemSchema.title : 'Item';
  const min = typeof field.schema.minItems === 'number' ? field.schema.minItems : 0;
  const max = typeof field.schema.maxItems === 'number' ? field.schema.maxItems : Infinity;
  const headingId = useId();
  const set = (next: unknown[]) => ctx.onChange(setAt(ctx.root, field.pointer, next));
  return (
    <fieldset className="section" aria-describedby={describedBy} data-pointer={field.pointer}>
      <legend>
        {field.title}
        {field.required && <span className="required"> (required)</span>}
      </legend>
      {help}
      <Messages id={`${id}-error`} messages={messages} />
      {list.map((_, i) => {
        const itemPointer = joinPointer(field.pointer, i);
        const itemMessages = ctx.errors.byPointer.get(itemPointer);
        return (
          <fieldset key={i} className="group item" data-pointer={itemPointer}>
            <legend id={`${headingId}-${i}`}>
              {itemTitle} {i + 1}
            </legend>
            <Messages id={`${domId(ctx, itemPointer)}-error`} messages={itemMessages} />
            <Level schema={itemSchema} pointer={itemPointer} ctx={ctx} />
            {!ctx.readOnly && list.length > min && (
              <button type="button" onClick={() => set(list.filter((__, j) => j !== i))} aria-describedby={`${headingId}-${i}`}>
                Remove {itemTitle.toLowerCase()} {i + 1}
              </button>
            )}
          </fieldset>
        );
      })}
      {!ctx.readOnly && list.length < max && (
        <button type="button" onClick={() => set([...(list as unknown[]), initialValue(itemSchema) ?? {}])}>
          Add {itemTitle.toLowerCase()}
        </button>
      )}
    </fieldset>
  );
}
