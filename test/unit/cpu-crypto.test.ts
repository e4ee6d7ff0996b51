// CARD-PROTOCOL.md §5.10 vectors, byte for byte: V1 (published), V2 end-to-end, V3 purchase,
// V4 secure messaging, plus the diversification check and the primitive edge cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../../common/hex.ts';
import { StationError } from '../../common/errors.ts';
import {
  decryptBlock, diversifyKey, encryptBlock, encryptEcb, loadMac1, loadMac2, loadSessionKey, loadTac, pad80, pbocMac,
  purchaseMac1, purchaseMac2, purchaseSessionKey, purchaseTac, secureMessagingMac, suiteFor, tacKey, TDES_SUITE,
} from '../../devices/crypto/index.ts';

const h = fromHex;

test('V1 (published DPJ example): SESLK and MAC1 reproduce the page', () => {
  const dlk = h('3F013F013F013F013F013F013F013F01');
  const seslk = loadSessionKey(dlk, h('F9CABA91'), 0x0000);
  assert.equal(toHex(seslk), '03015BEA347EA231');
  const mac1 = loadMac1(seslk, { oldBalanceFen: 0, amountFen: 0x1234, terminalId: h('000000000001') });
  assert.equal(toHex(mac1), '6C394D64');
});

test('V1 continuation: MAC2 and TAC', () => {
  const seslk = h('03015BEA347EA231');
  const mac2 = loadMac2(seslk, { amountFen: 0x1234, terminalId: h('000000000001'), hostDate: h('20240101'), hostTime: h('120000') });
  assert.equal(toHex(mac2), '5B483F37');
  const dtk = h('00112233445566778899AABBCCDDEEFF');
  assert.equal(toHex(tacKey(dtk)), '8888888888888888');
  const tac = loadTac(dtk, { newBalanceFen: 0x1234, onlineAtc: 0, amountFen: 0x1234, terminalId: h('000000000001'), hostDate: h('20240101'), hostTime: h('120000') });
  assert.equal(toHex(tac), '5546395A');
});

test('V2 end-to-end: diversified DLK/DTK, SESLK, MAC1, MAC2, TAC', () => {
  const asn = h('0000000000012345');
  const dlk = diversifyKey(h('0123456789ABCDEFFEDCBA9876543210'), asn);
  assert.equal(toHex(dlk), '6D2C89DB3B920683BB54E9FE2141ACD6');
  const seslk = loadSessionKey(dlk, h('11223344'), 7);
  assert.equal(toHex(seslk), '5F1C7F9E730145C8');
  const terminalId = h('010000000001');
  assert.equal(toHex(loadMac1(seslk, { oldBalanceFen: 1000, amountFen: 2000, terminalId })), '51DEFC45');
  const hostDate = h('20250601');
  const hostTime = h('093000');
  assert.equal(toHex(loadMac2(seslk, { amountFen: 2000, terminalId, hostDate, hostTime })), '7910D74D');
  const dtk = diversifyKey(h('00112233445566778899AABBCCDDEEFF'), asn);
  assert.equal(toHex(dtk), '7388B9F70E121012235ED3C0F9125C71');
  assert.equal(toHex(loadTac(dtk, { newBalanceFen: 3000, onlineAtc: 7, amountFen: 2000, terminalId, hostDate, hostTime })), 'E38A6356');
});

test('diversification check vector', () => {
  assert.equal(toHex(diversifyKey(h('00112233445566778899AABBCCDDEEFF'), h('1234567890ABCDEF'))), 'A38B959F1A4D0A40DC052BA3C9E0CA5E');
});

