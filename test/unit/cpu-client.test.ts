// The station-side client against the emulated cards through InProcessChannel: reading CU and
// T-Union cards, strict FCI parsing, a full load with the SoftwareSam and TAC check, tears at
// every fault kind during CREDIT FOR LOAD followed by settleLoad, SM update, application block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CardMalformedError, CardRemovedError, CardStatusError, CardUnsupportedError, StationError, BadInputError } from '../../common/errors.ts';
import { fromHex } from '../../common/hex.ts';
import { InProcessChannel } from '../../devices/emulator/in-process.ts';
import { TUnionCard, createTUnionCard } from '../../devices/emulator/tunion-card.ts';
import { DualCard } from '../../devices/emulator/dual-card.ts';
import type { FaultKind } from '../../devices/emulator/virtual-card.ts';
import {
  CpuClient, authorizeLoad, creditLoad, detectCardApplication, initLoad, parseFci, parseLogRecord, parseTUnionEf0015, parseTUnionEf0017, parseTlv, readCpuCard, settleLoad, verifyLoadTac, type PendingLoad,
} from '../../devices/cpu/index.ts';
import { SoftwareSam } from '../../devices/sam/software-sam.ts';
import { ScriptedChannel, TERMINAL, trainingCard, trainingKeys } from './cpu-helpers.ts';

const sam = new SoftwareSam(trainingKeys);
const AT = new Date('2026-03-01T02:03:04Z'); // 10:03:04 in China

const LOG = [
  { seq: 6, amountFen: 500, type: 2, terminal: '000000000002', date: '20250102', time: '101010' },
  { seq: 5, amountFen: 200, type: 6, terminal: '000000000001', date: '20251399', time: '090000' },
];

test('readCpuCard on a CU card: identity from the FCI, balance, concession file, log; 7 APDUs for 2 records', async () => {
  const channel = new InProcessChannel(trainingCard({ log: LOG }));
  const snap = await readCpuCard(channel);
  assert.deepEqual({ ...snap, ef0015: undefined }, {
    kind: 'cpu', asn: '3100000000000042', cityCode: '3100', issuerCode: '3100', enabled: true, blocked: false,
    issueDate: '2024-01-01', expiryDate: '2034-12-31', cardType: 1, balanceFen: 1000, ef0015: undefined, tunion: null,
    // Card type 01 (学生卡) carries the 年审 file; a stock card's is all zero: never verified.
    concession: { cardType: '00', verifiedUntil: null, lastVerified: null, stationId: null },
    log: [
      { seq: 6, overdraftFen: 0, amountFen: 500, type: 2, typeName: 'ep-load', terminal: '000000000002', at: '2025-01-02T10:10:10+08:00' },
      { seq: 5, overdraftFen: 0, amountFen: 200, type: 6, typeName: 'ep-purchase', terminal: '000000000001', at: null },
    ],
  });
  assert.equal(channel.apduCount, 7, 'SELECT, GET BALANCE, READ BINARY 001C (a concession card), READ RECORD 1, 2, 3 (6A83), SELECT T-Union (6A82: no second application)');
  assert.equal(await detectCardApplication(channel), 'cu');
});

test('readCpuCard falls back to READ BINARY when the FCI has no 9F0C', async () => {
  const card = trainingCard();
  const ef15 = Buffer.from(card.ef0015).toString('hex').toUpperCase();
  const channel = new ScriptedChannel({
    '00A4040009A0000000038698070100': '6F0B8409A000000003869807019000',
    '00B095001E': `${ef15}9000`,
    '805C000204': '000000649000',
    '00B09C0010': '6A82', // a concession type (byte 28 = 01) without the 年审 file
    '00B201C4': '6A83',
  });
  const snap = await readCpuCard(channel);
  assert.equal(snap.asn, '3100000000000042');
  assert.equal(snap.balanceFen, 100);
  // The last SELECT looks for a second (T-Union) application; the script has none.
  assert.equal(snap.concession, null);
  assert.deepEqual(channel.sent, ['00A4040009A0000000038698070100', '00B095001E', '805C000204', '00B09C0010', '00B201C400', '00A4040008A00000063201010500']);
});

