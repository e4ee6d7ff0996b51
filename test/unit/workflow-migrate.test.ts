// M1 → CPU upgrade on a real SQLite ledger with in-process emulated cards: the money and the
// postings, refusals, an interrupted M1 card normalised first, one-reader swaps, and a fault
// of every kind at every APDU of the workflow on both cards, each followed by a database
// reopen and a re-run that must end with exactly one migration and no fen created or lost.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { StationError } from '../../common/errors.ts';
import { openOps } from '../../db/intents.ts';
import { accountBalances, verifyLedger } from '../../db/ledger.ts';
import { getCard, isBlacklisted } from '../../db/registry.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import type { M1Card } from '../../devices/emulator/m1-card.ts';
import { DefaultM1KeyScheme, DefaultM1Layout, debitM1Purse, readM1Card } from '../../devices/m1/index.ts';
import { settleCardOps } from '../../core/card-settlers.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { migrate } from '../../core/workflows/migrate.ts';
import { readCard } from '../../core/workflows/read-card.ts';
import { READER, READER2, stationFixture, type Fixture } from '../harness/station-fixture.ts';

/** The fixture's shift 备用金: shift_open posts it to the drawer from the safe (issue 17 item 4). */
const FLOAT = 50_000;

let fx: Fixture;
beforeEach(async () => { fx = await stationFixture(); });
afterEach(async () => { await fx.cleanup(); });

const DEPOSIT = 2000;

function m1(balanceFen: number, uid = 'A1B2C3D4', extra: { blacklisted?: boolean; inProgress?: boolean } = {}): M1Card {
  return makeLabCard({ kind: 'm1', id: uid, balanceFen, ...extra }) as M1Card;
}
function stock(asn = '3100000000000001'): CpuCard {
  return makeLabCard({ kind: 'cpu', id: asn, enabled: false, balanceFen: 0 }) as CpuCard;
}
async function m1Balance(card: M1Card): Promise<{ balanceFen: number; blacklisted: boolean }> {
  const ch = fx.cards.insert('Virtual Reader 00 00', card);
  const s = await readM1Card(ch, new DefaultM1Layout(), new DefaultM1KeyScheme());
  fx.cards.remove('Virtual Reader 00 00');
  return { balanceFen: s.balanceFen, blacklisted: s.blacklisted };
}
async function entriesOf(kind: string): Promise<number> {
  const row = await fx.station.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = ?', [kind]);
  return row?.n ?? 0;
}
async function auditRefusals(): Promise<number> {
  const row = await fx.station.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM audit WHERE outcome = 'refused'");
  return row?.n ?? 0;
}

test('two readers: M1 zeroed and blacklisted, CPU card activated and loaded with B + the carried deposit, ledger balanced', async () => {
  const old = m1(12_345);
  const card = stock();
  fx.cards.insert(READER, old);
  fx.cards.insert(READER2, card);
  const r = await migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 });
  assert.equal(r.migratedFen, 12_345);
  assert.equal(r.carriedDepositFen, DEPOSIT);
  assert.equal(r.loadedFen, 12_345 + DEPOSIT);
  assert.equal(r.new.asn, '3100000000000001');
  assert.equal(r.new.balanceAfterFen, 12_345 + DEPOSIT);
  assert.equal(r.new.tacVerified, true);
  assert.equal(r.resumed, false);
  assert.equal(card.balanceFen, 12_345 + DEPOSIT);
  const after = await fx.cards.withCard(READER, (ch) => readM1Card(ch, new DefaultM1Layout(), new DefaultM1KeyScheme()));
  assert.equal(after.balanceFen, 0);
  assert.equal(after.blacklisted, true);
  assert.equal(after.migratedOut?.amountFen, 12_345);
  const b = await accountBalances(fx.station.db);
  assert.equal(b.m1_float, 12_345, 'm1_float debited by B');
  assert.equal(b.deposits_held, DEPOSIT, 'the old deposit left deposits_held');
  assert.equal(b.customer_payable ?? 0, 0, 'nothing owed once loaded');
  assert.equal(b.card_float, -(12_345 + DEPOSIT), 'card float credited by what was loaded');
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
  for (const k of ['migrate_out', 'migrate_issue', 'migrate_in', 'migrate_done']) assert.equal(await entriesOf(k), 1, k);
  assert.equal((await openOps(fx.station.db)).length, 0);
  assert.equal((await getCard(fx.station.db, 'm1:A1B2C3D4'))?.status, 'migrated');
  assert.ok(await isBlacklisted(fx.station.db, 'm1:A1B2C3D4'));
  const cpuRow = await getCard(fx.station.db, 'cpu:3100000000000001');
  assert.equal(cpuRow?.status, 'active');
  assert.equal(cpuRow?.deposit_fen, 0);
  // The old card's panel now says migrated + blacklisted; a second upgrade is refused.
  const view = await fx.cards.withCard(READER, (ch) => readCard(fx.station.db, ch, '3100', fx.clock.now));
  assert.ok(view.flags.includes('migrated') && view.flags.includes('blacklisted'));
  fx.cards.insert(READER2, stock('3100000000000002'));
  await assert.rejects(migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 }), /already upgraded/);
});

