import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { fixAcceptor, fixInitiator } from './index.ts';
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

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeFile(FIX_SETTINGS_DOC, fixSettingsPage());
