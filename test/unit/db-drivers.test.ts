// The store's contract over both SQLite bindings (db/sqlite-driver.ts): the native `sqlite3`
// and the WASM build a machine with Node alone falls back to. Each binding, on a real file:
// migrations, ledger append and verify, the append-only refusal, disk full through a page limit,
// BEGIN IMMEDIATE across two connections of one process and across two processes. The WASM
// binding also: a stale lock left by a killed process is cleared (and said), a file a native
// station left in WAL mode opens, and the existing ledger, migration and idempotency test files
// pass on it as a whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { newId } from '../../common/ids.ts';
import { appendEntry, credit, debit, verifyLedger, type NewEntry } from '../../db/ledger.ts';
import { staleLocksCleared } from '../../db/sqlite-wasm.ts';
import type { Database } from '../../db/sqlite.ts';
import { openStationDb } from '../../db/station-db.ts';
import { NATIVE_SQLITE, skipUnless } from '../harness/system-needs.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const HOLDER = path.join(ROOT, 'test', 'harness', 'sqlite-holder.ts');
const nativeSkip = skipUnless(NATIVE_SQLITE);

function entry(amountFen: number): NewEntry {
  return {
    entryId: newId(), kind: 'topup', at: '2026-03-04T05:06:07.000Z', stationId: 'A1B2C3D4E5F6', operatorId: 'op1', shiftId: null,
    cardRef: 'cpu:0000000000012345', amountFen, payload: { tac: 'E38A6356' },
    postings: [debit('cash_drawer', amountFen), credit('card_float', amountFen)],
  };
}

async function withFile(fn: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'db-drivers-'));
  try { await fn(path.join(dir, 'station.sqlite')); } finally { rmSync(dir, { recursive: true, force: true }); }
}

/** A second process holding the write lock with one entry appended inside it (test/harness/sqlite-holder.ts). */
async function startHolder(file: string, driver: string): Promise<{ events: string[]; next: (prefix: string) => Promise<string>; commit: () => void; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, file], { cwd: ROOT, env: { ...process.env, STATION_SQLITE: driver }, stdio: ['pipe', 'pipe', 'inherit'] });
  const events: string[] = [];
  const waiting: Array<{ prefix: string; resolve: (line: string) => void }> = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    events.push(line);
    for (const w of waiting.filter((x) => line.startsWith(x.prefix))) { waiting.splice(waiting.indexOf(w), 1); w.resolve(line); }
  });
  const next = (prefix: string) => {
    const seen = events.find((l) => l.startsWith(prefix));
    if (seen !== undefined) return Promise.resolve(seen);
    return Promise.race([new Promise<string>((resolve) => waiting.push({ prefix, resolve })), exited.then(() => { throw new Error(`holder exited before "${prefix}": ${events.join(' | ')}`); })]);
  };
  return {
    events, next,
    commit: () => child.stdin!.write('commit\n'),
    kill: async () => { if (child.exitCode === null) child.kill('SIGKILL'); await exited; },
  };
}

