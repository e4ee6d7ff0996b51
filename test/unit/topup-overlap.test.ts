// The top-up's overlaps (docs/PERFORMANCE.md "Top-up: where the time goes"): the card's database facts are
// looked up while the card answers GET BALANCE; the TAC check prepared before CREDIT FOR LOAD
// answers exactly what verifyLoadTac answers after it; with local keys the intent (INITIALIZE
// answer + the date/time MAC2 covers) is written while MAC1/MAC2 are computed, and recovery
// settles such an intent from the card.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadInputError, StationError } from '../../common/errors.ts';
import { toHex } from '../../common/hex.ts';
import type { CardChannel } from '../../devices/channel.ts';
import { CpuClient, authorizeLoad, creditLoad, initLoad, prepareLoadTacCheck, readCpuCard, verifyLoadTac, type PendingLoad } from '../../devices/cpu/index.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import { InProcessChannel } from '../../devices/emulator/in-process.ts';
import { SoftwareSam } from '../../devices/sam/software-sam.ts';
import type { SecurityModule } from '../../devices/sam/security-module.ts';
import type { Queryable } from '../../db/sqlite.ts';
import { accountBalances, verifyLedger } from '../../db/ledger.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { readCard } from '../../core/workflows/read-card.ts';
import { topup } from '../../core/workflows/topup.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';
import { TERMINAL, trainingCard, trainingKeys } from './cpu-helpers.ts';

const sam = new SoftwareSam(trainingKeys);
const GET_BALANCE = '805C000204';

/** The channel, logging each command and how many database reads had been issued when it went out. */
function logged(inner: CardChannel, reads: () => number): { channel: CardChannel; log: { apdu: string; readsIssued: number }[] } {
  const log: { apdu: string; readsIssued: number }[] = [];
  return {
    log,
    channel: {
      get readerName() { return inner.readerName; },
      get atr() { return inner.atr; },
      transmit: (apdu) => { log.push({ apdu: toHex(apdu), readsIssued: reads() }); return inner.transmit(apdu); },
    },
  };
}

test('readCard issues the card-facts query once SELECT identified the card, before GET BALANCE goes out', async () => {
  const sql: string[] = [];
  const db: Queryable = {
    run: () => Promise.reject(new Error('a read writes nothing')),
    get: async <T>(q: string, p?: unknown) => {
      // The 年审 schedule (a parameter, read after the card for a concession card's state) is
      // not the card-facts query this test is about: no parameter row, the default schedule.
      if (/\bFROM params\b/.test(q)) return undefined;
      sql.push(q);
      assert.deepEqual(p, ['cpu:3100000000000042']);
      return { listed: 1, status: 'active', deposit_fen: 2000, ops: '[]' } as T;
    },
    all: () => Promise.reject(new Error('not expected')),
  };
  const { channel, log } = logged(new InProcessChannel(trainingCard()), () => sql.length);
  const view = await readCard(db, channel, '3100', new Date('2026-03-01T02:00:00Z'), { log: false });
  assert.equal(sql.length, 1, 'one facts query');
  const getBalance = log.find((l) => l.apdu.startsWith(GET_BALANCE));
  assert.ok(getBalance !== undefined, 'GET BALANCE was sent');
  assert.equal(getBalance.readsIssued, 1, 'the facts query was already on its way when GET BALANCE went out');
  assert.equal(log[0]!.readsIssued, 0, 'nothing was asked before SELECT identified the card');
  // The early answer is the one the view shows.
  assert.equal(view.depositFen, 2000);
  assert.ok(view.flags.includes('blacklisted'));
  assert.equal(view.balanceFen, 1000);
});

test('readCpuCard reports the identity before GET BALANCE, once', async () => {
  const seen: string[] = [];
  const inner = new InProcessChannel(trainingCard());
  const channel: CardChannel = { readerName: inner.readerName, atr: inner.atr, transmit: (a) => { seen.push(toHex(a).slice(0, 10)); return inner.transmit(a); } };
  await readCpuCard(channel, { log: false, onIdentified: (kind, id) => seen.push(`id ${kind} ${id}`) });
  assert.deepEqual(seen.filter((s) => s.startsWith('id ')), ['id cpu 3100000000000042']);
  assert.ok(seen.indexOf('id cpu 3100000000000042') < seen.findIndex((s) => s.startsWith(GET_BALANCE)));
});

