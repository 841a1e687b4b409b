import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { encodeFields } from '../../src/fix/codec/encoder.ts';
import type { FixField } from '../../src/fix/codec/fix-message.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** jspurefix ships QuickFIX-format dictionaries; tests use them so they never depend on ../shared. */
export const JSPUREFIX_DATA = join(here, '../../../node_modules/jspurefix/data');
export const SHARED_SPEC = join(here, '../../../../shared/fix-acceptance/spec');
export const hasSharedSpec = existsSync(SHARED_SPEC);

/** `8=FIX.4.4|35=0|...` with `|` for SOH; BodyLength and CheckSum are added. */
export function wire(text: string): Buffer {
  const fields: FixField[] = text
    .split('|')
    .filter((f) => f !== '')
    .map((f) => {
      const eq = f.indexOf('=');
      return [Number(f.slice(0, eq)), f.slice(eq + 1)] as const;
    });
  return encodeFields(fields);
}

export function show(buf: Buffer): string {
  return buf.toString('latin1').replaceAll('\x01', '|');
}
