/**
 * Business events per second through the station's ledger (core/record.ts: one transaction
 * holding the hash-chained entry, its postings, the outbox row and the audit line, durable at
 * synchronous=FULL) versus raw `sqlite3` inserts with the same pragmas (WAL, synchronous=FULL,
 * one awaited autocommit INSERT each), in the same run, on the same disk. Target ≥ 0.7.
 *
 *   node --import tsx bench/ledger.ts [--n 2000] [--rounds 3]
 *
 * Last line: `ledger: X events/s vs raw Y inserts/s, ratio Z`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { InProcessCardAccess } from '../core/card-access.ts';
import { loadConfig } from '../core/config.ts';
import { record } from '../core/record.ts';
import { createFirstAdmin, initStationHome } from '../core/station-home.ts';
import { openStation } from '../core/station.ts';
import { credit, debit, verifyLedger } from '../db/ledger.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function rawInserts(dir: string, n: number): Promise<number> {
  const file = path.join(dir, `raw-${Date.now()}.sqlite`);
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d: sqlite3.Database = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d)));
  });
  const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
  await exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; CREATE TABLE sale (id INTEGER PRIMARY KEY, ticket TEXT NOT NULL, amount_fen INTEGER NOT NULL, created_at TEXT NOT NULL) STRICT;');
  const stmt = db.prepare('INSERT INTO sale (ticket, amount_fen, created_at) VALUES (?, ?, ?)');
  const insert = (i: number) => new Promise<void>((resolve, reject) => stmt.run([`T${i}`, 1000 + i, new Date().toISOString()], (err: Error | null) => (err ? reject(err) : resolve())));
  for (let i = 0; i < 50; i++) await insert(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await insert(i);
  const secs = (performance.now() - t0) / 1000;
  await new Promise<void>((resolve) => stmt.finalize(() => resolve()));
  await new Promise<void>((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
  return n / secs;
}

async function events(dir: string, n: number): Promise<{ rate: number; entries: number }> {
  const home = mkdtempSync(path.join(dir, 'home-'));
  const config = initStationHome({ home, training: true, cityCode: '3100', terminalId: '010000000001', now: new Date() });
  await createFirstAdmin(home, config, '1111');
  const station = await openStation({ home, env: { ...process.env, STATION_KEYS: '' }, cards: new InProcessCardAccess([]), config: loadConfig(home) });
  try {
    const event = (i: number) => record(station, {
      kind: 'topup', operatorId: 'admin', shiftId: null, cardRef: `cpu:31000000${String(i % 100000).padStart(8, '0')}`, amountFen: 1000 + (i % 500),
      payload: { pay: 'cash', tenderedFen: 2000, changeFen: 1000 - (i % 500), onlineAtc: i, tac: 'A1B2C3D4' },
      postings: [debit('cash_drawer', 1000 + (i % 500)), credit('card_float', 1000 + (i % 500))],
    });
    for (let i = 0; i < 50; i++) await event(i);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await event(50 + i);
    const secs = (performance.now() - t0) / 1000;
    const v = await verifyLedger(station.db);
    if (!v.ok) throw new Error(`ledger does not verify after the bench: ${JSON.stringify(v.firstBreak)}`);
    return { rate: n / secs, entries: v.entries };
  } finally {
    await station.close();
  }
}

async function main(): Promise<void> {
  const n = arg('--n', 2000);
  const rounds = arg('--rounds', 3);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-ledger-'));
  const ratios: number[] = [];
  let ev = 0;
  let raw = 0;
  try {
    // Alternating rounds, so disk drift hits both sides alike; the median round is reported.
    for (let r = 0; r < rounds; r++) {
      const rr = await rawInserts(dir, n);
      const e = await events(dir, n);
      console.log(`round ${r + 1}: raw sqlite3 ${Math.round(rr)} inserts/s, station ${Math.round(e.rate)} events/s (entry + 2 postings + outbox + audit, chain verified: ${e.entries} entries), ratio ${(e.rate / rr).toFixed(2)}`);
      ratios.push(e.rate / rr);
      ev += e.rate;
      raw += rr;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  console.log(`ledger: ${Math.round(ev / rounds)} events/s vs raw ${Math.round(raw / rounds)} inserts/s (WAL, synchronous=FULL), ratio ${mid.toFixed(2)} (median of ${rounds} rounds); target ≥ 0.7`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
