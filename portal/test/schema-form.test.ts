import { builtinPlugins } from '@crosswire/adapter/plugins';
import type { JsonSchema } from '@crosswire/orchestrator/contract';
import { describe, expect, it } from 'vitest';
import {
  cleanValue,
  fieldsOf,
  flattenFields,
  getAt,
  initialValue,
  isVisible,
  layout,
  maskSecrets,
  formatMap,
  parseList,
  parseMap,
  parseNumber,
  placeErrors,
  secretState,
  setAt,
  splitPointer,
  visiblePointers,
  widgetFor,
} from '../src/app/schema-form/model.ts';
import { buildSpec, stepOfError } from '../src/app/adapter-spec.ts';

/** The schema form's logic (portal/src/app/schema-form/model.ts), on the real built-in plugin schemas. */
const fixAcceptor = builtinPlugins.find((p) => p.type === 'fix-acceptor')!;
const schema = fixAcceptor.configSchema;
const props = (s: JsonSchema) => s.properties as Record<string, JsonSchema>;

describe('field order and sections', () => {
  it('orders properties by x-order, not declaration order', () => {
    // fix-acceptor declares allowedAddresses, application, tls, limits, but orders them 3, 6, 4, 5.
    expect(fieldsOf(schema).map((f) => f.key)).toEqual(['listen', 'sessions', 'allowedAddresses', 'tls', 'limits', 'application', 'subscribeChannel', 'messageStore']);
    const session = props(schema).sessions!.items as JsonSchema;
    expect(fieldsOf(session).map((f) => f.key).slice(0, 4)).toEqual(['beginString', 'defaultApplVerId', 'senderCompId', 'targetCompId']);
  });

  it('keeps declaration order among properties without x-order, after the ordered ones', () => {
    const s = { type: 'object', properties: { b: { type: 'string' }, a: { type: 'string', 'x-order': 1 }, c: { type: 'string' } } };
    expect(fieldsOf(s).map((f) => f.key)).toEqual(['a', 'b', 'c']);
  });

  it('draws objects with x-section-title as titled sections, with pointers and required flags', () => {
    const [listen] = fieldsOf(schema);
    expect(listen).toMatchObject({ key: 'listen', pointer: '/listen', widget: 'object', sectionTitle: 'Listen', required: true, title: 'Listen' });
    const port = fieldsOf(listen!.schema, listen!.pointer).find((f) => f.key === 'port');
    expect(port).toMatchObject({ pointer: '/listen/port', widget: 'number', required: true, title: 'Port' });
  });

  it('folds x-advanced fields under Advanced', () => {
    const limits = props(schema).limits!;
    const { basic, advanced } = layout(limits, {});
    expect(basic).toEqual([]);
    expect(advanced.map((f) => f.key)).toContain('idleTimeoutSeconds');
    const top = layout(schema, {});
    expect(top.advanced.map((f) => f.key)).toEqual(['application']);
  });

  it('humanizes keys that have no title', () => {
    expect(fieldsOf({ properties: { maxBufferedBytes: { type: 'integer' } } })[0]!.title).toBe('Max buffered bytes');
  });
});

describe('conditional fields (x-visible-if)', () => {
  const tls = props(schema).tls!;
  const field = (key: string) => fieldsOf(tls).find((f) => f.key === key)!;

  it("hides fields whose sibling does not match, using the sibling's default when it is unset", () => {
    // `enabled` defaults to false: the certificate is hidden until TLS is switched on.
    expect(isVisible(field('certificate'), tls, {})).toBe(false);
    expect(isVisible(field('certificate'), tls, { enabled: true })).toBe(true);
    expect(layout(tls, {}).basic.map((f) => f.key)).toEqual(['enabled']);
    expect(layout(tls, { enabled: true }).basic.map((f) => f.key)).toEqual(['enabled', 'certificate', 'privateKey', 'requireClientCertificate']);
    expect(layout(tls, { enabled: true, requireClientCertificate: true }).basic.map((f) => f.key)).toContain('caBundle');
  });

  it('accepts a list of values', () => {
    const s = { type: 'object', properties: { mode: { type: 'string', enum: ['a', 'b', 'c'] }, x: { type: 'string', 'x-visible-if': { mode: ['a', 'b'] } } } };
    const x = fieldsOf(s)[1]!;
    expect(isVisible(x, s, { mode: 'b' })).toBe(true);
    expect(isVisible(x, s, { mode: 'c' })).toBe(false);
    expect(isVisible(x, s, {})).toBe(false);
  });

  it('sends no value for a hidden field', () => {
    const value = { listen: { port: 9000 }, sessions: [{}], tls: { enabled: false, certificate: 'left over' } };
    expect(cleanValue(schema, value)).toEqual({ listen: { port: 9000 }, sessions: [{}], tls: { enabled: false } });
  });

  it('shows the FIXT application version only for FIXT.1.1 sessions', () => {
    const session = props(schema).sessions!.items as JsonSchema;
    const keys = (v: unknown) => layout(session, v).basic.map((f) => f.key);
    expect(keys({ beginString: 'FIX.4.4' })).not.toContain('defaultApplVerId');
    expect(keys({ beginString: 'FIXT.1.1' })).toContain('defaultApplVerId');
  });
});