test('deposit refunded in cash and a fee paid in cash (policy)', async () => {
  fx.station.policy = { ...fx.station.policy, migrationDeposit: 'refund', migrationFeeFen: 500 };
  const card = stock();
  fx.cards.insert(READER, m1(8000));
  fx.cards.insert(READER2, card);
  const refusals = await auditRefusals();
  await assert.rejects(migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2, pay: 'other' }), /reference/);
  await assert.rejects(migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2, tendered: 400 }), /less than the amount due/);
  assert.equal(await auditRefusals(), refusals + 2);
  assert.equal((await openOps(fx.station.db)).length, 0, 'a bad payment is refused before any card is touched');
  const r = await migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2, pay: 'cash', tendered: 1000 });
  assert.equal(r.loadedFen, 8000);
  assert.equal(r.refundedDepositFen, DEPOSIT);
  assert.equal(r.feeFen, 500);
  assert.equal(r.changeFen, 500);
  assert.equal(card.balanceFen, 8000);
  const b = await accountBalances(fx.station.db);
  assert.equal(b.cash_drawer! - FLOAT, 500 - DEPOSIT);
  assert.equal(b.fee_income, -500);
  assert.equal(b.customer_payable ?? 0, 0);
  assert.equal(b.card_float, -8000);
  assert.equal((await verifyLedger(fx.station.db)).ok, true);
});

test('an M1 card with an empty purse under the refund policy: blacklisted, deposit paid out, nothing loaded', async () => {
  fx.station.policy = { ...fx.station.policy, migrationDeposit: 'refund' };
  const card = stock();
  const old = m1(0);
  fx.cards.insert(READER, old);
  fx.cards.insert(READER2, card);
  const r = await migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 });
  assert.equal(r.loadedFen, 0);
  assert.equal(r.new.tac, null);
  assert.equal(card.balanceFen, 0);
  assert.equal(await entriesOf('migrate_in'), 0);
  assert.deepEqual(await m1Balance(old), { balanceFen: 0, blacklisted: true });
  const b = await accountBalances(fx.station.db);
  assert.equal(b.cash_drawer! - FLOAT, -DEPOSIT);
  assert.equal(b.customer_payable ?? 0, 0);
});

test('refusals: blacklisted M1, a CPU card as the old card, an activated card as the new one, one reader without a swap', async () => {
  const refusals = await auditRefusals();
  fx.cards.insert(READER, m1(5000, 'B1B2B3B4', { blacklisted: true }));
  fx.cards.insert(READER2, stock());
  await assert.rejects(migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 }), /blacklisted/);
  fx.cards.insert(READER, makeLabCard({ kind: 'cpu', id: '3100000000000009', balanceFen: 100 }));
  await assert.rejects(migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 }), /starts from an old M1 card/);
  const c1 = m1(5000, 'C1C2C3C4');
  fx.cards.insert(READER, c1);
  await assert.rejects(migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER }), /needs a card swap/);
  assert.equal(await auditRefusals(), refusals + 3);
  assert.equal((await accountBalances(fx.station.db)).m1_float ?? 0, 0);
  assert.equal(await entriesOf('migrate_out'), 0);
  assert.equal((await openOps(fx.station.db)).length, 0, 'nothing was started');
  // Two readers: an activated card on the new reader is refused before the old card is touched.
  fx.cards.insert(READER2, makeLabCard({ kind: 'cpu', id: '3100000000000008', balanceFen: 0 }));
  await assert.rejects(migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 }), /not stock/);
  assert.equal(await auditRefusals(), refusals + 4);
  assert.equal((await openOps(fx.station.db)).length, 0, 'the old card was not touched');
  assert.equal((await m1Balance(c1)).balanceFen, 5000);
  fx.cards.insert(READER, c1);
  fx.cards.insert(READER2, stock());
  const r = await migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 });
  assert.equal(r.resumed, false);
  assert.equal(r.new.balanceAfterFen, 5000 + DEPOSIT);
  assert.equal((await accountBalances(fx.station.db)).customer_payable ?? 0, 0);
});

