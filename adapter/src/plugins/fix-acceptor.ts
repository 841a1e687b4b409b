import type { PluginManifest } from '@crosswire/orchestrator/contract';
import {
  channelName,
  fixApplicationMode,
  SCHEMA_DIALECT,
  allowedAddresses,
  beginString,
  defaultApplVerId,
  fixDataDictionary,
  fixId,
  fixLogonCredentials,
  fixLogonTimeout,
  fixMaxMessageSize,
  fixMessageStoreSection,
  fixSendingTimeTolerance,
  fixtNeedsApplVerId,
  fixValidateIncoming,
  listenSection,
  seconds,
  section,
  serverTlsSection,
} from './schema-parts.ts';

export const fixAcceptor: PluginManifest = {
  type: 'fix-acceptor',
  title: 'FIX acceptor',
  description: 'Listens for FIX clients (for example your own customers) and accepts the sessions listed.',
  version: '1.0.0',
  direction: 'bidirectional',
  // It owns a listening port and its sessions' sequence numbers; only one pod may hold either.
  exclusive: true,
  configSchema: {
    $schema: SCHEMA_DIALECT,
    title: 'FIX acceptor',
    type: 'object',
    additionalProperties: false,
    required: ['listen', 'sessions'],
    properties: {
      listen: listenSection(1, 'The address and port clients connect to.'),
      sessions: {
        type: 'array',
        minItems: 1,
        maxItems: 1000,
        title: 'Sessions',
        description:
          'The FIX sessions clients may log on to. A Logon whose CompIDs match none of them is refused. ' +
          'Each SenderCompID/TargetCompID pair must be unique.',
        'x-order': 2,
        items: section('Session', {
          title: 'Session',
          description: 'One client session.',
          'x-order': 1,
          required: ['beginString', 'senderCompId', 'targetCompId'],
          properties: {
            beginString: beginString(1),
            defaultApplVerId: defaultApplVerId(2),
            senderCompId: fixId({
              title: 'SenderCompID (ours)',
              description: 'Our CompID: the client sends it as TargetCompID (tag 56) and we send it as tag 49.',
              'x-order': 3,
            }),
            targetCompId: fixId({
              title: 'TargetCompID (client)',
              description: "The client's CompID: the client sends it as SenderCompID (tag 49).",
              'x-order': 4,
            }),
            // No defaults: the session enforces a bound only when one is set.
            minHeartBtInt: {
              type: 'integer',
              minimum: 1,
              maximum: 3600,
              title: 'Minimum heartbeat interval',
              description: 'Smallest HeartBtInt (tag 108), in seconds, accepted in the client Logon. Empty: no lower bound.',
              'x-order': 5,
              'x-advanced': true,
            },
            maxHeartBtInt: {
              type: 'integer',
              minimum: 1,
              maximum: 3600,
              title: 'Maximum heartbeat interval',
              description: 'Largest HeartBtInt (tag 108), in seconds, accepted in the client Logon. Empty: no upper bound.',
              'x-order': 6,
              'x-advanced': true,
            },
            ...fixLogonCredentials(7, {
              username: 'Username (tag 553) the client must send on Logon. Empty: not checked.',
              password: 'Password (tag 554) the client must send on Logon. Write-only.',
            }),
            dataDictionary: fixDataDictionary(9),
            validateIncoming: fixValidateIncoming(10),
            subscribeChannel: channelName({
              title: 'Outbound channel',
              description:
                'Crosswire channel whose messages are sent on this session while it is logged on, in order, each exactly once across reconnects and failovers. The message type comes from the message (its msgType header or tag 35), the header fields from the session. Route each session\'s messages to its own channel in the pipeline of the adapter that feeds them: an adapter reads each channel in one place only. Empty: nothing is sent on this session.',
              'x-order': 11,
            }),
          },
          dependentRequired: { password: ['username'] },
          allOf: [fixtNeedsApplVerId()],
        }),
      },
      allowedAddresses: allowedAddresses(3),
      application: fixApplicationMode(6),
      subscribeChannel: channelName({
        title: 'Outbound channel',
        description:
          'Crosswire channel whose messages are sent on the first session in the list while it is logged on, in order, each exactly once across reconnects and failovers (the channel position moves in the same database write that stores the sent message for resends): a shorthand for single-session acceptors. A session\'s own Outbound channel (sessions[].subscribeChannel) is sent on that session; when the first session also names one, both are sent on it, each in its own order. The message type comes from the message (its msgType header or tag 35), the header fields from the session. Empty: nothing is sent on the first session unless it names its own channel.',
        'x-order': 7,
      }),
      tls: serverTlsSection(4),
      messageStore: fixMessageStoreSection(8),
      limits: section('Limits', {
        title: 'Limits',
        description: 'Protection against slow, idle, oversized or too many clients.',
        'x-order': 5,
        properties: {
          logonTimeoutSeconds: fixLogonTimeout(1, 'Seconds a new connection has to send a valid Logon before it is closed.'),
          handshakeTimeoutSeconds: seconds(10, 1, 300, {
            title: 'TLS handshake timeout',
            description: 'Seconds a new connection has to complete the TLS handshake before it is closed.',
            'x-order': 2,
            'x-advanced': true,
          }),
          idleTimeoutSeconds: seconds(300, 1, 86400, {
            title: 'Idle timeout',
            description:
              'Seconds without any bytes from a client before its connection is closed. ' +
              'Logged-on sessions are also bound by their heartbeat interval.',
            'x-order': 3,
            'x-advanced': true,
          }),
          maxMessageSize: fixMaxMessageSize(4),
          maxConnections: {
            type: 'integer',
            minimum: 1,
            maximum: 10000,
            default: 100,
            title: 'Maximum connections',
            description: 'Simultaneous TCP connections, logged on or not; further ones are refused.',
            'x-order': 5,
            'x-advanced': true,
          },
          sendingTimeToleranceSeconds: fixSendingTimeTolerance(6),
        },
      }),
    },
  },
};
