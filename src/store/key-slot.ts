/**
 * The Redis Cluster slot of a key: CRC16 (XMODEM) of the key, or of its hash tag — the part
 * between the first `{` and the next `}` when that part is not empty — modulo 16384.
 * Pure; used to route WAIT to the right master and by the slot checks of the tests.
 */
export const SLOT_COUNT = 16_384;

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i += 1) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit += 1)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ b) & 0xff] as number);
  return crc;
}

/** The part of the key that is hashed (the hash tag when there is one). */
export function hashedPart(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

export function keySlot(key: string): number {
  return crc16(Buffer.from(hashedPart(key), 'utf8')) % SLOT_COUNT;
}