test('an interrupted M1 transaction is finished first (§9.5), then B is what the card really holds', async () => {
  // A validator's debit of 300 torn after the primary purse copy was decremented.
  let n = 0;
  const probe = m1(10_000, 'D1D2D3D4');
  const orig = probe.process.bind(probe);
  probe.process = (apdu) => { n++; return orig(apdu); };
  await debitM1Purse(fx.cards.insert(READER, probe), new DefaultM1Layout(), new DefaultM1KeyScheme(), { amountFen: 300, terminal: '00000001', at: fx.clock.now });
  // Find the APDU index that leaves the copies disagreeing.
  let torn: M1Card | null = null;
  for (let i = 0; i < n && torn === null; i++) {
    const c = m1(10_000, 'D1D2D3D4');
    c.armFault({ kind: 'tear-after-commit', atApdu: i });
    await debitM1Purse(fx.cards.insert(READER, c), new DefaultM1Layout(), new DefaultM1KeyScheme(), { amountFen: 300, terminal: '00000001', at: fx.clock.now }).catch(() => undefined);
    const s = await readM1Card(fx.cards.insert(READER, c), new DefaultM1Layout(), new DefaultM1KeyScheme());
    if (!s.purse.consistent && s.inProgress) torn = c;
  }
  assert.ok(torn, 'a torn debit with disagreeing purse copies');
  fx.cards.insert(READER, torn);
  const card = stock();
  fx.cards.insert(READER2, card);
  const r = await migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 });
  assert.ok(r.old.normalised.length > 0, 'the card was normalised first');
  assert.equal(r.migratedFen, 9700);
  assert.equal(card.balanceFen, 9700 + DEPOSIT);
});

test('one reader: the swap callback takes the old card off and puts the new one on', async () => {
  const old = m1(4200, 'E1E2E3E4');
  const card = stock();
  fx.cards.insert(READER, old);
  let swaps = 0;
  const r = await migrate(fx.station, fx.operator, {
    oldReader: READER, newReader: READER,
    swapCards: async (reader) => { swaps++; fx.cards.remove(reader); fx.cards.insert(reader, card); },
  });
  assert.equal(swaps, 1);
  assert.equal(card.balanceFen, 4200 + DEPOSIT);
  assert.equal(r.new.asn, '3100000000000001');
  assert.deepEqual(await m1Balance(old), { balanceFen: 0, blacklisted: true });
});

test('no usable new card: two readers refuse up front; a swap that never happens leaves the money owed until the re-run', async () => {
  const old = m1(3000, 'F1F2F3F4');
  fx.cards.insert(READER, old);
  await assert.rejects(migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 }), (e: unknown) => e instanceof StationError && e.code === 'NO_CARD');
  assert.equal((await openOps(fx.station.db)).length, 0, 'refused before the old card was touched');
  // One reader: the customer walks off before the new card is placed.
  await assert.rejects(migrate(fx.station, fx.operator, {
    oldReader: READER, newReader: READER, swapCards: async () => { throw new StationError('NO_CARD', 'no new card within the wait'); },
  }), /no new card/);
  assert.equal((await accountBalances(fx.station.db)).customer_payable, -(3000 + DEPOSIT), 'owed while the new card is missing');
  assert.ok((await openOps(fx.station.db)).some((o) => o.workflow === 'migrate'), 'station doctor lists the open migration');
  const view = await fx.cards.withCard(READER, (ch) => readCard(fx.station.db, ch, '3100', fx.clock.now));
  assert.ok(view.incomplete.some((o) => o.workflow === 'migrate'), 'the card panel shows the open migration');
  const card = stock();
  fx.cards.insert(READER2, card);
  await fx.reopen();
  const r = await migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 });
  assert.equal(r.resumed, true);
  assert.equal(card.balanceFen, 3000 + DEPOSIT);
  assert.equal(await entriesOf('migrate_out'), 1);
  assert.equal((await accountBalances(fx.station.db)).customer_payable ?? 0, 0);
});

