import type { PluginManifest } from '@crosswire/orchestrator/contract';
import {
  NATS_NAME_PATTERN,
  SCHEMA_DIALECT,
  choice,
  natsAuthenticationSection,
  natsConnectionSection,
  natsTlsSection,
  seconds,
  section,
} from './schema-parts.ts';

/** A subject filter: `.`-separated tokens, `*` for one token, `>` as the last token for the rest. */
const SUBJECT_FILTER_PATTERN = '^(([^.\\s*>]+|\\*)(\\.([^.\\s*>]+|\\*))*(\\.>)?|>)$';

export const natsConsumer: PluginManifest = {
  type: 'nats-consumer',
  title: 'NATS JetStream consumer',
  description:
    'Reads a NATS JetStream stream through a durable consumer into the adapter\'s pipeline, acknowledging each message once it is stored in its channels.',
  version: '1.0.0',
  direction: 'inbound',
  // Pods share one durable consumer, so JetStream spreads messages between them (scale-out).
  exclusive: false,
  configSchema: {
    $schema: SCHEMA_DIALECT,
    title: 'NATS JetStream consumer',
    type: 'object',
    additionalProperties: false,
    required: ['connection', 'consumer'],
    properties: {
      connection: natsConnectionSection(1),
      consumer: section('Consumer', {
        title: 'Consumer',
        description: 'The stream to read and the durable consumer that remembers what was acknowledged.',
        'x-order': 2,
        required: ['stream', 'durableName'],
        properties: {
          stream: {
            type: 'string',
            maxLength: 255,
            pattern: NATS_NAME_PATTERN,
            title: 'Stream',
            description: 'Name of the JetStream stream to read, such as ORDERS.',
            'x-order': 1,
          },
          durableName: {
            type: 'string',
            maxLength: 255,
            pattern: NATS_NAME_PATTERN,
            title: 'Durable name',
            description:
              'Name of the durable consumer. It keeps the read position across restarts and failovers; ' +
              'created if missing. Do not share it with other applications.',
            'x-order': 2,
          },
          filterSubject: {
            type: 'string',
            maxLength: 1024,
            pattern: SUBJECT_FILTER_PATTERN,
            title: 'Subject filter',
            description: 'Only messages whose subject matches, such as orders.*.new or orders.>. Empty: every subject.',
            'x-order': 3,
          },
          deliverPolicy: choice(['all', 'new', 'last'], 'all', {
            title: 'Start from',
            description:
              'Where a newly created consumer starts: all (oldest message kept), new (messages arriving from now), ' +
              'last (the latest message). Ignored once the consumer exists.',
            'x-order': 4,
          }),
          ackWaitSeconds: seconds(30, 1, 3600, {
            title: 'Acknowledgement wait',
            description: 'Seconds JetStream waits for an acknowledgement before delivering the message again.',
            'x-order': 5,
            'x-advanced': true,
          }),
          maxDeliver: {
            type: 'integer',
            minimum: -1,
            maximum: 1000000,
            not: { const: 0 },
            default: -1,
            title: 'Maximum deliveries',
            description:
              'Delivery attempts per message before JetStream stops offering it to this consumer (it stays in the ' +
              'stream). -1: unlimited, so a message that could not be stored is offered again until it is.',
            'x-order': 6,
            'x-advanced': true,
          },
          maxAckPending: {
            type: 'integer',
            minimum: 1,
            maximum: 1000000,
            default: 1000,
            title: 'Maximum unacknowledged',
            description: 'Messages delivered but not yet acknowledged before JetStream pauses delivery.',
            'x-order': 7,
            'x-advanced': true,
          },
        },
      }),
      format: choice(['json', 'text'], 'json', {
        title: 'Payload format',
        description:
          'json: each payload must be one JSON document, which becomes the message body; text: the payload (UTF-8) ' +
          'becomes a string body. A payload that does not fit goes to the dead-letter channel.',
        'x-order': 3,
      }),
      authentication: natsAuthenticationSection(4),
      tls: natsTlsSection(5),
    },
  },
};
