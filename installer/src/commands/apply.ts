import { manifestInputs } from '@crosswire/orchestrator/bundles';
import { parseArgs } from 'node:util';
import { localBundlePath } from './remote-bundle.ts';
import { ApiError, apiClient, planSet, printChanges, printProblems, printWarnings, problemsFrom, readManifestSet, SET_OPTIONS, type ApplyResult } from './diff.ts';

/**
 * `installer apply -f <file|dir|zip|https-url --sha256 H> [--dry-run] [--prune --source NAME]`: applies the set all or nothing.
 * First asks the server for the plan (every problem listed by file and pointer, exit 2), then sends the
 * set with the content of only those artifacts the server lacks. Exit 0 when applied (or planned).
 */
export async function runApply(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { ...SET_OPTIONS, 'dry-run': { type: 'boolean', default: false } } });
  if (!values.file) throw new Error('usage: installer apply -f <file|dir|zip|https-url --sha256 H> [--dry-run] [--prune --source NAME] [--server URL --token T]');
  const api = apiClient(values);
  const set = await readManifestSet(await localBundlePath(values.file, values.sha256));
  const options = { prune: values.prune, source: values.source };
  const plan = await planSet(api, set, options);
  if (!plan.result) {
    printProblems(plan.problems);
    return 2;
  }
  if (values['dry-run']) {
    printWarnings(plan.result.warnings);
    printChanges(plan.result, { create: 'would create', update: 'would update', delete: 'would delete' });
    return 0;
  }
  const needed = new Set(plan.result.resources.filter((r) => r.kind === 'Artifact' && r.action !== 'unchanged').map((r) => r.file));
  const manifests = manifestInputs(set.files, (f) => needed.has(f.file));
  let result: ApplyResult;
  try {
    result = await api.request<ApplyResult>('POST', '/manifests/apply', { manifests, dryRun: false, ...options });
  } catch (error) {
    if (error instanceof ApiError && error.status === 400 && error.errors.length > 0) {
      printProblems(problemsFrom(error, set.files));
      return 2;
    }
    if (error instanceof ApiError && error.status === 413) {
      throw new Error(`${error.message}: the set with its new artifact contents is too large for one request; apply the artifacts first (-f on their manifests), then the rest`);
    }
    throw error;
  }
  printWarnings(result.warnings);
  printChanges(result, { create: 'created', update: 'updated', delete: 'deleted' });
  return 0;
}
