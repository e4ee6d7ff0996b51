// Issue 14 item 1: a money request runs once per idempotency key. The key store (db/idempotency.ts)
// on a real SQLite file, the rule around it (core/idempotency.ts once), and N parallel identical
// requests over the station's real WebSocket server (core/api/server.ts): one booking, the same
// answer for every sender; the key reused for another request is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { StationError } from '../../common/errors.ts';
import { KeyedFailure, once, requestDigest } from '../../core/idempotency.ts';
import { OutcomeUnknownError } from '../../core/request-failure.ts';
import { record } from '../../core/record.ts';
import { noteEvent } from '../harness/ledger-samples.ts';
import type { UiServer } from '../../core/api/server.ts';
import { answerAbandoned, answerKey, claimKey, pruneKeys, releaseKey } from '../../db/idempotency.ts';
import { connectApi, type ApiAnswer, type ApiClient } from '../harness/api-client.ts';
import { count, liveCard } from '../harness/card-faults.ts';
import { runStationInProcess } from '../harness/cli.ts';
import { READER, type Fixture } from '../harness/station-fixture.ts';
import { startUiInProcess, type UiInProcess } from '../harness/ui-in-process.ts';

let fx: Fixture;
let cards: UiInProcess['cards'];
let server: UiServer;
let ui: UiInProcess;

before(async () => {
  ui = await startUiInProcess();
  ({ fx, cards, server } = ui);
});
after(async () => { await ui?.stop(); });

const claim = (key: string, digest = 'd1', actor = 'op1') => ({ key, method: 'topup', actor, requestDigest: digest, at: fx.clock.now });
const code = (e: unknown): string => (e instanceof StationError ? e.code : `not a StationError: ${String(e)}`);
let keys = 0;
/**
 * The station's database throws `failure` for every statement `fails` picks (a full disk, a
 * process dying under it); returns the undo.
 */
function failing(fails: (sql: string) => boolean, failure: unknown): () => void {
  const db = fx.station.db;
  const realRun = db.run.bind(db);
  db.run = (async (sql: string, params?: unknown[]) => {
    if (fails(sql)) throw failure;
    return realRun(sql, params as never);
  }) as typeof db.run;
  return () => { db.run = realRun; };
}
const DISK_FULL = new StationError('DISK_FULL', 'The disk is full: nothing was written');
/** The key's claim, and the write of its answer. */
const CLAIM = (sql: string): boolean => sql.trimStart().startsWith('INSERT INTO idempotency_keys');
const ANSWER_WRITE = (sql: string): boolean => sql.startsWith("UPDATE idempotency_keys SET state = 'done'");

/** A fresh key per test (the keys share one database). */
const newKey = (): string => `test-key-${String(++keys).padStart(8, '0')}`;

test('key store: one claim wins, the answer is kept, a refused request gives its key back', async () => {
  const key = newKey();
  assert.deepEqual(await claimKey(fx.station.db, claim(key)), { state: 'claimed' });
  assert.deepEqual(await claimKey(fx.station.db, claim(key)), { state: 'pending', sameRequest: true, ownerPid: process.pid, booked: [] });
  assert.deepEqual(await claimKey(fx.station.db, claim(key, 'd2')), { state: 'pending', sameRequest: false, ownerPid: process.pid, booked: [] });
  assert.deepEqual(await claimKey(fx.station.db, claim(key, 'd1', 'op2')), { state: 'pending', sameRequest: false, ownerPid: process.pid, booked: [] });
  await answerKey(fx.station.db, key, '{"result":1}', fx.clock.now);
  assert.deepEqual(await claimKey(fx.station.db, claim(key)), { state: 'done', answer: '{"result":1}', sameRequest: true });
  // An answered key is never given back.
  await releaseKey(fx.station.db, key);
  assert.equal((await claimKey(fx.station.db, claim(key))).state, 'done');

  const refused = newKey();
  assert.equal((await claimKey(fx.station.db, claim(refused))).state, 'claimed');
  await releaseKey(fx.station.db, refused);
  assert.equal((await claimKey(fx.station.db, claim(refused))).state, 'claimed', 'released: the same key may run again');
});

test('key store: of 8 parallel claims of one key exactly one wins', async () => {
  const key = newKey();
  const outcomes = await Promise.all(Array.from({ length: 8 }, () => claimKey(fx.station.db, claim(key))));
  assert.equal(outcomes.filter((o) => o.state === 'claimed').length, 1);
  assert.equal(outcomes.filter((o) => o.state === 'pending').length, 7);
});

