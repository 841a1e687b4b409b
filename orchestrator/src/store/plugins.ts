import type { JsonSchema, PluginManifest } from '../contract/index.ts';
import type { Queryable } from '../db/database.ts';

interface PluginRow {
  type: string;
  title: string;
  description: string;
  version: string;
  direction: PluginManifest['direction'];
  exclusive: boolean;
  config_schema: JsonSchema;
}

const toManifest = (r: PluginRow): PluginManifest => ({
  type: r.type,
  title: r.title,
  description: r.description,
  version: r.version,
  direction: r.direction,
  exclusive: r.exclusive,
  configSchema: r.config_schema,
});

export async function upsertPlugin(db: Queryable, plugin: PluginManifest): Promise<'created' | 'updated' | 'unchanged'> {
  const { rows } = await db.query<{ inserted: boolean }>(
    `INSERT INTO plugins (type, title, description, version, direction, exclusive, config_schema)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (type) DO UPDATE SET title = $2, description = $3, version = $4, direction = $5, exclusive = $6,
       config_schema = $7, updated_at = now()
     WHERE (plugins.title, plugins.description, plugins.version, plugins.direction, plugins.exclusive, plugins.config_schema)
       IS DISTINCT FROM ($2, $3, $4, $5, $6, $7::jsonb)
     RETURNING (xmax = 0) AS inserted`,
    [plugin.type, plugin.title, plugin.description, plugin.version, plugin.direction, plugin.exclusive, plugin.configSchema],
  );
  const row = rows[0];
  return row === undefined ? 'unchanged' : row.inserted ? 'created' : 'updated';
}

export async function findPlugin(db: Queryable, type: string): Promise<PluginManifest | undefined> {
  const { rows } = await db.query<PluginRow>('SELECT * FROM plugins WHERE type = $1', [type]);
  return rows[0] && toManifest(rows[0]);
}

export async function listPlugins(db: Queryable): Promise<PluginManifest[]> {
  const { rows } = await db.query<PluginRow>('SELECT * FROM plugins ORDER BY type');
  return rows.map(toManifest);
}
