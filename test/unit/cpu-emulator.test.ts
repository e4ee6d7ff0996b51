// The emulated City Union CPU card, command by command: files, FCI, records, balance, load and
// purchase with MACs computed independently from the primitives, transaction prove, secure
// messaging, application block, limits, error SWs, tear hooks and JSON save/load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../../common/hex.ts';
import { BadInputError } from '../../common/errors.ts';
import {
  diversifyKey, loadMac2, loadSessionKey, loadTac, loadMac1, purchaseMac1, purchaseSessionKey, purchaseMac2, purchaseTac, secureMessagingMac,
} from '../../devices/crypto/index.ts';
import { createCpuCard } from '../../devices/emulator/cpu-card-factory.ts';
import { CpuCard } from '../../devices/emulator/cpu-card.ts';
import { contactlessAtr } from '../../devices/emulator/atr.ts';
import { cardFromJSON } from '../../devices/emulator/index.ts';
import type { VirtualCard } from '../../devices/emulator/virtual-card.ts';

const MK = { algorithm: '3des', version: 1, dlk: '0123456789ABCDEFFEDCBA9876543210', dtk: '00112233445566778899AABBCCDDEEFF', damk: '404142434445464748494A4B4C4D4E4F', dpk: '1122334455667788AABBCCDDEEFF0011' };
const ASN = '0000000000012345';
const asnBytes = fromHex(ASN);
const DLK = diversifyKey(fromHex(MK.dlk), asnBytes);
const DTK = diversifyKey(fromHex(MK.dtk), asnBytes);
const DAMK = diversifyKey(fromHex(MK.damk), asnBytes);
const DPK = diversifyKey(fromHex(MK.dpk), asnBytes);

/** Deterministic card randoms: 11223344, then 55667788, … so MACs are reproducible. */
function fixedRandom(): (n: number) => Uint8Array {
  let calls = 0;
  return (n) => {
    const out = Uint8Array.from({ length: n }, (_, i) => (0x11 * (calls * 4 + i + 1)) & 0xff);
    calls++;
    return out;
  };
}

function makeCard(extra: Partial<Parameters<typeof createCpuCard>[0]> = {}): CpuCard {
  return createCpuCard({
    asn: ASN, cityCode: '3100', balanceFen: 1000, issueDate: '2024-01-01', expiryDate: '2034-12-31', cardType: 0x01, masterKeys: MK,
    onlineAtc: 7, random: fixedRandom(), ...extra,
  });
}

function send(card: VirtualCard, hex: string): { data: string; sw: string } {
  const a = card.process(fromHex(hex));
  assert.ok(a.response !== null, `no answer to ${hex}`);
  const r = toHex(a.response);
  return { data: r.slice(0, -4), sw: r.slice(-4) };
}
const SELECT = '00A4040009A0000000038698070100';

test('ATR is the contactless form with a computed TCK (§2.2 examples)', () => {
  assert.equal(toHex(contactlessAtr(fromHex('804F0CA00000030603000100000000'))), '3B8F8001804F0CA000000306030001000000006A');
  assert.equal(toHex(contactlessAtr(fromHex('FD01102020103000'))), '3B888001FD01102020103000C5');
  assert.equal(toHex(contactlessAtr(fromHex('4D540005002086640001'))), '3B8A80014D54000500208664' + '0001D4');
  assert.equal(toHex(makeCard({ atrHistorical: '8688' }).atr()), '3B828001868' + '80D');
});

test('SELECT by AID answers the FCI with 9F08 and 9F0C = EF 0015; P2=0C answers no data', () => {
  const card = makeCard();
  const r = send(card, SELECT);
  assert.equal(r.sw, '9000');
  const ef15 = toHex(card.ef0015);
  assert.equal(ef15.length, 60);
  assert.equal(r.data, `6F3284 09A00000000386980701A525 9F080102 9F0C1E${ef15}`.replaceAll(' ', ''));
  assert.equal(ef15, `3100310000000300 01 01 0001 ${ASN} 20240101 20341231 01 00`.replaceAll(' ', ''));
  assert.deepEqual(send(card, '00A4040C09A00000000386980701'), { data: '', sw: '9000' });
  assert.equal(send(card, '00A4040009A00000000386980702').sw, '6A82');
  assert.equal(send(card, '00A40000021001').sw, '9000');
  assert.equal(send(card, '00A40000023F00').sw, '9000');
  assert.equal(send(card, '00A40000020002').sw, '6A82');
  assert.equal(send(card, '00A4040109A0000000038698070100').sw, '6A86');
});