test('strict FCI/TLV parsing: garbage is CardMalformedError', async () => {
  for (const bad of ['6F05840300', '6F0484020102FF', '6F80', '6F038401', '9F', '6F00', '6F03A50100', '6F0A8409A0000000038698070100', '6F0E8409A00000000386980701A5039F0802']) {
    assert.throws(() => parseFci(fromHex(bad)), CardMalformedError, bad);
  }
  assert.throws(() => parseTlv(fromHex('7F7F7F7F01')), CardMalformedError);
  const channel = new ScriptedChannel({ '00A404': '6F05840300009000' });
  await assert.rejects(new CpuClient(channel).select(), CardMalformedError);
  await assert.rejects(readCpuCard(new ScriptedChannel({ '00A404': '9000' })), CardMalformedError);
});

test('wrong SWs and lengths name the command', async () => {
  const channel = new ScriptedChannel({ '805C': '00009000', '8050': '00000000000000000000000000009000', '00B201C4': '0102039000', '00B095': '6A82' });
  const client = new CpuClient(channel);
  await assert.rejects(client.getBalance(), (e: unknown) => e instanceof CardMalformedError && /GET BALANCE/.test(e.message));
  await assert.rejects(client.initializeForLoad({ amountFen: 1, terminalId: TERMINAL }), (e: unknown) => e instanceof CardMalformedError && /INITIALIZE FOR LOAD/.test(e.message));
  await assert.rejects(client.readLog(), (e: unknown) => e instanceof CardMalformedError && /READ RECORD/.test(e.message));
  await assert.rejects(client.readEf0015(), (e: unknown) => e instanceof CardStatusError && e.sw === 0x6a82 && /0015/.test(e.message));
  await assert.rejects(client.initializeForLoad({ amountFen: 1, terminalId: 'XYZ' }), BadInputError);
});

test('log record parsing: fields, type names, invalid BCD → at null', () => {
  const r = parseLogRecord(fromHex('0102' + '000010' + '00002710' + '09' + '123456789012' + '20260229' + '235959'));
  assert.deepEqual(r, { seq: 0x102, overdraftFen: 16, amountFen: 10000, type: 9, typeName: 'capp-purchase', terminal: '123456789012', at: null });
  assert.equal(parseLogRecord(fromHex('0000000000000000017F000000000000202402292359' + '59')).at, '2024-02-29T23:59:59+08:00');
  assert.equal(parseLogRecord(fromHex('00000000000000000000000000000000202402292460' + '00')).at, null);
  assert.equal(parseLogRecord(fromHex('00000000000000000055000000000000202402292300' + '00')).typeName, 'unknown');
  assert.throws(() => parseLogRecord(new Uint8Array(22)), CardMalformedError);
});

test('EF 0016: GBK name decoded, ID number and type', async () => {
  const ef16 = '0100' + 'D5C5C8FD' + '00'.repeat(16) + Buffer.from('11010519491231002X').toString('hex') + '00'.repeat(14) + '01';
  const channel = new InProcessChannel(trainingCard({ ef0016: ef16 }));
  const client = new CpuClient(channel);
  await client.select();
  assert.deepEqual(await client.readEf0016(), { cardTypeFlag: 1, staffFlag: 0, name: '张三', idNumber: '11010519491231002X', idType: 1 });
});

test('T-Union EF 0015 and EF 0017 by the JT/T 978 layout (hand-made bytes)', () => {
  const ef15 = fromHex('0123456789ABCDEF' + '02' + '01' + '31049000000000123456' + '20230501' + '20330430' + 'AABB');
  assert.deepEqual(parseTUnionEf0015(ef15), {
    issuerId: '0123456789ABCDEF', appType: 2, appVersion: 1, cardNumber: '31049000000000123456', issueDate: '2023-05-01', expiryDate: '2033-04-30', issuerFci: 'AABB',
  });
  assert.throws(() => parseTUnionEf0015(ef15.subarray(0, 29)), CardMalformedError);
  const ef17 = fromHex('00000156' + '3300' + '3320' + '0001' + '03' + '00'.repeat(49));
  assert.deepEqual(parseTUnionEf0017(ef17), { countryCode: '00000156', provinceCode: '3300', cityCode: '3320', interopCode: '0001', interoperable: true, cardType: 3 });
  assert.equal(parseTUnionEf0017(fromHex('00000156' + '3100' + '2900' + '0000' + '01')).interoperable, false, 'the reserved tail may be missing');
  assert.throws(() => parseTUnionEf0017(ef17.subarray(0, 10)), CardMalformedError);
});

