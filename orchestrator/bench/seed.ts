import { performance } from 'node:perf_hooks';
import { BenchClient, expectStatus, pool } from './http.ts';
import type { BenchStack } from './stack.ts';

/**
 * Fills the database with adapters. Through the API when that fits the time budget; otherwise the first
 * `probe` go through the API (to measure the rate and obtain the stored spec) and the rest are inserted
 * with SQL that writes exactly what createAdapter writes (domain/adapters.ts, migrations/001_core.sql):
 * the adapter row, revision 1, one lease slot (mode `single`), the "created" event; no artifact refs.
 */

export const NAME_PREFIX = 'bench-';
export const CONNECTOR_TYPE = 'fix-initiator';
export const adapterName = (i: number) => `${NAME_PREFIX}${String(i).padStart(5, '0')}`;

export const adapterSpec = (name: string) => ({
  name,
  mode: 'single',
  connector: {
    type: CONNECTOR_TYPE,
    config: {
      session: { beginString: 'FIX.4.4', senderCompId: 'CROSSWIRE', targetCompId: 'VENUE' },
      connection: { host: '127.0.0.1', port: 9877 },
    },
  },
});

export interface SeedResult {
  ids: string[];
  viaApi: number;
  viaSql: number;
  /** Adapters created per second through the API (POST /adapters). */
  apiRate: number;
  seconds: number;
}

const ADMIN_NAME = 'Bench admin';

export async function seedAdapters(
  stack: BenchStack,
  count: number,
  options: { concurrency: number; probe: number; budgetSeconds: number; log: (line: string) => void },
): Promise<SeedResult> {
  const client = new BenchClient({ maxSockets: options.concurrency });
  const started = performance.now();
  const ids: string[] = new Array<string>(count);
  try {
    const create = async (i: number) => {
      const reply = await client.call('POST', `${stack.api}/adapters`, stack.tokens.admin, adapterSpec(adapterName(i)));
      expectStatus(reply, 201, `create ${adapterName(i)}`);
      ids[i] = (reply.body as { id: string }).id;
    };
    const probe = Math.min(count, options.probe);
    await pool(probe, options.concurrency, create);
    const probeSeconds = (performance.now() - started) / 1000;
    const apiRate = probe / probeSeconds;
    const projected = count / apiRate;
    let viaApi = probe;
    if (projected <= options.budgetSeconds) {
      await pool(count - probe, options.concurrency, (i) => create(probe + i));
      viaApi = count;
    } else if (probe < count) {
      options.log(
        `  ${stack.backend}: POST /adapters runs at ${apiRate.toFixed(0)}/s, so ${count.toLocaleString('en-US')} would take ~${projected.toFixed(0)} s ` +
          `(budget ${options.budgetSeconds} s): inserting the other ${(count - probe).toLocaleString('en-US')} with SQL, as createAdapter writes them`,
      );
      const inserted = await insertWithSql(stack, probe, count);
      inserted.forEach((id, k) => (ids[probe + k] = id));
      await assertSameAsApi(stack, client, ids[0]!, ids[count - 1]!);
    }
    const seconds = (performance.now() - started) / 1000;
    const totalRate = viaApi === count ? count / seconds : apiRate;
    return { ids, viaApi, viaSql: count - viaApi, apiRate: totalRate, seconds };
  } finally {
    client.close();
  }
}

/** Adapters [from, to) by SQL, in batches, each batch one transaction like createAdapter's. */
async function insertWithSql(stack: BenchStack, from: number, to: number): Promise<string[]> {
  const template = await stack.db.query<{ mode: string; connector_type: string; spec: unknown }>(
    'SELECT mode, connector_type, spec FROM adapters WHERE name = $1',
    [adapterName(0)],
  );
  const row = template.rows[0];
  if (!row) throw new Error(`no template adapter ${adapterName(0)} to copy the stored spec from`);
  const spec = typeof row.spec === 'string' ? row.spec : JSON.stringify(row.spec);
  const ids: string[] = [];
  const batch = 1_000;
  for (let start = from; start < to; start += batch) {
    const end = Math.min(to, start + batch) - 1;
    const { rows } = await stack.db.transaction((tx) =>
      tx.query<{ id: string }>(
        `WITH created AS (
           INSERT INTO adapters (name, revision, mode, connector_type, spec)
           SELECT $1 || lpad(i::text, 5, '0'), 1, $2, $3, $4::jsonb FROM generate_series($5::int, $6::int) AS i
           RETURNING id, name, spec),
         revisions AS (
           INSERT INTO adapter_revisions (adapter_id, revision, spec, author, message)
           SELECT id, 1, spec, $7, 'created' FROM created),
         slots AS (
           INSERT INTO leases (adapter_id, slot) SELECT id, 0 FROM created),
         logged AS (
           INSERT INTO events (adapter_id, level, category, message, details)
           SELECT id, 'info', 'action', $8, '{"revision":1}'::jsonb FROM created)
         SELECT id FROM created ORDER BY name`,
        [NAME_PREFIX, row.mode, row.connector_type, spec, start, end, ADMIN_NAME, `created by ${ADMIN_NAME} (revision 1, disabled)`],
      ),
    );
    ids.push(...rows.map((r) => r.id));
  }
  if (ids.length !== to - from) throw new Error(`SQL insert made ${ids.length} adapters, expected ${to - from}`);
  return ids;
}

/** An adapter inserted by SQL reads back through the API exactly like one created through it. */
async function assertSameAsApi(stack: BenchStack, client: BenchClient, viaApi: string, viaSql: string): Promise<void> {
  const read = async (id: string) => {
    const reply = await client.call('GET', `${stack.api}/adapters/${id}`, stack.tokens.viewer);
    expectStatus(reply, 200, `get adapter ${id}`);
    const { id: _id, name: _name, createdAt: _c, updatedAt: _u, ...rest } = reply.body as Record<string, unknown>;
    return JSON.stringify(rest);
  };
  const [a, b] = await Promise.all([read(viaApi), read(viaSql)]);
  if (a !== b) throw new Error(`an adapter inserted with SQL differs from one created through the API:\n${a}\n${b}`);
}

/** Enables adapters through the API (POST /adapters/{id}/enable), as an operator would. */
export async function enableAdapters(stack: BenchStack, ids: readonly string[], concurrency: number): Promise<void> {
  const client = new BenchClient({ maxSockets: concurrency });
  try {
    await pool(ids.length, concurrency, async (i) => {
      const reply = await client.call('POST', `${stack.api}/adapters/${ids[i]}/enable`, stack.tokens.admin);
      expectStatus(reply, 200, `enable ${ids[i]}`);
    });
  } finally {
    client.close();
  }
}
