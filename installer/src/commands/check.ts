import { checkStoredPipelines } from '@crosswire/orchestrator';
import { databaseFromEnv } from './database.ts';

/**
 * `installer check`: finds the adapters whose stored pipeline this release refuses, before adapter
 * pods of this release fail to start them; exit 1 lists each problem.
 */
export async function runCheck(args: string[]): Promise<number> {
  if (args.length > 0) throw new Error('usage: installer check');
  const db = databaseFromEnv();
  try {
    const { checked, problems } = await checkStoredPipelines(db);
    if (problems.length === 0) {
      // The count tells an empty or wrong database from a clean one.
      console.log(`every stored pipeline runs on this release: ${checked} adapter(s) with a pipeline checked`);
      return 0;
    }
    for (const { adapter, errors } of problems) {
      for (const error of errors) console.log(`adapter ${adapter}: ${error.path}: ${error.message}`);
    }
    console.log(
      `${problems.length} of ${checked} adapter(s) with a pipeline have one this release cannot run: fix them in the portal or the manifests before rolling out adapter pods of this release`,
    );
    return 1;
  } finally {
    await db.close();
  }
}
