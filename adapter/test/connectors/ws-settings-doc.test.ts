import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WS_SETTINGS_DOC, wsSettingsPage } from '../../src/plugins/write-settings-doc.ts';

describe('the WebSocket settings reference', () => {
  it('is what the manifests say today (run `npm run docs:fix-settings` after changing a manifest)', () => {
    expect(readFileSync(WS_SETTINGS_DOC, 'utf8')).toBe(wsSettingsPage());
  });

  it('lists both connectors with their limits and secrets', () => {
    const page = wsSettingsPage();
    expect(page).toContain('| `limits.maxBufferedBytes` | integer | default `8388608`, ≥ 65536, ≤ 268435456 |');
    expect(page).toContain('| `authentication.token` | secret |');
    expect(page).toContain('| `connection.url` (required) | string |');
    expect(page).toContain('| `subscribeChannel` | string |');
  });
});
