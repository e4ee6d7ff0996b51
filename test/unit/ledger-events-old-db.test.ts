// Old databases keep reading (issue 15 item 1): test/fixtures/release-ledger.sqlite was made by
// the release's own workflows before ledger payloads were typed (every event kind, a torn load
// settled from the card, an upgrade). Every entry parses with today's schemas, `ledger verify`
// finds nothing, and receipts and the day report say exactly what the release's code said
// (release-ledger-readback.json, made on bc44d69 by the same readBack).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LEDGER_EVENT_KINDS, parseLedgerEvent } from '../../common/ledger-events.ts';
import { checkLedger } from '../../core/ledger-tools.ts';
import { readEntries } from '../../db/ledger.ts';
import { openStationDb } from '../../db/station-db.ts';
import { readBack, RELEASE_LEDGER } from '../fixtures/release-ledger-readback.ts';

test('every entry of the release database parses, every kind is among them, and verify finds nothing', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'old-ledger-'));
  const file = path.join(dir, 'ledger.sqlite');
  copyFileSync(RELEASE_LEDGER, file);
  const db = await openStationDb(file);
  try {
    const entries = await readEntries(db);
    assert.equal(entries.length, 33);
    for (const e of entries) {
      const r = parseLedgerEvent(e.kind, e.payload);
      assert.ok(r.ok, `#${e.seq} ${e.kind}: ${r.ok ? '' : r.problem.message}`);
    }
    // Every kind the release wrote is among them; kinds added since (issue 17: the teller's cash, …) are not.
    const released = [...new Set(entries.map((e) => e.kind))].sort();
    assert.equal(released.length, 20);
    for (const k of released) assert.ok((LEDGER_EVENT_KINDS as readonly string[]).includes(k), k);
    assert.ok(entries.some((e) => (e.payload as { recovered?: boolean }).recovered === true), 'a load settled from the card is among them');
    const check = await checkLedger(db);
    assert.equal(check.ok, true, JSON.stringify(check.firstBreak));
    assert.deepEqual(check.unreadableEntries, []);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('receipts and the day report of the release database are what the release made of it', async () => {
  const expected = JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/release-ledger-readback.json'), 'utf8')) as Awaited<ReturnType<typeof readBack>>;
  const now = JSON.parse(JSON.stringify(await readBack())) as typeof expected;
  assert.equal(Object.keys(now.receipts).length, 33);
  for (const [entryId, doc] of Object.entries(expected.receipts)) assert.deepEqual(now.receipts[entryId], doc, `the receipt of ${entryId}`);
  // The day-end's fee lines came later (issue 17: `fees` on an entry and on each group's totals):
  // every figure the release printed is unchanged, and the release's one fee — the deposit a
  // holder-damaged card forfeited — is now also its fee line.
  const feeLines: unknown[] = [];
  const withoutFeeLines = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(withoutFeeLines);
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'fees') feeLines.push(x);
      else out[k] = withoutFeeLines(x);
    }
    return out;
  };
  assert.deepEqual(withoutCashBox(withoutFeeLines(now.days)), expected.days);
  const entryFees = feeLines.filter((f) => Array.isArray(f)).flat();
  assert.deepEqual(entryFees, [{ kind: 'deposit-forfeit', chargedFen: 2000, waivedFen: 0 }]);
  const dayFees = (now.days as Record<string, { totals: { fees: Record<string, unknown> } }>);
  assert.deepEqual(Object.values(dayFees).map((d) => d.totals.fees['deposit-forfeit']).filter((f) => (f as { count: number }).count > 0), [{ count: 1, chargedFen: 2000, waivedFen: 0 }]);
  // The figures are real ones, not zeros: the settled load's receipt, the upgrade's.
  const docs = Object.values(now.receipts) as Array<{ data?: { workflow?: string; balanceAfterFen?: number; tac?: string; balanceMovedFen?: number; oldCard?: { number: string } } }>;
  assert.ok(docs.some((d) => d.data?.workflow === 'topup' && d.data.balanceAfterFen === 18_000 && d.data.tac === 'AC72F540'));
  const upgrade = docs.find((d) => d.data?.workflow === 'migrate');
  assert.equal(upgrade?.data?.balanceMovedFen, 12_345);
  assert.equal(upgrade?.data?.oldCard?.number, '69552957');
});

/**
 * The day report's cash-box figures (issue 17 item 4) came after the release: on its ledger, with
 * no 交款 or transfer, each is zero and nothing is in transit; the rest must be what it was.
 */
function withoutCashBox<T>(days: T): T {
  const out = JSON.parse(JSON.stringify(days)) as Record<string, { data: Record<string, unknown> & { shifts: Array<Record<string, unknown>> }; totals: Record<string, unknown> & { cash: Record<string, number>; shifts: Array<{ cash: Record<string, number>; shift: Record<string, unknown> }> } }>;
  const zeroMoves = (c: Record<string, number>): void => {
    assert.deepEqual([c.handedOverFen, c.transferredOutFen, c.transferredInFen], [0, 0, 0]);
    delete c.handedOverFen;
    delete c.transferredOutFen;
    delete c.transferredInFen;
  };
  for (const day of Object.values(out)) {
    assert.deepEqual(day.data.cashBox, { handedOverSafeFen: 0, handedOverBankFen: 0, handovers: 0, inTransitFen: 0, pending: [] });
    delete day.data.cashBox;
    for (const s of day.data.shifts) {
      assert.deepEqual(s.cashBox, { handedOverFen: 0, transferredOutFen: 0, transferredInFen: 0, floatReturnedFen: 0 });
      delete s.cashBox;
    }
    assert.equal((day.totals.cashBox as { status: string }).status, 'settled');
    delete day.totals.cashBox;
    zeroMoves(day.totals.cash);
    for (const s of day.totals.shifts) {
      zeroMoves(s.cash);
      delete s.shift.cashBox;
    }
  }
  return out as T;
}
