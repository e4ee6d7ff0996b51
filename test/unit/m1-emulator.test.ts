import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadInputError } from '../../common/errors.ts';
import { toHex } from '../../common/hex.ts';
import { cardFromJSON } from '../../devices/emulator/index.ts';
import { M1Card, M1_ATR_HEX } from '../../devices/emulator/m1-card.ts';
import { encodeAccessBits } from '../../devices/m1/access-bits.ts';
import { encodeValueBlock } from '../../devices/m1/value-block.ts';
import { clone, login, makeCard, raw, sectorKeys, UID } from './m1-fixtures.ts';

const PRIMARY = '09'; // purse primary (sector 2, condition 110)

test('ATR, GET UID, historical bytes', () => {
  const card = makeCard();
  assert.equal(toHex(card.atr()), M1_ATR_HEX);
  // TCK = XOR of T0..last historical byte
  const atr = card.atr();
  assert.equal(atr.subarray(1, atr.length - 1).reduce((x, y) => x ^ y, 0), atr[atr.length - 1]);
  assert.equal(raw(card, 'FFCA000000'), UID + '9000');
  assert.equal(raw(card, 'FFCA000004'), UID + '9000');
  assert.equal(raw(card, 'FFCA000002'), '6C04');
  assert.equal(raw(card, 'FFCA010000'), '804F0CA00000030603000100000000' + '9000');
  assert.equal(raw(card, '00A4040000'), '6E00');
  assert.equal(raw(card, 'FF12000000'), '6D00');
});

test('reading needs authentication with the right key', () => {
  const card = makeCard();
  assert.equal(raw(card, `FFB000${PRIMARY}10`), '6300', 'not authenticated');
  assert.equal(login(card, 9, 'A', 'FFFFFFFFFFFF'), '6300', 'wrong key refused');
  assert.equal(raw(card, `FFB000${PRIMARY}10`), '6300', 'still not authenticated');
  assert.equal(login(card, 9, 'A', sectorKeys(3).a), '6300', 'another sector\'s key refused');
  assert.equal(login(card, 9, 'A'), '9000');
  assert.equal(raw(card, `FFB000${PRIMARY}10`), toHex(encodeValueBlock(5000, 9)) + '9000');
  assert.equal(raw(card, 'FFB0000C10'), '6300', 'block of another sector needs its own authentication');
});

test('purse block 110: write with A refused, decrement with A works, write/increment with B works', () => {
  const card = makeCard();
  assert.equal(login(card, 9, 'A'), '9000');
  assert.equal(raw(card, `FFD600${PRIMARY}10${toHex(encodeValueBlock(9999, 9))}`), '6300');
  assert.equal(toHex(card.peekBlock(9)), toHex(encodeValueBlock(5000, 9)), 'not written');
  assert.equal(login(card, 9, 'A'), '9000', 'a refusal drops authentication; log in again');
  assert.equal(raw(card, `FFD700${PRIMARY}050200000064`), '9000', 'decrement 100 with A');
  assert.equal(toHex(card.peekBlock(9)), toHex(encodeValueBlock(4900, 9)));
  assert.equal(raw(card, `FFB100${PRIMARY}04`), '00001324' + '9000', 'read value 4900 MSB first');
  assert.equal(raw(card, `FFD700${PRIMARY}050100000064`), '6300', 'increment with A refused');
  assert.equal(login(card, 9, 'B'), '9000');
  assert.equal(raw(card, `FFD700${PRIMARY}050100000064`), '9000', 'increment with B');
  assert.equal(raw(card, `FFD600${PRIMARY}10${toHex(encodeValueBlock(7777, 9))}`), '9000', 'write with B');
  assert.equal(toHex(card.peekBlock(9)), toHex(encodeValueBlock(7777, 9)));
  assert.equal(raw(card, `FFD700${PRIMARY}0203` + '0A'), '9000', 'restore 9 → transfer 10');
  assert.equal(toHex(card.peekBlock(10)), toHex(encodeValueBlock(7777, 9)), 'transfer keeps the source address');
  assert.equal(raw(card, `FFD700${PRIMARY}0203` + '0C'), '6300', 'transfer across sectors refused');
});