test('READ BINARY by SFI: 0015 (30), 0016 (55), Le 00, 6Cxx on a too-long Le, offsets', () => {
  const card = makeCard({ ef0016: '0100D5C5C8FD' + '00'.repeat(49) });
  assert.equal(send(card, '00B095001E').sw, '6A82', 'nothing selected yet');
  send(card, SELECT);
  const f15 = send(card, '00B095001E');
  assert.deepEqual(f15, { data: toHex(card.ef0015), sw: '9000' });
  assert.deepEqual(send(card, '00B0950000'), f15);
  assert.deepEqual(send(card, '00B0950020'), { data: '', sw: '6C1E' });
  assert.equal(send(card, '00B0950C08').data, ASN);
  assert.equal(send(card, '00B0951E00').sw, '6B00');
  const f16 = send(card, '00B0960037');
  assert.equal(f16.sw, '9000');
  assert.equal(f16.data.length, 110);
  assert.equal(f16.data.slice(0, 12), '0100D5C5C8FD');
  assert.equal(send(card, '00B0970000').sw, '6A82');
  assert.equal(send(card, '00B09500').sw, '6700');
});

test('READ RECORD SFI 18: newest first, 6A83 beyond the written records, 6C17 on wrong Le', () => {
  const log = [
    { seq: 6, amountFen: 500, type: 2, terminal: '000000000002', date: '20250102', time: '101010' },
    { seq: 5, amountFen: 200, type: 6, terminal: '000000000001', date: '20250101', time: '090000' },
  ];
  const card = makeCard({ log });
  send(card, SELECT);
  assert.deepEqual(send(card, '00B201C400'), { data: '0006' + '000000' + '000001F4' + '02' + '000000000002' + '20250102' + '101010', sw: '9000' });
  assert.equal(send(card, '00B202C417').data.slice(0, 4), '0005');
  assert.equal(send(card, '00B203C400').sw, '6A83');
  assert.equal(send(card, '00B201C410').sw, '6C17');
  assert.equal(send(card, '00B200C400').sw, '6A86');
  assert.equal(send(card, '00B201BC00').sw, '6A82');
});

test('GET BALANCE, P1/P2 checks, CLA/INS errors, malformed APDUs', () => {
  const card = makeCard();
  assert.equal(send(card, '805C000204').sw, '6985');
  send(card, SELECT);
  assert.deepEqual(send(card, '805C000204'), { data: '000003E8', sw: '9000' });
  assert.deepEqual(send(card, '805C000200'), { data: '000003E8', sw: '9000' });
  assert.equal(send(card, '805C010204').sw, '6A86');
  assert.equal(send(card, '805C000104').sw, '6A86');
  assert.equal(send(card, '805C000208').sw, '6C04');
  assert.equal(send(card, 'A05C000204').sw, '6E00');
  assert.equal(send(card, '80FF000000').sw, '6D00');
  assert.equal(send(card, '00D6950001FF').sw, '6982');
  assert.equal(send(card, '805C00').sw, '6700');
  assert.equal(send(card, '8050000205010000').sw, '6700');
});

test('load: INIT answer fields and MAC1, CREDIT commits balance, counter, log and proof; TAC matches', () => {
  const card = makeCard();
  send(card, SELECT);
  const init = send(card, '805000020B01000007D0010000000001' + '10');
  assert.equal(init.sw, '9000');
  // old balance 1000, online ATC 7, key version 1, algorithm 00, random 11223344 (V2 inputs)
  assert.equal(init.data, '000003E8' + '0007' + '01' + '00' + '11223344' + '51DEFC45');
  const seslk = loadSessionKey(DLK, fromHex('11223344'), 7);
  assert.equal(toHex(seslk), '5F1C7F9E730145C8');
  const mac2 = toHex(loadMac2(seslk, { amountFen: 2000, terminalId: fromHex('010000000001'), hostDate: fromHex('20250601'), hostTime: fromHex('093000') }));
  assert.equal(mac2, '7910D74D');
  const credit = send(card, '805200000B' + '20250601093000' + mac2 + '04');
  assert.deepEqual(credit, { data: 'E38A6356', sw: '9000' });
  assert.equal(card.balanceFen, 3000);
  assert.equal(card.onlineAtc, 8);
  assert.equal(toHex(card.logRecords[0]!), '0007' + '000000' + '000007D0' + '02' + '010000000001' + '20250601' + '093000');
  assert.deepEqual(send(card, '805C000204'), { data: '00000BB8', sw: '9000' });
  // GET TRANSACTION PROVE with N+1 gives MAC2‖TAC; N and N+2 do not (flag off).
  assert.deepEqual(send(card, '805A000202000808'), { data: '7910D74D' + 'E38A6356', sw: '9000' });
  assert.equal(send(card, '805A000202000708').sw, '9406');
  assert.equal(send(card, '805A000202000908').sw, '9406');
  assert.equal(send(card, '805A000602000108').sw, '9406', 'no purchase yet');
});

