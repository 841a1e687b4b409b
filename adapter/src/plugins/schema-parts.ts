/**
 * Building blocks shared by the built-in connector manifests.
 *
 * Every helper returns a fresh object, so no two manifests share (and could accidentally mutate) a
 * piece of schema. Patterns are written to run in linear time: configs come from users, and the
 * orchestrator evaluates them on its request path.
 */
import type { PluginManifest } from '@crosswire/orchestrator/contract';

export type JsonSchema = PluginManifest['configSchema'];

export const SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** An artifact name, optionally pinned to a version (`name@3`); unpinned means the latest version. */
export const ARTIFACT_NAME_PATTERN = '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(@[0-9]+)?$';

/** A DNS name, an IPv4 address (its labels are digits) or an IPv6 literal without brackets. */
export const HOST_PATTERN =
  '^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)$';

/** Crosswire channel names are DNS labels, like every other name the orchestrator owns. */
export const CHANNEL_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/**
 * A field naming a Crosswire channel. The `channel` widget tells the orchestrator to create the channel
 * when the adapter is saved, and the portal to offer the existing ones.
 */
export function channelName(field: { title: string; description: string; 'x-order': number }): JsonSchema {
  return { type: 'string', maxLength: 63, pattern: CHANNEL_NAME_PATTERN, 'x-widget': 'channel', ...field };
}

/**
 * One or more PEM certificates (a chain). The base64 body excludes `-`, so the blocks cannot overlap
 * and the match never backtracks.
 */
export const PEM_CERTIFICATES_PATTERN =
  '^\\s*(-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\\s]+-----END CERTIFICATE-----\\s*)+$';

/** An unencrypted PEM private key: PKCS#8, or the legacy RSA / EC forms. */
export const PEM_PRIVATE_KEY_PATTERN =
  '^\\s*-----BEGIN ((RSA|EC) )?PRIVATE KEY-----[A-Za-z0-9+/=\\s]+-----END ((RSA|EC) )?PRIVATE KEY-----\\s*$';

/** SHA-256 certificate fingerprint as OpenSSL prints it. */
export const SHA256_FINGERPRINT_PATTERN = '^([0-9A-F]{2}:){31}[0-9A-F]{2}$';

/** IPv4 CIDR (`10.0.0.0/8`) or IPv6 CIDR (`2001:db8::/32`); the prefix length is mandatory. */
export const CIDR_PATTERN =
  '^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}/(3[0-2]|[12]?[0-9])|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))$';

/** `HH:MM:SS`, 24-hour clock. */
export const TIME_OF_DAY_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$';

/** An IANA time zone name (`UTC`, `Europe/London`, `America/Argentina/Buenos_Aires`, `Etc/GMT+5`). */
export const IANA_TIME_ZONE_PATTERN = '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$';

export const MIB = 1024 * 1024;

type FieldHints = {
  title: string;
  description: string;
  'x-order': number;
} & JsonSchema;

/** A write-only string: the orchestrator widens it to also accept `{ secretRef }`, so that is not modelled here. */
export function secret(hints: FieldHints): JsonSchema {
  return { type: 'string', minLength: 1, maxLength: 16384, ...hints, 'x-secret': true, 'x-widget': 'password' };
}

/** The name of an artifact uploaded to Crosswire (a FIX dictionary, a CA bundle). */
export function artifact(hints: FieldHints): JsonSchema {
  return { type: 'string', maxLength: 128, pattern: ARTIFACT_NAME_PATTERN, ...hints, 'x-widget': 'artifact' };
}

export function toggle(defaultValue: boolean, hints: FieldHints): JsonSchema {
  return { type: 'boolean', default: defaultValue, ...hints, 'x-widget': 'switch' };
}

export function choice(values: readonly string[], defaultValue: string | undefined, hints: FieldHints): JsonSchema {
  const schema: JsonSchema = { type: 'string', enum: [...values], ...hints, 'x-widget': 'select' };
  if (defaultValue !== undefined) schema.default = defaultValue;
  return schema;
}

export function pemCertificates(hints: FieldHints): JsonSchema {
  return { type: 'string', maxLength: 65536, pattern: PEM_CERTIFICATES_PATTERN, ...hints, 'x-widget': 'textarea' };
}

export function host(hints: FieldHints): JsonSchema {
  return { type: 'string', minLength: 1, maxLength: 253, pattern: HOST_PATTERN, ...hints };
}

export function port(hints: FieldHints): JsonSchema {
  return { type: 'integer', minimum: 1, maximum: 65535, ...hints };
}

