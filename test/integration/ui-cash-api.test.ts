// The teller's cash over `station serve`'s real WebSocket, driven as the 钱箱 screen drives it
// (issue 17 item 4): each confirmation makes one idempotency key; 交款 with the supervisor's ID and
// PIN (refused without, or with the teller's own); three identical sends give one booking; a
// transfer to another open shift is listed for that teller and taken once of two tabs; the day
// summary's cash lines reconcile and flag cash in transit until it is taken.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStationDb } from '../../db/station-db.ts';
import { connectApi, type ApiClient } from '../harness/api-client.ts';
import { runStationOk } from '../harness/cli.ts';
import { startServe, type Serve } from '../harness/ui-serve.ts';

let home: string;
let serve: Serve;
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env, STATION_HOME: home, STATION_KEYS: '', PCSCLITE_CSOCK_NAME: path.join(home, 'no-pcscd.comm'), ...extra,
});
const key = (): string => randomUUID();

async function as(staffId: string, pin: string): Promise<ApiClient> {
  const c = await connectApi(serve.port, serve.token);
  const r = await c.call('login', { staffId, pin });
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  return c;
}
function ok<T>(r: { result?: unknown; error?: { code: string; message: string } }): T {
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  return r.result as T;
}

before(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'ui-cash-api-'));
  await runStationOk(['init', '--training', '--admin-pin', '2468'], env());
  for (const [id, role, pin] of [['op1', 'operator', '1357'], ['op2', 'operator', '2460'], ['sup1', 'supervisor', '8642']] as const) {
    await runStationOk(['staff', 'add', '--operator', 'admin', '--id', id, '--name', id, '--role', role], env({ STATION_PIN: '2468', STATION_NEW_PIN: pin }));
  }
  serve = await startServe(env(), ['--idle-lock', '600']);
});
after(async () => {
  await serve?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('交款, a transfer and its taking as the screen sends them; the day summary\'s cash lines reconcile', async () => {
  const op1 = await as('op1', '1357');
  const op2 = await as('op2', '2460');
  ok(await op1.call('shiftOpen', { floatFen: 50_000, idempotencyKey: key() }));
  ok(await op2.call('shiftOpen', { floatFen: 10_000, idempotencyKey: key() }));

  // 交款: refused without a supervisor, with a wrong PIN, by the teller's own sign-off (nothing booked).
  assert.equal((await op1.call('cashHandover', { amountFen: 20_000, to: 'safe', idempotencyKey: key() })).error?.code, 'FORBIDDEN');
  assert.equal((await op1.call('cashHandover', { amountFen: 20_000, to: 'safe', supervisor: { staffId: 'sup1', pin: '0000' }, idempotencyKey: key() })).error?.code, 'AUTH');
  assert.equal((await op1.call('cashHandover', { amountFen: 20_000, to: 'safe', idempotencyKey: 'short' })).error?.code, 'BAD_INPUT', 'a money request without a proper key is refused');
  // One confirmation, sent three times at once (Enter pressed again, a retry): one booking, one answer.
  const params = { amountFen: 20_000, to: 'bank', supervisor: { staffId: 'sup1', pin: '8642' }, idempotencyKey: key() };
  const three = await Promise.all([op1.call('cashHandover', params), op1.call('cashHandover', params), op1.call('cashHandover', params)]);
  const answers = three.map((r) => ok<{ entryId: string; drawerFen: number; supervisorId: string }>(r));
  assert.equal(new Set(answers.map((a) => a.entryId)).size, 1, 'one booking');
  assert.deepEqual([answers[0]!.drawerFen, answers[0]!.supervisorId], [30_000, 'sup1']);

  // A transfer: listed for op2 only, taken once of two tabs at once.
  const sent = ok<{ transferId: string; drawerFen: number }>(await op1.call('cashTransferSend', { amountFen: 5_000, toOperatorId: 'op2', idempotencyKey: key() }));
  assert.equal(sent.drawerFen, 25_000);
  assert.deepEqual(ok<{ transfers: unknown[] }>(await op1.call('cashTransfersWaiting', {})).transfers, []);
  const waiting = ok<{ transfers: Array<{ transferId: string; amountFen: number; fromOperatorId: string }> }>(await op2.call('cashTransfersWaiting', {}));
  assert.deepEqual(waiting.transfers.map((t) => [t.transferId, t.amountFen, t.fromOperatorId]), [[sent.transferId, 5_000, 'op1']]);
  let day = ok<{ cashBox: { status: string; inTransitFen: number; pending: unknown[] } }>(await op1.call('daySummary', {}));
  assert.deepEqual([day.cashBox.status, day.cashBox.inTransitFen, day.cashBox.pending.length], ['in-transit', 5_000, 1]);
  const op2b = await as('op2', '2460');
  const takes = await Promise.all([op2.call('cashTransferAccept', { transferId: sent.transferId, idempotencyKey: key() }), op2b.call('cashTransferAccept', { transferId: sent.transferId, idempotencyKey: key() })]);
  assert.equal(takes.filter((t) => t.error === undefined).length, 1, 'taken once');
  assert.equal(takes.find((t) => t.error !== undefined)!.error!.code, 'POLICY');

  // The closes reconcile: op1 500 − 200 交款 − 50 sent = 250; op2 100 + 50 = 150.
  const c1 = ok<{ expectedFen: number; differenceFen: number }>(await op1.call('shiftClose', { counted: { 10000: 2, 5000: 1 }, print: 'never', idempotencyKey: key() }));
  assert.deepEqual([c1.expectedFen, c1.differenceFen], [25_000, 0]);
  const c2 = ok<{ expectedFen: number; differenceFen: number }>(await op2.call('shiftClose', { counted: { 10000: 1, 5000: 1 }, print: 'never', idempotencyKey: key() }));
  assert.deepEqual([c2.expectedFen, c2.differenceFen], [15_000, 0]);
  day = ok(await op1.call('daySummary', {}));
  const d = day as unknown as {
    cash: { expectedFen: number; countedFen: number; differenceFen: number; handedOverFen: number; transferredOutFen: number; transferredInFen: number };
    cashBox: { floatIssuedFen: number; floatReturnedFen: number; handedOverBankFen: number; handovers: number; inTransitFen: number; status: string };
  };
  assert.deepEqual([d.cash.expectedFen, d.cash.countedFen, d.cash.differenceFen, d.cash.handedOverFen, d.cash.transferredOutFen, d.cash.transferredInFen], [40_000, 40_000, 0, 20_000, 5_000, 5_000]);
  assert.deepEqual([d.cashBox.floatIssuedFen, d.cashBox.floatReturnedFen, d.cashBox.handedOverBankFen, d.cashBox.handovers, d.cashBox.inTransitFen, d.cashBox.status], [60_000, 35_000, 20_000, 1, 0, 'settled']);
  for (const c of [op1, op2, op2b]) c.ws.close();
  // The ledger the API wrote verifies with the new accounts.
  const db = await openStationDb(path.join(home, 'training.sqlite'));
  try {
    const rows = await db.all<{ account: string; net: number }>("SELECT account, SUM(debit_fen) - SUM(credit_fen) AS net FROM postings WHERE account IN ('safe', 'cash_in_transit', 'cash_drawer') GROUP BY account ORDER BY account");
    assert.deepEqual(rows.map((r) => [r.account, r.net]), [['cash_drawer', 5_000], ['cash_in_transit', 0], ['safe', -60_000 + 20_000 + 35_000]]);
  } finally {
    await db.close();
  }
  await runStationOk(['ledger', 'verify'], env());
});
