// The ledger on a real SQLite file: append-only triggers, hash chain, double entry, and
// tamper detection after a row is altered behind the station's back with the sqlite3 tool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newId } from '../../common/ids.ts';
import { appendEntry, credit, debit, postingsProblem, verifyLedger, type NewEntry } from '../../db/ledger.ts';
import { openStationDb } from '../../db/station-db.ts';

function entry(amountFen: number, kind = 'topup'): NewEntry {
  return {
    entryId: newId(), kind, at: new Date().toISOString(), stationId: 'A1B2C3D4E5F6', operatorId: 'op1', shiftId: null,
    cardRef: 'cpu:0000000000012345', amountFen, payload: { tac: 'E38A6356' },
    postings: [debit('cash_drawer', amountFen), credit('card_float', amountFen)],
  };
}

async function withDb(fn: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
  try { await fn(path.join(dir, 'station.sqlite')); } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('entries chain and verify; UPDATE and DELETE are refused', () => withDb(async (file) => {
  const db = await openStationDb(file);
  for (let i = 1; i <= 5; i++) await db.transaction((tx) => appendEntry(tx, entry(1000 * i)));
  const v = await verifyLedger(db);
  assert.equal(v.ok, true);
  assert.equal(v.entries, 5);
  await assert.rejects(db.run('UPDATE ledger_entries SET amount_fen = 1 WHERE seq = 2'), /append-only/);
  await assert.rejects(db.run('DELETE FROM postings WHERE entry_seq = 2'), /append-only/);
  const outbox = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'");
  assert.equal(outbox?.n, 5);
  await db.close();
}));

test('the cached chain head: a rolled-back append leaves it, and another connection appending in between is chained after', () => withDb(async (file) => {
  const a = await openStationDb(file);
  const b = await openStationDb(file);
  try {
    await a.transaction((tx) => appendEntry(tx, entry(100)));
    // Rolled back after the append: the head it computed must not be kept.
    await assert.rejects(a.transaction(async (tx) => { await appendEntry(tx, entry(200)); throw new Error('later step failed'); }), /later step failed/);
    await a.transaction((tx) => appendEntry(tx, entry(300)));
    // A second writer (another process would look the same): a's cached head is now stale.
    await b.transaction((tx) => appendEntry(tx, entry(400)));
    await b.transaction((tx) => appendEntry(tx, entry(500)));
    const e = await a.transaction((tx) => appendEntry(tx, entry(600)));
    assert.equal(e.seq, 5);
    const v = await verifyLedger(a);
    assert.equal(v.ok, true, JSON.stringify(v.firstBreak));
    assert.equal(v.entries, 5);
    const amounts = await a.all<{ amount_fen: number }>('SELECT amount_fen FROM ledger_entries ORDER BY seq');
    assert.deepEqual(amounts.map((r) => r.amount_fen), [100, 300, 400, 500, 600]);
    const lines = await a.get<{ n: number }>('SELECT COUNT(*) AS n FROM postings');
    assert.equal(lines?.n, 10);
  } finally {
    await b.close();
    await a.close();
  }
}));

test('an unbalanced entry is refused and nothing is written', () => withDb(async (file) => {
  const db = await openStationDb(file);
  const bad = entry(500);
  bad.postings = [debit('cash_drawer', 500), credit('card_float', 400)];
  await assert.rejects(db.transaction((tx) => appendEntry(tx, bad)), /debits 500 ≠ credits 400/);
  const n = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_entries');
  assert.equal(n?.n, 0);
  assert.equal(postingsProblem([debit('cash_drawer', 1.5), credit('card_float', 1.5)]) !== null, true);
  await db.close();
}));

for (const [what, sql] of [
  ['an amount', 'UPDATE ledger_entries SET amount_fen = amount_fen + 1 WHERE seq = 3'],
  ['a posting', 'UPDATE postings SET credit_fen = credit_fen + 100, account = account WHERE entry_seq = 3 AND line = 2'],
  ['the payload', `UPDATE ledger_entries SET payload = '{"tac":"00000000"}' WHERE seq = 3`],
] as const) {
  test(`verify names entry 3 after ${what} is altered with the sqlite3 tool`, () => withDb(async (file) => {
    const db = await openStationDb(file);
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) ids.push((await db.transaction((tx) => appendEntry(tx, entry(100 * i)))).entryId);
    await db.close();
    // Someone with the file and the CLI drops the guard and edits a row.
    execFileSync('sqlite3', [file, `DROP TRIGGER ledger_entries_append_only_update; DROP TRIGGER postings_append_only_update; ${sql};`]);
    const again = await openStationDb(file);
    const v = await verifyLedger(again);
    assert.equal(v.ok, false);
    assert.equal(v.firstBreak?.seq, 3);
    assert.equal(v.firstBreak?.entryId, ids[2]);
    await again.close();
  }));
}
