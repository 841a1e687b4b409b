import { crc32, inflateRawSync } from 'node:zlib';

/** Largest entry a bundle may hold, checked against the declared size before inflating a byte. */
export const MAX_ZIP_ENTRY_BYTES = 64 * 1024 * 1024;
/** Largest sum of entry sizes: many entries under the per-entry limit must not add up to a zip bomb. */
export const MAX_ZIP_TOTAL_BYTES = 1024 * 1024 * 1024;

export interface ZipLimits {
  maxEntry?: number;
  maxTotal?: number;
}

/** A zip refused as a whole; `entry` names the offending file when there is one. */
export class ZipError extends Error {
  override name = 'ZipError';
  constructor(
    message: string,
    readonly entry?: string,
  ) {
    super(`bad zip bundle: ${message}`);
  }
}

/**
 * A dependency-free reader for bundles: refuses `..`, `.`, absolute, drive-letter and backslash paths,
 * symlinks, encrypted and zip64 entries, and any entry whose declared size is over `maxEntry` (before
 * inflating a byte), whose inflated size turns out larger than declared, or whose CRC does not match.
 * Declared sizes also count against `maxTotal`, so the whole bundle inflates to at most that.
 * Directory entries are skipped. Files are returned by name.
 */
export function readZip(zip: Buffer, { maxEntry = MAX_ZIP_ENTRY_BYTES, maxTotal = MAX_ZIP_TOTAL_BYTES }: ZipLimits = {}): Map<string, Buffer> {
  const fail = (message: string, entry?: string): never => {
    throw new ZipError(message, entry);
  };
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('no end of central directory record: not a zip file');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || at === 0xffffffff) fail('zip64 archives are not supported');
  const entries = new Map<string, Buffer>();
  let total = 0;
  for (let n = 0; n < count; n++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) fail('corrupt central directory');
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const mode = zip.readUInt32LE(at + 38) >>> 16;
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.includes('\\') || name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\0')) fail(`${JSON.stringify(name)} is not a relative path`, name);
    if (name.split('/').some((segment) => segment === '..' || segment === '.')) fail(`${JSON.stringify(name)} points outside the bundle`, name);
    if ((mode & 0o170000) === 0o120000) fail(`${JSON.stringify(name)} is a symbolic link`, name);
    if (name.endsWith('/')) continue;
    if (flags & 1) fail(`${name} is encrypted`, name);
    if (compressedSize === 0xffffffff || size === 0xffffffff) fail(`${name}: zip64 entries are not supported`, name);
    if (size > maxEntry) fail(`${name} is ${size} bytes, over the limit of ${maxEntry} per entry`, name);
    total += size;
    if (total > maxTotal) fail(`the entries add up to more than the limit of ${maxTotal} bytes (at ${name})`, name);
    if (entries.has(name)) fail(`${name} appears twice`, name);
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== 0x04034b50) fail(`${name}: corrupt local header`, name);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    if (start + compressedSize > zip.length) fail(`${name} is truncated`, name);
    const data = zip.subarray(start, start + compressedSize);
    let content: Buffer | undefined;
    if (method === 0) content = Buffer.from(data);
    else if (method === 8) {
      try {
        content = inflateRawSync(data, { maxOutputLength: Math.max(size, 1) });
      } catch {
        fail(`${name} inflates to more than its declared ${size} bytes, or is corrupt`, name);
      }
    } else fail(`${name} uses compression method ${method}; use deflate or store`, name);
    if (content!.length !== size) fail(`${name} is ${content!.length} bytes, not the ${size} declared`, name);
    if (crc32(content!) !== crc) fail(`${name}: checksum mismatch`, name);
    entries.set(name, content!);
  }
  return entries;
}