test('the TAC check prepared before CREDIT FOR LOAD agrees with verifyLoadTac', async () => {
  const channel = new InProcessChannel(trainingCard());
  const client = new CpuClient(channel);
  await client.select();
  const pending = await authorizeLoad(sam, await initLoad(client, { asn: '3100000000000042', cityCode: '3100', amountFen: 700, terminalId: TERMINAL }), new Date('2026-03-01T02:03:04Z'));
  const check = await prepareLoadTacCheck(sam, pending);
  assert.ok(check !== null, 'the software SAM computes the TAC ahead');
  const tac = await creditLoad(client, pending);
  assert.equal(check(tac), true);
  assert.equal(await verifyLoadTac(sam, pending, tac), true);
  const wrong = tac === '00000000' ? '00000001' : '00000000';
  assert.equal(check(wrong), false);
  assert.equal(await verifyLoadTac(sam, pending, wrong), false);
  assert.equal(check(tac.toLowerCase()), true);
  assert.throws(() => check('XYZ'), BadInputError);
  await assert.rejects(verifyLoadTac(sam, pending, 'XYZ'), BadInputError);
  // Another balance, another TAC: the check is bound to this load.
  const other = await prepareLoadTacCheck(sam, { ...pending, amountFen: 701 });
  assert.equal(other!(tac), false);
});

test('a module that cannot compute the TAC ahead leaves the check to verifyLoadTac', async () => {
  const noAhead: SecurityModule = {
    name: 'no-ahead',
    canServe: (c) => sam.canServe(c),
    verifyLoadMac1: (r) => sam.verifyLoadMac1(r),
    authorizeLoad: (r, d) => sam.authorizeLoad(r, d),
    verifyLoadTac: (c) => sam.verifyLoadTac(c),
    secureMessagingMac: (r) => sam.secureMessagingMac(r),
  };
  const client = new CpuClient(new InProcessChannel(trainingCard()));
  await client.select();
  const pending = await authorizeLoad(sam, await initLoad(client, { asn: '3100000000000042', cityCode: '3100', amountFen: 700, terminalId: TERMINAL }), new Date());
  assert.equal(await prepareLoadTacCheck(noAhead, pending), null);
  const nullAhead: SecurityModule = { ...noAhead, expectedLoadTac: async () => null };
  assert.equal(await prepareLoadTacCheck(nullAhead, pending), null);
});

// ---- the intent before MAC2 (local keys): what the row holds, and what recovery makes of it ----

interface OpRow { state: string; evidence: string | null }
const ops = (fx: Fixture): Promise<OpRow[]> => fx.station.db.all<OpRow>('SELECT state, evidence FROM card_ops ORDER BY created_at');

/** The fixture's security module with authorizeLoad replaced (and localLoadKeys as given). */
function withSam(fx: Fixture, authorize: SecurityModule['authorizeLoad'], local: boolean | undefined): void {
  const real = fx.station.sam!;
  const sam: SecurityModule = {
    name: 'wrapped',
    canServe: (c) => real.canServe(c),
    verifyLoadMac1: (r) => real.verifyLoadMac1(r),
    authorizeLoad: authorize,
    verifyLoadTac: (c) => real.verifyLoadTac(c),
    secureMessagingMac: (r) => real.secureMessagingMac(r),
    ...(local === undefined ? {} : { localLoadKeys: async () => local }),
  };
  Object.assign(fx.station, { sam });
}