/** Whole seconds within bounds; most network timers below are configured this way. */
export function seconds(defaultValue: number, minimum: number, maximum: number, hints: FieldHints): JsonSchema {
  return { type: 'integer', minimum, maximum, default: defaultValue, ...hints };
}

export function bytes(defaultValue: number, minimum: number, maximum: number, hints: FieldHints): JsonSchema {
  return { type: 'integer', minimum, maximum, default: defaultValue, ...hints };
}

/** Largest message accepted from the other end; the bounds are what every connector's reader is sized for. */
export function maxMessageSize(order: number, description: string): JsonSchema {
  return bytes(MIB, 1024, 64 * MIB, {
    title: 'Maximum message size',
    description,
    'x-order': order,
    'x-advanced': true,
  });
}

/**
 * The doubling wait between attempts of a connection we open: `reconnectIntervalSeconds` at `order`, its cap
 * `maxReconnectIntervalSeconds` right after. Only the first wait's default differs between connectors.
 */
export function reconnectBackoff(order: number, initialSeconds: number): Record<string, JsonSchema> {
  return {
    reconnectIntervalSeconds: seconds(initialSeconds, 1, 3600, {
      title: 'Reconnect interval',
      description: 'Seconds to wait before the first reconnect attempt; doubles after each failure.',
      'x-order': order,
    }),
    maxReconnectIntervalSeconds: seconds(60, 1, 3600, {
      title: 'Maximum reconnect interval',
      description:
        'Cap, in seconds, on the doubling reconnect wait. A value below the reconnect interval is raised to it.',
      'x-order': order + 1,
      'x-advanced': true,
    }),
  };
}

/** A titled form section: an object that rejects unknown keys, so typos surface as errors. */
export function section(
  sectionTitle: string,
  hints: FieldHints & { properties: Record<string, JsonSchema> },
): JsonSchema {
  return { type: 'object', additionalProperties: false, ...hints, 'x-section-title': sectionTitle };
}

/** `then` applies only when `field` equals `value`; mirrors an `x-visible-if` for validation. */
export function requiredWhen(field: string, value: unknown, required: string[]): JsonSchema {
  return {
    if: { properties: { [field]: { const: value } }, required: [field] },
    // The `true` schemas add no constraint: strict validators (Ajv's strictRequired) insist that a
    // required name is declared in the same schema object.
    then: { properties: Object.fromEntries(required.map((name) => [name, true])), required },
  };
}

export const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;

function minTlsVersion(order: number, visibleIf?: JsonSchema): JsonSchema {
  return choice(TLS_VERSIONS, 'TLSv1.2', {
    title: 'Minimum TLS version',
    description: 'Oldest TLS protocol version accepted during the handshake. TLS 1.0 and 1.1 are never offered.',
    'x-order': order,
    'x-advanced': true,
    ...(visibleIf ? { 'x-visible-if': visibleIf } : {}),
  });
}

/**
 * TLS for a connection we open. With `switchable`, an `enabled` switch turns TLS on (plain TCP is still
 * normal on FIX cross-connects); without it, the URL scheme decides and the fields always show.
 */
export function clientTlsSection(options: {
  order: number;
  description: string;
  switchable: boolean;
  serverName: boolean;
}): JsonSchema {
  const shown = options.switchable ? { 'x-visible-if': { enabled: true } } : {};
  const properties: Record<string, JsonSchema> = {};
  if (options.switchable) {
    properties.enabled = toggle(false, {
      title: 'Use TLS',
      description: 'Encrypt the connection with TLS. Off: plain TCP, for private lines and cross-connects only.',
      'x-order': 1,
    });
  }
  if (options.serverName) {
    properties.serverName = {
      type: 'string',
      format: 'hostname',
      maxLength: 253,
      title: 'Server name',
      description:
        'Host name sent in SNI and checked against the server certificate. Empty: the host the adapter connects to.',
      'x-order': 2,
      'x-advanced': true,
      ...shown,
    };
  }
  properties.caBundle = artifact({
    title: 'CA bundle',
    description:
      'Artifact with the PEM CA certificates that may sign the server certificate. Empty: the system trust store.',
    'x-order': 3,
    ...shown,
  });
  properties.clientCertificate = pemCertificates({
    title: 'Client certificate',
    description:
      'PEM certificate (with any intermediates) presented when the server asks for mutual TLS. Needs the client key.',
    'x-order': 4,
    ...shown,
  });
  properties.clientKey = secret({
    title: 'Client private key',
    description: 'Unencrypted PEM private key of the client certificate. Write-only.',
    pattern: PEM_PRIVATE_KEY_PATTERN,
    maxLength: 65536,
    'x-order': 5,
    ...shown,
  });
  properties.minVersion = minTlsVersion(6, options.switchable ? { enabled: true } : undefined);
  properties.rejectUnauthorized = toggle(true, {
    title: 'Verify server certificate',
    description:
      'Refuse servers whose certificate does not chain to the CA bundle or does not match the server name. ' +
      'Turn off only in a test environment: it allows anyone on the path to read and alter the traffic.',
    'x-order': 7,
    'x-advanced': true,
    ...shown,
  });
  return section('TLS', {
    title: 'TLS',
    description: options.description,
    'x-order': options.order,
    properties,
    // A certificate without its key (or the reverse) cannot be presented; catch it at save time.
    dependentRequired: { clientCertificate: ['clientKey'], clientKey: ['clientCertificate'] },
  });
}