test('key store: a claim left by a dead process is answered once, by whoever finds it first', async () => {
  const key = newKey();
  const dead = deadPid();
  await fx.station.db.run("INSERT INTO idempotency_keys (key, method, actor, request_digest, state, answer, created_at, updated_at) VALUES (?, 'topup', 'op1', 'd1', 'pending', ?, 'x', 'x')", [key, `pid:${dead}`]);
  assert.equal(await answerAbandoned(fx.station.db, key, dead + 1, '{"error":{}}', fx.clock.now), false, 'only the owner named');
  assert.equal(await answerAbandoned(fx.station.db, key, dead, '{"error":{}}', fx.clock.now), true);
  assert.equal(await answerAbandoned(fx.station.db, key, dead, '{"error":{}}', fx.clock.now), false, 'answered once');
});

test('key store: keys last touched before the retention are forgotten, newer ones kept', async () => {
  const old = newKey();
  const recent = newKey();
  const insert = (key: string, at: string) => fx.station.db.run(
    "INSERT INTO idempotency_keys (key, method, actor, request_digest, state, answer, created_at, updated_at) VALUES (?, 'topup', 'op1', 'd', 'done', '{}', ?, ?)", [key, at, at]);
  await insert(old, '2026-11-01T00:00:00.000Z');
  await insert(recent, '2026-11-20T00:00:00.000Z');
  assert.ok(await pruneKeys(fx.station.db, new Date('2026-11-16T00:00:00Z')) >= 1);
  assert.equal(await count(fx.station.db, 'SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = ?', [old]), 0);
  assert.equal(await count(fx.station.db, 'SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = ?', [recent]), 1);
});

test('once: the same key and request returns the first answer without running again; another request with it is refused', async () => {
  const key = newKey();
  let runs = 0;
  const run = async () => ({ entryId: `E${++runs}` });
  const req = { key, method: 'topup', actor: 'op1', params: { amountFen: 500, idempotencyKey: key } };
  assert.deepEqual(await once(fx.station, req, run), { entryId: 'E1' });
  assert.deepEqual(await once(fx.station, req, run), { entryId: 'E1' });
  // In parallel too (Enter twice, two tabs): one run, one answer.
  const both = await Promise.all([once(fx.station, { ...req, key: `${key}-p` }, run), once(fx.station, { ...req, key: `${key}-p` }, run)]);
  assert.deepEqual(both, [{ entryId: 'E2' }, { entryId: 'E2' }]);
  assert.equal(runs, 2);
  for (const other of [{ ...req, params: { amountFen: 600 } }, { ...req, actor: 'op2' }, { ...req, method: 'refund' }]) {
    await assert.rejects(once(fx.station, other, run), (e) => code(e) === 'BAD_INPUT' && /already used for a different request/.test((e as Error).message));
  }
  assert.equal(runs, 2, 'a refused reuse runs nothing');
});

test('once: a refusal that wrote nothing frees the key; a failure after the card may have changed is the answer for good', async () => {
  const key = newKey();
  let runs = 0;
  const req = { key, method: 'topup', actor: 'op1', params: { amountFen: 500 } };
  await assert.rejects(once(fx.station, req, async () => { runs++; throw new StationError('NO_SHIFT', 'No shift open'); }), (e) => code(e) === 'NO_SHIFT');
  assert.deepEqual(await once(fx.station, req, async () => { runs++; return 'booked'; }), 'booked', 'fixed, the same confirmation runs');
  assert.equal(runs, 2);

  const removed = { ...req, key: newKey() };
  // The first run wrote a card op (its id, as core/card-ops.ts trackCardOps collects them).
  await assert.rejects(once(fx.station, removed, async () => { runs++; throw new StationError('CARD_REMOVED', 'The card left the reader', 'Put it back'); }, () => ['op-of-first-run']),
    (e) => e instanceof KeyedFailure && e.code === 'CARD_REMOVED' && e.opIds.join() === 'op-of-first-run');
  // A repeat gets the same failure and the first run's ops, so the answer can say what they did to the card.
  await assert.rejects(once(fx.station, removed, async () => { runs++; return 'booked again'; }),
    (e) => e instanceof KeyedFailure && e.code === 'CARD_REMOVED' && e.hint === 'Put it back' && e.opIds.join() === 'op-of-first-run');
  assert.equal(runs, 3, 'not run a second time');
});