test('T-Union card: recognised via its AID, read with the JT/T 978 layout (city from EF 0017); CU select answers 6A82', async () => {
  const card = createTUnionCard({ cardNumber: '31049000000000123456', cityCode: '2900', provinceCode: '3100', cardType: 3, balanceFen: 2345, issueDate: '2023-05-01', expiryDate: '2033-04-30', log: [LOG[0]!] });
  const channel = new InProcessChannel(card);
  assert.equal(await detectCardApplication(channel), 'tunion');
  const snap = await readCpuCard(channel);
  assert.equal(snap.kind, 'tunion');
  assert.equal(snap.asn, '31049000000000123456');
  assert.equal(snap.cityCode, '2900');
  assert.equal(snap.cardType, 3);
  assert.deepEqual(snap.tunion?.management, { countryCode: '00000156', provinceCode: '3100', cityCode: '2900', interopCode: '0001', interoperable: true, cardType: 3 });
  assert.deepEqual([snap.tunion?.issuerId, snap.tunion?.appType, snap.tunion?.balanceFen], ['00002900FFFFFFFF', 2, 2345]);
  assert.equal(snap.balanceFen, 2345);
  assert.equal(snap.issueDate, '2023-05-01');
  assert.equal(snap.log.length, 1);
  await assert.rejects(new CpuClient(channel).select(), (e: unknown) => e instanceof CardStatusError && e.sw === 0x6a82);
  assert.deepEqual(card.toJSON(), JSON.parse(JSON.stringify(card.toJSON())));
  // A T-Union card without EF 0017 (saved before it existed): read, its city unknown.
  const old = TUnionCard.fromJSON({ ...card.toJSON(), ef0017: null });
  const oldSnap = await readCpuCard(new InProcessChannel(old));
  assert.deepEqual([oldSnap.cityCode, oldSnap.tunion?.management, oldSnap.asn], [null, null, '31049000000000123456']);
  // Neither application: detection says none, reading says unsupported.
  const none = new ScriptedChannel({ '00A404': '6A82' });
  assert.equal(await detectCardApplication(none), 'none');
  await assert.rejects(readCpuCard(none), CardUnsupportedError);
});

test('a dual card (City Union + T-Union): the full read gives both applications and leaves City Union selected', async () => {
  const tu = createTUnionCard({ cardNumber: '00003100000000000042', cityCode: '3320', provinceCode: '3300', balanceFen: 777, issueDate: '2024-01-01', expiryDate: '2034-12-31' });
  const card = new DualCard(trainingCard({ log: LOG }), tu);
  const channel = new InProcessChannel(card);
  assert.equal(await detectCardApplication(channel), 'cu');
  const snap = await readCpuCard(channel);
  assert.deepEqual([snap.kind, snap.asn, snap.balanceFen, snap.log.length], ['cpu', '3100000000000042', 1000, 2]);
  assert.deepEqual([snap.tunion?.cardNumber, snap.tunion?.balanceFen, snap.tunion?.management?.cityCode], ['00003100000000000042', 777, '3320']);
  // The card is left as a City Union read leaves it: the next GET BALANCE is the CU purse's.
  assert.equal(await new CpuClient(channel).getBalance(), 1000);
  // A read without the log (the money workflows) does not look for the second application.
  const quick = await readCpuCard(channel, { log: false });
  assert.equal(quick.tunion, null);
  assert.deepEqual(DualCard.fromJSON(JSON.parse(JSON.stringify(card.toJSON()))).toJSON(), card.toJSON());
});

async function startLoad(channel: InProcessChannel, amountFen = 2000): Promise<PendingLoad> {
  const client = new CpuClient(channel);
  const sel = await client.select();
  assert.equal(sel.blocked, false);
  const pending = await initLoad(client, { asn: '3100000000000042', cityCode: '3100', amountFen, terminalId: TERMINAL });
  return authorizeLoad(sam, pending, AT);
}