test('local keys: the intent holds the INITIALIZE answer and the date/time MAC2 covers, written before MAC2 exists', async (t) => {
  const fx = await stationFixture();
  t.after(() => fx.cleanup());
  const card = makeLabCard({ kind: 'cpu', balanceFen: 1000, id: '0000000000012345' }) as CpuCard;
  fx.cards.insert(READER, card);
  const real = fx.station.sam!;
  let rowsWhenAuthorizing: OpRow[] | null = null;
  withSam(fx, async (r, d) => { rowsWhenAuthorizing = await ops(fx); return real.authorizeLoad(r, d); }, true);
  const r = await topup(fx.station, fx.operator, { amount: 5000 });
  assert.equal(r.tacVerified, true);
  assert.equal(card.balanceFen, 6000);
  assert.equal(rowsWhenAuthorizing!.length, 1, 'the intent was durable before MAC2 was computed');
  const evidence = JSON.parse(rowsWhenAuthorizing![0]!.evidence!) as PendingLoad;
  assert.equal(evidence.mac2, undefined);
  assert.deepEqual(evidence.hostDateTime, { date: '20261123', time: '100000' }, 'the fixture clock in China time');
  assert.equal(evidence.init.oldBalanceFen, 1000);
  assert.deepEqual((await ops(fx)).map((o) => o.state), ['recorded']);
});

test('a module whose MAC2 may come from the host: authorisation first, the intent holds MAC2', async (t) => {
  const fx = await stationFixture();
  t.after(() => fx.cleanup());
  fx.cards.insert(READER, makeLabCard({ kind: 'cpu', balanceFen: 1000, id: '0000000000012345' }) as CpuCard);
  const real = fx.station.sam!;
  let rowsWhenAuthorizing: OpRow[] | null = null;
  withSam(fx, async (r, d) => { rowsWhenAuthorizing = await ops(fx); return real.authorizeLoad(r, d); }, undefined);
  await topup(fx.station, fx.operator, { amount: 5000 });
  assert.deepEqual(rowsWhenAuthorizing, [], 'no intent before the authorisation');
  const [row] = await ops(fx);
  assert.match(JSON.parse(row!.evidence!).mac2 as string, /^[0-9A-F]{8}$/);
});

test('MAC1 refused after the intent was written: the op is aborted, CREDIT FOR LOAD never sent, nothing booked', async (t) => {
  const fx = await stationFixture();
  t.after(() => fx.cleanup());
  const card = makeLabCard({ kind: 'cpu', balanceFen: 1000, id: '0000000000012345' }) as CpuCard;
  const ch = fx.cards.insert(READER, card);
  withSam(fx, async () => { throw new StationError('CRYPTO', 'MAC1 does not verify'); }, true);
  const before = ch.apduCount;
  await assert.rejects(topup(fx.station, fx.operator, { amount: 5000 }), (e: unknown) => e instanceof StationError && e.code === 'CRYPTO');
  assert.equal(ch.apduCount - before, 3, 'SELECT, GET BALANCE, INITIALIZE FOR LOAD; no CREDIT');
  assert.equal(card.balanceFen, 1000);
  assert.deepEqual((await ops(fx)).map((o) => o.state), ['aborted']);
  assert.equal((await fx.station.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = ?', ['topup']))!.n, 0);
});

test('process death between the intent and CREDIT FOR LOAD: the next placement settles it from the card as not applied', async (t) => {
  const fx = await stationFixture();
  t.after(() => fx.cleanup());
  const card = makeLabCard({ kind: 'cpu', balanceFen: 1000, id: '0000000000012345' }) as CpuCard;
  fx.cards.insert(READER, card);
  let die!: () => void;
  const death = new Promise<void>((resolve) => { die = resolve; });
  withSam(fx, async () => { await death; throw new Error('the process died'); }, true);
  const first = topup(fx.station, fx.operator, { amount: 5000 });
  first.catch(() => undefined);
  for (let i = 0; i < 200 && (await ops(fx)).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  const [torn] = await ops(fx);
  assert.equal(torn!.state, 'intent');
  assert.equal((JSON.parse(torn!.evidence!) as PendingLoad).mac2, undefined, 'no MAC2 stored: recovery must ask the card');
  await fx.reopen(); // the database as the dead process left it
  die();
  await assert.rejects(first);
  fx.cards.insert(READER, card);
  const r = await topup(fx.station, fx.operator, { amount: 2000 });
  assert.equal(r.settled.length, 1);
  assert.equal(r.settled[0]!.outcome, 'aborted');
  assert.equal(card.balanceFen, 3000, 'only the second load reached the card');
  assert.deepEqual((await ops(fx)).map((o) => o.state), ['aborted', 'recorded']);
  assert.equal(-((await accountBalances(fx.station.db)).card_float ?? 0), 2000);
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});