test('once: a request whose process died is not run again but answered INCOMPLETE, the same for every repeat', async () => {
  const key = newKey();
  const params = { amountFen: 500 };
  await fx.station.db.run("INSERT INTO idempotency_keys (key, method, actor, request_digest, state, answer, created_at, updated_at) VALUES (?, 'topup', 'op1', ?, 'pending', ?, 'x', 'x')",
    [key, requestDigest('topup', params), `pid:${deadPid()}`]);
  let runs = 0;
  const req = { key, method: 'topup', actor: 'op1', params };
  for (let i = 0; i < 2; i++) await assert.rejects(once(fx.station, req, async () => { runs++; return 'booked'; }), (e) => code(e) === 'INCOMPLETE');
  assert.equal(runs, 0);
});

test('once: an answer that cannot be stored (disk full) is still the answer; a repeat is then outcome-unknown, never "nothing done"', async () => {
  // Only the answer's write fails, as with SQLite's page limit reached right after the booking.
  const restore = failing(ANSWER_WRITE, DISK_FULL);
  const key = newKey();
  const req = { key, method: 'topup', actor: 'op1', params: { amountFen: 500 } };
  try {
    assert.deepEqual(await once(fx.station, req, async () => ({ entryId: 'E-stored-not' })), { entryId: 'E-stored-not' }, 'the booking is reported, not the full disk');
    await assert.rejects(once(fx.station, { ...req, key: newKey() }, async () => { throw new StationError('CARD_REMOVED', 'The card left the reader'); }, () => ['op-x']),
      (e) => e instanceof KeyedFailure && e.code === 'CARD_REMOVED' && e.opIds.join() === 'op-x', 'the failure is reported, not the full disk');
  } finally {
    restore();
  }
  // The key stayed pending for this live process: a repeat is refused, its outcome unknown.
  await assert.rejects(once(fx.station, req, async () => 'booked twice'), (e) => e instanceof OutcomeUnknownError && code(e) === 'POLICY');
});

test('once: a repeat waiting on the first run in this process gets the first run\'s card operations, also for an unexpected error', async () => {
  const key = newKey();
  const req = { key, method: 'topup', actor: 'op1', params: { amountFen: 500 } };
  let fail!: (e: unknown) => void;
  let started!: () => void;
  const running = new Promise<void>((r) => { started = r; });
  const first = once(fx.station, req, () => new Promise((_, reject) => { fail = reject; started(); }), () => ['op-of-first-run']);
  const repeat = once(fx.station, req, async () => 'run twice');
  await running;
  fail(new TypeError('boom'));
  await assert.rejects(first, (e) => e instanceof TypeError, 'the first caller keeps its own exception (logged as unexpected)');
  await assert.rejects(repeat, (e) => e instanceof KeyedFailure && e.code === 'INTERNAL' && e.opIds.join() === 'op-of-first-run');
});

test('once: a key that cannot be claimed (the store fails) is outcome-unknown and runs nothing', async () => {
  let runs = 0;
  for (const failure of [new Error('simulated process death'), DISK_FULL]) {
    const restore = failing(CLAIM, failure);
    try {
      await assert.rejects(once(fx.station, { key: newKey(), method: 'topup', actor: 'op1', params: { amountFen: 500 } }, async () => { runs++; return 'booked'; }),
        (e) => e instanceof OutcomeUnknownError && e.code === 'INCOMPLETE' && /could not check whether this request was already done/.test(e.message));
    } finally {
      restore();
    }
  }
  assert.equal(runs, 0);
});

// Found by the UI simulation (drop@commit): the answer of a top-up was lost with its connection,
// the page sent it again with the same key, and that resend met a database failing every
// statement (the process dying). The claim failed, the resend had written nothing itself, and
// the answer said outcome 'none' — "nothing reached a card" — for a load that was on the card.
test('a resend whose key cannot be claimed is answered in doubt, never "nothing reached a card" (drop@commit)', async () => {
  const asn = '3100000000000902';
  cards.insert(READER, liveCard(asn, 1000));
  const [tab] = await clients(1);
  let restore = (): void => undefined;
  try {
    const params = { idempotencyKey: newKey(), amountFen: 2000, pay: 'cash', tenderedFen: 2000, reader: READER, confirmedCard: { reader: READER, asn }, print: 'never' };
    const first = await tab!.call('topup', params);
    assert.equal((first.result as { balanceAfterFen: number } | undefined)?.balanceAfterFen, 3000, JSON.stringify(first));
    for (const failure of [new Error('simulated process death'), DISK_FULL]) {
      restore = failing(CLAIM, failure);
      const resent = await tab!.call('topup', params);
      restore();
      assert.equal(resent.error?.outcome, 'in-doubt', JSON.stringify(resent));
      assert.equal(resent.error?.code, 'INCOMPLETE');
    }
    // Once the store answers again, the resend gets the first answer.
    assert.deepEqual((await tab!.call('topup', params)).result, first.result);
  } finally {
    restore();
    tab!.ws.close();
  }
});

