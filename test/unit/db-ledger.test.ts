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
import { getOp, writeIntent } from '../../db/intents.ts';
import { openStationDb } from '../../db/station-db.ts';
import { commands, skipUnless } from '../harness/system-needs.ts';
import { topupIntent } from '../harness/intent-samples.ts';

const noSqliteShell = skipUnless(commands(['sqlite3'], 'sqlite3'));

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
  test(`verify names entry 3 after ${what} is altered with the sqlite3 tool`, { skip: noSqliteShell }, () => withDb(async (file) => {
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

test('an event on its own is one autocommit statement on the Database: entry, postings, outbox, the op it closes and the audit line', () => withDb(async (file) => {
  const a = await openStationDb(file);
  const b = await openStationDb(file);
  try {
    const at = new Date().toISOString();
    await writeIntent(a, { opId: 'OP1', workflow: 'topup', cardRef: 'cpu:0000000000012345', amountFen: 700, operatorId: 'op1', shiftId: null, request: topupIntent('cpu:0000000000012345', 700), createdAt: at });
    const e1 = entry(700);
    await appendEntry(a, e1, { closeOpId: 'OP1', audit: { action: 'topup', details: { entryId: e1.entryId } } });
    const op = await getOp(a, 'OP1');
    assert.equal(op?.state, 'recorded');
    assert.equal(op?.entryId, e1.entryId);
    const audit = await a.all<{ actor: string; action: string; details: string }>("SELECT actor, action, details FROM audit WHERE action = 'topup'");
    assert.deepEqual(audit, [{ actor: 'op1', action: 'topup', details: JSON.stringify({ entryId: e1.entryId }) }]);
    // The op is closed now: closing it again refuses the whole event (no second entry).
    await assert.rejects(appendEntry(a, entry(800), { closeOpId: 'OP1' }), /OP1: recorded → recorded is not allowed/);
    await assert.rejects(appendEntry(a, entry(800), { closeOpId: 'NOPE' }), /no card operation NOPE/);
    // Another writer appends behind a's cached head; a's next autocommit append re-chains.
    await appendEntry(b, entry(900));
    const last = await appendEntry(a, entry(1000));
    assert.equal(last.seq, 3);
    const v = await verifyLedger(a);
    assert.equal(v.ok, true, JSON.stringify(v.firstBreak));
    assert.equal(v.entries, 3);
    const counts = await a.get<{ p: number; o: number }>('SELECT (SELECT COUNT(*) FROM postings) AS p, (SELECT COUNT(*) FROM outbox) AS o');
    assert.deepEqual(counts, { p: 6, o: 3 });
  } finally {
    await b.close();
    await a.close();
  }
}));

test('ledger_append refuses, writing nothing, a stale chain link and postings that do not balance', () => withDb(async (file) => {
  const db = await openStationDb(file);
  try {
    const first = await appendEntry(db, entry(100));
    const insert = (seq: number, prevHash: string, postings: string) => db.run(
      `INSERT INTO ledger_append (seq, entry_id, kind, at, station_id, operator_id, shift_id, card_ref, amount_fen, payload, prev_hash, hash, postings)
       VALUES (?, ?, 'topup', '2026-01-01T00:00:00.000Z', 'A1B2C3D4E5F6', 'op1', NULL, NULL, 100, '{}', ?, ?, ?)`,
      [seq, newId(), prevHash, `${seq}`.padStart(64, 'f'), postings]);
    const balanced = '[["cash_drawer",100,0],["card_float",0,100]]';
    await assert.rejects(insert(2, '0'.repeat(64), balanced), /chain head moved/); // wrong link
    await assert.rejects(insert(3, first.hash, balanced), /chain head moved/); // a gap
    await assert.rejects(insert(1, '0'.repeat(64), balanced), /chain head moved/); // a second seq 1
    await assert.rejects(insert(2, first.hash, '[["cash_drawer",100,0],["card_float",0,90]]'), /postings do not balance/);
    const counts = await db.get<{ e: number; p: number; o: number }>('SELECT (SELECT COUNT(*) FROM ledger_entries) AS e, (SELECT COUNT(*) FROM postings) AS p, (SELECT COUNT(*) FROM outbox) AS o');
    assert.deepEqual(counts, { e: 1, p: 2, o: 1 });
  } finally {
    await db.close();
  }
}));
