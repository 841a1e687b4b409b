import type { PluginManifest } from '@crosswire/orchestrator/contract';
import {
  channelName,
  SCHEMA_DIALECT,
  allowedAddresses,
  listenSection,
  maxMessageSize,
  seconds,
  section,
  serverTlsSection,
  wsAuthenticationSection,
  wsBearerToken,
  wsHmacAlgorithm,
  wsHmacSecret,
  wsKeepAlive,
  wsMaxSendBuffer,
  wsMessageFormat,
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
      listen: listenSection(1, 'The address, port and path clients connect to.', {
        path: {
          type: 'string',
          maxLength: 1024,
          pattern: "^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$",
          default: '/',
          title: 'Path',
          description: 'URL path of the WebSocket endpoint, such as /v1/stream. Upgrades on other paths get 404.',
          'x-order': 3,
        },
      }),
      format: wsMessageFormat(2),
      subscribeChannel: channelName({
        title: 'Broadcast channel',
        description:
          'Crosswire channel whose messages are sent to every connected client. While no client is connected the ' +
          'channel is not read, so messages wait in it. A client that connects with ?from=<offset> first gets the ' +
          'messages from that channel offset, each frame wrapped as {"offset": n, "message": ...}, so after a ' +
          'reconnect it resumes with from = last offset + 1 and misses nothing. Empty: clients only send.',
        'x-order': 3,
      }),
      authentication: wsAuthenticationSection(
        4,
        {
          section: 'What a client must present in its upgrade request.',
          mode:
            'none; bearer (Authorization: Bearer <token>, or from a browser the crosswire.bearer.<token> subprotocol); hmac (the request is signed with the shared secret ' +
            'and a timestamp, so a captured request cannot be replayed later).',
        },
        {
          token: wsBearerToken(
            2,
            'Token clients must present. Write-only. Clients that can set headers send `Authorization: Bearer <token>`. ' +
              'A browser cannot set headers on a WebSocket, so it offers two subprotocols instead: `crosswire.v1` and ' +
              '`crosswire.bearer.<token in base64url, no padding>`; the server answers `crosswire.v1` and never echoes the token. ' +
              "In JavaScript: `const b64 = btoa(token).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');` " +
              "`const socket = new WebSocket('wss://host/path', ['crosswire.v1', 'crosswire.bearer.' + b64]);` " +
              "`socket.onmessage = (event) => console.log(event.data);` " +
              'The page\'s origin must be in Allowed origins when that list is set.',
          ),
          hmacSecret: wsHmacSecret(3, 'Shared secret client signatures are checked against. Write-only.'),
          hmacAlgorithm: wsHmacAlgorithm(4),
          hmacMaxSkewSeconds: seconds(30, 1, 300, {
            title: 'Signature validity',
            description: 'Seconds a signed request stays valid after its timestamp; older ones are refused as replays.',
            'x-order': 5,
            'x-advanced': true,
            'x-visible-if': { mode: 'hmac' },
          }),
        },
      ),
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
          maxFrameBytes: maxMessageSize(
            2,
            'Largest message accepted from a client, in bytes. A larger one closes its connection.',
          ),
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
          maxBufferedBytes: wsMaxSendBuffer(
            4,
            'Bytes queued for one client that reads slowly. Above this, sending pauses for up to 2 seconds for ' +
              'the client to catch up; a client still above it then is disconnected so it cannot hold back the others.',
          ),
          handshakeTimeoutSeconds: seconds(10, 1, 300, {
            title: 'Handshake timeout',
            description:
              'Seconds a new connection has to complete the TLS and WebSocket handshakes before it is closed.',
            'x-order': 5,
            'x-advanced': true,
          }),
          ...wsKeepAlive(6, {
            ping: 'Seconds between pings sent to each client to detect dead connections. 0: no pings.',
            pong: 'Seconds a client has to answer a ping before it is disconnected.',
          }),
        },
      }),
    },
  },
};