// Issue 14: the key's state is written in the booking's own statement (migration 6), not only
// before the run (claim) and after it (answer).
test('a refusal after a booking keeps its key: a repeat gets that refusal and books nothing again', async () => {
  const key = newKey();
  let runs = 0;
  const req = { key, method: 'issue', actor: 'op1', params: { pay: 'cash' } };
  // As a sale whose first load is refused CARD_CHANGED after the sale was booked (the sale stands).
  const run = async () => {
    runs++;
    await record(fx.station, { ...noteEvent({ run: runs }), operatorId: 'op1', shiftId: null, cardRef: null, amountFen: 0, postings: [] });
    throw new StationError('CARD_CHANGED', 'Card changed: nothing was done');
  };
  await assert.rejects(once(fx.station, req, run), (e) => code(e) === 'CARD_CHANGED');
  const row = await fx.station.db.get<{ state: string; booked: string | null }>('SELECT state, booked FROM idempotency_keys WHERE key = ?', [key]);
  assert.equal(row?.state, 'done', 'not given back');
  assert.equal(row?.booked?.split(' ').length, 1, 'the booking is listed on the key');
  await assert.rejects(once(fx.station, req, run), (e) => e instanceof KeyedFailure && e.code === 'CARD_CHANGED');
  assert.equal(runs, 1, 'the repeat did not run (it would have booked the sale again)');
  assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'replacement_request' AND json_extract(payload, '$.run') IS NOT NULL"), 1);
});

