// `station ledger verify` and `station ledger export` as a person runs them, on a real
// station database: verify passes on a normal ledger and names the first broken entry after
// a row (entry or posting) is altered over a connection of its own (as with the sqlite3 shell;
// test/harness/raw-sqlite.ts), the append-only triggers dropped first as an attacker would;
// export writes one China-local day.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { topup } from '../../core/workflows/topup.ts';
import { readEntries } from '../../db/ledger.ts';
import { runStation, type StationRun } from '../harness/cli.ts';
import { rawExec } from '../harness/raw-sqlite.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
let dbFile: string;
let pristine: string;
let ids: string[] = [];

function station(args: string[]): Promise<StationRun> {
  return runStation(args, { ...process.env, STATION_HOME: fx.home }, { timeoutMs: 60_000 });
}

function sqlite(sql: string): Promise<void> {
  return rawExec(dbFile, sql);
}

before(async () => {
  // 2026-11-23 15:59:00Z is 23:59 in China; 16:00Z is already the 24th there.
  fx = await stationFixture({ now: new Date('2026-11-23T15:50:00Z') });
  const card = makeLabCard({ kind: 'cpu', balanceFen: 0, id: '0000000000031337' });
  fx.cards.insert(READER, card);
  fx.clock.now = new Date('2026-11-23T15:59:00Z');
  await topup(fx.station, fx.operator, { amount: 2000, pay: 'cash' });
  fx.clock.now = new Date('2026-11-23T16:00:01Z');
  await topup(fx.station, fx.operator, { amount: 3000, pay: 'other', reference: 'POS-1' });
  await topup(fx.station, fx.operator, { amount: 1500, pay: 'cash', tendered: 2000 });
  ids = (await readEntries(fx.station.db)).map((e) => e.entryId);
  dbFile = fx.station.db.file;
  await fx.station.db.close();
  pristine = path.join(mkdtempSync(path.join(os.tmpdir(), 'ledger-copy-')), 'pristine.sqlite');
  copyFileSync(dbFile, pristine);
});
after(async () => {
  await fx.cleanup();
  rmSync(path.dirname(pristine), { recursive: true, force: true });
});

function restore(): void {
  copyFileSync(pristine, dbFile);
  for (const ext of ['-wal', '-shm']) rmSync(dbFile + ext, { force: true });
}

test('ledger verify passes on a normal database', async () => {
  const r = await station(['ledger', 'verify', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.equal(v.ok, true);
  assert.equal(v.entries, 5); // the training stock received, shift open, three top-ups
  assert.equal(v.balanceSumFen, 0);
  const human = await station(['ledger', 'verify']);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /Ledger OK: 5 entries/);
});

for (const [label, sql, seq] of [
  ['an entry amount', "DROP TRIGGER ledger_entries_append_only_update; UPDATE ledger_entries SET amount_fen = 200000 WHERE seq = 2;", 2],
  ['a posting', "DROP TRIGGER IF EXISTS postings_append_only_update; UPDATE postings SET debit_fen = 9000, credit_fen = 0 WHERE entry_seq = 3 AND line = 1;", 3],
  ['a payload (card ref)', "DROP TRIGGER ledger_entries_append_only_update; UPDATE ledger_entries SET card_ref = 'cpu:0000000000099999' WHERE seq = 4;", 4],
  ['a deleted entry', "DROP TRIGGER ledger_entries_append_only_delete; DROP TRIGGER IF EXISTS postings_append_only_delete; PRAGMA foreign_keys=OFF; DELETE FROM postings WHERE entry_seq = 3; DELETE FROM ledger_entries WHERE seq = 3;", 3],
] as const) {
  test(`ledger verify names the first broken entry after ${label} is altered over a raw connection`, async () => {
    restore();
    await sqlite(sql);
    const r = await station(['ledger', 'verify', '--json']);
    assert.notEqual(r.code, 0, 'a broken ledger exits non-zero');
    const v = JSON.parse(r.stdout);
    assert.equal(v.ok, false);
    assert.equal(v.firstBreak.seq, seq);
    assert.equal(v.error.code, 'LEDGER_BROKEN');
    assert.match(r.stderr, new RegExp(`entry #${seq} \\(${label === 'a deleted entry' ? ids[3] : ids[seq - 1]}\\)`));
    const human = await station(['ledger', 'verify']);
    assert.equal(human.code, 1);
    assert.match(human.stderr, new RegExp(`Ledger broken at entry #${seq}`));
  });
}

test('the append-only triggers refuse the same edit while they are in place', async () => {
  restore();
  await assert.rejects(sqlite('UPDATE ledger_entries SET amount_fen = 1 WHERE seq = 2;'), /append-only/);
  assert.equal((await station(['ledger', 'verify'])).code, 0);
});

test('ledger export: a China-local day as CSV with BOM and fen columns, and as JSON', async () => {
  restore();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-export-'));
  try {
    const csvPath = path.join(dir, 'day.csv');
    const r = await station(['ledger', 'export', '--day', '2026-11-23', '--format', 'csv', '--out', csvPath, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).entries, 3, 'the training stock received, shift open and the 23:59 top-up; 00:00:01 belongs to the 24th');
    const raw = readFileSync(csvPath);
    assert.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
    const lines = raw.toString('utf8').slice(1).trimEnd().split('\r\n');
    const header = lines[0]!.split(',');
    assert.ok(header.includes('amount_fen') && header.includes('cash_drawer_fen') && header.includes('card_float_fen'));
    // The last row of the day: the 23:59 top-up (after the training stock and the shift open).
    const row = lines[3]!.split(',');
    assert.equal(row[header.indexOf('time_local')], '2026-11-23 23:59:00');
    assert.equal(row[header.indexOf('amount_fen')], '2000');
    assert.equal(row[header.indexOf('cash_drawer_fen')], '2000');
    assert.equal(row[header.indexOf('card_float_fen')], '-2000');

    const jsonPath = path.join(dir, 'day.json');
    const j = await station(['ledger', 'export', '--day', '2026-11-24', '--format', 'json', '--out', jsonPath]);
    assert.equal(j.code, 0, j.stderr);
    const d = JSON.parse(readFileSync(jsonPath, 'utf8'));
    assert.equal(d.entries.length, 2);
    assert.equal(d.dayNetFen.other_payment_clearing, 3000);
    assert.equal(d.dayNetFen.cash_drawer, 1500);
    assert.equal(d.dayNetFen.card_float, -4500);
    assert.equal(d.entries[0].timeLocal, '2026-11-24 00:00:01');

    const pdf = await station(['ledger', 'export', '--day', '2026-11-24', '--format', 'pdf', '--out', path.join(dir, 'x.pdf'), '--json']);
    assert.equal(pdf.code, 0, pdf.stderr);
    assert.equal(JSON.parse(pdf.stdout).totals.totalFen, 4500, 'the day report totals the two top-ups');
    assert.ok(readFileSync(path.join(dir, 'x.pdf')).subarray(0, 5).toString() === '%PDF-', 'a PDF');
    const badFormat = await station(['ledger', 'export', '--day', '2026-11-24', '--format', 'xls', '--out', csvPath]);
    assert.equal(badFormat.code, 1);
    assert.match(badFormat.stderr, /--format must be csv, json or pdf/);
    const badDay = await station(['ledger', 'export', '--day', '2026-02-30', '--format', 'csv', '--out', csvPath]);
    assert.equal(badDay.code, 1);
    assert.match(badDay.stderr, /--day must be a date/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
