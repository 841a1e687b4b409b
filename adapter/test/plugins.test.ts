import { describe, it, expect } from 'vitest';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { UI_KEYWORDS } from '../../orchestrator/src/domain/plugins.ts';
import { builtinPlugins } from '../src/plugins/index.ts';
import { ARTIFACT_NAME_PATTERN } from '../src/plugins/schema-parts.ts';

type Schema = Record<string, unknown>;

/** The validator the orchestrator is expected to build: strict, with the UI hints as annotation keywords. */
function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  // The same UI hint keywords, with the same value types, as the orchestrator declares.
  for (const [keyword, schemaType] of Object.entries(UI_KEYWORDS)) ajv.addKeyword({ keyword, schemaType });
  return ajv;
}

const ajv = newAjv();
const validators = new Map<string, ValidateFunction>(
  builtinPlugins.map((plugin) => [plugin.type, ajv.compile(plugin.configSchema)]),
);

function validate(type: string, config: unknown): ErrorObject[] {
  const check = validators.get(type);
  if (!check) throw new Error(`no plugin ${type}`);
  return check(config) ? [] : (check.errors ?? []);
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type PropertyVisit = { path: string; name: string; schema: Schema; parent: Schema };

/** Every form field: the `properties` of the root and of every nested object or array-of-objects item. */
function fields(schema: Schema, path = ''): PropertyVisit[] {
  const found: PropertyVisit[] = [];
  const visitObject = (object: Schema, at: string) => {
    if (!isSchema(object.properties)) return;
    for (const [name, child] of Object.entries(object.properties)) {
      if (!isSchema(child)) throw new Error(`${at}/${name} is not a schema`);
      found.push({ path: `${at}/${name}`, name, schema: child, parent: object });
      found.push(...fields(child, `${at}/${name}`));
    }
  };
  visitObject(schema, path);
  if (isSchema(schema.items)) found.push(...fields(schema.items, `${path}/items`));
  return found;
}

/** Every schema that describes an object: the root, sections, array items, maps. */
function objectSchemas(root: Schema): { path: string; schema: Schema }[] {
  const all = [{ path: '', schema: root }, ...fields(root).map(({ path, schema }) => ({ path, schema }))];
  const items = all.flatMap(({ path, schema }) =>
    isSchema(schema.items) ? [{ path: `${path}/items`, schema: schema.items }] : [],
  );
  return [...all, ...items].filter(({ schema }) => schema.type === 'object');
}

function allFields(): (PropertyVisit & { plugin: string })[] {
  return builtinPlugins.flatMap((plugin) => fields(plugin.configSchema).map((f) => ({ ...f, plugin: plugin.type })));
}

const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2Fyb3N3aXJl\nZXhhbXBsZQ==\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\nAwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).toUpperCase().padStart(2, '0')).join(':');

