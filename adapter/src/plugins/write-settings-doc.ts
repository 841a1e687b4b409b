import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { fixAcceptor, fixInitiator, natsConsumer, natsProducer, wsAcceptor, wsInitiator } from './index.ts';
import { settingsMarkdown } from './settings-doc.ts';

export const FIX_SETTINGS_DOC = fileURLToPath(new URL('../../../docs/fix-settings.md', import.meta.url));

export function fixSettingsPage(): string {
  return [
    '# FIX settings, field by field',
    '',
    'Generated from the built-in plugin manifests (`adapter/src/plugins`) by `npm run docs:fix-settings`;',
    'a test fails when this page and the manifests disagree. The portal draws its forms from the same schemas.',
    '',
    settingsMarkdown(fixAcceptor),
    settingsMarkdown(fixInitiator),
  ].join('\n');
}

export const WS_SETTINGS_DOC = fileURLToPath(new URL('../../../docs/ws-settings.md', import.meta.url));

export function wsSettingsPage(): string {
  return [
    '# WebSocket settings, field by field',
    '',
    'Generated from the built-in plugin manifests (`adapter/src/plugins`) by `npm run docs:fix-settings` (which writes',
    'the FIX and WebSocket pages); a test fails when this page and the manifests disagree. How the connectors behave',
    '(authentication, limits, delivery) is in [message-flow.md](message-flow.md#websocket-connectors).',
    '',
    settingsMarkdown(wsAcceptor),
    settingsMarkdown(wsInitiator),
  ].join('\n');
}

export const NATS_SETTINGS_DOC = fileURLToPath(new URL('../../../docs/nats-settings.md', import.meta.url));

export function natsSettingsPage(): string {
  return [
    '# NATS JetStream settings, field by field',
    '',
    'Generated from the built-in plugin manifests (`adapter/src/plugins`) by `npm run docs:fix-settings` (which writes',
    'the FIX, WebSocket and NATS pages); a test fails when this page and the manifests disagree. How the connectors behave',
    '(acknowledgements, redelivery, deduplication, outages) is in [message-flow.md](message-flow.md#nats-jetstream-connectors).',
    '',
    settingsMarkdown(natsConsumer),
    settingsMarkdown(natsProducer),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(FIX_SETTINGS_DOC, fixSettingsPage());
  await writeFile(WS_SETTINGS_DOC, wsSettingsPage());
  await writeFile(NATS_SETTINGS_DOC, natsSettingsPage());
}
