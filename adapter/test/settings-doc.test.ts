import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixAcceptor } from '../src/plugins/index.ts';
import { settingsMarkdown } from '../src/plugins/settings-doc.ts';
import { FIX_SETTINGS_DOC, fixSettingsPage } from '../src/plugins/write-settings-doc.ts';

describe('the FIX settings reference', () => {
  it('is what the manifests say today (run `npm run docs:fix-settings` after changing a manifest)', () => {
    expect(readFileSync(FIX_SETTINGS_DOC, 'utf8')).toBe(fixSettingsPage());
  });

  it('lists nested settings with their type, default, range and requiredness', () => {
    const page = settingsMarkdown(fixAcceptor);
    expect(page).toContain('| `listen.port` (required) | integer | ≥ 1, ≤ 65535 |');
    expect(page).toContain('| `sessions[].password` | secret |');
    expect(page).toContain('| `sessions[].dataDictionary` | artifact name |');
  });
});
