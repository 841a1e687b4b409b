import { createHash } from 'node:crypto';
import type { Artifact, ArtifactVersion } from '../contract/index.ts';
import { ArtifactName } from '../contract/index.ts';
import * as store from '../store/artifacts.ts';
import type { Actor, Services } from './context.ts';
import { recordAudit } from './audit.ts';
import { DomainError, invalid, notFound } from './errors.ts';

function checkName(name: string): void {
  const parsed = ArtifactName.safeParse(name);
  if (!parsed.success) throw invalid('the artifact name is invalid', [{ path: '/name', message: parsed.error.issues[0]!.message }]);
}

export async function uploadArtifact(
  services: Services,
  actor: Actor,
  name: string,
  content: Buffer,
  contentType: string,
  expectedSha256: string | undefined,
): Promise<{ version: ArtifactVersion; created: boolean }> {
  checkName(name);
  if (content.length === 0) throw invalid('the artifact is empty: send its bytes as the request body');
  if (content.length > services.settings.maxArtifactBytes) {
    throw new DomainError('invalid', `the artifact is ${content.length} bytes; the limit is ${services.settings.maxArtifactBytes}`);
  }
  const sha256 = createHash('sha256').update(content).digest('hex');
  if (expectedSha256 !== undefined && expectedSha256.toLowerCase() !== sha256) {
    throw invalid(`the content's sha256 is ${sha256}, not the ${expectedSha256} the request promised: the upload was corrupted or is the wrong file`);
  }
  return services.db.transaction(async (tx) => {
    const result = await store.insertArtifactVersion(tx, { name, sha256, contentType, content, createdBy: actor.name });
    if (result.created) await recordAudit(tx, actor, { action: 'artifact.upload', target: `artifact/${name}`, after: result.version });
    return result;
  });
}

export async function getArtifact(services: Services, name: string): Promise<Artifact> {
  const versions = await store.artifactVersions(services.db, name);
  const latest = versions[0];
  if (!latest) throw notFound(`artifact ${JSON.stringify(name)}`);
  return { ...latest, versions: versions.length, referencedBy: await store.artifactReferences(services.db, name) };
}

export async function listArtifactVersions(services: Services, name: string): Promise<ArtifactVersion[]> {
  const versions = await store.artifactVersions(services.db, name);
  if (versions.length === 0) throw notFound(`artifact ${JSON.stringify(name)}`);
  return versions;
}

export async function downloadArtifact(services: Services, name: string, version: number | undefined) {
  const found = await store.artifactContent(services.db, name, version);
  if (!found) throw notFound(version === undefined ? `artifact ${JSON.stringify(name)}` : `version ${version} of artifact ${JSON.stringify(name)}`);
  return found;
}

export const listArtifacts = (services: Services, limit: number, cursor: string | undefined) =>
  store.listArtifacts(services.db, limit, cursor);

/** Deletes every version; refused while any adapter's current spec names it. */
export async function deleteArtifact(services: Services, actor: Actor, name: string): Promise<void> {
  await services.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`artifact:${name}`]);
    const users = await store.artifactReferences(tx, name);
    if (users.length > 0) {
      throw new DomainError(
        'conflict',
        `artifact ${name} is used by ${users.map((u) => u.name).join(', ')}: change those adapters first`,
        [],
        { referencedBy: users },
      );
    }
    const latest = await store.latestArtifact(tx, name);
    if (!latest) throw notFound(`artifact ${JSON.stringify(name)}`);
    await store.deleteArtifact(tx, name);
    await recordAudit(tx, actor, { action: 'artifact.delete', target: `artifact/${name}`, before: latest });
  });
  services.logger.info({ artifact: name, actor: actor.subject }, 'artifact deleted');
}