const minimalConfigs: Record<string, Schema> = {
  'fix-initiator': {
    session: { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'VENUE' },
    connection: { host: 'fix.venue.example.com', port: 9876 },
  },
  'fix-acceptor': {
    listen: { port: 9880 },
    sessions: [{ beginString: 'FIX.4.2', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT1' }],
  },
  'ws-initiator': { connection: { url: 'wss://feed.example.com/v1/stream' } },
  'ws-acceptor': { listen: { port: 8443 } },
  'nats-consumer': {
    connection: { servers: ['nats://127.0.0.1:4222'] },
    consumer: { stream: 'ORDERS', durableName: 'crosswire-orders' },
  },
  'nats-producer': {
    connection: { servers: ['nats://127.0.0.1:4222'] },
    subscribeChannel: 'fills',
    publish: { subject: 'fills.{Symbol}', stream: 'FILLS' },
  },
};

const fullConfigs: Record<string, Schema> = {
  'fix-initiator': {
    session: {
      beginString: 'FIXT.1.1',
      defaultApplVerId: 'FIX.5.0SP2',
      senderCompId: 'CROSSWIRE',
      senderSubId: 'DESK1',
      senderLocationId: 'LDN',
      targetCompId: 'VENUE',
      targetSubId: 'GW2',
      heartBtInt: 30,
      resetOnLogon: true,
      resetOnLogout: false,
      resetOnDisconnect: false,
      dataDictionary: 'venue-fix50sp2@3',
      validateIncoming: true,
    },
    connection: {
      host: '10.20.30.40',
      port: 9876,
      reconnectIntervalSeconds: 5,
      maxReconnectIntervalSeconds: 60,
      connectTimeoutSeconds: 10,
      logonTimeoutSeconds: 10,
      logoutTimeoutSeconds: 2,
    },
    tls: {
      enabled: true,
      serverName: 'fix.venue.example.com',
      caBundle: 'venue-ca',
      clientCertificate: PEM_CERT,
      clientKey: PEM_KEY,
      minVersion: 'TLSv1.3',
      rejectUnauthorized: true,
    },
    authentication: { username: 'crosswire', password: 'correct horse battery staple' },
    schedule: {
      startTime: '07:00:00',
      endTime: '22:30:00',
      timeZone: 'Europe/London',
      weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
      dailyReset: true,
    },
    limits: { maxMessageSize: 2097152, sendingTimeToleranceSeconds: 60, resendChunkSize: 2500 },
  },
  'fix-acceptor': {
    listen: { host: '::', port: 9880 },
    sessions: [
      {
        beginString: 'FIX.4.4',
        senderCompId: 'CROSSWIRE',
        targetCompId: 'CLIENT1',
        minHeartBtInt: 10,
        maxHeartBtInt: 60,
        username: 'client1',
        password: 's3cret',
        dataDictionary: 'client1-fix44',
        validateIncoming: true,
      },
      { beginString: 'FIXT.1.1', defaultApplVerId: 'FIX.5.0SP1', senderCompId: 'CROSSWIRE', targetCompId: 'CLIENT2' },
    ],
    allowedAddresses: ['10.1.2.0/24', '192.0.2.17/32', '2001:db8::/48'],
    tls: {
      enabled: true,
      certificate: PEM_CERT + PEM_CERT,
      privateKey: PEM_KEY,
      minVersion: 'TLSv1.2',
      requireClientCertificate: true,
      caBundle: 'client-ca@2',
      allowedClientFingerprints: [FINGERPRINT],
    },
    limits: {
      logonTimeoutSeconds: 10,
      handshakeTimeoutSeconds: 5,
      idleTimeoutSeconds: 120,
      maxMessageSize: 1048576,
      maxConnections: 20,
      sendingTimeToleranceSeconds: 120,
    },
  },
  'ws-initiator': {
    connection: {
      url: 'wss://feed.example.com:443/v1/stream?depth=10',
      headers: { 'X-Client': 'crosswire' },
      reconnectIntervalSeconds: 1,
      maxReconnectIntervalSeconds: 30,
      pingIntervalSeconds: 15,
      pongTimeoutSeconds: 5,
    },
    format: 'json',
    authentication: { mode: 'hmac', hmacKeyId: 'key-123', hmacSecret: 'shh', hmacAlgorithm: 'sha256' },
    tls: { caBundle: 'feed-ca', rejectUnauthorized: true, clientCertificate: PEM_CERT, clientKey: PEM_KEY },
    limits: { maxFrameBytes: 262144, maxBufferedBytes: 4194304 },
  },
  'ws-acceptor': {
    listen: { host: '0.0.0.0', port: 8443, path: '/v1/orders' },
    format: 'json',
    subscribeChannel: 'fills',
    authentication: { mode: 'bearer', token: 'tok' },
    allowedOrigins: ['https://app.example.com'],
    allowedAddresses: ['0.0.0.0/0'],
    tls: { enabled: true, certificate: PEM_CERT, privateKey: PEM_KEY },
    limits: { maxConnections: 50, maxMessagesPerSecond: 200 },
  },
  'nats-consumer': {
    connection: { servers: ['tls://nats-1.internal:4222', 'tls://nats-2.internal:4222'], connectionName: 'crosswire' },
    consumer: {
      stream: 'ORDERS',
      durableName: 'crosswire-orders',
      filterSubject: 'orders.*.new',
      deliverPolicy: 'new',
      ackWaitSeconds: 30,
      maxDeliver: -1,
      maxAckPending: 500,
    },
    format: 'json',
    authentication: { mode: 'nkey', nkeySeed: `SU${'A'.repeat(56)}` },
    tls: { enabled: true, caBundle: 'nats-ca' },
  },
  'nats-producer': {
    connection: { servers: ['nats://127.0.0.1:4222'] },
    subscribeChannel: 'fills',
    publish: { subject: 'fills.{$.account}.{55}', stream: 'FILLS', publishTimeoutSeconds: 5, dedupe: true, format: 'text' },
    authentication: { mode: 'userPassword', username: 'crosswire', password: 'pw' },
  },
};

describe('built-in plugin manifests', () => {
  it('ships the six connector types in order', () => {
    expect(builtinPlugins.map((p) => p.type)).toEqual([
      'fix-initiator',
      'fix-acceptor',
      'ws-initiator',
      'ws-acceptor',
      'nats-consumer',
      'nats-producer',
    ]);
  });

  it('uses unique DNS-label types and semantic versions', () => {
    const types = builtinPlugins.map((p) => p.type);
    expect(new Set(types).size).toBe(types.length);
    for (const plugin of builtinPlugins) {
      expect(plugin.type).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(plugin.type.length).toBeLessThanOrEqual(63);
      expect(plugin.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(plugin.title).not.toBe('');
      expect(plugin.description).not.toBe('');
    }
  });

  it('marks sessions and listening ports exclusive, and declares the traffic direction', () => {
    const shape = Object.fromEntries(builtinPlugins.map((p) => [p.type, [p.exclusive, p.direction]]));
    expect(shape).toEqual({
      'fix-initiator': [true, 'bidirectional'],
      'fix-acceptor': [true, 'bidirectional'],
      'ws-initiator': [false, 'bidirectional'],
      'ws-acceptor': [true, 'bidirectional'],
      'nats-consumer': [false, 'inbound'],
      'nats-producer': [false, 'outbound'],
    });
  });

  it('declares draft 2020-12 object schemas that compile under strict Ajv', () => {
    for (const plugin of builtinPlugins) {
      expect(plugin.configSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(plugin.configSchema.type).toBe('object');
      // A fresh instance, so a schema that only compiles because of another's side effects would fail.
      expect(() => newAjv().compile(plugin.configSchema), plugin.type).not.toThrow();
    }
  });

  it('gives every field a title, a description and a unique x-order', () => {
    for (const { plugin, path, schema, parent } of allFields()) {
      const where = `${plugin}${path}`;
      expect(typeof schema.title, where).toBe('string');
      expect(typeof schema.description, where).toBe('string');
      expect(typeof schema['x-order'], where).toBe('number');
      const siblingOrders = Object.values(parent.properties as Record<string, Schema>).map((s) => s['x-order']);
      expect(siblingOrders.filter((o) => o === schema['x-order']), where).toHaveLength(1);
    }
  });

  it('closes every object, except maps that say what their values are', () => {
    for (const plugin of builtinPlugins) {
      for (const { path, schema } of objectSchemas(plugin.configSchema)) {
        const where = `${plugin.type}${path}`;
        if (schema.properties === undefined) {
          expect(isSchema(schema.additionalProperties), where).toBe(true);
        } else {
          expect(schema.additionalProperties, where).toBe(false);
        }
      }
    }
  });

  it('draws nested objects as titled sections', () => {
    for (const { plugin, path, schema } of allFields()) {
      if (schema.type === 'object' && schema.properties !== undefined) {
        expect(typeof schema['x-section-title'], `${plugin}${path}`).toBe('string');
      }
    }
  });

  it('points every x-visible-if at an existing sibling, with values that sibling can take', () => {
    let conditions = 0;
    for (const { plugin, path, schema, parent } of allFields()) {
      const visibleIf = schema['x-visible-if'];
      if (visibleIf === undefined) continue;
      expect(isSchema(visibleIf), `${plugin}${path}`).toBe(true);
      const siblings = parent.properties as Record<string, Schema>;
      for (const [sibling, expected] of Object.entries(visibleIf as Schema)) {
        conditions++;
        const where = `${plugin}${path} -> ${sibling}`;
        expect(sibling, where).not.toBe(path.split('/').pop());
        expect(Object.keys(siblings), where).toContain(sibling);
        const siblingSchema = siblings[sibling] as Schema;
        const check = ajv.compile(siblingSchema);
        for (const value of Array.isArray(expected) ? expected : [expected]) {
          expect(check(value), `${where} = ${JSON.stringify(value)}`).toBe(true);
        }
      }
    }
    expect(conditions).toBeGreaterThan(10);
  });

  it('declares secrets as password strings without defaults', () => {
    const secrets = allFields().filter(({ schema }) => schema['x-secret'] === true);
    expect(secrets.length).toBeGreaterThanOrEqual(15);
    for (const { plugin, path, schema } of secrets) {
      const where = `${plugin}${path}`;
      expect(schema.type, where).toBe('string');
      expect(schema['x-widget'], where).toBe('password');
      expect(schema.default, where).toBeUndefined();
    }
    // The other way round: a masked field that is not write-only would be stored and returned in clear.
    for (const { plugin, path, schema } of allFields()) {
      if (schema['x-widget'] === 'password') expect(schema['x-secret'], `${plugin}${path}`).toBe(true);
    }
  });

  it('marks every password, private key, token, HMAC secret and NATS credential as secret', () => {
    const secretNames = /password|key$|token|secret|seed|credentials/i;
    const notSecret = new Set(['hmacKeyId']);
    for (const { plugin, path, name, schema } of allFields()) {
      if (schema.type === 'string' && secretNames.test(name) && !notSecret.has(name)) {
        expect(schema['x-secret'], `${plugin}${path}`).toBe(true);
      }
    }
  });

  it('uses the switch, select and artifact widgets consistently', () => {
    for (const { plugin, path, name, schema } of allFields()) {
      const where = `${plugin}${path}`;
      if (schema.type === 'boolean') expect(schema['x-widget'], where).toBe('switch');
      if (Array.isArray(schema.enum)) expect(schema['x-widget'], where).toBe('select');
      if (schema['x-widget'] === 'artifact') {
        expect(schema.type, where).toBe('string');
        expect(schema.pattern, where).toBe(ARTIFACT_NAME_PATTERN);
      }
      if (/^(caBundle|dataDictionary)$/.test(name)) expect(schema['x-widget'], where).toBe('artifact');
    }
  });

  it('has defaults that satisfy their own field', () => {
    let defaults = 0;
    for (const { plugin, path, schema } of allFields()) {
      if (schema.default === undefined) continue;
      defaults++;
      const check = ajv.compile(schema);
      expect(check(schema.default), `${plugin}${path}: ${JSON.stringify(check.errors)}`).toBe(true);
    }
    expect(defaults).toBeGreaterThan(50);
  });

  it('uses patterns that run in linear time on hostile input', () => {
    const patterns = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (isSchema(node)) {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'pattern' && typeof value === 'string') patterns.add(value);
          else collect(value);
        }
      }
    };
    builtinPlugins.forEach((plugin) => collect(plugin.configSchema));
    // Each input is a long near-match for some pattern, ending in a character that makes it fail.
    const n = 20_000;
    const hostile = [
      `${'a'.repeat(n)}!`,
      `${'a.'.repeat(n / 2)}!`,
      `${':'.repeat(n)}!`,
      `${'1'.repeat(n)}/`,
      `${'{a}'.repeat(n / 3)}{`,
      `${'a.*.'.repeat(n / 4)}>!`,
      `-----BEGIN CERTIFICATE-----${'A'.repeat(n)}-----END CERTIFICATE----`,
      `${'-----BEGIN CERTIFICATE-----AAAA-----END CERTIFICATE-----\n'.repeat(n / 60)}!`,
    ];
    expect(patterns.size).toBeGreaterThan(15);
    for (const pattern of patterns) {
      const regex = new RegExp(pattern, 'u');
      for (const input of hostile) {
        // A quadratic pattern takes hundreds of milliseconds here; linear ones take well under one. The best of
        // three tries: a busy machine may preempt or collect garbage during one, a quadratic pattern is slow in all.
        let fastest = Infinity;
        for (let attempt = 0; attempt < 3 && fastest >= 50; attempt++) {
          const started = performance.now();
          regex.test(input);
          fastest = Math.min(fastest, performance.now() - started);
        }
        expect(fastest, `${pattern} on ${input.slice(0, 20)}…`).toBeLessThan(50);
      }
    }
  });

  it('does not require a field that has a default', () => {
    for (const plugin of builtinPlugins) {
      for (const { path, schema } of objectSchemas(plugin.configSchema)) {
        const props = (schema.properties ?? {}) as Record<string, Schema>;
        for (const name of (schema.required ?? []) as string[]) {
          expect(props[name]?.default, `${plugin.type}${path}/${name}`).toBeUndefined();
        }
      }
    }
  });
});

describe('config validation', () => {
  it.each(Object.keys(minimalConfigs))('accepts a minimal %s config', (type) => {
    expect(validate(type, minimalConfigs[type])).toEqual([]);
  });

  it.each(Object.keys(fullConfigs))('accepts a fully specified %s config', (type) => {
    expect(validate(type, fullConfigs[type])).toEqual([]);
  });

  it('has a minimal and a full config for every built-in type', () => {
    const types = builtinPlugins.map((p) => p.type).sort();
    expect(Object.keys(minimalConfigs).sort()).toEqual(types);
    expect(Object.keys(fullConfigs).sort()).toEqual(types);
  });

  const fixInitiator = minimalConfigs['fix-initiator'] as {
    session: Schema;
    connection: Schema;
  };
  const fixAcceptor = minimalConfigs['fix-acceptor'] as { listen: Schema; sessions: Schema[] };
  const wsInitiator = minimalConfigs['ws-initiator'] as { connection: Schema };
  const natsConsumer = minimalConfigs['nats-consumer'] as { connection: Schema; consumer: Schema };
  const natsProducer = minimalConfigs['nats-producer'] as { connection: Schema; publish: Schema };

  const invalid: { name: string; type: string; config: unknown; at: string; keyword: string }[] = [
    {
      name: 'fix-initiator with port 70000',
      type: 'fix-initiator',
      config: { ...fixInitiator, connection: { host: 'fix.venue.example.com', port: 70000 } },
      at: '/connection/port',
      keyword: 'maximum',
    },
    {
      name: 'fix-initiator without a TargetCompID',
      type: 'fix-initiator',
      config: { ...fixInitiator, session: { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE' } },
      at: '/session',
      keyword: 'required',
    },
    {
      name: 'fix-initiator on FIXT.1.1 without an application version',
      type: 'fix-initiator',
      config: { ...fixInitiator, session: { ...fixInitiator.session, beginString: 'FIXT.1.1' } },
      at: '/session',
      keyword: 'required',
    },
    {
      name: 'fix-initiator with an unknown FIX version',
      type: 'fix-initiator',
      config: { ...fixInitiator, session: { ...fixInitiator.session, beginString: 'FIX.5.0' } },
      at: '/session/beginString',
      keyword: 'enum',
    },
    {
      name: 'fix-initiator with a heartbeat of 0 seconds',
      type: 'fix-initiator',
      config: { ...fixInitiator, session: { ...fixInitiator.session, heartBtInt: 0 } },
      at: '/session/heartBtInt',
      keyword: 'minimum',
    },
    {
      name: 'fix-initiator with a misspelt setting',
      type: 'fix-initiator',
      config: { ...fixInitiator, session: { ...fixInitiator.session, heartbeatInt: 30 } },
      at: '/session',
      keyword: 'additionalProperties',
    },
    {
      name: 'fix-initiator with a 12-hour start time',
      type: 'fix-initiator',
      config: { ...fixInitiator, schedule: { startTime: '7:00 AM', endTime: '22:00:00' } },
      at: '/schedule/startTime',
      keyword: 'pattern',
    },
    {
      name: 'fix-initiator with a repeated weekday',
      type: 'fix-initiator',
      config: { ...fixInitiator, schedule: { startTime: '07:00:00', endTime: '22:00:00', weekdays: ['mon', 'mon'] } },
      at: '/schedule/weekdays',
      keyword: 'uniqueItems',
    },
    {
      name: 'fix-initiator with a client certificate but no key',
      type: 'fix-initiator',
      config: { ...fixInitiator, tls: { enabled: true, clientCertificate: PEM_CERT } },
      at: '/tls',
      keyword: 'dependentRequired',
    },
    {
      name: 'fix-initiator offering TLS 1.1',
      type: 'fix-initiator',
      config: { ...fixInitiator, tls: { enabled: true, minVersion: 'TLSv1.1' } },
      at: '/tls/minVersion',
      keyword: 'enum',
    },
    {
      name: 'fix-initiator with a data dictionary file path instead of an artifact',
      type: 'fix-initiator',
      config: { ...fixInitiator, session: { ...fixInitiator.session, dataDictionary: '/etc/FIX44.xml' } },
      at: '/session/dataDictionary',
      keyword: 'pattern',
    },
    {
      name: 'fix-acceptor with no sessions',
      type: 'fix-acceptor',
      config: { ...fixAcceptor, sessions: [] },
      at: '/sessions',
      keyword: 'minItems',
    },
    {
      name: 'fix-acceptor with a CompID containing "="',
      type: 'fix-acceptor',
      config: { ...fixAcceptor, sessions: [{ ...fixAcceptor.sessions[0], targetCompId: 'A=B' }] },
      at: '/sessions/0/targetCompId',
      keyword: 'pattern',
    },
    {
      name: 'fix-acceptor with TLS on but no certificate',
      type: 'fix-acceptor',
      config: { ...fixAcceptor, tls: { enabled: true, privateKey: PEM_KEY } },
      at: '/tls',
      keyword: 'required',
    },
    {
      name: 'fix-acceptor requiring client certificates without a CA',
      type: 'fix-acceptor',
      config: {
        ...fixAcceptor,
        tls: { enabled: true, certificate: PEM_CERT, privateKey: PEM_KEY, requireClientCertificate: true },
      },
      at: '/tls',
      keyword: 'required',
    },
    {
      name: 'fix-acceptor with a lower-case fingerprint',
      type: 'fix-acceptor',
      config: { ...fixAcceptor, tls: { allowedClientFingerprints: [FINGERPRINT.toLowerCase()] } },
      at: '/tls/allowedClientFingerprints/0',
      keyword: 'pattern',
    },
    {
      name: 'fix-acceptor with an address range missing its prefix length',
      type: 'fix-acceptor',
      config: { ...fixAcceptor, allowedAddresses: ['10.0.0.0/8', '10.1.2.3'] },
      at: '/allowedAddresses/1',
      keyword: 'pattern',
    },
    {
      name: 'fix-acceptor with a certificate pasted as the private key',
      type: 'fix-acceptor',
      config: { ...fixAcceptor, tls: { enabled: true, certificate: PEM_CERT, privateKey: PEM_CERT } },
      at: '/tls/privateKey',
      keyword: 'pattern',
    },
    {
      name: 'ws-initiator with an http:// URL',
      type: 'ws-initiator',
      config: { connection: { url: 'https://feed.example.com/v1' } },
      at: '/connection/url',
      keyword: 'pattern',
    },
    {
      name: 'ws-initiator with credentials in the URL',
      type: 'ws-initiator',
      config: { connection: { url: 'wss://user:pass@feed.example.com/v1' } },
      at: '/connection/url',
      keyword: 'pattern',
    },
    {
      name: 'ws-initiator with a token in a plain header',
      type: 'ws-initiator',
      config: { connection: { ...wsInitiator.connection, headers: { authorization: 'Bearer abc' } } },
      at: '/connection/headers',
      keyword: 'propertyNames',
    },
    {
      name: 'ws-initiator with bearer auth and no token',
      type: 'ws-initiator',
      config: { ...wsInitiator, authentication: { mode: 'bearer' } },
      at: '/authentication',
      keyword: 'required',
    },
    {
      name: 'ws-acceptor broadcasting an invalid channel name',
      type: 'ws-acceptor',
      config: { listen: { port: 8443 }, subscribeChannel: 'Fills_All' },
      at: '/subscribeChannel',
      keyword: 'pattern',
    },
    {
      name: 'ws-acceptor with an origin that has a path',
      type: 'ws-acceptor',
      config: { listen: { port: 8443 }, allowedOrigins: ['https://app.example.com/login'] },
      at: '/allowedOrigins/0',
      keyword: 'pattern',
    },
    {
      name: 'nats-consumer with an http:// server',
      type: 'nats-consumer',
      config: { ...natsConsumer, connection: { servers: ['http://nats.internal:8222'] } },
      at: '/connection/servers/0',
      keyword: 'pattern',
    },
    {
      name: 'nats-consumer with no servers',
      type: 'nats-consumer',
      config: { ...natsConsumer, connection: { servers: [] } },
      at: '/connection/servers',
      keyword: 'minItems',
    },
    {
      name: 'nats-consumer with a stream name containing a dot',
      type: 'nats-consumer',
      config: { ...natsConsumer, consumer: { ...natsConsumer.consumer, stream: 'orders.v1' } },
      at: '/consumer/stream',
      keyword: 'pattern',
    },
    {
      name: 'nats-consumer with maxDeliver 0',
      type: 'nats-consumer',
      config: { ...natsConsumer, consumer: { ...natsConsumer.consumer, maxDeliver: 0 } },
      at: '/consumer/maxDeliver',
      keyword: 'not',
    },
    {
      name: 'nats-consumer with user/password auth and no password',
      type: 'nats-consumer',
      config: { ...natsConsumer, authentication: { mode: 'userPassword', username: 'crosswire' } },
      at: '/authentication',
      keyword: 'required',
    },
    {
      name: 'nats-consumer with a malformed NKey seed',
      type: 'nats-consumer',
      config: { ...natsConsumer, authentication: { mode: 'nkey', nkeySeed: 'UABC' } },
      at: '/authentication/nkeySeed',
      keyword: 'pattern',
    },
    {
      name: 'nats-producer publishing to a wildcard subject',
      type: 'nats-producer',
      config: { ...natsProducer, publish: { subject: 'orders.>' } },
      at: '/publish/subject',
      keyword: 'pattern',
    },
    {
      name: 'nats-producer with an unclosed placeholder',
      type: 'nats-producer',
      config: { ...natsProducer, publish: { subject: 'orders.{Symbol' } },
      at: '/publish/subject',
      keyword: 'pattern',
    },
    {
      name: 'nats-producer with a zero publish timeout',
      type: 'nats-producer',
      config: { ...natsProducer, publish: { ...natsProducer.publish, publishTimeoutSeconds: 0 } },
      at: '/publish/publishTimeoutSeconds',
      keyword: 'minimum',
    },
  ];

  it.each(invalid)('rejects $name at $at', ({ type, config, at, keyword }) => {
    const errors = validate(type, config);
    expect(errors.map((e) => [e.instancePath, e.keyword])).toContainEqual([at, keyword]);
  });
});