test('load errors: CREDIT without INIT 6985, wrong MAC2 9302 drops the pending load, key index 9403, balance limit, ATC FFFF 9402', () => {
  const card = makeCard();
  send(card, SELECT);
  assert.equal(send(card, '805200000B2025060109300000000000').sw, '6985');
  send(card, '805000020B01000007D0010000000001');
  assert.equal(send(card, '805200000B2025060109300000000000').sw, '9302');
  assert.equal(send(card, '805200000B202506010930007910D74D').sw, '6985', 'a MAC error ends the pending load');
  assert.equal(card.balanceFen, 1000);
  assert.equal(card.onlineAtc, 7);
  assert.equal(send(card, '805000020B02000007D0010000000001').sw, '9403');
  assert.equal(send(card, '805000020B010001869F010000000001').sw, '6A80', '1000 + 99999 > 100000');
  assert.equal(send(card, '805000020B010001869F010000000001').sw, '6A80');
  assert.equal(send(card, '805000020B01000186A0010000000001'.replace('000186A0', '00017ED0')).sw, '9000', '1000 + 99024 is under the limit');
  // Any other e-purse command between INIT and CREDIT (GET BALANCE excepted) clears the pending load.
  send(card, '805000020B01000007D0010000000001');
  send(card, '805C000204');
  send(card, '805A000202000808');
  assert.equal(send(card, '805200000B2025060109300000000000').sw, '6985');
  const full = makeCard({ onlineAtc: 0xffff });
  send(full, SELECT);
  assert.equal(send(full, '805000020B01000007D0010000000001').sw, '9402');
});

test('purchase: INIT answer, DEBIT MAC1 check, TAC and MAC2, 9401 on insufficient funds', () => {
  const card = makeCard({ offlineAtc: 5 });
  send(card, SELECT);
  assert.equal(send(card, '805001020B01000003E9112233445566').sw, '9401');
  const init = send(card, '805001020B0100000064112233445566' + '0F');
  const random = init.data.slice(22, 30);
  assert.equal(init.data.slice(0, 22), '000003E8' + '0005' + '000000' + '01' + '00');
  const sespk = purchaseSessionKey(DPK, fromHex(random), 5, fromHex('00000102'));
  const fields = { amountFen: 100, terminalId: fromHex('112233445566'), date: fromHex('20240315'), time: fromHex('083000') };
  const mac1 = toHex(purchaseMac1(sespk, fields));
  const debit = send(card, '805401000F' + '00000102' + '20240315083000' + mac1 + '08');
  assert.equal(debit.sw, '9000');
  assert.equal(debit.data, toHex(purchaseTac(DTK, { ...fields, terminalSeq: fromHex('00000102') })) + toHex(purchaseMac2(sespk, 100)));
  assert.equal(card.balanceFen, 900);
  assert.equal(card.offlineAtc, 6);
  assert.equal(card.onlineAtc, 7);
  assert.equal(toHex(card.logRecords[0]!).slice(0, 20), '0005' + '000000' + '00000064' + '06');
  assert.equal(send(card, '805A000602000608').data, debit.data.slice(8) + debit.data.slice(0, 8));
  send(card, '805001020B0100000064112233445566');
  assert.equal(send(card, '805401000F' + '00000102' + '20240315083000' + mac1).sw, '9302');
  assert.equal(card.balanceFen, 900);
  const noDpk = makeCard({ masterKeys: { ...MK, dpk: undefined } });
  send(noDpk, SELECT);
  assert.equal(send(noDpk, '805001020B0100000064112233445566').sw, '9403');
});