/** TLS for a port we listen on, with optional mutual TLS. */
export function serverTlsSection(order: number): JsonSchema {
  const whenEnabled = { 'x-visible-if': { enabled: true } };
  const whenClientCertRequired = { 'x-visible-if': { requireClientCertificate: true } };
  return section('TLS', {
    title: 'TLS',
    description: 'TLS on the listening port, optionally with client certificates (mutual TLS).',
    'x-order': order,
    properties: {
      enabled: toggle(false, {
        title: 'Use TLS',
        description: 'Require clients to connect with TLS. Off: plain TCP, for private lines and cross-connects only.',
        'x-order': 1,
      }),
      certificate: pemCertificates({
        title: 'Server certificate',
        description: 'PEM certificate presented to clients, followed by any intermediate certificates.',
        'x-order': 2,
        ...whenEnabled,
      }),
      privateKey: secret({
        title: 'Server private key',
        description: 'Unencrypted PEM private key of the server certificate. Write-only.',
        pattern: PEM_PRIVATE_KEY_PATTERN,
        maxLength: 65536,
        'x-order': 3,
        ...whenEnabled,
      }),
      minVersion: minTlsVersion(4, { enabled: true }),
      requireClientCertificate: toggle(false, {
        title: 'Require client certificate',
        description: 'Mutual TLS: reject clients that do not present a certificate signed by the CA bundle.',
        'x-order': 5,
        ...whenEnabled,
      }),
      caBundle: artifact({
        title: 'Client CA bundle',
        description: 'Artifact with the PEM CA certificates that may sign client certificates.',
        'x-order': 6,
        ...whenClientCertRequired,
      }),
      allowedClientFingerprints: {
        type: 'array',
        items: { type: 'string', pattern: SHA256_FINGERPRINT_PATTERN },
        uniqueItems: true,
        maxItems: 256,
        default: [],
        title: 'Allowed client certificates',
        description:
          'SHA-256 fingerprints (AA:BB:…, 32 upper-case hex pairs) of the client certificates accepted, on top of ' +
          'the CA check. Empty: any certificate signed by the CA bundle.',
        'x-order': 7,
        ...whenClientCertRequired,
      },
    },
    allOf: [
      requiredWhen('enabled', true, ['certificate', 'privateKey']),
      requiredWhen('requireClientCertificate', true, ['caBundle']),
    ],
  });
}

export function allowedAddresses(order: number): JsonSchema {
  return {
    type: 'array',
    items: { type: 'string', pattern: CIDR_PATTERN },
    uniqueItems: true,
    maxItems: 1024,
    default: [],
    title: 'Allowed client addresses',
    description:
      'CIDR blocks (10.1.2.0/24, 2001:db8::/48) clients may connect from; use /32 or /128 for a single host. ' +
      'Other addresses are disconnected before any data is read. Empty: every address.',
    'x-order': order,
  };
}

/**
 * Where an acceptor listens. `extra` holds fields only one connector has (the WebSocket path); they follow
 * the port.
 */
export function listenSection(order: number, description: string, extra: Record<string, JsonSchema> = {}): JsonSchema {
  return section('Listen', {
    title: 'Listen',
    description,
    'x-order': order,
    required: ['port'],
    properties: {
      host: host({
        default: '0.0.0.0',
        title: 'Address',
        description: 'Local address to listen on. 0.0.0.0: every IPv4 interface; :: every interface.',
        'x-order': 1,
      }),
      port: port({
        title: 'Port',
        description: 'TCP port to listen on.',
        'x-order': 2,
      }),
      ...extra,
    },
  });
}

