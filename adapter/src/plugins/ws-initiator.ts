import type { PluginManifest } from '@crosswire/orchestrator/contract';
import {
  channelName,
  SCHEMA_DIALECT,
  clientTlsSection,
  maxMessageSize,
  reconnectBackoff,
  seconds,
  section,
  wsAuthenticationSection,
  wsBearerToken,
  wsHmacAlgorithm,
  wsHmacSecret,
  wsKeepAlive,
  wsMaxSendBuffer,
  wsMessageFormat,
} from './schema-parts.ts';

/**
 * Header names are HTTP tokens. Credentials must not be typed into headers: header values are not
 * secret and would be shown, exported and logged, so the auth headers are reserved for Authentication.
 */
const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
const RESERVED_HEADER_PATTERN =
  '^([Aa][Uu][Tt][Hh][Oo][Rr][Ii][Zz][Aa][Tt][Ii][Oo][Nn]|[Pp][Rr][Oo][Xx][Yy]-[Aa][Uu][Tt][Hh][Oo][Rr][Ii][Zz][Aa][Tt][Ii][Oo][Nn]|[Cc][Oo][Oo][Kk][Ii][Ee])$';

export const wsInitiator: PluginManifest = {
  type: 'ws-initiator',
  title: 'WebSocket client',
  description: 'Connects out to a WebSocket server (a market data or order feed) and exchanges messages with it.',
  version: '1.0.0',
  direction: 'bidirectional',
  // Several pods may each hold their own connection to the same feed (scale-out).
  exclusive: false,
  configSchema: {
    $schema: SCHEMA_DIALECT,
    title: 'WebSocket client',
    type: 'object',
    additionalProperties: false,
    required: ['connection'],
    properties: {
      connection: section('Connection', {
        title: 'Connection',
        description: 'The server to connect to, keep-alive and reconnection.',
        'x-order': 1,
        required: ['url'],
        properties: {
          url: {
            type: 'string',
            format: 'uri',
            maxLength: 2048,
            // No user:password@ in the URL: it is not a secret field.
            pattern: '^wss?://[^/?#@\\s]+([/?#]\\S*)?$',
            title: 'URL',
            description: 'ws:// or wss:// URL of the server, such as wss://feed.example.com/v1/stream.',
            'x-order': 1,
          },
          headers: {
            type: 'object',
            propertyNames: {
              type: 'string',
              maxLength: 128,
              pattern: HEADER_NAME_PATTERN,
              not: { pattern: RESERVED_HEADER_PATTERN },
            },
            additionalProperties: { type: 'string', maxLength: 8192 },
            maxProperties: 64,
            default: {},
            title: 'Extra headers',
            description:
              'HTTP headers added to the upgrade request (name: value). Not secret: Authorization and Cookie are ' +
              'refused here; use Authentication.',
            'x-order': 2,
            'x-advanced': true,
          },
          connectTimeoutSeconds: seconds(10, 1, 300, {
            title: 'Connect timeout',
            description:
              'Seconds to wait for the connection and WebSocket handshake before counting the attempt as failed.',
            'x-order': 3,
            'x-advanced': true,
          }),
          ...reconnectBackoff(4, 1),
          ...wsKeepAlive(6, {
            ping: 'Seconds between WebSocket pings sent to detect a dead connection. 0: no pings.',
            pong: 'Seconds to wait for the pong answering a ping before reconnecting.',
          }),
        },
      }),
      format: wsMessageFormat(2),
      subscribeChannel: channelName({
        title: 'Outbound channel',
        description:
          'Crosswire channel whose messages are sent to the server, in order, continuing from where the adapter ' +
          'left off after a reconnect or failover. Empty: the adapter only receives.',
        'x-order': 3,
      }),
      authentication: wsAuthenticationSection(
        4,
        {
          section: 'How the adapter authenticates the upgrade request.',
          mode:
            'none; bearer (Authorization: Bearer <token>); hmac (the request is signed with a shared secret ' +
            'and a timestamp, so a captured request cannot be replayed later).',
        },
        {
          token: wsBearerToken(2, 'Token sent as Authorization: Bearer. Write-only.'),
          hmacKeyId: {
            type: 'string',
            minLength: 1,
            maxLength: 256,
            title: 'HMAC key id',
            description: 'Public identifier of the shared secret (API key), sent with the signature.',
            'x-order': 3,
            'x-visible-if': { mode: 'hmac' },
          },
          hmacSecret: wsHmacSecret(4, 'Shared secret the request is signed with. Write-only.'),
          hmacAlgorithm: wsHmacAlgorithm(5),
        },
      ),
      tls: clientTlsSection({
        order: 5,
        description: 'TLS settings for wss:// URLs; ignored for ws://.',
        switchable: false,
        serverName: true,
      }),
      limits: section('Limits', {
        title: 'Limits',
        description: 'Protection against oversized messages and a slow server.',
        'x-order': 6,
        properties: {
          maxFrameBytes: maxMessageSize(
            1,
            'Largest message accepted from the server, in bytes. A larger one closes the connection.',
          ),
          maxBufferedBytes: wsMaxSendBuffer(
            2,
            'Bytes queued for a server that reads slowly. Above this the adapter stops taking messages from its ' +
              'channels until the buffer drains, so nothing is dropped.',
          ),
        },
      }),
    },
  },
};