describe('widget choice', () => {
  it('follows x-widget, then x-secret, then the type', () => {
    const session = props(schema).sessions!.items as JsonSchema;
    const w = (key: string) => fieldsOf(session).find((f) => f.key === key)!.widget;
    expect(w('beginString')).toBe('select');
    expect(w('password')).toBe('password');
    expect(w('validateIncoming')).toBe('switch');
    expect(w('dataDictionary')).toBe('artifact');
    expect(w('senderCompId')).toBe('text');
    expect(w('minHeartBtInt')).toBe('number');
    expect(widgetFor(props(props(schema).tls!).certificate!)).toBe('textarea');
    expect(widgetFor({ type: 'string', 'x-secret': true })).toBe('password');
    expect(widgetFor({ type: 'boolean' })).toBe('switch');
    expect(widgetFor({ type: 'string', enum: ['a'] })).toBe('select');
    expect(widgetFor({ type: 'string', 'x-widget': 'select' })).toBe('text');
  });

  it('draws arrays by their items: repeatable groups, checkbox groups, one-per-line lists, JSON otherwise', () => {
    expect(widgetFor(props(schema).sessions!)).toBe('array');
    expect(widgetFor(props(schema).allowedAddresses!)).toBe('list');
    expect(widgetFor({ type: 'array', items: { type: 'string', enum: ['mon', 'tue'] } })).toBe('multiselect');
    expect(widgetFor({ type: 'array', items: { type: 'array' } })).toBe('json');
    expect(widgetFor({ type: 'object' })).toBe('json');
    expect(widgetFor({ type: 'object', additionalProperties: { type: 'string' } })).toBe('map');
  });

  it('knows every field of every built-in plugin (no JSON fallback needed)', () => {
    for (const plugin of builtinPlugins) {
      const fields = flattenFields(plugin.configSchema);
      expect(fields.length, plugin.type).toBeGreaterThan(3);
      expect(fields.filter((f) => f.widget === 'json').map((f) => `${plugin.type}${f.pointer}`)).toEqual([]);
    }
  });
});

