import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Standard data dictionaries shipped by the MIT-licensed `jspurefix` package (QuickFIX XML format).
 * It carries FIX 4.2, 4.3, 4.4 and 5.0 SP2 application dictionaries; other versions, and the FIXT.1.1
 * transport dictionary, come from a `dataDictionary` artifact on the session.
 */
const STANDARD: Record<string, string> = {
  'FIX.4.2': 'FIX42.xml',
  'FIX.4.3': 'FIX43.xml',
  'FIX.4.4': 'FIX44.xml',
};

let dataDir: string | undefined;

export function standardDictionaryPath(beginString: string): string | undefined {
  const file = STANDARD[beginString];
  if (!file) return undefined;
  dataDir ??= join(dirname(createRequire(import.meta.url).resolve('jspurefix/package.json')), 'data');
  return join(dataDir, file);
}

export function missingDictionaryReason(beginString: string): string {
  return `no standard data dictionary ships for ${beginString}: upload one as an artifact and name it in the session's dataDictionary`;
}