test('full load through InProcessChannel + SoftwareSam: MAC1 checked, MAC2, credit, TAC verified', async () => {
  const card = trainingCard();
  const channel = new InProcessChannel(card);
  const pending = await startLoad(channel);
  assert.equal(pending.init.oldBalanceFen, 1000);
  assert.equal(pending.init.onlineAtc, 7);
  assert.deepEqual(pending.hostDateTime, { date: '20260301', time: '100304' });
  assert.deepEqual(JSON.parse(JSON.stringify(pending)), pending, 'pending load is plain JSON');
  const tac = await creditLoad(new CpuClient(channel), pending);
  assert.equal(await verifyLoadTac(sam, pending, tac), true);
  assert.equal(await verifyLoadTac(sam, pending, tac === '00000000' ? '00000001' : '00000000'), false);
  assert.equal(card.balanceFen, 3000);
  assert.equal(card.onlineAtc, 8);
  const snap = await readCpuCard(channel);
  assert.equal(snap.balanceFen, 3000);
  assert.deepEqual(snap.log[0], { seq: 7, overdraftFen: 0, amountFen: 2000, type: 2, typeName: 'ep-load', terminal: TERMINAL, at: '2026-03-01T10:03:04+08:00' });
  // Settling a load that completed is idempotent: committed with the same TAC.
  const settled = await settleLoad(new CpuClient(channel), pending, sam);
  assert.deepEqual(settled, { verdict: 'committed', tac, tacVerified: true, balanceFen: 3000, onlineAtc: 8 });
});

test('a forged MAC1 gets no MAC2', async () => {
  const channel = new InProcessChannel(trainingCard());
  const client = new CpuClient(channel);
  await client.select();
  const pending = await initLoad(client, { asn: '3100000000000042', cityCode: '3100', amountFen: 100, terminalId: TERMINAL });
  const forged = { ...pending, init: { ...pending.init, mac1: pending.init.mac1 === '00000000' ? '11111111' : '00000000' } };
  await assert.rejects(authorizeLoad(sam, forged, AT), (e: unknown) => e instanceof StationError && e.code === 'CRYPTO');
  // A card of another issuer than the key says: the ASN check in the MAC fails too.
  await assert.rejects(authorizeLoad(sam, { ...pending, cityCode: '2000' }, AT), (e: unknown) => e instanceof StationError && e.code === 'CRYPTO');
});

const TEARS: Array<[FaultKind, 'committed' | 'not-applied']> = [
  ['tear-before-commit', 'not-applied'],
  ['tear-after-commit', 'committed'],
  ['response-lost', 'committed'],
  ['remove', 'not-applied'],
  ['garbage', 'not-applied'],
];

for (const [kind, verdict] of TEARS) {
  test(`tear during CREDIT FOR LOAD (${kind}) → settleLoad says ${verdict}`, async () => {
    const card = trainingCard();
    const channel = new InProcessChannel(card);
    const pending = await startLoad(channel);
    card.armFault({ kind, atApdu: 0, garbage: fromHex('6F') });
    await assert.rejects(creditLoad(new CpuClient(channel), pending), (e: unknown) =>
      kind === 'garbage' ? e instanceof CardMalformedError : e instanceof CardRemovedError);
    if (!channel.present) channel.insert(card);
    else card.reset(); // the station re-presents the card: a fresh power-up
    const result = await settleLoad(new CpuClient(channel), pending, sam);
    assert.equal(result.verdict, verdict);
    if (result.verdict === 'committed') {
      assert.equal(result.tacVerified, true);
      assert.equal(result.balanceFen, 3000);
      assert.equal(result.onlineAtc, 8);
    } else if (result.verdict === 'not-applied') {
      assert.equal(result.balanceFen, 1000);
      assert.equal(result.onlineAtc, 7);
      // Not applied means a retry with a fresh INITIALIZE can complete.
      const retry = await startLoad(channel);
      const tac = await creditLoad(new CpuClient(channel), retry);
      assert.equal(await verifyLoadTac(sam, retry, tac), true);
      assert.equal(card.balanceFen, 3000);
    }
  });
}