describe('values', () => {
  it('starts with the required sections and the minimum of required items', () => {
    expect(initialValue(schema)).toEqual({ listen: {}, sessions: [{}] });
  });

  it('sets, removes and reads values by JSON Pointer without mutating', () => {
    const start = { listen: {}, sessions: [{}] };
    const next = setAt(start, '/sessions/0/beginString', 'FIX.4.4');
    expect(start).toEqual({ listen: {}, sessions: [{}] });
    expect(getAt(next, '/sessions/0/beginString')).toBe('FIX.4.4');
    expect(setAt(next, '/sessions/0/beginString', undefined)).toEqual(start);
    expect(setAt({}, '/a~1b/c', 1)).toEqual({ 'a/b': { c: 1 } });
    expect(splitPointer('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
  });

  it('drops empty strings and optional empty sections, keeps required ones and unknown keys', () => {
    expect(cleanValue(schema, { listen: { host: '', port: 1 }, sessions: [{}], limits: {}, extra: 1 })).toEqual({ listen: { port: 1 }, sessions: [{}], extra: 1 });
    expect(cleanValue(schema, { listen: {}, sessions: [] })).toEqual({ listen: {}, sessions: [] });
  });

  it('parses number and list inputs; what is not a number goes to the server as typed', () => {
    expect(parseNumber('')).toBeUndefined();
    expect(parseNumber('70000')).toBe(70000);
    expect(parseNumber('7e')).toBe('7e');
    expect(parseList('10.0.0.0/8\n\n 192.168.0.0/16 \n', { type: 'string' })).toEqual(['10.0.0.0/8', '192.168.0.0/16']);
    expect(parseList('1\n2', { type: 'integer' })).toEqual([1, 2]);
    expect(parseList('  ', { type: 'string' })).toBeUndefined();
    expect(parseMap('X-Feed: prices\n\nX-Empty\n__proto__: x')).toEqual({ 'X-Feed': 'prices', 'X-Empty': '' });
    expect(formatMap({ a: 'b', c: 'd' })).toBe('a: b\nc: d');
  });

  it('tells stored secrets, references and typed values apart, and masks typed ones for review', () => {
    expect(secretState({ secret: { set: true, fingerprint: 'hmac-sha256:ab' } })).toEqual({ kind: 'stored', fingerprint: 'hmac-sha256:ab' });
    expect(secretState({ secretRef: { name: 'fix', key: 'pw' } })).toEqual({ kind: 'reference', name: 'fix', key: 'pw' });
    expect(secretState('hunter2')).toEqual({ kind: 'typed' });
    expect(secretState(undefined)).toEqual({ kind: 'unset' });
    const masked = maskSecrets(schema, { sessions: [{ username: 'u', password: 'hunter2' }] });
    expect(JSON.stringify(masked)).not.toContain('hunter2');
    expect(masked).toEqual({ sessions: [{ username: 'u', password: '••••••••' }] });
  });
});

describe('server errors on the right field', () => {
  const value = { listen: { port: 70000 }, sessions: [{ beginString: 'FIX.4.4' }], tls: {} };

  it('puts a JSON Pointer error on the field it names', () => {
    const placed = placeErrors([{ path: '/connector/config/listen/port', message: 'must be <= 65535' }], '/connector/config', schema, value);
    expect(placed.byPointer.get('/listen/port')).toEqual(['must be <= 65535']);
    expect(placed.unplaced).toEqual([]);
  });

  it('puts errors in array items on the item field, required ones too', () => {
    const placed = placeErrors(
      [
        { path: '/connector/config/sessions/0/senderCompId', message: 'is required' },
        { path: '/connector/config/sessions/0/targetCompId', message: 'must match pattern' },
      ],
      '/connector/config',
      schema,
      value,
    );
    expect([...placed.byPointer.keys()]).toEqual(['/sessions/0/senderCompId', '/sessions/0/targetCompId']);
  });

  it('puts an error for a hidden field on its nearest drawn section, naming the field', () => {
    const placed = placeErrors([{ path: '/connector/config/tls/certificate', message: 'is required' }], '/connector/config', schema, value);
    expect(placed.byPointer.get('/tls')).toEqual(['Certificate: is required']);
  });

  it('lists errors about the whole config or outside it as unplaced', () => {
    const errors = [
      { path: '/connector/config', message: 'must be object' },
      { path: '/name', message: 'is taken' },
      { path: '/connector/config/nonsense', message: 'is not a known field' },
    ];
    const placed = placeErrors(errors, '/connector/config', schema, value);
    expect(placed.unplaced.map((e) => e.path)).toEqual(['/connector/config', '/name', '/connector/config/nonsense']);
  });

  it('knows which pointers are drawn, advanced ones included', () => {
    const drawn = visiblePointers(schema, value);
    expect(drawn).toEqual(expect.arrayContaining(['/listen', '/listen/port', '/sessions/0', '/sessions/0/beginString', '/limits/idleTimeoutSeconds', '/tls/enabled']));
    expect(drawn).not.toContain('/tls/certificate');
    expect(drawn).not.toContain('/sessions/0/defaultApplVerId');
  });
});

describe('the wizard around the form', () => {
  it('builds the create body: scale-out instances only for scale_out, the config cleaned', () => {
    const basics = { name: 'client-a', mode: 'active_passive', instances: '3', description: ' ' };
    expect(buildSpec(basics, 'fix-acceptor', { listen: { port: 9000, host: '' }, sessions: [{}] }, fixAcceptor)).toEqual({
      name: 'client-a',
      mode: 'active_passive',
      connector: { type: 'fix-acceptor', config: { listen: { port: 9000 }, sessions: [{}] } },
    });
    expect(buildSpec({ ...basics, mode: 'scale_out' }, 'nats-producer', {}, undefined)).toMatchObject({ mode: 'scale_out', instances: 3 });
  });

  it('sends each server error back to the step that shows its field', () => {
    expect(stepOfError('/name')).toBe(0);
    expect(stepOfError('/instances')).toBe(0);
    expect(stepOfError('/connector/type')).toBe(1);
    expect(stepOfError('/connector/config/listen/port')).toBe(1);
  });
});