test('a migration whose old card was never changed is cancelled when the card is placed (crash matrix row 1)', async () => {
  // The first APDU that fails with INCOMPLETE is the first of the zeroing (the intents are written).
  let old: M1Card | null = null;
  for (let i = 0; old === null && i < 80; i++) {
    const c = m1(2500, '5A5A5A5A');
    fx.cards.insert(READER, c);
    fx.cards.insert(READER2, stock());
    c.armFault({ kind: 'tear-before-commit', atApdu: i });
    const err = await migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 }).then(() => null, (e: unknown) => e);
    if (err instanceof StationError && err.code === 'INCOMPLETE') old = c;
  }
  assert.ok(old !== null, 'a tear at the start of the zeroing');
  assert.equal((await accountBalances(fx.station.db)).customer_payable ?? 0, 0, 'nothing owed before the card is proven zeroed');
  await fx.reopen();
  fx.cards.insert(READER, old);
  const view = await fx.cards.withCard(READER, (ch) => readCard(fx.station.db, ch, '3100', fx.clock.now));
  assert.deepEqual(view.incomplete.map((o) => o.workflow), ['migrate', 'migrate'], 'the panel shows the migration and its M1 step');
  const settled = await fx.cards.withCard(READER, (ch) => settleCardOps(fx.station, ch, 'm1:5A5A5A5A'));
  assert.deepEqual(settled.map((s) => s.outcome), ['aborted', 'aborted'], JSON.stringify(settled));
  assert.match(settled[1]!.detail, /never zeroed/);
  assert.equal((await openOps(fx.station.db)).length, 0);
  assert.deepEqual(await m1Balance(old), { balanceFen: 2500, blacklisted: false });
  assert.equal(await entriesOf('migrate_out'), 0);
});

// Simulation seed 5456: settling a half-zeroed M1 card writes the card (finishZero's blacklist
// flag) before its op can be recorded; a full disk then must answer INCOMPLETE ("the card has the
// change"), never "DISK_FULL: nothing was written", and the next placement records the zeroing.
test('a half-zeroed M1 card settled on a full disk is answered INCOMPLETE, and recorded when placed again', async () => {
  let old: M1Card | null = null;
  let uid = '';
  for (let i = 0; old === null && i < 80; i++) {
    for (const kind of ['tear-after-commit', 'partial-write', 'tear-before-commit'] as const) {
      if (old !== null) break;
      uid = (0x6A000000 + i * 4 + ['tear-after-commit', 'partial-write', 'tear-before-commit'].indexOf(kind)).toString(16).toUpperCase();
      const c = m1(2500, uid);
      fx.cards.insert(READER, c);
      fx.cards.insert(READER2, stock());
      c.armFault({ kind, atApdu: i });
      const err = await migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 }).then(() => null, (e: unknown) => e);
      c.armFault(null);
      if (!(err instanceof StationError && err.code === 'INCOMPLETE')) continue;
      const m = await m1Balance(c);
      if (m.balanceFen === 0 && !m.blacklisted) old = c;
    }
  }
  assert.ok(old !== null, 'a fault that leaves the purse zeroed and the flag unwritten');
  fx.cards.insert(READER, old);
  const db = fx.station.db;
  const realRun = db.run.bind(db);
  db.run = (async (sql: string, params?: unknown[]) => {
    if (sql.startsWith('UPDATE card_ops')) throw new StationError('DISK_FULL', 'The disk is full: nothing was written', 'Free disk space on the station PC, then retry');
    return realRun(sql, params as never);
  }) as typeof db.run;
  try {
    await assert.rejects(fx.cards.withCard(READER, (ch) => settleCardOps(fx.station, ch, `m1:${uid}`)),
      (e: unknown) => e instanceof StationError && e.code === 'INCOMPLETE' && /has the change, but the station could not record it/.test(e.message));
  } finally {
    db.run = realRun;
  }
  assert.deepEqual(await m1Balance(old), { balanceFen: 0, blacklisted: true }, 'the settlement finished the card');
  assert.equal(await entriesOf('migrate_out'), 0, 'not recorded on the full disk');
  fx.cards.insert(READER, old);
  const settled = await fx.cards.withCard(READER, (ch) => settleCardOps(fx.station, ch, `m1:${uid}`));
  assert.ok(settled.some((s) => s.outcome === 'recorded'), JSON.stringify(settled));
  assert.equal(await entriesOf('migrate_out'), 1, 'recorded once the disk has room');
});