// FIX versions are shared by the initiator and the acceptor so both accept the same spellings.
export const FIX_BEGIN_STRINGS = ['FIX.4.0', 'FIX.4.1', 'FIX.4.2', 'FIX.4.3', 'FIX.4.4', 'FIXT.1.1'] as const;
export const FIX_APPL_VER_IDS = ['FIX.5.0', 'FIX.5.0SP1', 'FIX.5.0SP2'] as const;

/** FIX CompIDs and SubIDs are printable ASCII without spaces; `=` would break the tag=value encoding. */
export const FIX_ID_PATTERN = '^[!-<>-~]+$';

export function beginString(order: number): JsonSchema {
  // No default: the version must match the counterparty's, so it is chosen deliberately.
  return choice(FIX_BEGIN_STRINGS, undefined, {
    title: 'FIX version',
    description: 'BeginString (tag 8). Choose FIXT.1.1 for FIX 5.0 and later, then pick the application version.',
    'x-order': order,
  });
}

export function defaultApplVerId(order: number): JsonSchema {
  return choice(FIX_APPL_VER_IDS, 'FIX.5.0SP2', {
    title: 'Application version',
    description: 'DefaultApplVerID (tag 1137) sent on Logon: the FIX 5.x version of application messages.',
    'x-order': order,
    'x-visible-if': { beginString: 'FIXT.1.1' },
  });
}

export function fixId(hints: FieldHints): JsonSchema {
  return { type: 'string', minLength: 1, maxLength: 64, pattern: FIX_ID_PATTERN, ...hints };
}

/** Under FIXT.1.1 the application version is not implied by BeginString, so it must be given. */
export function fixtNeedsApplVerId(): JsonSchema {
  return requiredWhen('beginString', 'FIXT.1.1', ['defaultApplVerId']);
}

export function fixDataDictionary(order: number): JsonSchema {
  return artifact({
    title: 'Data dictionary',
    description:
      'Artifact with the QuickFIX-format XML data dictionary (custom tags, venue-specific fields). ' +
      'Empty: the standard dictionary of the FIX version.',
    'x-order': order,
  });
}

export function fixValidateIncoming(order: number): JsonSchema {
  return toggle(true, {
    title: 'Validate incoming messages',
    description:
      'Check incoming application messages against the data dictionary and reject invalid ones ' +
      '(session-level Reject, tag 35=3).',
    'x-order': order,
  });
}

export function fixMaxMessageSize(order: number): JsonSchema {
  return maxMessageSize(order, 'Largest FIX message accepted, in bytes. A larger one closes the connection.');
}

/** How long a FIX Logon may take; the acceptor waits for the client's, the initiator for the reply to its own. */
export function fixLogonTimeout(order: number, description: string): JsonSchema {
  return seconds(10, 1, 300, {
    title: 'Logon timeout',
    description,
    'x-order': order,
    'x-advanced': true,
  });
}

export function fixSendingTimeTolerance(order: number): JsonSchema {
  return seconds(120, 1, 3600, {
    title: 'Sending time tolerance',
    description:
      'Maximum difference, in seconds, between SendingTime (tag 52) and our clock; ' +
      'messages outside it are rejected and the session logged out, as FIX requires.',
    'x-order': order,
    'x-advanced': true,
  });
}

/**
 * Username (tag 553) at `order` and password (tag 554) right after; the initiator sends them, the acceptor
 * checks them, so only the wording differs. The caller's schema should require the username with a password.
 */
export function fixLogonCredentials(
  order: number,
  descriptions: { username: string; password: string },
): Record<string, JsonSchema> {
  return {
    username: {
      type: 'string',
      minLength: 1,
      maxLength: 256,
      title: 'Username',
      description: descriptions.username,
      'x-order': order,
    },
    password: secret({
      title: 'Password',
      description: descriptions.password,
      'x-order': order + 1,
    }),
  };
}

export const NATS_AUTH_MODES = ['none', 'token', 'userPassword', 'nkey', 'credentials'] as const;

/** `nats://` or `tls://`, host and port only: credentials belong in the Authentication section. */
export const NATS_SERVER_URL_PATTERN = '^(nats|tls)://[^/?#@\\s]+$';

/** Stream and consumer names as NATS allows them: no whitespace, `.`, `*`, `>`, slashes or control characters. */
export const NATS_NAME_PATTERN = '^[^\\s.*>/\\\\\\u0000-\\u001f\\u007f]+$';

