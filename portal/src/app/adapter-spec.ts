/** The adapter request bodies the wizard and the editor send, and where server errors show: no React, unit-tested. */
import type { PluginManifest } from '@crosswire/orchestrator/contract';
import { cleanValue } from './schema-form/model.ts';

/** Where the connector config sits in an adapter body: server errors under it belong to the schema form. */
export const CONFIG_POINTER = '/connector/config';

export type WizardStep = 0 | 1 | 2;

/** Which wizard step shows the field a server error names: 0 basics, 1 connection. */
export function stepOfError(path: string): WizardStep {
  return path === '/connector/type' || path === '/connector' || path.startsWith(CONFIG_POINTER) ? 1 : 0;
}

export interface Basics {
  name: string;
  mode: string;
  instances: string;
  description: string;
}

/** The body of POST /adapters (or, with an empty name, of PUT /adapters/{name}). */
export function buildSpec(basics: Basics, type: string, config: unknown, plugin: PluginManifest | undefined) {
  return {
    ...(basics.name ? { name: basics.name } : {}),
    mode: basics.mode,
    ...(basics.mode === 'scale_out' && basics.instances !== '' ? { instances: Number(basics.instances) } : {}),
    ...(basics.description.trim() ? { description: basics.description.trim() } : {}),
    connector: { type, config: (plugin ? cleanValue(plugin.configSchema, config) : config) ?? {} },
  };
}