// ── Faults at every APDU index, on both cards ──────────────────────────────────────────────
type AnyFault = 'tear-before-commit' | 'tear-after-commit' | 'response-lost' | 'remove' | 'garbage' | 'partial-write';
const CPU_FAULTS: AnyFault[] = ['tear-before-commit', 'tear-after-commit', 'response-lost', 'remove', 'garbage'];
const M1_FAULTS: AnyFault[] = [...CPU_FAULTS, 'partial-write'];
let faultsInjected = 0;

function counting<T extends { process: (apdu: Uint8Array) => unknown }>(card: T): { card: T; count: () => number } {
  let n = 0;
  const orig = card.process.bind(card);
  card.process = ((apdu: Uint8Array) => { n++; return orig(apdu); }) as T['process'];
  return { card, count: () => n };
}

/** APDUs each card sees in an undisturbed migration (a throwaway fixture; counted once per file). */
let counted: Promise<{ m1: number; cpu: number }> | null = null;
function apduCounts(): Promise<{ m1: number; cpu: number }> {
  counted ??= countApdus();
  return counted;
}
async function countApdus(): Promise<{ m1: number; cpu: number }> {
  const probe = await stationFixture();
  try {
    const old = counting(m1(7000, '0F0F0F0F'));
    const card = counting(stock('3100000000009999'));
    probe.cards.insert(READER, old.card);
    probe.cards.insert(READER2, card.card);
    await migrate(probe.station, probe.operator, { oldReader: READER, newReader: READER2 });
    return { m1: old.count(), cpu: card.count() };
  } finally {
    await probe.cleanup();
  }
}

async function sumOwedFor(uid: string): Promise<{ owed: number; depositMoved: number }> {
  const rows = await fx.station.db.all<{ account: string; net: number }>(
    `SELECT p.account, SUM(p.credit_fen) - SUM(p.debit_fen) AS net FROM postings p JOIN ledger_entries e ON e.seq = p.entry_seq
     WHERE json_extract(e.payload, '$.migrationId') IN (SELECT op_id FROM card_ops WHERE card_ref = ? AND json_extract(request, '$.step.step') = 'migration')
     GROUP BY p.account`, [`m1:${uid}`]);
  const net = (a: string): number => rows.find((r) => r.account === a)?.net ?? 0;
  return { owed: net('customer_payable'), depositMoved: -net('deposits_held') };
}

