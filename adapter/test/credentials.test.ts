import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startOrchestrator, type RunningOrchestrator } from '../../orchestrator/src/index.ts';
import { createLogger } from '../../orchestrator/src/observability/logger.ts';
import { createReadyDatabase, type TestDatabase } from '../../orchestrator/test/support/databases.ts';
import { startDevIdp, type DevIdp } from '../../portal/src/dev-idp/index.ts';
import { clientCredentials, tokenFile } from '../src/worker/credentials.ts';
import { OrchestratorClient } from '../src/worker/orchestrator-client.ts';

describe('pod credentials against a real OIDC provider', () => {
  let idp: DevIdp;
  let database: TestDatabase;
  let orchestrator: RunningOrchestrator;
  beforeAll(async () => {
    idp = await startDevIdp({ portalUrls: ['http://localhost:3999'] });
    database = await createReadyDatabase('postgres');
    orchestrator = await startOrchestrator(
      database.db,
      loadConfig({ PORT: '0', MANAGEMENT_PORT: '0', HOST: '127.0.0.1', AUTH_ISSUERS: JSON.stringify([{ issuer: idp.issuer, audience: idp.audience }]) }),
      createLogger({ level: 'silent' }),
    );
  });
  afterAll(async () => {
    await orchestrator.stop(1_000);
    await idp.close();
    await database.drop();
  });

  async function podKeyPem(index: number): Promise<{ clientId: string; pem: string; kid: string }> {
    const pod = idp.podClients[index]!;
    return { clientId: pod.clientId, kid: pod.privateJwk.kid!, pem: await exportPKCS8((await importJWK(pod.privateJwk, 'ES256', { extractable: true })) as Parameters<typeof exportPKCS8>[0]) };
  }

  it('gets a token with private_key_jwt client credentials that the orchestrator accepts as a pod', async () => {
    const key = await podKeyPem(0);
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
    const token = clientCredentials({
      tokenEndpoint: discovery.token_endpoint,
      issuer: idp.issuer,
      clientId: key.clientId,
      privateKeyPem: key.pem,
      keyId: key.kid,
      resource: idp.resource,
    });
    const first = await token();
    expect(await token()).toBe(first);
    const client = new OrchestratorClient(orchestrator.url, 'pod-oidc', token);
    expect(await client.register({ id: 'pod-oidc', version: 'test', capacity: 1, connectorTypes: [] })).toMatchObject({ ttlMs: 15_000 });

    // A key the IdP does not know for that client is refused at the token endpoint.
    const other = await podKeyPem(1);
    const impostor = clientCredentials({ tokenEndpoint: discovery.token_endpoint, issuer: idp.issuer, clientId: key.clientId, privateKeyPem: other.pem, keyId: key.kid, resource: idp.resource });
    await expect(impostor()).rejects.toThrow();
  });

  it('re-reads a projected service-account token file once it is older than its maximum age', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crosswire-token-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'first\n');
    const token = tokenFile(file, 0);
    expect(await token()).toBe('first');
    writeFileSync(file, 'rotated\n');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await token()).toBe('rotated');
  });
});
