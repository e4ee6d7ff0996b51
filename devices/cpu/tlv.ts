/**
 * Strict BER-TLV parsing for card answers (FCI). Anything that is not well-formed — a length
 * running past the buffer, an indefinite length, a tag longer than 3 bytes, nesting deeper
 * than MAX_TLV_DEPTH, trailing bytes — is a CardMalformedError, never an index error.
 */
import { CardMalformedError } from '../../common/errors.ts';

export const MAX_TLV_DEPTH = 4;
export const MAX_TLV_NODES = 64;

export interface TlvNode {
  tag: number;
  constructed: boolean;
  value: Uint8Array;
  children: TlvNode[];
}

export function parseTlv(bytes: Uint8Array, what = 'TLV'): TlvNode[] {
  const budget = { nodes: 0 };
  return parseLevel(bytes, what, 0, budget);
}

function parseLevel(bytes: Uint8Array, what: string, depth: number, budget: { nodes: number }): TlvNode[] {
  if (depth > MAX_TLV_DEPTH) throw new CardMalformedError(`${what}: TLV nested deeper than ${MAX_TLV_DEPTH}`);
  const nodes: TlvNode[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (++budget.nodes > MAX_TLV_NODES) throw new CardMalformedError(`${what}: more than ${MAX_TLV_NODES} TLV objects`);
    const first = bytes[i]!;
    if (first === 0x00 || first === 0xff) throw new CardMalformedError(`${what}: invalid tag byte ${first.toString(16)} at ${i}`);
    let tag = first;
    i++;
    if ((first & 0x1f) === 0x1f) {
      // Multi-byte tag: continuation bytes have bit 8 set; we allow up to 3 tag bytes.
      for (let n = 0; ; n++) {
        if (n >= 2) throw new CardMalformedError(`${what}: tag longer than 3 bytes`);
        if (i >= bytes.length) throw new CardMalformedError(`${what}: tag cut short`);
        const b = bytes[i++]!;
        tag = tag * 256 + b;
        if ((b & 0x80) === 0) break;
      }
    }
    if (i >= bytes.length) throw new CardMalformedError(`${what}: length of tag ${tag.toString(16)} missing`);
    let length = bytes[i++]!;
    if (length === 0x80) throw new CardMalformedError(`${what}: indefinite length`);
    if (length > 0x80) {
      const count = length & 0x7f;
      if (count > 2) throw new CardMalformedError(`${what}: length field of ${count} bytes`);
      if (i + count > bytes.length) throw new CardMalformedError(`${what}: length of tag ${tag.toString(16)} cut short`);
      length = 0;
      for (let k = 0; k < count; k++) length = length * 256 + bytes[i++]!;
    }
    if (i + length > bytes.length) {
      throw new CardMalformedError(`${what}: tag ${tag.toString(16).toUpperCase()} claims ${length} bytes, ${bytes.length - i} left`);
    }
    const value = bytes.subarray(i, i + length);
    i += length;
    const constructed = (first & 0x20) !== 0;
    nodes.push({ tag, constructed, value, children: constructed ? parseLevel(value, what, depth + 1, budget) : [] });
  }
  return nodes;
}

/** The single node with this tag among `nodes`; null when absent; malformed when repeated. */
export function findOne(nodes: TlvNode[], tag: number, what: string): TlvNode | null {
  const hits = nodes.filter((n) => n.tag === tag);
  if (hits.length > 1) throw new CardMalformedError(`${what}: tag ${tag.toString(16).toUpperCase()} repeated`);
  return hits[0] ?? null;
}