test('V3 purchase: SESPK, MAC1, MAC2, TAC', () => {
  const sespk = purchaseSessionKey(h('1122334455667788AABBCCDDEEFF0011'), h('A1B2C3D4'), 5, h('00000102'));
  assert.equal(toHex(sespk), '2D42160B29349604');
  const f = { amountFen: 100, terminalId: h('112233445566'), date: h('20240315'), time: h('083000') };
  assert.equal(toHex(purchaseMac1(sespk, f)), '15B98ECA');
  assert.equal(toHex(purchaseMac2(sespk, 100)), '8F0D072F');
  // K_TAC 8888888888888888 is tacKey(00112233445566778899AABBCCDDEEFF).
  assert.equal(toHex(purchaseTac(h('00112233445566778899AABBCCDDEEFF'), { ...f, terminalSeq: h('00000102') })), '4920F74C');
});

test('V4 secure messaging MAC', () => {
  const mac = secureMessagingMac(h('404142434445464748494A4B4C4D4E4F'), h('11223344'), h('04D695000B01020304050607'));
  assert.equal(toHex(mac), '24452776');
});

test('single DES through the ede3 path matches the FIPS 81 sample', () => {
  // FIPS 81 / classic example: key 0123456789ABCDEF, "Now is t" → 3FA40E8A984D4815.
  assert.equal(toHex(encryptBlock(h('0123456789ABCDEF'), h('4E6F772069732074'))), '3FA40E8A984D4815');
  assert.equal(toHex(decryptBlock(h('0123456789ABCDEF'), h('3FA40E8A984D4815'))), '4E6F772069732074');
  // A 2-key 3DES key with K1 = K2 is single DES.
  assert.equal(toHex(encryptBlock(h('0123456789ABCDEF0123456789ABCDEF'), h('4E6F772069732074'))), '3FA40E8A984D4815');
  assert.equal(toHex(encryptEcb(h('0123456789ABCDEF'), h('4E6F7720697320744E6F772069732074'))), '3FA40E8A984D48153FA40E8A984D4815');
});

test('padding always adds 80, a whole block when aligned', () => {
  assert.equal(toHex(pad80(h('01'))), '0180000000000000');
  assert.equal(toHex(pad80(h('0102030405060708'))), '01020304050607088000000000000000');
  assert.equal(toHex(pad80(new Uint8Array(0))), '8000000000000000');
});

test('a 16-byte MAC key differs from its left half (retail final step happens)', () => {
  const data = h('0102030405');
  assert.notEqual(toHex(pbocMac(h('404142434445464748494A4B4C4D4E4F'), data)), toHex(pbocMac(h('4041424344454647'), data)));
});

test('wrong lengths are CRYPTO StationErrors, not RangeErrors', () => {
  const bad = [
    () => encryptBlock(h('0011'), new Uint8Array(8)),
    () => encryptBlock(new Uint8Array(8), new Uint8Array(7)),
    () => pbocMac(new Uint8Array(24), new Uint8Array(1)),
    () => diversifyKey(new Uint8Array(16), new Uint8Array(7)),
    () => loadSessionKey(new Uint8Array(16), new Uint8Array(3), 0),
    () => loadSessionKey(new Uint8Array(16), new Uint8Array(4), 0x10000),
    () => loadMac1(new Uint8Array(8), { oldBalanceFen: -1, amountFen: 1, terminalId: new Uint8Array(6) }),
    () => loadMac1(new Uint8Array(8), { oldBalanceFen: 0, amountFen: 1, terminalId: new Uint8Array(5) }),
    () => secureMessagingMac(new Uint8Array(16), new Uint8Array(8), new Uint8Array(5)),
  ];
  for (const f of bad) assert.throws(f, (e: unknown) => e instanceof StationError && e.code === 'CRYPTO');
});

test('suites: 00 is 3DES, 04 (SM4) and unknown ids are clear CRYPTO errors', () => {
  assert.equal(suiteFor(0x00), TDES_SUITE);
  assert.equal(suiteFor(0).name, '3des');
  assert.throws(() => suiteFor(0x04), (e: unknown) => e instanceof StationError && e.code === 'CRYPTO' && /SM4/.test(e.message));
  assert.throws(() => suiteFor(0x07), (e: unknown) => e instanceof StationError && e.code === 'CRYPTO');
});