test('GET CHALLENGE and line-protected UPDATE BINARY: MAC with DAMK, IV = challenge‖0, challenge single-use', () => {
  const card = makeCard();
  send(card, SELECT);
  assert.equal(send(card, '04D695080501AABBCCDD').sw, '6984', 'no challenge yet');
  const ch = send(card, '0084000004');
  assert.equal(ch.sw, '9000');
  assert.equal(ch.data.length, 8);
  const header = '04D6950805' + '00';
  const mac = toHex(secureMessagingMac(DAMK, fromHex(ch.data), fromHex(header)));
  assert.deepEqual(send(card, header + mac), { data: '', sw: '9000' });
  assert.equal(card.ef0015[8], 0x00, 'enable flag written');
  assert.equal(send(card, header + mac).sw, '6984', 'challenge was used up');
  const ch2 = send(card, '0084000004').data;
  assert.equal(send(card, header + 'DEADBEEF').sw, '6988');
  assert.equal(send(card, header + toHex(secureMessagingMac(DAMK, fromHex(ch2), fromHex(header)))).sw, '6984', 'a wrong MAC also consumes the challenge');
  assert.equal(send(card, '0084000005').sw, '6700');
  assert.equal(send(card, '04D6950803010203').sw, '6987');
  // FCI follows the file.
  assert.equal(send(card, SELECT).data.slice(-60), toHex(card.ef0015));
  // 0016 can be written the same way, and a write past the end is refused.
  const ch3 = send(card, '0084000004').data;
  const h16 = '04D6963606' + 'AABB';
  assert.equal(send(card, h16 + toHex(secureMessagingMac(DAMK, fromHex(ch3), fromHex(h16)))).sw, '6700');
});

test('APPLICATION BLOCK: SELECT then answers 6A81 (configurable), money commands refuse, reads still work', () => {
  for (const [blockedSelectSw, expect] of [[undefined, '6A81'], [0x6283, '6283']] as const) {
    const card = makeCard(blockedSelectSw === undefined ? {} : { blockedSelectSw });
    send(card, SELECT);
    const header = '841E000004';
    assert.equal(send(card, header + 'DEADBEEF').sw, '6984', 'no challenge');
    const ch = send(card, '0084000004').data;
    assert.equal(send(card, header + 'DEADBEEF').sw, '6988', 'wrong MAC');
    assert.equal(card.lock, 'none');
    const ch2 = send(card, '0084000004').data;
    assert.notEqual(ch, ch2);
    assert.equal(send(card, header + toHex(secureMessagingMac(DAMK, fromHex(ch2), fromHex(header)))).sw, '9000');
    assert.equal(card.lock, 'temporary');
    const sel = send(card, SELECT);
    assert.equal(sel.sw, expect);
    assert.equal(sel.data.length > 0, expect === '6283', 'FCI comes with the 62xx warning only');
    assert.equal(send(card, '805000020B0100000064010000000001').sw, '6985');
    assert.equal(send(card, '805001020B0100000064010000000001').sw, '6985');
    assert.equal(send(card, '00B095001E').sw, '9000');
    assert.equal(send(card, '805C000204').sw, '9000');
  }
  const card = makeCard();
  send(card, SELECT);
  const ch = send(card, '0084000004').data;
  const permanent = '841E000104';
  assert.equal(send(card, permanent + toHex(secureMessagingMac(DAMK, fromHex(ch), fromHex(permanent)))).sw, '9000');
  assert.equal(card.lock, 'permanent');
  assert.equal(send(card, SELECT).sw, '9303');
  assert.equal(send(card, '805000020B0100000064010000000001').sw, '9303');
});

test('tear hooks around CREDIT FOR LOAD follow virtual-card.ts exactly', () => {
  const cases = [
    { kind: 'tear-before-commit', committed: false, removed: true },
    { kind: 'tear-after-commit', committed: true, removed: true },
    { kind: 'response-lost', committed: true, removed: false },
    { kind: 'remove', committed: false, removed: true },
    { kind: 'garbage', committed: false, removed: false },
  ] as const;
  for (const c of cases) {
    const card = makeCard();
    send(card, SELECT);
    send(card, '805000020B01000007D0010000000001');
    card.armFault({ kind: c.kind, atApdu: 0, garbage: fromHex('6F0102') });
    const a = card.process(fromHex('805200000B202506010930007910D74D04'));
    assert.equal(a.removed, c.removed, c.kind);
    if (c.kind === 'garbage') assert.equal(toHex(a.response!), '6F0102');
    else assert.equal(a.response, null, c.kind);
    assert.equal(card.balanceFen, c.committed ? 3000 : 1000, c.kind);
    assert.equal(card.onlineAtc, c.committed ? 8 : 7, c.kind);
    assert.equal(card.logRecords.length, c.committed ? 1 : 0, c.kind);
    // The fault fires once; afterwards the card answers normally.
    card.reset();
    assert.equal(send(card, SELECT).sw, '9000');
    assert.equal(send(card, '805A000202000808').sw, c.committed ? '9000' : '9406', c.kind);
  }
});

test('atApdu counts APDUs since arming; power loss clears the selection', () => {
  const card = makeCard();
  card.armFault({ kind: 'remove', atApdu: 2 });
  assert.equal(send(card, SELECT).sw, '9000');
  assert.equal(send(card, '805C000204').sw, '9000');
  const a = card.process(fromHex('805C000204'));
  assert.deepEqual(a, { response: null, removed: true });
  assert.equal(send(card, '805C000204').sw, '6985', 'selection lost with power');
  assert.throws(() => card.armFault({ kind: 'remove', atApdu: -1 }), BadInputError);
});

