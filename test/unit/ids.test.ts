// Entry ids (ULID layout): the encoding against a BigInt reference, order within a millisecond.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { encodeId, isId, newId } from '../../common/ids.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** The obvious form: 48-bit time and 80-bit random as one number each, 5 bits per character. */
function reference(now: number, rand: Uint8Array): string {
  let out = '';
  let t = BigInt(now);
  for (let i = 0; i < 10; i++) { out = ALPHABET[Number(t & 31n)] + out; t >>= 5n; }
  let bits = 0n;
  for (const b of rand) bits = (bits << 8n) | BigInt(b);
  let r = '';
  for (let i = 0; i < 16; i++) { r = ALPHABET[Number(bits & 31n)] + r; bits >>= 5n; }
  return out + r;
}

test('encodeId equals the BigInt reference on edge and random inputs', () => {
  const cases: [number, Uint8Array][] = [
    [0, new Uint8Array(10)],
    [2 ** 48 - 1, new Uint8Array(10).fill(0xff)],
    [1_763_860_000_000, Uint8Array.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1])],
    [1_763_860_000_000, Uint8Array.from([1, 2, 4, 8, 16, 32, 64, 128, 0x55, 0xaa])],
  ];
  for (let i = 0; i < 500; i++) cases.push([Math.floor(Math.random() * 2 ** 48), Uint8Array.from(randomBytes(10))]);
  for (const [now, rand] of cases) {
    const id = encodeId(now, rand);
    assert.equal(id, reference(now, rand));
    assert.ok(isId(id), id);
  }
});

test('ids made in one millisecond still sort in creation order', () => {
  const now = Date.now() + 10_000;
  const ids = Array.from({ length: 200 }, () => newId(now));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
});