for (const driver of ['native', 'wasm'] as const) {
  const env = { ...process.env, STATION_SQLITE: driver };
  const skip = driver === 'native' ? nativeSkip : false;
  const open = (file: string): Promise<Database> => openStationDb(file, env);

  test(`${driver}: migrations, a chained ledger that verifies, and the append-only refusal as LEDGER_BROKEN`, { skip }, () => withFile(async (file) => {
    const db = await open(file);
    try {
      assert.equal(db.driver, driver);
      const versions = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM schema_migrations');
      assert.ok((versions?.n ?? 0) >= 5, `migrations applied: ${versions?.n}`);
      const journal = await db.get<{ journal_mode: string }>('PRAGMA journal_mode');
      assert.equal(journal?.journal_mode, driver === 'native' ? 'wal' : 'delete');
      assert.equal((await db.get<{ synchronous: number }>('PRAGMA synchronous'))?.synchronous, 2); // FULL
      assert.equal((await db.get<{ foreign_keys: number }>('PRAGMA foreign_keys'))?.foreign_keys, 1);
      for (let i = 1; i <= 4; i++) await db.transaction((tx) => appendEntry(tx, entry(100 * i)));
      await appendEntry(db, entry(500)); // one autocommit statement
      const v = await verifyLedger(db);
      assert.equal(v.ok, true, JSON.stringify(v.firstBreak));
      assert.equal(v.entries, 5);
      await assert.rejects(db.run('UPDATE ledger_entries SET amount_fen = 1 WHERE seq = 2'), (e: Error & { code?: string }) => e.code === 'LEDGER_BROKEN' && /append-only/.test(e.message));
      // A failed statement does not poison the next use of the same SQL.
      await assert.rejects(db.run('UPDATE ledger_entries SET amount_fen = 1 WHERE seq = 2'), /append-only/);
      assert.equal((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_entries WHERE amount_fen = 1'))?.n, 0);
    } finally {
      await db.close();
    }
  }));

  test(`${driver}: a full disk (page limit) is DISK_FULL and writes nothing`, { skip }, () => withFile(async (file) => {
    const db = await open(file);
    try {
      await appendEntry(db, entry(100));
      const pages = await db.get<{ page_count: number }>('PRAGMA page_count');
      await db.exec(`PRAGMA max_page_count=${pages!.page_count}`);
      await assert.rejects(
        db.transaction(async (tx) => { for (let i = 0; i < 50; i++) await appendEntry(tx, { ...entry(200), payload: { pad: 'x'.repeat(2000) } }); }),
        (e: Error & { code?: string }) => e.code === 'DISK_FULL');
      const v = await verifyLedger(db);
      assert.equal(v.entries, 1);
      assert.equal(v.ok, true);
    } finally {
      await db.close();
    }
  }));

  test(`${driver}: BEGIN IMMEDIATE across two connections of one process — the second waits for the first's commit`, { skip }, () => withFile(async (file) => {
    const a = await open(file);
    const b = await open(file);
    try {
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => { release = resolve; });
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => { entered = resolve; });
      const first = a.transaction(async (tx) => { await appendEntry(tx, entry(100)); entered(); await held; order.push('a commits'); });
      await inside;
      const second = b.transaction(async (tx) => { order.push('b inside'); return appendEntry(tx, entry(200)); });
      await new Promise((resolve) => setImmediate(resolve));
      release();
      await first;
      const e = await second;
      assert.deepEqual(order, ['a commits', 'b inside']);
      assert.equal(e.seq, 2);
      assert.equal((await verifyLedger(a)).ok, true);
    } finally {
      await b.close();
      await a.close();
    }
  }));

  test(`${driver}: BEGIN IMMEDIATE across two processes — this one's transaction starts after the other's commit`, { skip }, () => withFile(async (file) => {
    await (await open(file)).close(); // schema in place before the holder
    const holder = await startHolder(file, driver);
    const db = await open(file);
    try {
      assert.equal(await holder.next('holding'), `holding ${driver}`);
      // Inside the transaction, the holder's entry is either committed (we waited for its
      // lock) or not there at all (we ran beside it: the lock failed).
      const mine = db.transaction(async (tx) => {
        const seen = await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_entries WHERE operator_id = 'holder'");
        return { seen: seen?.n, e: await appendEntry(tx, entry(300)) };
      });
      holder.commit();
      assert.equal(await holder.next('committed'), 'committed 1');
      const { seen, e } = await mine;
      assert.equal(seen, 1);
      assert.equal(e.seq, 2);
      assert.equal((await verifyLedger(db)).ok, true);
    } finally {
      await db.close();
      await holder.kill();
    }
  }));
}

test('wasm: a process killed holding the lock leaves a stale lock; the next open clears it, says so, and the uncommitted entry is gone', () => withFile(async (file) => {
  const env = { ...process.env, STATION_SQLITE: 'wasm' };
  const first = await openStationDb(file, env);
  await appendEntry(first, entry(100));
  await first.close();
  const holder = await startHolder(file, 'wasm');
  await holder.next('holding');
  await holder.kill();
  assert.equal(existsSync(`${file}.lock`), true, 'the killed holder left its lock directory');
  const db = await openStationDb(file, env); // integrity check and migrations ran: the lock was cleared
  try {
    assert.ok(staleLocksCleared().includes(file), `cleared: ${staleLocksCleared().join(', ')}`);
    const v = await verifyLedger(db);
    assert.equal(v.ok, true);
    assert.equal(v.entries, 1, 'the holder never committed its entry');
    const e = await appendEntry(db, entry(200));
    assert.equal(e.seq, 2);
  } finally {
    await db.close();
  }
}));

test('wasm: a file a native station left in WAL mode opens, keeps its entries, and is turned to the rollback journal', { skip: nativeSkip }, () => withFile(async (file) => {
  const native = await openStationDb(file, { ...process.env, STATION_SQLITE: 'native' });
  for (let i = 1; i <= 3; i++) await appendEntry(native, entry(100 * i));
  await native.close();
  const db = await openStationDb(file, { ...process.env, STATION_SQLITE: 'wasm' });
  try {
    assert.equal((await db.get<{ journal_mode: string }>('PRAGMA journal_mode'))?.journal_mode, 'delete');
    const v = await verifyLedger(db);
    assert.equal(v.ok, true);
    assert.equal(v.entries, 3);
  } finally {
    await db.close();
  }
}));

test('wasm: the ledger, migration and idempotency test files pass whole on the WASM binding', () => {
  const files = ['test/unit/db-ledger.test.ts', 'test/unit/db-migration-4.test.ts', 'test/unit/idempotency.test.ts'];
  const env: NodeJS.ProcessEnv = { ...process.env, STATION_SQLITE: 'wasm' };
  delete env.NODE_TEST_CONTEXT; // a test run of its own, not a child reporting to this one
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { cwd: ROOT, env, encoding: 'utf8' });
  const out = `${r.stdout}\n${r.stderr}`;
  const pass = Number(/ℹ pass (\d+)/.exec(out)?.[1] ?? 0);
  const fail = Number(/ℹ fail (\d+)/.exec(out)?.[1] ?? -1);
  assert.equal(r.status, 0, out.slice(-4000));
  assert.equal(fail, 0);
  assert.ok(pass >= 20, `passed ${pass}`);
});
