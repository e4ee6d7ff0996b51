// The power-loss campaign (docs/RELIABILITY.md "Power loss"): what survives when the machine
// loses power is the database file plus a prefix of the WAL: frames not yet on the disk are
// gone, the last one may be torn half-way, and the sectors after it may hold junk. A writer
// appends ledger entries (one transaction each, as the station does, synchronous=FULL) with
// automatic checkpoints off and, in half of the rounds, one TRUNCATE checkpoint at a random
// point (so the file holds part of the ledger and the WAL the rest). The database file and the
// WAL are then copied with the WAL cut at random places — at frame boundaries, inside a frame
// (torn write), with random bytes after the cut (junk sectors) — and every copy is opened as
// the station opens its database (SQLite rebuilds the WAL index, integrity_check, migrations).
// Each copy must pass integrity_check, its chain and trial balance must verify, and it must hold
// exactly the entries whose commit frame lies wholly before the cut: a prefix of the ledger,
// nothing half-written, nothing durable lost.
//
//   npm run campaign:powerloss -- --rounds 100 --cuts 25 [--seed N]
//
// CI runs a small count (test/integration/db-powerloss.test.ts).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { newId } from '../../common/ids.ts';
import { appendEntry, credit, debit, readEntries, verifyLedger } from '../../db/ledger.ts';
import { openStationDb } from '../../db/station-db.ts';
import { seededRandom } from '../harness/seeded-random.ts';

export interface PowerLossResult {
  rounds: number;
  /** Copies opened and checked. */
  cuts: number;
  /** Cuts inside a frame (a torn last write). */
  tornCuts: number;
  /** Cuts followed by junk bytes (sectors the disk never wrote for us). */
  junkTails: number;
  /** Rounds with a checkpoint in the middle (part of the ledger in the main file). */
  checkpointRounds: number;
  entriesWritten: number;
  /** Committed entries that a cut dropped (unsynced writes lost), summed over cuts. */
  entriesDropped: number;
  /** Cuts that lost nothing (cut at or after the last commit). */
  lossless: number;
  ms: number;
}

const WAL_HEADER = 32;
const FRAME_HEADER = 24;

