import type { PluginManifest } from '@crosswire/orchestrator/contract';
import {
  NATS_NAME_PATTERN,
  SCHEMA_DIALECT,
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
  description: 'Publishes messages to NATS subjects, optionally waiting for JetStream to store each one.',
  version: '1.0.0',
  direction: 'outbound',
  // Publishing holds no session state; several pods may publish side by side (scale-out).
  exclusive: false,
  configSchema: {
    $schema: SCHEMA_DIALECT,
    title: 'NATS publisher',
    type: 'object',
    additionalProperties: false,
    required: ['connection', 'publish'],
    properties: {
      connection: natsConnectionSection(1),
      publish: section('Publish', {
        title: 'Publish',
        description: 'Where each message is published and how delivery is confirmed.',
        'x-order': 2,
        required: ['subject'],
        properties: {
          subject: {
            type: 'string',
            maxLength: 1024,
            pattern: SUBJECT_TEMPLATE_PATTERN,
            title: 'Subject',
            description:
              'Subject to publish to, such as orders.{Symbol}.new or fills.{$.account}. A {field} placeholder is ' +
              'replaced by that field of the message; a message missing the field, or whose value contains ., *, > ' +
              'or whitespace, goes to the dead-letter channel.',
            'x-order': 1,
          },
          stream: {
            type: 'string',
            maxLength: 255,
            pattern: NATS_NAME_PATTERN,
            title: 'Stream',
            description:
              'JetStream stream expected to store the subject. Set: each publish waits for the stream to ' +
              'acknowledge it. Empty: core NATS publish, with no confirmation.',
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
              'Send each message with its Crosswire message id as Nats-Msg-Id, so JetStream drops copies re-sent ' +
              "after a retry or failover within the stream's duplicate window. Needs a stream.",
            'x-order': 4,
          }),
        },
      }),
      authentication: natsAuthenticationSection(3),
      tls: natsTlsSection(4),
    },
  },
};
