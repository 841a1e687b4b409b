// What a folder name says about its cases: fix42 -> FIX.4.2 with counterparty TW42, fix50 ->
// FIXT.1.1 with DefaultApplVerID 7, and where the data dictionaries and fields.fmt live.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface VersionProfile {
  /** Folder name, e.g. `fix44`. */
  folder: string;
  beginString: string;
  /** DefaultApplVerID(1137) for FIXT.1.1 folders. */
  applVerId?: string;
  /** Counterparty CompID used by the scripts (the acceptor's TargetCompID). */
  counterparty: string;
  /** Dictionary file names under spec/: one for FIX 4.x, transport then application for FIXT. */
  dictionaries: string[];
}

const VERSIONS: Record<string, Omit<VersionProfile, 'folder' | 'counterparty'> & { counterparty: string }> = {
  fix40: { beginString: 'FIX.4.0', counterparty: 'TW40', dictionaries: ['FIX40.xml'] },
  fix41: { beginString: 'FIX.4.1', counterparty: 'TW41', dictionaries: ['FIX41.xml'] },
  fix42: { beginString: 'FIX.4.2', counterparty: 'TW42', dictionaries: ['FIX42.xml'] },
  fix43: { beginString: 'FIX.4.3', counterparty: 'TW43', dictionaries: ['FIX43.xml'] },
  fix44: { beginString: 'FIX.4.4', counterparty: 'TW44', dictionaries: ['FIX44.xml'] },
  fix50: { beginString: 'FIXT.1.1', applVerId: '7', counterparty: 'TW50', dictionaries: ['FIXT11.xml', 'FIX50.xml'] },
  fix50sp1: {
    beginString: 'FIXT.1.1',
    applVerId: '8',
    counterparty: 'TW50SP1',
    dictionaries: ['FIXT11.xml', 'FIX50SP1.xml'],
  },
  fix50sp2: {
    beginString: 'FIXT.1.1',
    applVerId: '9',
    counterparty: 'TW50SP2',
    dictionaries: ['FIXT11.xml', 'FIX50SP2.xml'],
  },
};

export const ACCEPTOR_COMP_ID = 'ISLD';

/** The profile for a folder named after its version; throws for an unknown name. */
export function profileFor(folder: string): VersionProfile {
  const name = basename(resolve(folder)).toLowerCase();
  const known = VERSIONS[name];
  if (!known) {
    throw new Error(`folder '${name}' is not a FIX version (expected one of ${Object.keys(VERSIONS).join(', ')})`);
  }
  return { folder: name, ...known, counterparty: detectCounterparty(folder) ?? known.counterparty };
}

/** The SenderCompID the folder's scripts log on with most often (scripts are the ground truth). */
function detectCounterparty(folder: string): string | undefined {
  if (!existsSync(folder)) return undefined;
  const counts = new Map<string, number>();
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.def'))) {
    const text = readFileSync(join(folder, file), 'latin1');
    // eslint-disable-next-line no-control-regex -- SOH (0x01) is FIX's field separator
    for (const m of text.matchAll(/^I(?:\d+,)?8=[^\x01]*\x0135=A\x01(?:[^\n]*?\x01)?49=([^\x01]*)\x01[^\n]*56=ISLD\x01/gm)) {
      const id = m[1] ?? '';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  let best: string | undefined;
  for (const [id, n] of counts) if (best === undefined || n > (counts.get(best) ?? 0)) best = id;
  return best;
}

/** Walks up from `start` looking for `relative` (a file or folder); undefined when not found. */
export function findUpwards(start: string, relative: string, levels = 4): string | undefined {
  let dir = resolve(start);
  for (let i = 0; i <= levels; i++) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}
