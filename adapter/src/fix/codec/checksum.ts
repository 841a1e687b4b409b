/** FIX CheckSum: the byte sum modulo 256 of everything before the `10=` field. */
export function checksum(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i]!;
  return sum & 0xff;
}

/** Three ASCII digits, zero-padded, as FIX requires. */
export function formatChecksum(value: number): string {
  return value < 10 ? `00${value}` : value < 100 ? `0${value}` : String(value);
}
