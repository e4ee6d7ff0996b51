// Migration 4 on a real SQLite file that was written by the schema before it (migrations 1–3):
// the ledger, its postings and every outbox state survive the table rebuild, the chain still
// verifies and continues, foreign keys are back on, and the rebuilt tables have the shape the
// write path counts on (postings WITHOUT ROWID, no index on hash, outbox a view).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newId } from '../../common/ids.ts';
import { appendEntry, credit, debit, verifyLedger, type NewEntry } from '../../db/ledger.ts';
import { migrate, MIGRATIONS } from '../../db/migrations.ts';
import { Database } from '../../db/sqlite.ts';

function entry(amountFen: number): NewEntry {
  return {
    entryId: newId(), kind: 'topup', at: new Date().toISOString(), stationId: 'A1B2C3D4E5F6', operatorId: 'op1', shiftId: null,
    cardRef: `cpu:00000000000${String(amountFen).padStart(5, '0')}`, amountFen, payload: { tac: 'E38A6356' },
    postings: [debit('cash_drawer', amountFen), credit('card_float', amountFen)],
  };
}

async function withDb(fn: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'migration4-'));
  try { await fn(path.join(dir, 'station.sqlite')); } finally { rmSync(dir, { recursive: true, force: true }); }
}

const OUTBOX = 'SELECT entry_seq, state, last_error FROM outbox ORDER BY entry_seq';

test('a schema-3 database with acked, quarantined and pending entries migrates to 4 with nothing lost', () => withDb(async (file) => {
  const db = await Database.open(file);
  assert.deepEqual(await migrate(db, MIGRATIONS.filter((m) => m.version <= 3)), [1, 2, 3]);
  for (let i = 1; i <= 12; i++) await appendEntry(db, entry(100 * i));
  // What the relay of schema 3 left: 1–8 acked (cursor 8), 5 quarantined, 9–12 pending, and
  // 10 quarantined beyond the cursor (a fork that blocked the upload).
  await db.run("UPDATE outbox SET state = 'acked', attempts = 1 WHERE entry_seq <= 8");
  await db.run("UPDATE outbox SET state = 'quarantined', last_error = 'UNBALANCED: test' WHERE entry_seq = 5");
  await db.run("UPDATE outbox SET state = 'quarantined', attempts = 3, last_error = 'PREV_HASH_MISMATCH: fork' WHERE entry_seq = 10");
  await db.run("INSERT INTO sync_state (key, value, updated_at) VALUES ('ack_seq', '8', ?)", [new Date().toISOString()]);
  const before = await db.all<{ entry_seq: number; state: string; last_error: string | null }>(OUTBOX);
  const head = await verifyLedger(db);
  const postings = await db.all('SELECT * FROM postings ORDER BY entry_seq, line');
  assert.equal(head.ok, true);

  assert.deepEqual(await migrate(db, MIGRATIONS.filter((m) => m.version <= 4)), [4]);
  assert.deepEqual(await db.all(OUTBOX), before, 'every entry keeps its outbox state and reason');
  const after = await verifyLedger(db);
  assert.deepEqual(after, head, 'same chain, same head');
  assert.deepEqual(await db.all('SELECT * FROM postings ORDER BY entry_seq, line'), postings);
  assert.equal((await db.get<{ n: number }>('SELECT attempts AS n FROM outbox WHERE entry_seq = 10'))?.n, 3);
  assert.equal((await db.get<{ foreign_keys: number }>('PRAGMA foreign_keys'))?.foreign_keys, 1, 'foreign keys back on');
  assert.deepEqual(await db.all('PRAGMA foreign_key_check'), []);
  assert.deepEqual(await db.integrityCheck(), []);
  assert.equal((await db.get<{ freelist_count: number }>('PRAGMA freelist_count'))?.freelist_count, 0, 'the old tables\' pages given back (VACUUM)');

  // The rebuilt shape: one b-tree for postings, no index on hash, outbox derived.
  const sql = (name: string) => db.get<{ sql: string; type: string }>('SELECT sql, type FROM sqlite_master WHERE name = ?', [name]);
  assert.match((await sql('postings'))!.sql, /WITHOUT ROWID/);
  assert.doesNotMatch((await sql('ledger_entries'))!.sql, /hash\s+TEXT NOT NULL UNIQUE/);
  assert.equal((await sql('outbox'))!.type, 'view');
  const indexes = (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('ledger_entries', 'postings')")).map((r) => r.name).sort();
  // entry_id's UNIQUE is the only automatic index left (a WITHOUT ROWID table is its own key).
  assert.deepEqual(indexes, ['ledger_by_at', 'ledger_by_card', 'sqlite_autoindex_ledger_entries_1']);

  // The chain continues, and the guards of the rebuilt tables still hold.
  for (let i = 13; i <= 15; i++) await appendEntry(db, entry(100 * i));
  assert.equal((await verifyLedger(db)).entries, 15);
  assert.equal((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'"))?.n, 6, '9, 11, 12 and the three new');
  await assert.rejects(db.run('UPDATE ledger_entries SET amount_fen = 1 WHERE seq = 2'), /append-only/);
  await assert.rejects(db.run('DELETE FROM postings WHERE entry_seq = 2'), /append-only/);
  await assert.rejects(db.run("INSERT INTO postings (entry_seq, line, account, debit_fen, credit_fen) VALUES (99, 1, 'cash_drawer', 1, 0)"), /FOREIGN KEY/);
  // A lower cursor (a restored host) makes entries pending again without touching a row.
  await db.run("UPDATE sync_state SET value = '3' WHERE key = 'ack_seq'");
  assert.deepEqual((await db.all<{ state: string }>('SELECT state FROM outbox WHERE entry_seq IN (4, 5, 6) ORDER BY entry_seq')).map((r) => r.state), ['pending', 'quarantined', 'pending']);
  await db.close();
}));

test('a migration that would leave orphan rows is refused whole and the database stays at its version', () => withDb(async (file) => {
  const db = await Database.open(file);
  await migrate(db, MIGRATIONS.filter((m) => m.version <= 3));
  await appendEntry(db, entry(500));
  // A posting whose entry is gone (only possible behind the station's back).
  await db.exec("PRAGMA foreign_keys=OFF; INSERT INTO postings (entry_seq, line, account, debit_fen, credit_fen) VALUES (7, 1, 'cash_drawer', 5, 0); PRAGMA foreign_keys=ON;");
  await assert.rejects(migrate(db), /Migration 4 would leave rows without their parent/);
  assert.equal((await db.get<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations'))?.v, 3);
  assert.equal((await db.get<{ type: string }>("SELECT type FROM sqlite_master WHERE name = 'outbox'"))?.type, 'table', 'rolled back whole');
  assert.equal((await db.get<{ foreign_keys: number }>('PRAGMA foreign_keys'))?.foreign_keys, 1);
  await db.close();
}));
