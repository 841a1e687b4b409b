import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../src/domain/audit.ts';
import { BACKENDS } from './support/databases.ts';
import { specs, startStack, type TestStack } from './support/stack.ts';

describe.each(BACKENDS)('the audit trail on %s', (backend) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack(backend);
  });
  afterAll(() => stack.stop());

  const tamper = (sql: string, params: unknown[] = []) =>
    stack.database.db.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_records DISABLE TRIGGER audit_records_no_update');
      await tx.query(sql, params);
      await tx.query('ALTER TABLE audit_records ENABLE TRIGGER audit_records_no_update');
    });

  it('records who changed what, with before and after, traceable to the request', async () => {
    await stack.call('engineer', 'POST', '/adapters', specs.fixAcceptor('audited', 9811));
    const enable = await stack.call('operator', 'POST', '/adapters/audited/enable', undefined, { 'x-request-id': 'trace-enable-1' });
    expect(enable.status).toBe(200);
    await stack.call('operator', 'POST', '/adapters/audited/set-sequence-numbers', { nextSenderSeqNum: 5 });
    const upload = await fetch(`${stack.api}/artifacts/audited.xml`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.tokens.engineer}`, 'content-type': 'application/xml' },
      body: '<fix/>',
    });
    expect(upload.status).toBe(201);
    await stack.call('engineer', 'DELETE', '/artifacts/audited.xml');

    const page = await stack.call('viewer', 'GET', '/audit?target=adapter/audited');
    const enableRecord = page.body.items.find((r: { action: string }) => r.action === 'adapter.enable');
    expect(enableRecord).toMatchObject({
      actor: { subject: expect.stringContaining('#test-operator'), name: 'Test operator', roles: ['operator'] },
      target: 'adapter/audited',
      before: { enabled: false },
      after: { enabled: true },
      requestId: 'trace-enable-1',
    });
    expect(page.body.items.map((r: { action: string }) => r.action)).toContain('adapter.set-sequence-numbers');
    const artifactActions = (await stack.call('viewer', 'GET', '/audit?target=artifact/audited.xml')).body.items.map((r: { action: string }) => r.action);
    expect(artifactActions).toEqual(['artifact.delete', 'artifact.upload']);
    const byActor = (await stack.call('viewer', 'GET', '/audit?actor=Test operator')).body.items;
    expect(byActor.every((r: { actor: { name: string } }) => r.actor.name === 'Test operator')).toBe(true);
    expect((await stack.call('viewer', 'GET', '/audit/verify')).body).toMatchObject({ ok: true, firstBroken: null });
  });

  it('records adapter creation, edits and deletion with before and after, secrets redacted', async () => {
    const body = specs.fixInitiator('audited-secret');
    const withPassword = (password: unknown) => ({
      ...body,
      connector: { ...body.connector, config: { ...body.connector.config, authentication: { username: 'u', password } } },
    });
    const created = await stack.call('engineer', 'POST', '/adapters', withPassword('correct-horse-battery'));
    await stack.call('engineer', 'PUT', '/adapters/audited-secret', { ...withPassword(created.body.connector.config.authentication.password), description: 'edited' }, { 'if-match': '"1"' });
    await stack.call('engineer', 'DELETE', '/adapters/audited-secret');
    const records = (await stack.call('viewer', 'GET', '/audit?target=adapter/audited-secret')).body.items;
    expect(records.map((r: { action: string }) => r.action)).toEqual(['adapter.delete', 'adapter.update', 'adapter.create']);
    const [deleted, updated, create] = records;
    expect(create.after.connector.config.authentication.password).toEqual({ secret: { set: true, fingerprint: expect.any(String) } });
    expect(updated.before.description).toBeUndefined();
    expect(updated.after.description).toBe('edited');
    expect(deleted.before.description).toBe('edited');
    const { rows } = await stack.database.db.query<{ payload: string }>("SELECT payload FROM audit_records WHERE target = 'adapter/audited-secret'");
    expect(rows.map((r) => r.payload).join('')).not.toContain('correct-horse-battery');
  });

  it('refuses to change or remove records, even for the table owner', async () => {
    await expect(stack.database.db.query("UPDATE audit_records SET actor = 'someone-else'")).rejects.toThrow(/audit records are append-only: UPDATE/);
    await expect(stack.database.db.query('DELETE FROM audit_records')).rejects.toThrow(/append-only: DELETE/);
    await expect(stack.database.db.query('TRUNCATE audit_records')).rejects.toThrow(/append-only: TRUNCATE/);
  });

  it('names the first altered record, and the first record after a removed one', async () => {
    await stack.call('operator', 'POST', '/adapters/audited/disable');
    await stack.call('operator', 'POST', '/adapters/audited/enable');
    await stack.call('operator', 'POST', '/adapters/audited/disable');
    const ids = (await stack.database.db.query<{ id: string }>('SELECT id::text AS id FROM audit_records ORDER BY audit_records.id')).rows.map((r) => Number(r.id));
    expect(ids.length).toBeGreaterThanOrEqual(6);

    // A record removed from the middle: the one after it no longer links.
    await tamper('DELETE FROM audit_records WHERE id = $1', [ids[4]!]);
    expect((await verifyAuditChain(stack.database.db, 2)).firstBroken).toEqual({
      id: ids[5],
      reason: 'it does not link to the record before it: a record was removed or inserted',
    });

    // An earlier record altered: the verifier reports the earliest problem.
    const victim = ids[1]!;
    await tamper(`UPDATE audit_records SET payload = replace(payload, '"name":"Test operator"', '"name":"Mallory"') WHERE id = $1`, [victim]);
    expect((await verifyAuditChain(stack.database.db)).firstBroken).toEqual({
      id: victim,
      reason: 'its content does not match its hash: the record was altered',
    });
    const api = await stack.call('viewer', 'GET', '/audit/verify');
    expect(api.body).toMatchObject({ ok: false, firstBroken: { id: victim } });
  });
});
