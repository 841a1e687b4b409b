import { z } from 'zod';
import { Problem } from '../../contract/index.ts';
import { notFound } from '../../domain/errors.ts';
import { findPlugin, listPlugins } from '../../domain/plugins.ts';
import { ok, route } from '../route.ts';

const PluginManifest = z
  .object({
    type: z.string(),
    title: z.string(),
    description: z.string(),
    version: z.string(),
    direction: z.enum(['inbound', 'outbound', 'bidirectional']),
    exclusive: z.boolean(),
    configSchema: z.record(z.string(), z.unknown()).meta({ description: 'JSON Schema with x- UI hints' }),
  })
  .meta({ id: 'PluginManifest' });

const tag = 'Plugins';
export const pluginRoutes = [
  route({
    method: 'get',
    path: '/plugins',
    operationId: 'listPlugins',
    summary: 'Installed connector types with their config schemas and UI hints',
    tag,
    role: 'viewer',
    responses: { 200: { description: 'Every plugin', schema: z.object({ items: z.array(PluginManifest) }) } },
    handle: async ({ services }) => ok({ items: await listPlugins(services.db) }),
  }),
  route({
    method: 'get',
    path: '/plugins/{type}',
    operationId: 'getPlugin',
    summary: 'One connector type',
    tag,
    role: 'viewer',
    responses: { 200: { description: 'The plugin', schema: PluginManifest }, 404: { description: 'Not installed', schema: Problem } },
    handle: async ({ services, params }) => {
      const plugin = await findPlugin(services.db, params.type!);
      if (!plugin) throw notFound(`connector type ${JSON.stringify(params.type)}`);
      return ok(plugin);
    },
  }),
];
