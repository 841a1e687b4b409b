import type { PluginManifest } from '@crosswire/orchestrator/contract';
import {
  channelName,
  MIB,
  SCHEMA_DIALECT,
  allowedAddresses,
  bytes,
  choice,
  host,
  port,
  requiredWhen,
  secret,
  seconds,
  section,
  serverTlsSection,
} from './schema-parts.ts';

export const wsAcceptor: PluginManifest = {
  type: 'ws-acceptor',
  title: 'WebSocket server',
  description: 'Listens for WebSocket clients, takes in their messages and fans a channel out to all of them.',
  version: '1.0.0',
  direction: 'bidirectional',
  // It owns a listening port, which only one pod can bind.
  exclusive: true,
  configSchema: {
    $schema: SCHEMA_DIALECT,
    title: 'WebSocket server',
    type: 'object',
    additionalProperties: false,
    required: ['listen'],
    properties: {
      listen: section('Listen', {
        title: 'Listen',
        description: 'The address, port and path clients connect to.',
        'x-order': 1,
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
          path: {
            type: 'string',
            maxLength: 1024,
            pattern: "^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$",
            default: '/',
            title: 'Path',
            description: 'URL path of the WebSocket endpoint, such as /v1/stream. Upgrades on other paths get 404.',
            'x-order': 3,
          },
        },
      }),
      format: choice(['json', 'text'], 'json', {
        title: 'Message format',
        description:
          'json: each text frame is one JSON document, so pipelines can use JSON paths ($.order.id); a frame that ' +
          'is not (a binary frame, malformed JSON) is reported and parked in the dead-letter channel with the reason. ' +
          'text: text frames are passed through as opaque text.',
        'x-order': 2,
      }),
      subscribeChannel: channelName({
        title: 'Broadcast channel',
        description:
          'Crosswire channel whose messages are sent to every connected client. While no client is connected the ' +
          'channel is not read, so messages wait in it. A client that connects with ?from=<offset> first gets the ' +
          'messages from that channel offset, each frame wrapped as {"offset": n, "message": ...}, so after a ' +
          'reconnect it resumes with from = last offset + 1 and misses nothing. Empty: clients only send.',
        'x-order': 3,
      }),
      authentication: section('Authentication', {
        title: 'Authentication',
        description: 'What a client must present in its upgrade request.',
        'x-order': 4,
        properties: {
          mode: choice(['none', 'bearer', 'hmac'], 'none', {
            title: 'Method',
            description:
              'none; bearer (Authorization: Bearer <token>, or from a browser the crosswire.bearer.<token> subprotocol); hmac (the request is signed with the shared secret ' +
              'and a timestamp, so a captured request cannot be replayed later).',
            'x-order': 1,
          }),
          token: secret({
            title: 'Bearer token',
            description:
              'Token clients must present. Write-only. Clients that can set headers send `Authorization: Bearer <token>`. ' +
              'A browser cannot set headers on a WebSocket, so it offers two subprotocols instead: `crosswire.v1` and ' +
              '`crosswire.bearer.<token in base64url, no padding>`; the server answers `crosswire.v1` and never echoes the token. ' +
              "In JavaScript: `const b64 = btoa(token).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');` " +
              "`const socket = new WebSocket('wss://host/path', ['crosswire.v1', 'crosswire.bearer.' + b64]);` " +
              "`socket.onmessage = (event) => console.log(event.data);` " +
              'The page\'s origin must be in Allowed origins when that list is set.',
            'x-order': 2,
            'x-visible-if': { mode: 'bearer' },
          }),
          hmacSecret: secret({
            title: 'HMAC secret',
            description: 'Shared secret client signatures are checked against. Write-only.',
            'x-order': 3,
            'x-visible-if': { mode: 'hmac' },
          }),
          hmacAlgorithm: choice(['sha256', 'sha512'], 'sha256', {
            title: 'HMAC algorithm',
            description: 'Hash function of the HMAC signature.',
            'x-order': 4,
            'x-advanced': true,
            'x-visible-if': { mode: 'hmac' },
          }),
          hmacMaxSkewSeconds: seconds(30, 1, 300, {
            title: 'Signature validity',
            description: 'Seconds a signed request stays valid after its timestamp; older ones are refused as replays.',
            'x-order': 5,
            'x-advanced': true,
            'x-visible-if': { mode: 'hmac' },
          }),
        },
        allOf: [requiredWhen('mode', 'bearer', ['token']), requiredWhen('mode', 'hmac', ['hmacSecret'])],
      }),
      allowedOrigins: {
        type: 'array',
        items: { type: 'string', maxLength: 512, pattern: '^https?://[^/?#@\\s]+$' },
        uniqueItems: true,
        maxItems: 256,
        default: [],
        title: 'Allowed origins',
        description:
          'Browser origins (scheme://host[:port], such as https://app.example.com) allowed to connect; a request ' +
          'with any other Origin header is refused. Empty: the Origin header is not checked.',
        'x-order': 5,
      },
      allowedAddresses: allowedAddresses(6),
      tls: serverTlsSection(7),
      limits: section('Limits', {
        title: 'Limits',
        description: 'Protection against slow, idle, noisy or too many clients.',
        'x-order': 8,
        properties: {
          maxConnections: {
            type: 'integer',
            minimum: 1,
            maximum: 100000,
            default: 1000,
            title: 'Maximum connections',
            description: 'Simultaneous client connections; further upgrade requests get 503.',
            'x-order': 1,
            'x-advanced': true,
          },
          maxFrameBytes: bytes(MIB, 1024, 64 * MIB, {
            title: 'Maximum message size',
            description: 'Largest message accepted from a client, in bytes. A larger one closes its connection.',
            'x-order': 2,
            'x-advanced': true,
          }),
          maxMessagesPerSecond: {
            type: 'integer',
            minimum: 1,
            maximum: 1000000,
            default: 1000,
            title: 'Maximum messages per second',
            description:
              'Messages per second one client may send. Above it the client is slowed down (not read until the second ' +
              'ends, nothing it sent is dropped); one above it 5 seconds running, or sending 5 seconds\' worth at ' +
              'once, is disconnected (close code 1008).',
            'x-order': 3,
            'x-advanced': true,
          },
          maxBufferedBytes: bytes(8 * MIB, 64 * 1024, 256 * MIB, {
            title: 'Maximum send buffer',
            description:
              'Bytes queued for one client that reads slowly. Above this, sending pauses for up to 2 seconds for ' +
              'the client to catch up; a client still above it then is disconnected so it cannot hold back the others.',
            'x-order': 4,
            'x-advanced': true,
          }),
          handshakeTimeoutSeconds: seconds(10, 1, 300, {
            title: 'Handshake timeout',
            description:
              'Seconds a new connection has to complete the TLS and WebSocket handshakes before it is closed.',
            'x-order': 5,
            'x-advanced': true,
          }),
          pingIntervalSeconds: seconds(30, 0, 3600, {
            title: 'Ping interval',
            description: 'Seconds between pings sent to each client to detect dead connections. 0: no pings.',
            'x-order': 6,
            'x-advanced': true,
          }),
          pongTimeoutSeconds: seconds(10, 1, 3600, {
            title: 'Pong timeout',
            description: 'Seconds a client has to answer a ping before it is disconnected.',
            'x-order': 7,
            'x-advanced': true,
          }),
        },
      }),
    },
  },
};
