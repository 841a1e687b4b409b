import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { PluginManifest } from '@crosswire/orchestrator/contract';
import { fixAcceptor, fixInitiator, natsConsumer, natsProducer, wsAcceptor, wsInitiator } from './index.ts';
import { settingsMarkdown } from './settings-doc.ts';

const docPath = (name: string) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));

/** A heading, the intro lines, then one settings table per plugin. */
function settingsPage(heading: string, intro: readonly string[], plugins: readonly PluginManifest[]): string {
  return [`# ${heading}`, '', ...intro, '', ...plugins.map((plugin) => settingsMarkdown(plugin))].join('\n');
}

export const FIX_SETTINGS_DOC = docPath('fix-settings.md');

export function fixSettingsPage(): string {
  return settingsPage(
    'FIX settings, field by field',
    [
      'Generated from the built-in plugin manifests (`adapter/src/plugins`) by `npm run docs:fix-settings`;',
      'a test fails when this page and the manifests disagree. The portal draws its forms from the same schemas.',
    ],
    [fixAcceptor, fixInitiator],
  );
}

export const WS_SETTINGS_DOC = docPath('ws-settings.md');

export function wsSettingsPage(): string {
  return settingsPage(
    'WebSocket settings, field by field',
    [
      'Generated from the built-in plugin manifests (`adapter/src/plugins`) by `npm run docs:fix-settings` (which writes',
      'the FIX and WebSocket pages); a test fails when this page and the manifests disagree. How the connectors behave',
      '(authentication, limits, delivery) is in [message-flow.md](message-flow.md#websocket-connectors).',
    ],
    [wsAcceptor, wsInitiator],
  );
}

export const NATS_SETTINGS_DOC = docPath('nats-settings.md');

export function natsSettingsPage(): string {
  return settingsPage(
    'NATS JetStream settings, field by field',
    [
      'Generated from the built-in plugin manifests (`adapter/src/plugins`) by `npm run docs:fix-settings` (which writes',
      'the FIX, WebSocket and NATS pages); a test fails when this page and the manifests disagree. How the connectors behave',
      '(acknowledgements, redelivery, deduplication, outages) is in [message-flow.md](message-flow.md#nats-jetstream-connectors).',
    ],
    [natsConsumer, natsProducer],
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(FIX_SETTINGS_DOC, fixSettingsPage());
  await writeFile(WS_SETTINGS_DOC, wsSettingsPage());
  await writeFile(NATS_SETTINGS_DOC, natsSettingsPage());
}