/** One round: write, snapshot, cut `cuts` times; throws on the first violation. */
async function round(dir: string, rand: () => number, cuts: number, r: PowerLossResult): Promise<void> {
  const file = path.join(dir, 'station.sqlite');
  const wal = `${file}-wal`;
  const db = await openStationDb(file);
  const ids: string[] = [];
  /** WAL size right after each commit, with the entries then committed (within the WAL generation of the snapshot). */
  let commits: { walEnd: number; entries: number }[] = [];
  let inMainFile = 0;
  const n = 20 + Math.floor(rand() * 120);
  const checkpointAfter = rand() < 0.5 ? Math.floor(rand() * n) : -1;
  try {
    await db.exec('PRAGMA wal_autocheckpoint=0');
    await db.exec('PRAGMA wal_checkpoint(TRUNCATE)'); // the schema into the main file: the WAL holds entries only
    for (let i = 0; i < n; i++) {
      const amountFen = 100 + Math.floor(rand() * 5000);
      const entry = await db.transaction((tx) => appendEntry(tx, {
        entryId: newId(), kind: 'topup', at: new Date().toISOString(), stationId: 'A1B2C3D4E5F6', operatorId: 'op1', shiftId: null,
        cardRef: `cpu:${String(i % 9).padStart(16, '0')}`, amountFen, payload: { i, note: 'x'.repeat(Math.floor(rand() * 3000)) },
        postings: [debit('cash_drawer', amountFen), credit('card_float', amountFen)],
      }));
      ids.push(entry.entryId);
      commits.push({ walEnd: statSync(wal).size, entries: i + 1 });
      if (i === checkpointAfter) {
        await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
        if (statSync(wal).size !== 0) throw new Error('TRUNCATE checkpoint left a WAL');
        inMainFile = i + 1;
        commits = [];
        r.checkpointRounds++;
      }
    }
    // The disk as it is now (the writer is idle, so the pair is consistent).
    copyFileSync(file, path.join(dir, 'snap.sqlite'));
    copyFileSync(wal, path.join(dir, 'snap.sqlite-wal'));
  } finally {
    await db.close();
  }
  r.entriesWritten += n;
  const walBytes = readFileSync(path.join(dir, 'snap.sqlite-wal'));
  const pageSize = walBytes.length >= WAL_HEADER ? walBytes.readUInt32BE(8) : 4096;
  const frame = FRAME_HEADER + pageSize;
  const frames = walBytes.length >= WAL_HEADER ? Math.floor((walBytes.length - WAL_HEADER) / frame) : 0;
  if (walBytes.length !== (frames === 0 && walBytes.length === 0 ? 0 : WAL_HEADER + frames * frame)) throw new Error(`WAL of ${walBytes.length} bytes is not whole frames of ${frame}`);

  for (let c = 0; c < cuts; c++) {
    // Where the power went: a frame boundary, inside a frame, or (now and then) nothing lost.
    const kind = c === 0 ? 'all' : c === 1 ? 'none' : rand() < 0.5 ? 'boundary' : 'torn';
    let cut: number;
    if (kind === 'all') cut = walBytes.length;
    else if (kind === 'none') cut = 0;
    else if (kind === 'boundary') cut = frames === 0 ? 0 : WAL_HEADER + Math.floor(rand() * (frames + 1)) * frame;
    else cut = Math.floor(rand() * (walBytes.length + 1));
    if (kind === 'torn' && cut >= WAL_HEADER && (cut - WAL_HEADER) % frame !== 0) r.tornCuts++;
    const junk = kind !== 'all' && rand() < 0.3 ? Buffer.from(Array.from({ length: Math.floor(rand() * 2 * frame) }, () => Math.floor(rand() * 256))) : Buffer.alloc(0);
    if (junk.length > 0) r.junkTails++;
    const copyDir = path.join(dir, `cut-${c}`);
    mkdirSync(copyDir);
    const copy = path.join(copyDir, 'station.sqlite');
    copyFileSync(path.join(dir, 'snap.sqlite'), copy);
    writeFileSync(`${copy}-wal`, Buffer.concat([walBytes.subarray(0, cut), junk]));
    const expected = commits.filter((x) => x.walEnd <= cut).reduce((m, x) => Math.max(m, x.entries), inMainFile);
    const where = `cut ${c} (${kind}${junk.length > 0 ? ` + ${junk.length} junk bytes` : ''}) at byte ${cut} of ${walBytes.length}`;
    const opened = await openStationDb(copy); // integrity_check: throws if the copy is damaged
    try {
      const v = await verifyLedger(opened);
      if (!v.ok) throw new Error(`${where}: the ledger does not verify: ${JSON.stringify(v.firstBreak)}`);
      if (v.entries !== expected) throw new Error(`${where}: ${v.entries} entries survive, expected exactly ${expected} (the commits wholly before the cut)`);
      const got = (await readEntries(opened, '1=1', [], 100_000)).map((e) => e.entryId);
      if (got.join() !== ids.slice(0, expected).join()) throw new Error(`${where}: the surviving entries are not the first ${expected} written`);
    } finally {
      await opened.close();
    }
    r.cuts++;
    r.entriesDropped += n - expected;
    if (expected === n) r.lossless++;
    rmSync(copyDir, { recursive: true, force: true });
  }
}

export async function runPowerLoss(opts: { rounds: number; cuts: number; seed?: number; onRound?: (round: number, r: PowerLossResult) => void }): Promise<PowerLossResult> {
  const started = Date.now();
  const rand = seededRandom(opts.seed ?? 20261125);
  const r: PowerLossResult = { rounds: 0, cuts: 0, tornCuts: 0, junkTails: 0, checkpointRounds: 0, entriesWritten: 0, entriesDropped: 0, lossless: 0, ms: 0 };
  for (let i = 0; i < opts.rounds; i++) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'powerloss-'));
    try {
      await round(dir, rand, opts.cuts, r).catch((err: unknown) => { throw new Error(`round ${i}: ${(err as Error).message}`, { cause: err }); });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    r.rounds++;
    opts.onRound?.(i, r);
  }
  r.ms = Date.now() - started;
  return r;
}

const isEntry = process.argv[1] !== undefined && import.meta.filename === process.argv[1];
if (isEntry) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '100' }, cuts: { type: 'string', default: '25' }, seed: { type: 'string', default: '20261125' } } });
  const rounds = Number(values.rounds);
  const cuts = Number(values.cuts);
  if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(cuts) || cuts < 2) throw new Error('--rounds N (≥ 1) --cuts N (≥ 2)');
  const r = await runPowerLoss({
    rounds, cuts, seed: Number(values.seed),
    onRound: (i, x) => { if ((i + 1) % 10 === 0) process.stdout.write(`  ${i + 1} rounds, ${x.cuts} copies checked\n`); },
  });
  process.stdout.write(`power loss: ${r.rounds} rounds (${r.checkpointRounds} with a checkpoint mid-way), ${r.cuts} cut copies opened, 0 violations; `
    + `${r.tornCuts} torn frames, ${r.junkTails} junk tails; ${r.entriesWritten} entries written, ${r.entriesDropped} unsynced entries dropped over all cuts, ${r.lossless} cuts lost nothing; ${(r.ms / 1000).toFixed(0)} s\n`);
}
