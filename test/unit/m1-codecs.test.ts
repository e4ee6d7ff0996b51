import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CardMalformedError, BadInputError, CardUnsupportedError } from '../../common/errors.ts';
import { fromHex, toHex } from '../../common/hex.ts';
import { decodeAccessBits, encodeAccessBits, tryDecodeAccessBits, dataBlockAllows, trailerAllows, keyBReadable, type AccessConditions } from '../../devices/m1/access-bits.ts';
import { decodeValueBlock, encodeValueBlock, tryDecodeValueBlock } from '../../devices/m1/value-block.ts';
import { encryptBlock as desEncryptBlock } from '../../devices/crypto/des.ts';
import { DefaultM1KeyScheme, TRAINING_ONLY_M1_MASTER_KEY_HEX } from '../../devices/m1/keys.ts';
import { layout, AT } from './m1-fixtures.ts';

test('value block: 100 at block 5 encodes to the §9.2 vector and decodes back', () => {
  const b = encodeValueBlock(100, 5);
  assert.equal(toHex(b), '640000009BFFFFFF6400000005FA05FA');
  assert.deepEqual(decodeValueBlock(b), { value: 100, address: 5 });
  assert.equal(toHex(encodeValueBlock(0, 0)), '00000000FFFFFFFF0000000000FF00FF');
  assert.deepEqual(decodeValueBlock(encodeValueBlock(-1, 0xff)), { value: -1, address: 0xff });
  assert.deepEqual(decodeValueBlock(encodeValueBlock(0x7fffffff, 9)), { value: 0x7fffffff, address: 9 });
});

test('value block: every single-bit corruption is detected', () => {
  const good = encodeValueBlock(123456, 9);
  for (let bit = 0; bit < 128; bit++) {
    const bad = Uint8Array.from(good);
    bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
    assert.equal(tryDecodeValueBlock(bad), null, `bit ${bit}`);
    assert.throws(() => decodeValueBlock(bad), CardMalformedError);
  }
  assert.equal(tryDecodeValueBlock(new Uint8Array(15)), null);
  assert.throws(() => encodeValueBlock(2 ** 31, 0), BadInputError);
  assert.throws(() => encodeValueBlock(1.5, 0), BadInputError);
  assert.throws(() => encodeValueBlock(1, 256), BadInputError);
});

test('access bits: transport and purse vectors of §9.1', () => {
  assert.equal(toHex(encodeAccessBits([0, 0, 0, 0b001])), 'FF0780');
  assert.equal(toHex(encodeAccessBits([0, 0b110, 0b110, 0b011])), '19678E');
  assert.deepEqual(decodeAccessBits(fromHex('19678E')), [0, 6, 6, 3]);
});

test('access bits: all 4096 condition sets round-trip; every single-bit flip is rejected', () => {
  for (let n = 0; n < 4096; n++) {
    const c: AccessConditions = [n & 7, (n >> 3) & 7, (n >> 6) & 7, (n >> 9) & 7];
    const enc = encodeAccessBits(c);
    assert.deepEqual(tryDecodeAccessBits(enc), c);
    for (let bit = 0; bit < 24; bit++) {
      const bad = Uint8Array.from(enc);
      bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
      assert.equal(tryDecodeAccessBits(bad), null);
    }
  }
  assert.throws(() => decodeAccessBits(fromHex('FF0781')), CardMalformedError);
  assert.throws(() => encodeAccessBits([0, 0, 0, 8]), BadInputError);
});

test('access tables: the purse setting 110 and the Key-B-readable rule', () => {
  assert.equal(dataBlockAllows(0b110, 'decrement', 'A', 0b011), true);
  assert.equal(dataBlockAllows(0b110, 'write', 'A', 0b011), false);
  assert.equal(dataBlockAllows(0b110, 'write', 'B', 0b011), true);
  assert.equal(dataBlockAllows(0b110, 'increment', 'A', 0b011), false);
  assert.equal(dataBlockAllows(0b111, 'read', 'A', 0b011), false);
  assert.equal(dataBlockAllows(0b011, 'read', 'A', 0b011), false);
  assert.equal(keyBReadable(0b001), true);
  assert.equal(dataBlockAllows(0b000, 'read', 'B', 0b001), false, 'Key B unusable when readable');
  assert.equal(trailerAllows(0b011, 'write', 'keyA', 'B'), true);
  assert.equal(trailerAllows(0b011, 'write', 'keyA', 'A'), false);
  assert.equal(trailerAllows(0b001, 'write', 'access', 'A'), true);
});