for (const target of ['m1', 'cpu'] as const) {
  for (const kind of target === 'm1' ? M1_FAULTS : CPU_FAULTS) {
    test(`${kind} at every APDU of the ${target === 'm1' ? 'old M1' : 'new CPU'} card: reopen, re-run → one migration, the money exactly once`, async (t) => {
      const counts = await apduCounts();
      const n = target === 'm1' ? counts.m1 : counts.cpu;
      let failedRuns = 0;
      for (let i = 0; i < n; i++) {
        const uid = (0x10000000 + i * 16 + M1_FAULTS.indexOf(kind)).toString(16).toUpperCase();
        // In the training stock (core/station-home.ts TRAINING_STOCK): one fixture per test, one card per APDU.
        const asn = `310000000000${String(1000 + i).padStart(4, '0')}`;
        const B = 1000 + i;
        const old = m1(B, uid);
        const card = stock(asn);
        fx.cards.insert(READER, old);
        fx.cards.insert(READER2, card);
        const fault = kind === 'garbage' ? { kind, atApdu: i, garbage: Uint8Array.from([0x90]) } : { kind, atApdu: i };
        if (target === 'm1') old.armFault(fault as Parameters<M1Card['armFault']>[0]);
        else card.armFault(fault as Parameters<CpuCard['armFault']>[0]);
        faultsInjected++;
        const first = await migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 }).then(() => null, (e: unknown) => e);
        if (first !== null) failedRuns++;
        old.armFault(null);
        card.armFault(null);
        // Process death: the database is reopened; the cards are placed again.
        await fx.reopen();
        fx.cards.insert(READER, old);
        fx.cards.insert(READER2, card);
        const where = `${kind} at APDU ${i} (first run: ${first === null ? 'ok' : (first as Error).message})`;
        if (i % 2 === 0 && first !== null) {
          // Settle both cards as a card placement would, and check where every fen is while in doubt.
          await fx.cards.withCard(READER, (ch) => settleCardOps(fx.station, ch, `m1:${uid}`));
          await fx.cards.withCard(READER2, (ch) => settleCardOps(fx.station, ch, `cpu:${asn}`));
          const m = await m1Balance(old);
          fx.cards.insert(READER, old);
          const { owed, depositMoved } = await sumOwedFor(uid);
          assert.equal(m.balanceFen + card.balanceFen + owed + (DEPOSIT - depositMoved), B + DEPOSIT, `fen conserved while in doubt: ${where}`);
        }
        if (first === null) {
          assert.equal(card.balanceFen, B + DEPOSIT, where);
        } else {
          const r = await migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 }).catch((e: unknown) => {
            throw new Error(`re-run failed after ${where}: ${(e as Error).message}`);
          });
          assert.equal(r.loadedFen, B + DEPOSIT, where);
          assert.equal(r.new.balanceAfterFen, B + DEPOSIT, `receipt data complete on a resumed run: ${where}`);
        }
        assert.equal(card.balanceFen, B + DEPOSIT, `new card holds B + deposit exactly once: ${where}`);
        assert.deepEqual(await m1Balance(old), { balanceFen: 0, blacklisted: true }, where);
        const { owed } = await sumOwedFor(uid);
        assert.equal(owed, 0, `nothing left owed: ${where}`);
        const one = await fx.station.db.get<{ out: number; done: number; inn: number }>(
          `SELECT SUM(kind = 'migrate_out' AND card_ref = ?1) AS out, SUM(kind = 'migrate_done' AND card_ref = ?1) AS done,
                  SUM(kind = 'migrate_in' AND card_ref = ?2) AS inn FROM ledger_entries`, [`m1:${uid}`, `cpu:${asn}`]);
        assert.deepEqual(one, { out: 1, done: 1, inn: 1 }, `exactly one migration: ${where}`);
        assert.equal((await openOps(fx.station.db)).length, 0, `no open ops: ${where}`);
      }
      const b = await accountBalances(fx.station.db);
      const sumB = Array.from({ length: n }, (_, i) => 1000 + i).reduce((a, x) => a + x, 0);
      assert.equal(b.m1_float, sumB);
      assert.equal(b.deposits_held, n * DEPOSIT);
      assert.equal(b.customer_payable ?? 0, 0);
      assert.equal(b.card_float, -(sumB + n * DEPOSIT));
      assert.equal((await verifyLedger(fx.station.db)).ok, true);
      const recovered = await fx.station.db.all<{ kind: string; how: string | null; n: number }>(
        "SELECT kind, json_extract(payload, '$.outcome') AS how, COUNT(*) AS n FROM ledger_entries WHERE json_extract(payload, '$.recovered') = 1 GROUP BY kind, how");
      t.diagnostic(`${n} faults injected (${failedRuns} interrupted the first run; recorded by settlement: ${recovered.map((r) => `${r.kind}${r.how ? `/${r.how}` : ''} ${r.n}`).join(', ') || 'none'}); ${faultsInjected} so far in this file`);
    });
  }
}