test('settleLoad: a different card, and a card that moved on past our load', async () => {
  const card = trainingCard();
  const channel = new InProcessChannel(card);
  const pending = await startLoad(channel);
  channel.insert(trainingCard({ asn: '3100000000000099' }));
  assert.deepEqual(await settleLoad(new CpuClient(channel), pending, sam), { verdict: 'different-card', asn: '3100000000000099' });
  channel.insert(card);
  const c = new CpuClient(channel);
  await c.select();
  const again = await initLoad(c, { asn: '3100000000000042', cityCode: '3100', amountFen: 2000, terminalId: TERMINAL });
  const authorised = await authorizeLoad(sam, again, AT);
  await creditLoad(c, authorised);
  // Another load afterwards: counter N+2; our record is in the log, the TAC is gone.
  const later = await startLoad(channel, 10);
  await creditLoad(new CpuClient(channel), later);
  const result = await settleLoad(new CpuClient(channel), authorised, sam);
  assert.deepEqual(result, { verdict: 'committed', tac: null, tacVerified: null, balanceFen: 3010, onlineAtc: 9 });
  // A pending load (same counter, other amount) the card never applied while its counter moved on:
  // neither verdict is provable from the card, so it stays in doubt (CARD_MISMATCH).
  await assert.rejects(settleLoad(new CpuClient(channel), { ...pending, amountFen: 1500 }, sam), (e: unknown) => e instanceof StationError && e.code === 'CARD_MISMATCH');
});

test('line-protected UPDATE BINARY and APPLICATION BLOCK through the SAM', async () => {
  const card = trainingCard({ enabled: false });
  const channel = new InProcessChannel(card);
  const client = new CpuClient(channel);
  assert.equal((await readCpuCard(channel)).enabled, false);
  await client.select();
  await client.updateBinarySecure(sam, { asn: '3100000000000042', cityCode: '3100', sfi: 0x15, offset: 8, data: Uint8Array.of(0x01) });
  assert.equal((await readCpuCard(channel)).enabled, true);
  // With the wrong issuer's keys the card refuses the MAC (6988).
  await client.select();
  await assert.rejects(client.updateBinarySecure(sam, { asn: '3100000000000042', cityCode: '2000', sfi: 0x15, offset: 8, data: Uint8Array.of(0x00) }),
    (e: unknown) => e instanceof CardStatusError && e.sw === 0x6988);
  await client.select();
  await client.applicationBlock(sam, { asn: '3100000000000042', cityCode: '3100' });
  const snap = await readCpuCard(channel);
  assert.equal(snap.blocked, true);
  assert.equal(snap.asn, '3100000000000042');
  const sel = await client.select();
  assert.deepEqual([sel.blocked, sel.sw], [true, 0x6a81]);
  await assert.rejects(initLoad(client, { asn: '3100000000000042', cityCode: '3100', amountFen: 100, terminalId: TERMINAL }),
    (e: unknown) => e instanceof CardStatusError && e.sw === 0x6985 && /INITIALIZE FOR LOAD/.test(e.message));
});

test('purchase through the client (card fees): init, debit with MAC1 from the primitives', async () => {
  const { diversifyKey, purchaseSessionKey, purchaseMac1 } = await import('../../devices/crypto/index.ts');
  const card = trainingCard({ offlineAtc: 3 });
  const channel = new InProcessChannel(card);
  const client = new CpuClient(channel);
  await client.select();
  const init = await client.initializeForPurchase({ amountFen: 200, terminalId: TERMINAL });
  assert.equal(init.oldBalanceFen, 1000);
  assert.equal(init.offlineAtc, 3);
  const dpk = trainingKeys.withMasterKey('3100', 'dpk', (mk) => diversifyKey(mk, fromHex('3100000000000042')));
  const sespk = purchaseSessionKey(dpk, fromHex(init.random), 3, fromHex('00000001'));
  const mac1 = Buffer.from(purchaseMac1(sespk, { amountFen: 200, terminalId: fromHex(TERMINAL), date: fromHex('20260301'), time: fromHex('100304') })).toString('hex');
  const out = await client.debitForPurchase({ terminalSeq: '00000001', date: '20260301', time: '100304', mac1 });
  assert.equal(out.tac.length, 8);
  assert.equal(card.balanceFen, 800);
  assert.deepEqual(await client.getTransactionProve(6, 4), { mac: out.mac2, tac: out.tac });
  await client.initializeForPurchase({ amountFen: 200, terminalId: TERMINAL });
  await assert.rejects(client.debitForPurchase({ terminalSeq: '00000002', date: '20260301', time: '100304', mac1 }), (e: unknown) => e instanceof CardStatusError && e.sw === 0x9302);
});
