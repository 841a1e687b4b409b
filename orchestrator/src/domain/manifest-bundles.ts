import { bundleFiles, manifestInputs, readBundleManifests, writeZip, zipBundle, ZipError, type BundleProblem } from '../bundles/index.ts';
import type { FieldError } from '../contract/index.ts';
import { MAX_BUNDLE_INFLATED_BYTES, type BundleApplyQuery, type ManifestApplyResult } from '../contract/manifests.ts';
import { artifactContent } from '../store/artifacts.ts';
import type { Actor, Services } from './context.ts';
import { DomainError } from './errors.ts';
import { applyManifests, diffManifests, exportManifests, type ApplyOrigin } from './manifests.ts';

/**
 * The manifest operations over a zip bundle (`manifests/*.json` and `artifacts/`), as the portal
 * downloads and uploads it: the same export, diff and apply, with problems named by the file in the zip.
 */

const UPLOAD = 'the uploaded zip';
const IMPORT: ApplyOrigin = { action: 'manifests.import', via: 'an uploaded zip bundle' };

/**
 * The export as a zip, byte-identical to what `installer export -o` writes into a directory. Sealed
 * secrets are references in it, as in every export; GET /manifests lists the warnings about them.
 */
export async function exportBundle(services: Services, names?: readonly string[]): Promise<Buffer> {
  const exported = await exportManifests(services, names);
  const files = await bundleFiles(exported.items, async (item) => {
    const found = await artifactContent(services.db, item.name, item.version);
    if (!found) throw new DomainError('conflict', `artifact ${item.name} was deleted during the export: export again`);
    return found.content;
  });
  return writeZip(files);
}

/** A problem's `path` in a bundle: the file in the zip and the JSON Pointer into it. */
const bundlePath = (p: BundleProblem) => (p.file === '' ? p.pointer : p.pointer === '' ? p.file : `${p.file}#${p.pointer}`);
const fromBundle = (p: BundleProblem): FieldError & BundleProblem => ({ path: bundlePath(p), file: p.file, pointer: p.pointer, message: p.message });

function refuse(problems: BundleProblem[]): never {
  const count = problems.length;
  throw new DomainError(
    'invalid',
    `the bundle has ${count} problem${count === 1 ? '' : 's'}: nothing was changed. Fix each problem listed and import again.`,
    problems.map(fromBundle),
  );
}

/** The domain's problems point into a request body this route never showed: name them by file. */
function renamed(error: unknown): unknown {
  if (!(error instanceof DomainError) || error.kind !== 'invalid') return error;
  const problems = error.errors.map((e) => {
    const p = e as Partial<BundleProblem> & FieldError;
    return { file: p.file ?? '', pointer: p.pointer ?? e.path, message: e.message };
  });
  return new DomainError('invalid', error.message, problems.map(fromBundle), error.extra);
}

/**
 * Diff (`dryRun` or diff) or apply a zip bundle, all or nothing. A zip the reader refuses (paths out of
 * the bundle, symlinks, oversized or lying entries) is refused as a whole, naming the entry. Problems in
 * the manifests join the server's checks of every other manifest, so all of them are reported at once.
 * A committed apply is audited as `manifests.import`.
 */
export async function applyBundle(
  services: Services,
  actor: Actor,
  zip: Buffer,
  options: BundleApplyQuery & { diff?: boolean },
): Promise<ManifestApplyResult> {
  let read;
  try {
    read = await readBundleManifests(zipBundle(zip, UPLOAD, { maxEntry: services.settings.maxArtifactBytes, maxTotal: MAX_BUNDLE_INFLATED_BYTES }));
  } catch (error) {
    if (!(error instanceof ZipError)) throw error;
    return refuse([{ file: error.entry ?? '', pointer: '', message: error.message }]);
  }
  const dryRun = options.diff === true || options.dryRun === true;
  const request = { manifests: manifestInputs(read.files), prune: options.prune ?? false, source: options.source, dryRun };
  if (read.problems.length > 0) {
    // Nothing is applied, but the server's checks still run over the readable manifests.
    let others: BundleProblem[] = [];
    try {
      await diffManifests(services, actor, request);
    } catch (error) {
      const named = renamed(error);
      if (!(named instanceof DomainError) || named.kind !== 'invalid') throw named;
      others = named.errors as unknown as BundleProblem[];
    }
    return refuse([...read.problems, ...others]);
  }
  try {
    return options.diff === true ? await diffManifests(services, actor, request) : await applyManifests(services, actor, request, IMPORT);
  } catch (error) {
    throw renamed(error);
  }
}
