/** Hex <-> bytes. Card data is exchanged as Uint8Array; hex is for logs, JSON and config. */
const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

/** Parses hex (spaces allowed). Throws on odd length or non-hex characters. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (!HEX_RE.test(clean)) throw new Error(`not a hex string: "${hex.slice(0, 40)}"`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export function isHex(hex: string, bytes?: number): boolean {
  return HEX_RE.test(hex) && (bytes === undefined || hex.length === bytes * 2);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Big-endian unsigned integer of `width` bytes (width <= 6, so it stays exact in a double). */
export function uintBE(value: number, width: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * width) || width > 6) {
    throw new RangeError(`${value} does not fit in ${width} unsigned bytes`);
  }
  const out = new Uint8Array(width);
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

export function readUintBE(bytes: Uint8Array, offset: number, width: number): number {
  if (offset < 0 || offset + width > bytes.length || width > 6) {
    throw new RangeError(`cannot read ${width} bytes at ${offset} of ${bytes.length}`);
  }
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + (bytes[offset + i] as number);
  return v;
}
