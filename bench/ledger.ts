/**
 * Business events per second through the station's ledger (core/record.ts: one transaction
 * holding the hash-chained entry, its postings and the audit line, pending upload (the outbox is
 * the entries above the host's ack cursor since migration 4), durable at
 * synchronous=FULL) versus raw `sqlite3` inserts with the same pragmas (WAL, synchronous=FULL,
 * one awaited autocommit INSERT each), in the same run, on the same disk, interleaved in chunks.
 * Target ≥ 0.7.
 *
 *   node --import tsx bench/ledger.ts [--n 2000] [--chunk 100]
 *
 * Last line: `ledger: X events/s vs raw Y inserts/s, ratio Z`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InProcessCardAccess } from '../core/lab/in-process-access.ts';
import { loadConfig } from '../core/config.ts';
import { record } from '../core/record.ts';
import { createFirstAdmin, initStationHome } from '../core/station-home.ts';
import { openStation, type Station } from '../core/station.ts';
import { credit, debit, verifyLedger } from '../db/ledger.ts';
import { loadNativeSqlite, openNativeDatabase } from '../db/sqlite-native.ts';
import { printFigure } from './figure.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

/** The baseline: one table, one prepared INSERT, awaited, autocommit (its own durable transaction). */
async function openRaw(dir: string): Promise<{ insert: (i: number) => Promise<void>; close: () => Promise<void> }> {
  const file = path.join(dir, 'raw.sqlite');
  const db = await openNativeDatabase(loadNativeSqlite(), file);
  const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
  await exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; CREATE TABLE sale (id INTEGER PRIMARY KEY, ticket TEXT NOT NULL, amount_fen INTEGER NOT NULL, created_at TEXT NOT NULL) STRICT;');
  const stmt = db.prepare('INSERT INTO sale (ticket, amount_fen, created_at) VALUES (?, ?, ?)');
  return {
    insert: (i) => new Promise<void>((resolve, reject) => stmt.run([`T${i}`, 1000 + i, new Date().toISOString()], (err: Error | null) => (err ? reject(err) : resolve()))),
    close: async () => {
      await new Promise<void>((resolve) => stmt.finalize(() => resolve()));
      await new Promise<void>((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** The station: core/record.ts, i.e. the real write path of every business event. */
async function openEvents(dir: string): Promise<{ event: (i: number) => Promise<unknown>; station: Station }> {
  const home = mkdtempSync(path.join(dir, 'home-'));
  const config = initStationHome({ home, training: true, cityCode: '3100', terminalId: '010000000001', now: new Date() });
  await createFirstAdmin(home, config, '1111');
  const station = await openStation({ home, env: { ...process.env, STATION_KEYS: '' }, cards: new InProcessCardAccess([]), config: loadConfig(home) });
  const event = (i: number) => record(station, {
    kind: 'topup', operatorId: 'admin', shiftId: null, cardRef: `cpu:31000000${String(i % 100000).padStart(8, '0')}`, amountFen: 1000 + (i % 500),
    // A top-up's whole payload, as the workflow writes it: the write door parses it (core/record.ts).
    payload: {
      pay: 'cash', tenderedFen: 2000, changeFen: 1000 - (i % 500), reference: null, onlineAtc: i % 0x10000, tac: 'A1B2C3D4', tacVerified: true, opId: '01M8323B80PA6660G2C486YFKB',
      asn: `31000000${String(i % 100000).padStart(8, '0')}`, cityCode: '3100', balanceBeforeFen: 0, balanceAfterFen: 1000 + (i % 500), hostDate: '20261123', hostTime: '100000', terminalId: '010000000001',
    },
    postings: [debit('cash_drawer', 1000 + (i % 500)), credit('card_float', 1000 + (i % 500))],
  });
  return { event, station };
}

async function main(): Promise<void> {
  const n = arg('--n', 2000);
  const chunk = arg('--chunk', 100);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-ledger-'));
  const raw = await openRaw(dir);
  const { event, station } = await openEvents(dir);
  try {
    for (let i = 0; i < 50; i++) { await raw.insert(i); await event(i); } // warm-up (statement caches, WAL)
    // Interleaved chunks on the same disk, so a burst of other I/O on this shared machine hits
    // both sides alike; the median of the chunks' ratios is reported.
    const ratios: number[] = [];
    let rawMs = 0;
    let evMs = 0;
    for (let done = 0; done < n; done += chunk) {
      let t0 = performance.now();
      for (let i = 0; i < chunk; i++) await raw.insert(50 + done + i);
      const r = performance.now() - t0;
      t0 = performance.now();
      for (let i = 0; i < chunk; i++) await event(50 + done + i);
      const e = performance.now() - t0;
      ratios.push(r / e);
      rawMs += r;
      evMs += e;
    }
    const v = await verifyLedger(station.db);
    if (!v.ok) throw new Error(`ledger does not verify after the bench: ${JSON.stringify(v.firstBreak)}`);
    const audit = await station.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM audit WHERE action = 'topup'");
    const outbox = await station.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'");
    if (audit?.n !== v.entries || outbox?.n !== v.entries) throw new Error(`expected one audit line per entry and every entry pending upload: ${audit?.n}, ${outbox?.n}, ${v.entries}`);
    const rounds = ratios.length;
    const evRate = (rounds * chunk) / (evMs / 1000);
    const rawRate = (rounds * chunk) / (rawMs / 1000);
    const sorted = [...ratios].sort((a, b) => a - b);
    console.log(`${rounds} interleaved chunks of ${chunk}: chunk ratios min ${sorted[0]!.toFixed(2)}, median ${median(ratios).toFixed(2)}, max ${sorted[rounds - 1]!.toFixed(2)}; overall ${(evRate / rawRate).toFixed(2)}`);
    console.log(`station: entry + 2 postings + audit per event, pending upload, one statement each (ledger_append), chain verified over ${v.entries} entries`);
    printFigure({
      name: 'ledger events (entry + postings + audit, pending upload, durable)', value: Math.round(evRate), unit: 'events/s',
      baselineName: 'raw sqlite3 autocommit INSERT, same pragmas', baseline: Math.round(rawRate), baselineUnit: 'inserts/s',
      ratio: median(ratios), ratioMeaning: 'events/s ÷ raw inserts/s (median of interleaved chunks)', target: 'ratio ≥ 0.7', met: median(ratios) >= 0.7,
    });
    console.log(`ledger: ${Math.round(evRate)} events/s vs raw ${Math.round(rawRate)} inserts/s (WAL, synchronous=FULL, one durable transaction each), ratio ${median(ratios).toFixed(2)} (median of ${rounds} chunks); target ≥ 0.7`);
  } finally {
    await raw.close();
    await station.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
