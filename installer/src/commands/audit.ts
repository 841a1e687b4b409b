import { verifyAuditChain } from '@crosswire/orchestrator';
import { databaseFromEnv } from './database.ts';

/** `installer audit verify`: walks the hash chain; exit 1 names the first broken record. */
export async function runAudit(args: string[]): Promise<number> {
  if (args[0] !== 'verify') throw new Error('usage: installer audit verify');
  const db = databaseFromEnv();
  try {
    const result = await verifyAuditChain(db);
    if (result.ok) {
      console.log(`audit chain intact: ${result.records} record(s) verified`);
      return 0;
    }
    console.log(`audit chain broken at record ${result.firstBroken!.id}: ${result.firstBroken!.reason} (${result.records} record(s) read)`);
    return 1;
  } finally {
    await db.close();
  }
}
