// An M1 operation left in doubt is settled when its card is placed, as a CPU card's is
// (core/card-watch.ts presentCard, the card panel's read): an upgrade torn on the old M1 card at
// every APDU it sends it (in-process M1 emulator, real SQLite ledger), then the M1 card placed
// again — the zeroing is decided from the card (CARD-PROTOCOL.md §9.5/§9.6: the progress flag,
// the purse and its backup, the blacklist flag), recorded or cancelled, never left open, and
// every fen of the purse is on the card or owed to the customer.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { openOpsForCard } from '../../db/intents.ts';
import { accountBalances, verifyLedger } from '../../db/ledger.ts';
import type { M1Card, M1Fault } from '../../devices/emulator/m1-card.ts';
import { DefaultM1KeyScheme, DefaultM1Layout, readM1Card } from '../../devices/m1/index.ts';
import { presentCard } from '../../core/card-watch.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { migrate } from '../../core/workflows/migrate.ts';
import { READER, READER2, stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
beforeEach(async () => { fx = await stationFixture(); });
afterEach(async () => { await fx.cleanup(); });

const m1 = (balanceFen: number, uid: string) => makeLabCard({ kind: 'm1', id: uid, balanceFen }) as M1Card;
const stock = (asn: string) => makeLabCard({ kind: 'cpu', id: asn, enabled: false, balanceFen: 0 });

/** APDUs the old M1 card sees in an undisturbed upgrade. */
async function m1ApduCount(): Promise<number> {
  const probe = await stationFixture();
  try {
    const old = m1(5000, '0E0E0E0E');
    let n = 0;
    const orig = old.process.bind(old);
    old.process = ((apdu: Uint8Array) => { n++; return orig(apdu); }) as M1Card['process'];
    probe.cards.insert(READER, old);
    probe.cards.insert(READER2, stock('3100000000009998'));
    await migrate(probe.station, probe.operator, { oldReader: READER, newReader: READER2 });
    return n;
  } finally {
    await probe.cleanup();
  }
}

for (const kind of ['tear-before-commit', 'tear-after-commit', 'partial-write'] as const satisfies ReadonlyArray<M1Fault['kind']>) {
  test(`${kind} at every APDU of the old M1 card: placing it again settles the zeroing (recorded or cancelled), nothing left in doubt`, async (t) => {
    const n = await m1ApduCount();
    const seen = { recorded: 0, aborted: 0, untouched: 0 };
    for (let i = 0; i < n; i++) {
      const uid = (0x20000000 + i * 16 + ['tear-before-commit', 'tear-after-commit', 'partial-write'].indexOf(kind)).toString(16).toUpperCase();
      const B = 3000 + i;
      const old = m1(B, uid);
      fx.cards.insert(READER, old);
      fx.cards.insert(READER2, stock(`310000000000${String(2000 + i).padStart(4, '0')}`));
      old.armFault({ kind, atApdu: i });
      const failed = await migrate(fx.station, fx.operator, { oldReader: READER, newReader: READER2 }).then(() => false, () => true);
      old.armFault(null);
      const where = `${kind} at APDU ${i}`;
      const zeroOpen = async () => (await openOpsForCard(fx.station.db, `m1:${uid}`)).filter((op) => (op.request as { step: { step: string } }).step.step === 'm1-zero');
      if (!failed || (await zeroOpen()).length === 0) { seen.untouched++; continue; }

      // The clerk puts the M1 card back: the panel's read settles its open zeroing by itself.
      fx.cards.insert(READER, old);
      const { view, settled } = await presentCard(fx.station, READER);
      const zero = settled.find((s) => s.outcome !== 'still-in-doubt' && s.workflow === 'migrate' && !s.detail.startsWith('M1 → CPU migration'));
      assert.ok(zero !== undefined, `the zeroing was decided on placement: ${where}: ${JSON.stringify(settled)}`);
      seen[zero.outcome as 'recorded' | 'aborted']++;
      assert.equal((await zeroOpen()).length, 0, `no zeroing left open: ${where}`);
      assert.ok(!view.incomplete.some((op) => op.opId === zero.opId), `the panel no longer lists it: ${where}`);

      // Every fen of B is on the M1 card or owed to the customer (customer_payable) — never both, never neither.
      const card = await fx.cards.withCard(READER, (ch) => readM1Card(ch, new DefaultM1Layout(), new DefaultM1KeyScheme()));
      const owed = await fx.station.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_entries WHERE kind = 'migrate_out' AND card_ref = ?", [`m1:${uid}`]);
      if (zero.outcome === 'recorded') {
        assert.equal(card.balanceFen, 0, `recorded: the purse is empty: ${where}`);
        assert.equal(card.blacklisted, true, `recorded: the card is blacklisted (finished if it was not): ${where}`);
        assert.equal(owed!.n, 1, `recorded: migrate_out booked once: ${where}`);
      } else {
        assert.equal(card.balanceFen, B, `cancelled: the purse still holds B: ${where}`);
        assert.equal(owed!.n, 0, `cancelled: nothing booked: ${where}`);
      }
    }
    t.diagnostic(`${n} APDUs: settled on placement ${seen.recorded} recorded, ${seen.aborted} cancelled; ${seen.untouched} faults left no zeroing open`);
    assert.ok(seen.recorded > 0 && seen.aborted > 0, `both outcomes occur: ${JSON.stringify(seen)}`);
    assert.equal((await verifyLedger(fx.station.db)).ok, true);
    const b = await accountBalances(fx.station.db);
    assert.ok((b.customer_payable ?? 0) <= 0, 'what is owed is a liability');
  });
}
