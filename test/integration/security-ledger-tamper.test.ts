// docs/SECURITY.md "Ledger tamper detection", column by column: for every column of
// ledger_entries and of postings, a row altered over a connection of its own, as with the sqlite3 shell
// (test/harness/raw-sqlite.ts; the append-only triggers dropped first, as an attacker would) makes `station ledger verify`
// exit non-zero naming that entry. Also a swapped pair of amounts and a row moved to another
// seq. test/integration/cli-ledger.test.ts covers the same through a spawned CLI for a few cases.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { topup } from '../../core/workflows/topup.ts';
import { readEntries } from '../../db/ledger.ts';
import { runStationInProcess } from '../harness/cli.ts';
import { rawExec, rawRows } from '../harness/raw-sqlite.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
let dbFile: string;
let pristine: string;
let ids: string[];

before(async () => {
  fx = await stationFixture();
  fx.cards.insert(READER, makeLabCard({ kind: 'cpu', balanceFen: 0, id: '3100000000004242' }));
  for (const amount of [1500, 2500, 3500, 4500]) await topup(fx.station, fx.operator, { amount, pay: 'cash', tendered: 5000 });
  ids = (await readEntries(fx.station.db)).map((e) => e.entryId);
  dbFile = fx.station.db.file;
  await fx.station.db.close();
  pristine = `${dbFile}.pristine`;
  copyFileSync(dbFile, pristine);
});
after(async () => {
  rmSync(pristine, { force: true });
  await fx.cleanup();
});

function sqlite(sql: string): Promise<void> {
  return rawExec(dbFile, sql);
}

/** A table's columns as [name, declared type]. */
async function columnsOf(table: string): Promise<[string, string][]> {
  return (await rawRows<{ name: string; type: string }>(dbFile, `SELECT name, type FROM pragma_table_info('${table}')`)).map((c) => [c.name, c.type]);
}

async function verify(): Promise<{ code: number; json: { ok: boolean; firstBreak?: { seq: number; entryId: string; reason: string } }; stderr: string }> {
  const r = await runStationInProcess(['ledger', 'verify', '--json'], { ...process.env, STATION_HOME: fx.home, STATION_KEYS: '' });
  return { code: r.code, json: JSON.parse(r.stdout) as never, stderr: r.stderr };
}

function restore(): void {
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) rmSync(f, { force: true });
  copyFileSync(pristine, dbFile);
}

const DROP = 'DROP TRIGGER IF EXISTS ledger_entries_append_only_update; DROP TRIGGER IF EXISTS postings_append_only_update; DROP TRIGGER IF EXISTS ledger_entries_append_only_delete; DROP TRIGGER IF EXISTS postings_append_only_delete;';

test('the pristine ledger verifies (the training stock received, shift open + 4 top-ups)', async () => {
  restore();
  const r = await verify();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.ok, true);
  assert.equal(ids.length, 6);
});

/** A new value of the same type that differs from every value the column could already hold. */
function altered(column: string, type: string): string {
  if (column === 'payload') return `json_set(payload, '$.tampered', 1)`;
  return type === 'INTEGER' ? `${column} + 1` : `${column} || 'x'`;
}

test('altering any column of any entry is caught, naming the entry', async () => {
  const columns = await columnsOf('ledger_entries');
  assert.ok(columns.length >= 12, columns.join());
  let checked = 0;
  for (const [name, type] of columns) {
    if (name === 'seq') continue; // moving a row is its own case below
    const seq = 2 + (checked % 4); // a top-up, not always the same one
    restore();
    await sqlite(`${DROP} PRAGMA foreign_keys=OFF; UPDATE ledger_entries SET ${name} = ${altered(name, type)} WHERE seq = ${seq};`);
    const r = await verify();
    assert.equal(r.code, 1, `${name}: verify must fail`);
    assert.equal(r.json.ok, false);
    assert.equal(r.json.firstBreak?.seq, seq, `${name}: ${JSON.stringify(r.json.firstBreak)}`);
    assert.match(r.stderr, new RegExp(`entry #${seq}`), name);
    checked++;
  }
  assert.ok(checked >= 11);
});

test('altering any column of any posting is caught, naming its entry', async () => {
  const columns = await columnsOf('postings');
  for (const [name, type] of columns) {
    if (name === 'entry_seq') continue; // moving a posting: below
    restore();
    const value = name === 'account' ? "'fee_income'" : name === 'line' ? 'line + 10' : altered(name, type);
    // Line 1 of a top-up is its debit, line 2 its credit: alter an amount where it is non-zero (CHECK).
    await sqlite(`${DROP} UPDATE postings SET ${name} = ${value} WHERE entry_seq = 3 AND line = ${name === 'credit_fen' ? 2 : 1};`);
    const r = await verify();
    assert.equal(r.code, 1, `postings.${name}`);
    assert.equal(r.json.firstBreak?.seq, 3, `postings.${name}: ${JSON.stringify(r.json.firstBreak)}`);
  }
});

test('moved rows, swapped amounts, deleted postings and a dropped last entry', async () => {
  const cases: [string, string, number | 'last'][] = [
    ['a posting moved to another entry', `${DROP} PRAGMA foreign_keys=OFF; UPDATE postings SET entry_seq = 4, line = 9 WHERE entry_seq = 3 AND line = 1;`, 3],
    ['two entries swap amounts', `${DROP} UPDATE ledger_entries SET amount_fen = CASE seq WHEN 2 THEN 2500 WHEN 3 THEN 1500 END WHERE seq IN (2, 3);`, 2],
    ['an entry moved to a free seq', `${DROP} PRAGMA foreign_keys=OFF; UPDATE ledger_entries SET seq = 99 WHERE seq = 5; UPDATE postings SET entry_seq = 99 WHERE entry_seq = 5;`, 5],
    ['the postings of an entry deleted', `${DROP} DELETE FROM postings WHERE entry_seq = 4;`, 4],
  ];
  for (const [label, sql, seq] of cases) {
    restore();
    await sqlite(sql);
    const r = await verify();
    assert.equal(r.code, 1, label);
    assert.equal(r.json.firstBreak?.seq, seq, `${label}: ${JSON.stringify(r.json.firstBreak)}`);
  }
});