test('value operations check the value-block format and the range', () => {
  const card = makeCard();
  assert.equal(login(card, 8, 'B'), '9000');
  assert.equal(raw(card, 'FFD70008050200000001'), '6300', 'block 8 holds zeros, not a value block');
  assert.equal(login(card, 8, 'B'), '9000');
  assert.equal(raw(card, 'FFD7000805007FFFFFFF'), '9000', 'store formats a value block');
  assert.equal(toHex(card.peekBlock(8)), toHex(encodeValueBlock(0x7fffffff, 8)));
  assert.equal(raw(card, 'FFD70008050100000001'), '6300', 'increment past 2^31-1 refused');
  assert.equal(toHex(card.peekBlock(8)), toHex(encodeValueBlock(0x7fffffff, 8)));
});

test('block 0 is read-only; Key A never readable; Key B readable case makes Key B useless', () => {
  const card = new M1Card({ uid: Uint8Array.from([1, 2, 3, 4]) }); // factory card: transport trailers
  assert.equal(login(card, 0, 'A', 'FFFFFFFFFFFF'), '9000');
  assert.equal(raw(card, 'FFB0000010').slice(0, 8), '01020304');
  assert.equal(raw(card, `FFD6000010${'00'.repeat(16)}`), '6300');
  assert.equal(login(card, 0, 'A', 'FFFFFFFFFFFF'), '9000');
  assert.equal(raw(card, 'FFB0000310'), '000000000000FF078069FFFFFFFFFFFF9000', 'key A hidden, key B readable under 001');
  // Transport trailer (001): Key B is readable, so Key B authenticates but grants nothing.
  assert.equal(login(card, 1, 'B', 'FFFFFFFFFFFF'), '9000');
  assert.equal(raw(card, 'FFB0000110'), '6300');
  // A personalised trailer (011) hides Key B from Key A.
  const p = makeCard();
  assert.equal(login(p, 9, 'A'), '9000');
  assert.equal(raw(p, 'FFB0000B10'), '000000000000' + '19678E69' + '000000000000' + '9000');
});

test('trailer writes follow the trailer conditions; inconsistent access bits refused', () => {
  const card = makeCard();
  const { a, b } = sectorKeys(2);
  const newTrailer = (access: string): string => `${a}${access}69${b}`;
  assert.equal(login(card, 9, 'A'), '9000');
  assert.equal(raw(card, `FFD6000B10${newTrailer('19678E')}`), '6300', 'Key A may not write under 011');
  assert.equal(login(card, 9, 'B'), '9000');
  assert.equal(raw(card, `FFD6000B10${newTrailer('19678F')}`), '6300', 'inconsistent access bits');
  assert.equal(login(card, 9, 'B'), '9000');
  const locked = toHex(encodeAccessBits([0, 0b110, 0b110, 0b111]));
  assert.equal(raw(card, `FFD6000B10${newTrailer(locked)}`), '9000');
  assert.equal(toHex(card.peekBlock(11)).slice(12, 18), locked);
});

test('authentication is volatile: lost after reset, after a failed authentication, after a tear', () => {
  const card = makeCard();
  assert.equal(login(card, 9, 'A'), '9000');
  assert.equal(raw(card, 'FFB0000910').slice(-4), '9000');
  card.reset();
  assert.equal(raw(card, 'FFB0000910'), '6300');
  assert.equal(raw(card, 'FF860000050100096100'), '6300', 'key slots are volatile too');
  assert.equal(login(card, 9, 'A'), '9000');
  assert.equal(login(card, 9, 'B', '000000000000'), '6300');
  assert.equal(raw(card, 'FFB0000910'), '6300', 'failed authentication dropped the old one');
  assert.equal(login(card, 9, 'A'), '9000');
  card.armFault({ kind: 'remove', atApdu: 0 });
  assert.deepEqual(card.process(Uint8Array.from([0xff, 0xb0, 0, 9, 16])), { response: null, removed: true });
  assert.equal(raw(card, 'FFB0000910'), '6300');
});

test('obsolete FF 88 authentication and malformed commands', () => {
  const card = makeCard();
  assert.equal(raw(card, `FF82000006${sectorKeys(2).a}`), '9000');
  assert.equal(raw(card, 'FF8800096000'), '9000');
  assert.equal(raw(card, 'FFB0000910').slice(-4), '9000');
  assert.equal(raw(card, 'FF8800096002'), '6A86', 'slot out of range');
  assert.equal(raw(card, 'FF82000005FFFFFFFFFF'), '6700');
  assert.equal(raw(card, 'FF82200006FFFFFFFFFFFF'), '6A86', 'only volatile key memory');
  assert.equal(raw(card, 'FFB0004010'), '6A86', 'block 64 does not exist');
  assert.equal(raw(card, 'FFD6000905' + '0102030405'), '6700');
  assert.equal(raw(card, 'FF'), '6700');
});

