import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NATS_SETTINGS_DOC, natsSettingsPage } from '../../src/plugins/write-settings-doc.ts';

describe('the NATS settings reference', () => {
  it('is what the manifests say today (run `npm run docs:fix-settings` after changing a manifest)', () => {
    expect(readFileSync(NATS_SETTINGS_DOC, 'utf8')).toBe(natsSettingsPage());
  });

  it('lists both connectors with their required settings, limits and secrets', () => {
    const page = natsSettingsPage();
    expect(page).toContain('| `consumer.durableName` (required) | string |');
    expect(page).toContain('| `consumer.maxAckPending` | integer | default `1000`, ≥ 1, ≤ 1000000 |');
    expect(page).toContain('| `subscribeChannel` (required) | string |');
    expect(page).toContain('| `publish.stream` (required) | string |');
    expect(page).toContain('| `authentication.credentials` | secret |');
  });
});