export function natsConnectionSection(order: number): JsonSchema {
  return section('Connection', {
    title: 'Connection',
    description: 'The NATS servers to connect to. The client fails over between them.',
    'x-order': order,
    required: ['servers'],
    properties: {
      servers: {
        type: 'array',
        items: { type: 'string', maxLength: 512, pattern: NATS_SERVER_URL_PATTERN },
        minItems: 1,
        maxItems: 32,
        uniqueItems: true,
        title: 'Servers',
        description:
          'Server URLs such as nats://nats-1.internal:4222 or tls://nats.example.com:4222. tls:// forces TLS. ' +
          'Do not put credentials in the URL; use Authentication.',
        'x-order': 1,
      },
      connectionName: {
        type: 'string',
        maxLength: 128,
        pattern: '^[!-~]+$',
        title: 'Connection name',
        description: 'Client name shown in NATS server monitoring. Empty: the adapter name.',
        'x-order': 2,
        'x-advanced': true,
      },
      connectTimeoutSeconds: seconds(5, 1, 300, {
        title: 'Connect timeout',
        description: 'Seconds to wait for a server to accept the connection before trying the next one.',
        'x-order': 3,
        'x-advanced': true,
      }),
      reconnectIntervalSeconds: seconds(2, 1, 300, {
        title: 'Reconnect interval',
        description:
          'Seconds between reconnect attempts after the connection drops. During a longer outage the wait grows ' +
          'to a quarter of the time down so far, at most 30 s.',
        'x-order': 4,
        'x-advanced': true,
      }),
    },
  });
}

export function natsAuthenticationSection(order: number): JsonSchema {
  return section('Authentication', {
    title: 'Authentication',
    description: 'How the adapter authenticates to NATS.',
    'x-order': order,
    properties: {
      mode: choice(NATS_AUTH_MODES, 'none', {
        title: 'Method',
        description:
          'none; token; userPassword (user and password); nkey (NKey seed, challenge-signed); ' +
          'credentials (a .creds file: user JWT and NKey seed, for decentralised auth).',
        'x-order': 1,
      }),
      token: secret({
        title: 'Token',
        description: 'Authentication token configured on the NATS server. Write-only.',
        'x-order': 2,
        'x-visible-if': { mode: 'token' },
      }),
      username: {
        type: 'string',
        minLength: 1,
        maxLength: 256,
        title: 'User',
        description: 'NATS user name.',
        'x-order': 3,
        'x-visible-if': { mode: 'userPassword' },
      },
      password: secret({
        title: 'Password',
        description: 'Password of the NATS user. Write-only.',
        'x-order': 4,
        'x-visible-if': { mode: 'userPassword' },
      }),
      nkeySeed: secret({
        title: 'NKey seed',
        description:
          'User NKey seed (58 characters starting with SU). The server only ever sees the public key. Write-only.',
        pattern: '^SU[A-Z2-7]{56}$',
        'x-order': 5,
        'x-visible-if': { mode: 'nkey' },
      }),
      credentials: secret({
        title: 'Credentials file',
        description: 'Full text of the .creds file issued by nsc: the user JWT followed by the NKey seed. Write-only.',
        pattern: '^\\s*-----BEGIN NATS USER JWT-----',
        'x-order': 6,
        'x-visible-if': { mode: 'credentials' },
      }),
    },
    allOf: [
      requiredWhen('mode', 'token', ['token']),
      requiredWhen('mode', 'userPassword', ['username', 'password']),
      requiredWhen('mode', 'nkey', ['nkeySeed']),
      requiredWhen('mode', 'credentials', ['credentials']),
    ],
  });
}

export function natsTlsSection(order: number): JsonSchema {
  return clientTlsSection({
    order,
    description: 'TLS to the NATS servers. Always used for tls:// server URLs.',
    switchable: true,
    serverName: false,
  });
}

/** What a FIX adapter does with the application messages it receives. */
export function fixApplicationMode(order: number): JsonSchema {
  return choice(['pipeline', 'echo', 'fill'], 'pipeline', {
    title: 'Application',
    description:
      'What happens to application messages received: pipeline — hand them to the adapter\'s pipeline (message flow); ' +
      'echo — send each NewOrderSingle back on the same session (a test counterparty); ' +
      'fill — answer each NewOrderSingle with a filled ExecutionReport (a test venue).',
    'x-order': order,
    'x-advanced': true,
  });
}