test('DES helper: FIPS 81 single-DES vector', () => {
  const out = desEncryptBlock(fromHex('0123456789ABCDEF'), fromHex('4E6F772069732074'));
  assert.equal(toHex(out), '3FA40E8A984D4815');
});

test('key scheme: deterministic, A ≠ B, per sector, per UID, per master key', () => {
  const s = new DefaultM1KeyScheme();
  assert.equal(s.trainingOnly, true);
  const uid = fromHex('1A2B3C4D');
  const k2 = s.sectorKeys(uid, 2);
  assert.equal(k2.keyA.length, 6);
  assert.equal(k2.keyB.length, 6);
  assert.notEqual(toHex(k2.keyA), toHex(k2.keyB));
  assert.equal(toHex(s.sectorKeys(uid, 2).keyA), toHex(k2.keyA));
  assert.notEqual(toHex(s.sectorKeys(uid, 3).keyA), toHex(k2.keyA));
  assert.notEqual(toHex(s.sectorKeys(fromHex('1A2B3C4E'), 2).keyA), toHex(k2.keyA));
  const other = new DefaultM1KeyScheme('0011223344556677');
  assert.equal(other.trainingOnly, false);
  assert.notEqual(toHex(other.sectorKeys(uid, 2).keyA), toHex(k2.keyA));
  assert.notEqual(TRAINING_ONLY_M1_MASTER_KEY_HEX, '0011223344556677');
  assert.throws(() => new DefaultM1KeyScheme('0011'), BadInputError);
  assert.throws(() => s.sectorKeys(uid, 16), BadInputError);
  assert.throws(() => s.sectorKeys(fromHex('01020304050607'), 1), CardUnsupportedError);
});

test('default layout: public info check byte, complement backup, fallback to the backup', () => {
  const info = { pointer: 3, txCount: 0x0102, progress: 'complete' as const, blacklisted: false, monthlyCount: 0, fileFlag: 0 };
  const { primary, backup } = layout.encodePublicInfo(info);
  assert.equal(toHex(primary), '030102020000000000000000000000' + '02');
  assert.equal(toHex(backup), toHex(primary.map((b) => ~b & 0xff)));
  assert.deepEqual(layout.decodePublicInfo(primary, backup), { info, source: 'primary', backupMatches: true });
  const torn = Uint8Array.from(primary);
  torn[3] = 0x01; // flag changed without the check byte: a torn write
  const r = layout.decodePublicInfo(torn, backup);
  assert.equal(r.source, 'backup');
  assert.deepEqual(r.info, info);
  assert.throws(() => layout.decodePublicInfo(torn, torn), CardMalformedError);
  const bl = layout.encodePublicInfo({ ...info, blacklisted: true, progress: 'in-progress' }).primary;
  assert.equal(bl[6], 0x04);
  assert.equal(bl[3], 0x01);
  assert.throws(() => layout.encodePublicInfo({ ...info, pointer: 10 }), BadInputError);
});

test('default layout: issuance and record codecs', () => {
  const iss = { cardNo: '20150001', cityCode: '2150', cardType: '01', issueDate: '2020-01-02', expiryDate: '2030-01-01' };
  const b = layout.encodeIssuance(iss);
  assert.equal(toHex(b), '2150' + '20150001' + '01' + '01' + '20200102' + '20300101');
  assert.deepEqual(layout.decodeIssuance(b), iss);
  const bad = Uint8Array.from(b);
  bad[2] = 0xab;
  assert.throws(() => layout.decodeIssuance(bad), CardMalformedError);
  assert.throws(() => layout.encodeIssuance({ ...iss, cardNo: '123' }), BadInputError);
  assert.throws(() => layout.encodeIssuance({ ...iss, issueDate: '2020-02-30' }), BadInputError);
  const rec = layout.encodeRecord({ type: 0x06, amountFen: 250, terminal: '0A0B0C0D', at: AT });
  assert.equal(toHex(rec), '06' + '000000FA' + '0A0B0C0D' + '20261120' + '110405');
  assert.deepEqual(layout.decodeRecord(rec), { type: 6, amountFen: 250, terminal: '0A0B0C0D', at: '2026-11-20T11:04:05+08:00' });
  assert.equal(layout.decodeRecord(new Uint8Array(16)), null);
  const garbled = Uint8Array.from(rec);
  garbled[10] = 0xff;
  assert.equal(layout.decodeRecord(garbled)?.at, null);
});