test('JSON save/load round trip keeps balance, counters, log, proofs, lock, keys and options', () => {
  const card = makeCard({ blockedSelectSw: 0x6283, proveAcceptsUsedAtc: true, maxBalanceFen: 50_000, ef0016: '01'.repeat(55) });
  send(card, SELECT);
  send(card, '805000020B01000007D0010000000001');
  send(card, '805200000B202506010930007910D74D');
  const json = JSON.parse(JSON.stringify(card.toJSON())) as unknown;
  const back = cardFromJSON(json) as CpuCard;
  assert.ok(back instanceof CpuCard);
  assert.deepEqual(back.toJSON(), card.toJSON());
  assert.equal(back.balanceFen, 3000);
  send(back, SELECT);
  assert.equal(send(back, '805A000202000708').sw, '9000', 'proveAcceptsUsedAtc survived');
  assert.equal(send(back, '805A000202000808').data, '7910D74DE38A6356');
  // Corrupt saves are BadInputErrors naming the field.
  const bad = (patch: Record<string, unknown>, field: RegExp) =>
    assert.throws(() => CpuCard.fromJSON({ ...(json as object), ...patch }), (e: unknown) => e instanceof BadInputError && field.test(e.message));
  bad({ ef0015: 'AB' }, /ef0015/);
  bad({ balanceFen: 60_000 }, /balanceFen/);
  bad({ onlineAtc: 0x10000 }, /onlineAtc/);
  bad({ lock: 'maybe' }, /lock/);
  bad({ log: ['00'] }, /log\[0\]/);
  bad({ kind: 'm2' }, /kind/);
  assert.throws(() => cardFromJSON({ kind: 'nope' }), BadInputError);
});

test('an internal fault (SM4 key in a saved card) answers 6F00 instead of throwing at the reader', () => {
  const json = makeCard().toJSON();
  json.keys.load[0]!.algorithmId = 0x04;
  const card = CpuCard.fromJSON(json);
  send(card, SELECT);
  assert.equal(send(card, '805000020B0100000064010000000001').sw, '6F00');
  assert.equal(send(card, '805C000204').sw, '9000');
});

test('factory refuses bad identities and keys', () => {
  assert.throws(() => makeCard({ asn: '123' }), BadInputError);
  assert.throws(() => makeCard({ cityCode: '31' }), BadInputError);
  assert.throws(() => makeCard({ issueDate: '2024-1-1' }), BadInputError);
  assert.throws(() => makeCard({ masterKeys: { ...MK, dlk: '00' } }), BadInputError);
  assert.throws(() => makeCard({ balanceFen: 100_001 }), BadInputError);
  assert.throws(() => makeCard({ masterKeys: undefined }), BadInputError);
});

test('independent check: card MAC1 equals loadMac1 over the INIT fields', () => {
  const card = makeCard({ balanceFen: 0, onlineAtc: 0 });
  send(card, SELECT);
  const init = send(card, '805000020B0100001234000000000001').data;
  const seslk = loadSessionKey(DLK, fromHex(init.slice(16, 24)), 0);
  assert.equal(init.slice(24), toHex(loadMac1(seslk, { oldBalanceFen: 0, amountFen: 0x1234, terminalId: fromHex('000000000001') })));
  const mac2 = loadMac2(seslk, { amountFen: 0x1234, terminalId: fromHex('000000000001'), hostDate: fromHex('20240101'), hostTime: fromHex('120000') });
  const tac = send(card, '805200000B20240101120000' + toHex(mac2)).data;
  assert.equal(tac, toHex(loadTac(DTK, { newBalanceFen: 0x1234, onlineAtc: 0, amountFen: 0x1234, terminalId: fromHex('000000000001'), hostDate: fromHex('20240101'), hostTime: fromHex('120000') })));
});

test('through InProcessChannel the shared 6Cxx rule re-reads with the Le the card asked for', async () => {
  const { InProcessChannel } = await import('../../devices/emulator/in-process.ts');
  const card = makeCard();
  const channel = new InProcessChannel(card);
  await channel.transmit(fromHex(SELECT));
  const before = channel.apduCount;
  const answer = toHex(await channel.transmit(fromHex('00B0950020')));
  assert.equal(answer, toHex(card.ef0015) + '9000');
  assert.equal(channel.apduCount - before, 2, 'one 6C1E, one re-issued READ BINARY');
});
