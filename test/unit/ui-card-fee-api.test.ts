// The replacement 工本费 (issue 17 item 1) over the station API's real WebSocket, driven as the
// renderer drives 补卡: the stock card read from the slot first, then `replace` bound to that
// card with the cash tendered; a waiver by the clerk themself refused (ownSignOff, nothing done);
// a supervisor's waiver with their PIN and a reason books no fee. The counter policy the screen
// reads carries the schedule it shows the fee from.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { accountBalances } from '../../db/ledger.ts';
import { connectApi, panelShows, type ApiClient } from '../harness/api-client.ts';
import { stockCard } from '../harness/card-faults.ts';
import { READER } from '../harness/station-fixture.ts';
import { startUiInProcess, type UiInProcess } from '../harness/ui-in-process.ts';

let ui: UiInProcess;
let op: ApiClient;
let keys = 0;
const newKey = (): string => `fee-key-${String(++keys).padStart(8, '0')}`;
const ID = '11010519491231002X';

before(async () => {
  ui = await startUiInProcess();
  op = await connectApi(ui.server.port, ui.server.token);
  const r = await op.call('login', { staffId: 'op1', pin: '2222' });
  assert.equal(r.error, undefined, JSON.stringify(r.error));
});
after(async () => {
  op?.ws.close();
  await ui?.stop();
});

type Refusal = { code: string; say?: { id: string }; outcome?: string };
type Fee = { kind: string; scheduledFen: number; chargedFen: number; scheduleVersion: string; waiver: { supervisorId: string; reason: string } | null };
type Done = { state: 'done'; fee: Fee | null; changeFen: number; issueEntryId: string };

/** Places a card and waits until the card panel shows it, as the screen does before it confirms. */
async function place(asn: string): Promise<void> {
  ui.cards.insert(READER, stockCard(asn));
  assert.equal(await panelShows(op, READER, asn), asn, 'the screen reads the card first');
}

/** A registered card sold, reported lost, the waiting week passed, the host confirming its balance. */
async function lostCard(asn: string): Promise<void> {
  await place(asn);
  const sold = await op.call('issue', { pay: 'cash', tenderedFen: 2000, reader: READER, confirmedCard: { reader: READER, asn }, registration: { name: '赵六', idNumber: ID }, print: 'never', idempotencyKey: newKey() });
  assert.equal(sold.error, undefined, JSON.stringify(sold.error));
  ui.cards.remove(READER);
  const lost = await op.call('lost', { idNumber: ID, card: asn, print: 'never', idempotencyKey: newKey() });
  assert.equal(lost.error, undefined, JSON.stringify(lost.error));
  ui.fx.clock.now = new Date(ui.fx.clock.now.getTime() + 8 * 86_400_000);
  ui.fx.station.upstream = { lostCardBalance: async () => ({ balanceFen: 0 }) };
}

test('补卡 over the API: the screen\'s schedule, ¥10.00 taken in cash with change, fee_income booked', async () => {
  const policy = (await op.call('counterPolicy', {})).result as { feeSchedule?: { replacementFen: number; version: string } };
  assert.equal(policy.feeSchedule?.replacementFen, 1000, 'the screen shows the fee from the policy it reads');
  await lostCard('3100000000000501');
  await place('3100000000000502');
  const before = await accountBalances(ui.fx.station.db);
  const r = await op.call('replace', { idNumber: ID, card: '3100000000000501', reader: READER, confirmedCard: { reader: READER, asn: '3100000000000502' }, pay: 'cash', tenderedFen: 5000, print: 'never', idempotencyKey: newKey() });
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  const done = r.result as Done;
  assert.equal(done.state, 'done');
  assert.equal(done.fee?.chargedFen, 1000);
  assert.equal(done.changeFen, 4000);
  const after = await accountBalances(ui.fx.station.db);
  assert.equal(after.cash_drawer! - before.cash_drawer!, 1000);
  assert.equal((after.fee_income ?? 0) - (before.fee_income ?? 0), -1000);
  ui.cards.remove(READER);
});

test('补卡 with a waiver: the clerk\'s own refused with nothing done, a supervisor\'s books no fee and keeps the reason', async () => {
  await lostCard('3100000000000503');
  await place('3100000000000504');
  const params = { idNumber: ID, card: '3100000000000503', reader: READER, confirmedCard: { reader: READER, asn: '3100000000000504' }, print: 'never' };
  const own = await op.call('replace', { ...params, waiver: { staffId: 'op1', pin: '2222', reason: '自己减免' }, idempotencyKey: newKey() });
  assert.ok(own.error !== undefined, 'a clerk does not waive their own fee');
  assert.ok(['FORBIDDEN'].includes((own.error as Refusal).code), JSON.stringify(own.error));
  const before = await accountBalances(ui.fx.station.db);
  const r = await op.call('replace', { ...params, waiver: { staffId: 'sup1', pin: '3333', reason: '系统故障' }, idempotencyKey: newKey() });
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  const done = r.result as Done;
  assert.deepEqual(done.fee, { kind: 'replacement', scheduledFen: 1000, chargedFen: 0, scheduleVersion: 'local-default-2026-12', waiver: { supervisorId: 'sup1', reason: '系统故障' } });
  const after = await accountBalances(ui.fx.station.db);
  assert.equal(after.cash_drawer, before.cash_drawer, 'nothing paid');
  assert.equal(after.fee_income ?? 0, before.fee_income ?? 0);
});