/** How a FIX adapter's message store commits its writes (PostgresMessageStore's `commit` option). */
export function fixMessageStoreSection(order: number): JsonSchema {
  return section('Message store', {
    title: 'Message store',
    description: 'How the sequence numbers and sent messages (kept for resends) are written to the database.',
    'x-order': order,
    properties: {
      commit: choice(['synchronous', 'asynchronous'], 'synchronous', {
        title: 'Commit',
        description:
          'synchronous — a write counts as stored once PostgreSQL has flushed it to disk: nothing is ever lost. ' +
          'asynchronous — once PostgreSQL has it in memory (synchronous_commit=off for these writes only), which ' +
          'saves the wait for the disk and most of the latency per message. A failover between pods still loses ' +
          'nothing, but a crash of the database server itself may lose the last few hundred milliseconds of writes, ' +
          'including messages the counterparty already received: the session then reuses their sequence numbers, ' +
          'the counterparty refuses them (MsgSeqNum too low) and logs out, and the session stays down until an ' +
          'operator sets the sequence numbers (set-sequence-numbers) to what the counterparty expects.',
        'x-order': 1,
        'x-advanced': true,
      }),
    },
  });
}

export const WS_AUTH_MODES = ['none', 'bearer', 'hmac'] as const;

/**
 * The Authentication section of both WebSocket connectors: the `mode` switch and what each mode requires.
 * `fields` are the credentials, which differ by end (only the client sends a key id, only the server bounds
 * the signature's age); `token` and `hmacSecret` are the names the mode rules require.
 */
export function wsAuthenticationSection(
  order: number,
  descriptions: { section: string; mode: string },
  fields: { token: JsonSchema; hmacSecret: JsonSchema } & Record<string, JsonSchema>,
): JsonSchema {
  return section('Authentication', {
    title: 'Authentication',
    description: descriptions.section,
    'x-order': order,
    properties: {
      mode: choice(WS_AUTH_MODES, 'none', {
        title: 'Method',
        description: descriptions.mode,
        'x-order': 1,
      }),
      ...fields,
    },
    allOf: [requiredWhen('mode', 'bearer', ['token']), requiredWhen('mode', 'hmac', ['hmacSecret'])],
  });
}

export function wsBearerToken(order: number, description: string): JsonSchema {
  return secret({
    title: 'Bearer token',
    description,
    'x-order': order,
    'x-visible-if': { mode: 'bearer' },
  });
}

export function wsHmacSecret(order: number, description: string): JsonSchema {
  return secret({
    title: 'HMAC secret',
    description,
    'x-order': order,
    'x-visible-if': { mode: 'hmac' },
  });
}

export function wsHmacAlgorithm(order: number): JsonSchema {
  return choice(['sha256', 'sha512'], 'sha256', {
    title: 'HMAC algorithm',
    description: 'Hash function of the HMAC signature.',
    'x-order': order,
    'x-advanced': true,
    'x-visible-if': { mode: 'hmac' },
  });
}

/** How frames map to messages; the same on both ends so a client and a server adapter can talk to each other. */
export function wsMessageFormat(order: number): JsonSchema {
  return choice(['json', 'text'], 'json', {
    title: 'Message format',
    description:
      'json: each text frame is one JSON document, so pipelines can use JSON paths ($.order.id); a frame that ' +
      'is not (a binary frame, malformed JSON) is reported and parked in the dead-letter channel with the reason. ' +
      'text: text frames are passed through as opaque text.',
    'x-order': order,
  });
}

/** Bytes queued for a peer that reads slowly; what happens above it differs by end, hence the description. */
export function wsMaxSendBuffer(order: number, description: string): JsonSchema {
  return bytes(8 * MIB, 64 * 1024, 256 * MIB, {
    title: 'Maximum send buffer',
    description,
    'x-order': order,
    'x-advanced': true,
  });
}

/** WebSocket ping at `order` and the pong timeout right after; what a missing pong triggers differs by end. */
export function wsKeepAlive(
  order: number,
  descriptions: { ping: string; pong: string },
): Record<string, JsonSchema> {
  return {
    pingIntervalSeconds: seconds(30, 0, 3600, {
      title: 'Ping interval',
      description: descriptions.ping,
      'x-order': order,
      'x-advanced': true,
    }),
    pongTimeoutSeconds: seconds(10, 1, 3600, {
      title: 'Pong timeout',
      description: descriptions.pong,
      'x-order': order + 1,
      'x-advanced': true,
    }),
  };
}