test('a top-up whose answer cannot be stored: the key names its booking, and a repeat says it was done (recorded), never runs again', async () => {
  const asn = '3100000000000903';
  cards.insert(READER, liveCard(asn, 1000));
  const [tab] = await clients(1);
  const db = fx.station.db;
  const restore = failing(ANSWER_WRITE, DISK_FULL);
  try {
    const params = { idempotencyKey: newKey(), amountFen: 2000, pay: 'cash', tenderedFen: 2000, reader: READER, confirmedCard: { reader: READER, asn }, print: 'never' };
    const first = await tab!.call('topup', params);
    const entryId = (first.result as { entryId?: string } | undefined)?.entryId;
    assert.ok(entryId, JSON.stringify(first));
    const row = await db.get<{ state: string; booked: string | null }>('SELECT state, booked FROM idempotency_keys WHERE key = ?', [params.idempotencyKey]);
    assert.deepEqual(row, { state: 'pending', booked: entryId }, 'booked in the entry\'s own statement, although the answer was not stored');
    const repeat = await tab!.call('topup', params);
    assert.equal(repeat.error?.code, 'POLICY', JSON.stringify(repeat));
    assert.match(repeat.error!.message, new RegExp(`already done \\(booked as entry ${entryId}\\)`));
    assert.equal(repeat.error?.outcome, 'partial', 'its operation is recorded');
    assert.equal(await count(db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'topup' AND card_ref = ?", [`cpu:${asn}`]), 1);
  } finally {
    restore();
    tab!.ws.close();
  }
});

test('the request digest leaves secrets out but tells requests apart', () => {
  assert.equal(requestDigest('shiftClose', { counted: { 100: 1 }, supervisor: { staffId: 'sup1', pin: '3333' } }),
    requestDigest('shiftClose', { counted: { 100: 1 }, supervisor: { staffId: 'sup1', pin: '0000' } }));
  assert.notEqual(requestDigest('shiftClose', { counted: { 100: 1 } }), requestDigest('shiftClose', { counted: { 100: 2 } }));
  assert.equal(requestDigest('topup', { b: 1, a: 2 }), requestDigest('topup', { a: 2, b: 1 }), 'key order does not matter');
});

/** Logged-in API clients on the real socket: the first logs in, the others resume its session (tabs of one clerk). */
async function clients(n: number): Promise<ApiClient[]> {
  const first = await connectApi(server.port, server.token);
  const login = await first.call('login', { staffId: 'op1', pin: '2222' });
  const session = (login.result as { session: string }).session;
  const rest = await Promise.all(Array.from({ length: n - 1 }, async () => {
    const c = await connectApi(server.port, server.token);
    assert.ok((await c.call('resume', { session })).result);
    return c;
  }));
  return [first, ...rest];
}

test('8 parallel identical top-ups over the WebSocket: one booking, the same answer for all; the key with another amount is refused', async () => {
  const asn = '3100000000000901';
  cards.insert(READER, liveCard(asn, 1000));
  const tabs = await clients(8);
  try {
    const before = await count(fx.station.db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'topup'");
    const params = { idempotencyKey: newKey(), amountFen: 5000, pay: 'cash', tenderedFen: 10000, reader: READER, confirmedCard: { reader: READER, asn }, print: 'never' };
    const answers: ApiAnswer[] = await Promise.all(tabs.map((t) => t.call('topup', params)));
    assert.ok(answers[0]!.result, JSON.stringify(answers[0]));
    for (const a of answers) assert.deepEqual(a.result, answers[0]!.result);
    assert.equal((answers[0]!.result as { balanceAfterFen: number }).balanceAfterFen, 6000);
    assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'topup'"), before + 1);

    // A retry after a lost answer (a new connection) gets the first answer too.
    const [late] = await clients(1);
    assert.deepEqual((await late!.call('topup', params)).result, answers[0]!.result);
    late!.ws.close();

    const reused = await tabs[0]!.call('topup', { ...params, amountFen: 6000 });
    assert.equal(reused.error?.code, 'BAD_INPUT');
    assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'topup'"), before + 1);
  } finally {
    for (const t of tabs) t.ws.close();
  }
});

test('8 parallel identical shift closes over the WebSocket: one close, the same answer for all', async () => {
  const tabs = await clients(8);
  try {
    const status = (await tabs[0]!.call('status')).result as { shift: { shiftId: string; expectedFen: number } };
    // The drawer as expected, in ¥100 notes and ¥1 coins.
    const counted = { 10000: Math.floor(status.shift.expectedFen / 10000), 100: (status.shift.expectedFen % 10000) / 100 };
    assert.ok(Number.isInteger(counted[100]), 'the drawer is whole yuan');
    const answers = await Promise.all(tabs.map((t) => t.call('shiftClose', { idempotencyKey: newKey().replace('test', 'close'), counted, print: 'never' })));
    // Different keys: the checks inside the write give one close and clear refusals.
    assert.equal(answers.filter((a) => a.result).length, 1);
    assert.deepEqual(answers.filter((a) => a.error).map((a) => a.error!.code), Array(7).fill('NO_SHIFT'));
    assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'shift_close' AND shift_id = ?", [status.shift.shiftId]), 1);

    const opened = await tabs[0]!.call('shiftOpen', { idempotencyKey: newKey(), floatFen: 20000 });
    const shiftId = (opened.result as { shiftId: string }).shiftId;
    const key = newKey();
    const same = await Promise.all(tabs.map((t) => t.call('shiftClose', { idempotencyKey: key, counted: { 10000: 2 }, print: 'never' })));
    assert.ok(same[0]!.result, JSON.stringify(same[0]));
    for (const a of same) assert.deepEqual(a.result, same[0]!.result);
    assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'shift_close' AND shift_id = ?", [shiftId]), 1);
  } finally {
    for (const t of tabs) t.ws.close();
  }
});

test('CLI --idempotency-key: the same run again answers the first; other figures with the key, or a malformed key, are refused', async () => {
  const shiftOpen = (float: string, key: string) => runStationInProcess(['shift', 'open', `--float=${float}`, '--idempotency-key', key, '--operator', 'sup1', '--json'],
    { ...process.env, STATION_HOME: fx.home, STATION_KEYS: '', STATION_PIN: '3333' });
  const key = newKey();
  const first = await shiftOpen('20000', key);
  assert.equal(first.code, 0, first.stderr);
  const again = await shiftOpen('20000', key);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(again.json, first.json, 'the first answer, not a second shift');
  assert.equal(await count(fx.station.db, "SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'shift_open' AND operator_id = 'sup1'"), 1);
  const other = await shiftOpen('30000', key);
  assert.equal(other.json.error.code, 'BAD_INPUT');
  const malformed = await shiftOpen('20000', 'short');
  assert.equal(malformed.json.error.code, 'BAD_INPUT');
  assert.match(malformed.json.error.message, /16 to 64 letters/);
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}
