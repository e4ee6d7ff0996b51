// The concession file SFI 0x1C (issue 17, docs/CARD-PROTOCOL-NOTES.md "Concession file"): the
// emulator's file (read freely, written only with a secure-messaging MAC, kept in the saved card),
// the station's layout codec, and the transaction manager's write → read back, with the card
// type written to EF 0015 byte 28 by the activation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CardStatusError, StationError } from '../../common/errors.ts';
import { fromHex, toHex } from '../../common/hex.ts';
import { CpuCardTransaction } from '../../devices/cpu/card-tx.ts';
import { CpuClient } from '../../devices/cpu/cpu-client.ts';
import { buildConcessionFile, parseConcessionFile, stationIdDigits } from '../../devices/cpu/concession-file.ts';
import { parseEf0015 } from '../../devices/cpu/files.ts';
import { CpuCard } from '../../devices/emulator/cpu-card.ts';
import { InProcessChannel } from '../../devices/emulator/in-process.ts';
import { SoftwareSam } from '../../devices/sam/software-sam.ts';
import { trainingCard, trainingKeys } from './cpu-helpers.ts';

const sam = new SoftwareSam(trainingKeys);
const CARD = { asn: '3100000000000042', cityCode: '3100' };

test('concession file layout: type, verified-until, last verification, station id (BCD), RFU', () => {
  const bytes = buildConcessionFile({ cardType: '01', verifiedUntil: '2027-09-30', lastVerified: '2026-09-10', stationId: 'ST-310001' });
  assert.equal(toHex(bytes), '01' + '20270930' + '20260910' + '000000310001' + '00');
  assert.deepEqual(parseConcessionFile(bytes), { cardType: '01', verifiedUntil: '2027-09-30', lastVerified: '2026-09-10', stationId: '310001' });
  // A stock card's all-zero file: never verified.
  assert.deepEqual(parseConcessionFile(new Uint8Array(16)), { cardType: '00', verifiedUntil: null, lastVerified: null, stationId: null });
  assert.equal(stationIdDigits('1234567890123456'), '567890123456');
  assert.throws(() => parseConcessionFile(new Uint8Array(15)), /expected 16 bytes/);
  assert.throws(() => buildConcessionFile({ cardType: '01', verifiedUntil: '2027-9-30', lastVerified: '2026-09-10', stationId: '1' }), /YYYY-MM-DD/);
});

test('emulator: SFI 1C reads freely, refuses a plain UPDATE BINARY and a wrong MAC, takes a secure one', async () => {
  const card = trainingCard();
  const channel = new InProcessChannel(card);
  const client = new CpuClient(channel);
  await client.select();
  assert.equal(toHex((await client.readConcessionFileRaw())!), '00'.repeat(16));
  // Plain UPDATE BINARY: files are written only with line protection (6982).
  const plain = await channel.transmit(fromHex('00D69C0010' + '11'.repeat(16)));
  assert.equal(toHex(plain), '6982');
  // The wrong issuer's key: the MAC does not check (6988); the file is unchanged.
  const data = buildConcessionFile({ cardType: '01', verifiedUntil: '2027-09-30', lastVerified: '2026-09-10', stationId: '310001' });
  await assert.rejects(client.updateBinarySecure(sam, { ...CARD, cityCode: '2000', sfi: 0x1c, offset: 0, data }), (e: unknown) => e instanceof CardStatusError && e.sw === 0x6988);
  assert.equal(toHex(card.ef001c!), '00'.repeat(16));
  await client.updateBinarySecure(sam, { ...CARD, sfi: 0x1c, offset: 0, data });
  assert.equal(toHex(card.ef001c!), toHex(data));
  // Past the file's end: refused, nothing written.
  await assert.rejects(client.updateBinarySecure(sam, { ...CARD, sfi: 0x1c, offset: 8, data }), (e: unknown) => e instanceof CardStatusError);
  assert.equal(toHex(card.ef001c!), toHex(data));
  // The saved card keeps the file; a card saved without one loads with none.
  const saved = card.toJSON();
  assert.equal(saved.ef001c, toHex(data));
  assert.equal(toHex(CpuCard.fromJSON(saved).ef001c!), toHex(data));
  const { ef001c: _dropped, ...older } = saved;
  assert.equal(CpuCard.fromJSON(older).ef001c, null);
});

test('transaction manager: 年审 write with SM, read back; a torn write (answer lost) proves from the card', async () => {
  const card = trainingCard({ cardType: 1 });
  const channel = new InProcessChannel(card);
  const tx = new CpuCardTransaction(channel, sam);
  await new CpuClient(channel).select();
  const o = { cardType: '01', verifiedUntil: '2027-09-30', lastVerified: '2026-09-10', stationId: '310001' };
  const { before, data } = await tx.prepareVerification(o);
  assert.equal(before.verifiedUntil, null);
  await tx.processVerification(CARD, data);
  assert.deepEqual(await tx.proveVerification(), { ...o, stationId: '310001' });

  // The card commits, then the answer is lost: the outcome is unknown to the station, and the card answers it.
  const o2 = { ...o, verifiedUntil: '2028-09-30', lastVerified: '2027-09-02' };
  const next = await tx.prepareVerification(o2);
  card.armFault({ kind: 'response-lost', atApdu: 1 }); // GET CHALLENGE, then UPDATE BINARY: committed, answer lost
  await assert.rejects(tx.processVerification(CARD, next.data));
  assert.equal((await tx.proveVerification())?.verifiedUntil, '2028-09-30');
});

test('a card without the concession file is refused before any write; the activation writes the card type to EF 0015 byte 28', async () => {
  const none = new InProcessChannel(trainingCard({ ef001c: false }));
  const tx = new CpuCardTransaction(none, sam);
  await new CpuClient(none).select();
  await assert.rejects(tx.prepareVerification({ cardType: '01', verifiedUntil: '2027-09-30', lastVerified: '2026-09-10', stationId: '1' }),
    (e: unknown) => e instanceof StationError && e.code === 'CARD_UNSUPPORTED');
  assert.equal(await tx.readConcessionFile(), null);

  const stock = trainingCard({ enabled: false, cardType: 0 });
  const channel = new InProcessChannel(stock);
  const sale = new CpuCardTransaction(channel, sam);
  await new CpuClient(channel).select();
  const prepared = await sale.prepareActivation('20260310', '01');
  assert.equal(prepared.data.length, 21);
  await sale.processActivation(CARD, prepared);
  const ef = parseEf0015(stock.ef0015);
  assert.deepEqual([ef.enabled, ef.issueDate, ef.expiryDate, ef.cardSubtype], [true, '2026-03-10', '2034-12-31', 1]);
});
