import type { PluginManifest } from '@crosswire/orchestrator/contract';
import {
  NATS_NAME_PATTERN,
  SCHEMA_DIALECT,
  channelName,
  choice,
  natsAuthenticationSection,
  natsConnectionSection,
  natsTlsSection,
  seconds,
  section,
  toggle,
} from './schema-parts.ts';

/**
 * A publish subject: `.`-separated tokens without wildcards, where any part of a token may be a `{field}`
 * placeholder (a FIX tag name, a tag number or a JSON path, as in pipelines).
 */
const SUBJECT_TEMPLATE_TOKEN = '([^.\\s*>{}]|\\{[^{}\\s]{1,256}\\})+';
const SUBJECT_TEMPLATE_PATTERN = `^${SUBJECT_TEMPLATE_TOKEN}(\\.${SUBJECT_TEMPLATE_TOKEN})*$`;

export const natsProducer: PluginManifest = {
  type: 'nats-producer',
  title: 'NATS publisher',
  description:
    'Publishes a Crosswire channel to a NATS JetStream stream, in order, committing each message only once JetStream has stored it.',
  version: '1.0.0',
  direction: 'outbound',
  // Pods of one adapter share its channel position: in scale-out each publishes the same messages and
  // JetStream keeps the first copy (Nats-Msg-Id), so an extra pod is a hot standby, not more throughput.
  exclusive: false,
  configSchema: {
    $schema: SCHEMA_DIALECT,
    title: 'NATS publisher',
    type: 'object',
    additionalProperties: false,
    required: ['connection', 'subscribeChannel', 'publish'],
    properties: {
      connection: natsConnectionSection(1),
      subscribeChannel: channelName({
        title: 'Channel',
        description:
          'Crosswire channel whose messages are published, in order, continuing from the last message JetStream ' +
          'acknowledged after a reconnect, a NATS outage or a failover.',
        'x-order': 2,
      }),
      publish: section('Publish', {
        title: 'Publish',
        description: 'Where each message is published and how delivery is confirmed.',
        'x-order': 3,
        required: ['subject', 'stream'],
        properties: {
          subject: {
            type: 'string',
            maxLength: 1024,
            pattern: SUBJECT_TEMPLATE_PATTERN,
            title: 'Subject',
            description:
              'Subject to publish to, such as orders.{Symbol}.new or fills.{$.account}. A {field} placeholder is ' +
              'replaced by that field of the message; a message missing the field, or whose value contains ., *, > ' +
              "or whitespace, goes to the pipeline's dead-letter channel (without one, publishing stops at it with an error).",
            'x-order': 1,
          },
          stream: {
            type: 'string',
            maxLength: 255,
            pattern: NATS_NAME_PATTERN,
            title: 'Stream',
            description:
              'JetStream stream that stores the subject. Each publish waits for this stream to acknowledge it; ' +
              'a subject the stream does not take is refused, not lost.',
            'x-order': 2,
          },
          publishTimeoutSeconds: seconds(5, 1, 300, {
            title: 'Publish timeout',
            description: 'Seconds to wait for the JetStream acknowledgement before retrying the message.',
            'x-order': 3,
            'x-advanced': true,
          }),
          dedupe: toggle(true, {
            title: 'Deduplicate with Nats-Msg-Id',
            description:
              'Send each message with its channel position (channel:offset) as Nats-Msg-Id, so JetStream drops copies ' +
              "re-sent after a retry, an outage or a failover within the stream's duplicate window (2 minutes by default).",
            'x-order': 4,
          }),
          format: choice(['json', 'text'], 'json', {
            title: 'Payload format',
            description:
              'json: a JSON body as its JSON text, a FIX body as a JSON array of [tag, value] pairs. text: a string ' +
              'body as the string itself, a FIX body as tag=value fields separated by SOH.',
            'x-order': 5,
          }),
        },
      }),
      authentication: natsAuthenticationSection(4),
      tls: natsTlsSection(5),
    },
  },
};