test('ACS value APDUs are behind a flag', () => {
  const card = makeCard({ acsValueOps: false });
  assert.equal(login(card, 9, 'A'), '9000');
  assert.equal(raw(card, 'FFD70009050200000001'), '6D00');
  assert.equal(raw(card, 'FFB1000904'), '6D00');
});

test('faults: tear-before-commit, tear-after-commit, response-lost, garbage, partial write', () => {
  const write = (card: M1Card, value: number): ReturnType<M1Card['process']> =>
    card.process(Uint8Array.from(Buffer.from(`FFD6000910${toHex(encodeValueBlock(value, 9))}`, 'hex')));
  const prepared = (): M1Card => {
    const c = makeCard();
    assert.equal(login(c, 9, 'B'), '9000');
    return c;
  };
  let c = prepared();
  c.armFault({ kind: 'tear-before-commit', atApdu: 1 });
  assert.equal(raw(c, 'FFB0000910').slice(-4), '9000', 'APDU 0 passes');
  assert.deepEqual(write(c, 1), { response: null, removed: true });
  assert.equal(toHex(c.peekBlock(9)), toHex(encodeValueBlock(5000, 9)), 'not written');

  c = prepared();
  c.armFault({ kind: 'tear-after-commit', atApdu: 0 });
  assert.deepEqual(write(c, 1), { response: null, removed: true });
  assert.equal(toHex(c.peekBlock(9)), toHex(encodeValueBlock(1, 9)), 'written');
  assert.equal(raw(c, 'FFB0000910'), '6300', 'power was lost: authentication gone');

  c = prepared();
  c.armFault({ kind: 'response-lost', atApdu: 0 });
  assert.deepEqual(write(c, 2), { response: null, removed: false });
  assert.equal(toHex(c.peekBlock(9)), toHex(encodeValueBlock(2, 9)));

  c = prepared();
  c.armFault({ kind: 'garbage', atApdu: 0, garbage: Uint8Array.from([1, 2, 3]) });
  assert.equal(toHex(write(c, 3).response!), '010203');
  assert.equal(toHex(c.peekBlock(9)), toHex(encodeValueBlock(5000, 9)), 'garbage: not carried out (fault-gate.ts semantics)');
  assert.equal(write(c, 4).response !== null, true, 'a fault fires once');

  c = prepared();
  c.armFault({ kind: 'partial-write', atApdu: 0 });
  assert.deepEqual(write(c, 1), { response: null, removed: true });
  const torn = c.peekBlock(9);
  assert.equal(toHex(torn), toHex(encodeValueBlock(1, 9)).slice(0, 16) + toHex(encodeValueBlock(5000, 9)).slice(16));
});

test('JSON round trip through cardFromJSON keeps every block; bad JSON is refused', () => {
  const card = makeCard();
  assert.equal(login(card, 9, 'A'), '9000');
  assert.equal(raw(card, 'FFD70009050200000064'), '9000');
  const json = JSON.parse(JSON.stringify(card.toJSON()));
  assert.equal(json.kind, 'm1');
  assert.equal(json.blocks.length, 64);
  const back = cardFromJSON(json) as M1Card;
  assert.ok(back instanceof M1Card);
  assert.deepEqual(back.toJSON(), card.toJSON());
  assert.equal(toHex(clone(card).peekBlock(9)), toHex(encodeValueBlock(4900, 9)));
  assert.throws(() => M1Card.fromJSON({ ...json, blocks: json.blocks.slice(1) }), BadInputError);
  assert.throws(() => M1Card.fromJSON({ ...json, uid: 'XYZ' }), BadInputError);
  assert.throws(() => M1Card.fromJSON({ ...json, uid: '01020304' }), BadInputError, 'block 0 must carry the UID');
  assert.throws(() => M1Card.fromJSON(null), BadInputError);
  assert.throws(() => cardFromJSON({ kind: 'nope' }), BadInputError);
});
