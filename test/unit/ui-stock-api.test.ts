// Card stock over the station API's real WebSocket (common/api-stock.ts, issue 17 item 3), driven
// as the renderer drives it: the count, a supervisor's receipt (a clerk refused), a sale of a card
// the station never received refused with its message id and nothing done, a sale from stock, a
// spoiled card, and the day's line reconciling — all through `station serve`'s API server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectApi, panelShows, type ApiClient } from '../harness/api-client.ts';
import { stockCard } from '../harness/card-faults.ts';
import { READER } from '../harness/station-fixture.ts';
import { startUiInProcess, type UiInProcess } from '../harness/ui-in-process.ts';

let ui: UiInProcess;
let op: ApiClient;
let sup: ApiClient;
let keys = 0;
const newKey = (): string => `stock-key-${String(++keys).padStart(8, '0')}`;

async function as(staffId: string, pin: string): Promise<ApiClient> {
  const c = await connectApi(ui.server.port, ui.server.token);
  const r = await c.call('login', { staffId, pin });
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  return c;
}

before(async () => {
  ui = await startUiInProcess();
  op = await as('op1', '2222');
  sup = await as('sup1', '3333');
});
after(async () => {
  op?.ws.close();
  sup?.ws.close();
  await ui?.stop();
});

type Count = { counts: Array<{ cardType: string; inStock: number; issued: number; spoiled: number }>; lines: Array<Record<string, number | string>>; problems: string[] };
type Refusal = { code: string; say?: { id: string } ; outcome?: string };

/** The sale as the screen makes it: the card read from the slot, then the sale bound to that card. */
async function sell(asn: string) {
  ui.cards.insert(READER, stockCard(asn));
  assert.equal(await panelShows(op, READER, asn), asn, 'the screen reads the card first');
  const r = await op.call('issue', { pay: 'cash', tenderedFen: 2000, reader: READER, confirmedCard: { reader: READER, asn }, print: 'never', idempotencyKey: newKey() });
  ui.cards.remove(READER);
  return r;
}

test('the count, a receipt by a supervisor only, a sale refused outside stock and one from stock, a spoiled card: the line reconciles', async () => {
  const first = (await op.call('stockCount', {})).result as Count;
  assert.deepEqual(first.counts.map((c) => [c.cardType, c.inStock]), [['00', 10_000]], 'the training stock');

  const denied = await op.call('stockReceive', { first: '3100000000100001', last: '3100000000100020', cardType: '00', documentNo: 'ZX-7' });
  assert.equal(denied.error?.code, 'FORBIDDEN');
  assert.equal((denied.error as Refusal).say?.id, 'needsSupervisor');
  const received = await sup.call('stockReceive', { first: '3100000000100001', last: '3100000000100020', cardType: '00', documentNo: 'ZX-7' });
  assert.equal(received.error, undefined, JSON.stringify(received.error));
  assert.equal((received.result as { cards: number }).cards, 20);

  const stranger = await sell('3100000000900001');
  assert.equal(stranger.error?.code, 'POLICY', JSON.stringify(stranger.error));
  assert.equal((stranger.error as Refusal).say?.id, 'stockNotReceived');
  assert.equal((stranger.error as Refusal).outcome, 'none', 'nothing was done to the card or the ledger');

  const sold = await sell('3100000000100001');
  assert.equal(sold.error, undefined, JSON.stringify(sold.error));
  const spoiled = await op.call('stockSpoil', { asn: '3100000000100002', reason: 'activation failed' });
  assert.equal(spoiled.error, undefined, JSON.stringify(spoiled.error));
  const again = await op.call('stockSpoil', { asn: '3100000000100002', reason: 'activation failed' });
  assert.equal((again.error as Refusal).say?.id, 'stockCardSpoiled');

  const end = (await op.call('stockCount', {})).result as Count;
  assert.deepEqual(end.counts.map((c) => [c.cardType, c.inStock, c.issued, c.spoiled]), [['00', 10_018, 1, 1]]);
  assert.deepEqual(end.problems, []);
  assert.deepEqual(end.lines, [{ cardType: '00', opening: 0, received: 10_020, issued: 1, spoiled: 1, returned: 0, closing: 10_018 }]);
});
