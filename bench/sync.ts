/**
 * The relay's upload rate: a 100,000-entry backlog in a station's SQLite file sent to the
 * clearing host (its own process, on a private PostgreSQL, over loopback) by sync/relay.ts,
 * versus a raw batched insert of the same rows (1000 per INSERT … unnest, as the host does)
 * into a copy of the host's entries table in the same PostgreSQL. Target ≥ 5,000 entries/s.
 *
 * Then resumability: a second station's relay (its own backlog, --kill-n, default 30,000)
 * runs in a child process that is SIGKILLed at 40 %; a new relay resumes from the database and the host ends up holding every entry
 * exactly once, equal to the station's chain.
 *
 *   node --import tsx bench/sync.ts [--n 100000] [--kill-n 30000] [--inflight 1] [--no-kill]
 *
 * Last line: `sync: X entries/s vs raw batched insert Y rows/s, ratio Z (target ≥ 5000 entries/s)`.
 */
import { printFigure } from './figure.ts';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { canonicalJson } from '../common/canonical-json.ts';
import { systemClock } from '../common/clock.ts';
import { newId } from '../common/ids.ts';
import { entryHash, GENESIS_HASH } from '../common/ledger-hash.ts';
import type { WireEntry } from '../common/upstream-protocol.ts';
import { loadConfig } from '../core/config.ts';
import { databaseFile } from '../core/station.ts';
import { initStationHome } from '../core/station-home.ts';
import { SqliteSyncStore, SyncRelay } from '../core/sync.ts';
import { clientFor, loadUpstreamSettings, saveUpstreamSettings } from '../core/upstream-config.ts';
import { openStationDb } from '../db/station-db.ts';
import type { Database } from '../db/sqlite.ts';
import { startPgLab } from '../test/harness/pg-lab.ts';
import { spawnHost } from '../test/harness/upstream-client.ts';
import { INSERT_ENTRIES_SQL, entryRowJson } from '../upstream/store/entries.ts';
import { openPostgres } from '../upstream/store/database.ts';
import { registerStation } from '../upstream/stations.ts';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};

/**
 * The host with V8's CPU profiler on (--host-prof DIR; NODE_OPTIONS may not carry --cpu-prof):
 * a .cpuprofile lands in DIR when the host exits at the end of the run.
 */
async function spawnProfiledHost(url: string, dir: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const root = path.resolve(import.meta.dirname, '..');
  const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx', path.join(root, 'upstream', 'server.ts'), '--port', '0'], {
    cwd: root, env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const hostUrl = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /listening on (http:\/\/\S+)/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`profiled host exited (${code})`)));
  });
  return {
    url: hostUrl,
    pid: child.pid!,
    stop: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

// ---------------------------------------------------------------- CPU time (load-independent)
const TICK_MS = 10; // USER_HZ is 100 on Linux
/** utime+stime (and the reaped children's cutime+cstime) of a process, in ms; 0 when it is gone. */
function procCpuMs(pid: number, withReaped = false): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
    // Fields after "pid (comm) ": state ppid … utime(14) stime(15) cutime(16) cstime(17), 1-based from pid.
    const at = (n: number): number => Number(f[n - 3]);
    return (at(14) + at(15) + (withReaped ? at(16) + at(17) : 0)) * TICK_MS;
  } catch {
    return 0;
  }
}
/** CPU ms of the PostgreSQL server: the postmaster, its reaped backends and its live children. */
function pgCpuMs(postmaster: number): number {
  let total = procCpuMs(postmaster, true);
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) total += procCpuMs(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return total;
}
const selfCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Child mode: run the relay of the station in `home` until done (the parent kills it mid-way). */
async function child(home: string): Promise<void> {
  const config = loadConfig(home);
  const db = await openStationDb(databaseFile(home, config));
  const relay = new SyncRelay({ client: clientFor(loadUpstreamSettings(home)!, 30_000), store: new SqliteSyncStore(db, config.stationId, systemClock) });
  relay.on((e) => {
    if (e.type === 'status') process.stdout.write(`acked ${e.status.ackSeq}\n`);
  });
  await relay.push();
  await db.close();
}

/** A backlog of `n` top-up-like entries written straight into the station's tables (same rows appendEntry writes). */
async function fillBacklog(db: Database, stationId: string, n: number): Promise<void> {
  let prev = GENESIS_HASH;
  const t0 = Date.UTC(2026, 10, 23, 1, 0, 0);
  const chunk = 500;
  for (let start = 1; start <= n; start += chunk) {
    const entries: WireEntry[] = [];
    for (let seq = start; seq < Math.min(n + 1, start + chunk); seq++) {
      const at = t0 + seq * 200;
      const amountFen = 1000 + (seq % 50) * 100;
      const base = {
        seq, entryId: newId(at), kind: 'topup', at: new Date(at).toISOString(), stationId, operatorId: 'op1', shiftId: 'SHIFT1', cardRef: `cpu:3100${String(seq).padStart(12, '0')}`, amountFen,
        payload: { asn: `3100${String(seq).padStart(12, '0')}`, cityCode: '3100', pay: 'cash', tenderedFen: amountFen, changeFen: 0, reference: null, terminalId: '010000000001', tac: 'E38A6356', tacVerified: true, balanceBeforeFen: 0, balanceAfterFen: amountFen, onlineAtc: seq % 65535 },
        postings: [{ account: 'cash_drawer', debitFen: amountFen, creditFen: 0 }, { account: 'card_float', debitFen: 0, creditFen: amountFen }],
        prevHash: prev,
      };
      const e = { ...base, hash: entryHash(base) };
      prev = e.hash;
      entries.push(e);
    }
    await db.transaction(async (tx) => {
      const q = (cols: number, rows: number): string => Array.from({ length: rows }, () => `(${Array(cols).fill('?').join(',')})`).join(',');
      await tx.run(`INSERT INTO ledger_entries (seq, entry_id, kind, at, station_id, operator_id, shift_id, card_ref, amount_fen, payload, prev_hash, hash) VALUES ${q(12, entries.length)}`,
        entries.flatMap((e) => [e.seq, e.entryId, e.kind, e.at, e.stationId, e.operatorId, e.shiftId, e.cardRef, e.amountFen, canonicalJson(e.payload), e.prevHash, e.hash]));
      await tx.run(`INSERT INTO postings (entry_seq, line, account, debit_fen, credit_fen) VALUES ${q(5, entries.length * 2)}`,
        entries.flatMap((e) => e.postings.flatMap((p, i) => [e.seq, i + 1, p.account, p.debitFen, p.creditFen])));
    });
  }
}

// eslint-disable-next-line max-lines-per-function -- a benchmark script: setup, timed runs and the table, read top to bottom
async function main(): Promise<void> {
  if (argv[0] === '--child') return child(argv[1]!);
  const n = arg('--n', 100_000);
  const doKill = !argv.includes('--no-kill');
  // The kill-and-resume run has its own, smaller backlog so the whole bench stays a few minutes.
  const killN = arg('--kill-n', Math.min(n, 30_000));
  const lab = await startPgLab();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-sync-'));
  const stops: (() => Promise<void>)[] = [async () => rmSync(tmp, { recursive: true, force: true }), () => lab.stop()];
  try {
    const url = await lab.createDatabase('bench_sync');
    const profDir = argv.includes('--host-prof') ? path.resolve(argv[argv.indexOf('--host-prof') + 1]!) : null;
    const host = profDir === null ? await spawnHost({ DATABASE_URL: url }) : await spawnProfiledHost(url, profDir);
    stops.unshift(() => host.stop());
    const hostDb = openPostgres({ connectionString: url });
    stops.unshift(() => hostDb.close());

    const station = async (name: string, n: number): Promise<{ home: string; db: Database; stationId: string }> => {
      const home = path.join(tmp, name);
      const config = initStationHome({ home, training: true });
      const { secret } = await registerStation(hostDb, { stationId: config.stationId });
      saveUpstreamSettings(home, { url: host.url, stationId: config.stationId, secret });
      const db = await openStationDb(databaseFile(home, config));
      const t = Date.now();
      await fillBacklog(db, config.stationId, n);
      process.stdout.write(`${name}: ${n} entries written to the station's ledger (pending upload) in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
      return { home, db, stationId: config.stationId };
    };

    // 1. The figure: the whole backlog, one relay, from a cold start.
    const s1 = await station('station-1', n);
    const realClient = clientFor(loadUpstreamSettings(s1.home)!, 30_000);
    let uploadMs = 0;
    let gaps = 0;
    const timed = Object.assign(Object.create(realClient) as typeof realClient, {
      uploadEntries: async (e: readonly WireEntry[]) => {
        const t = performance.now();
        try {
          const r = await realClient.uploadEntries(e);
          if (r.answer.refused?.code === 'CHAIN_GAP') gaps++;
          return r;
        } finally {
          uploadMs += performance.now() - t;
        }
      },
    });
    const relay = new SyncRelay({ client: timed, store: new SqliteSyncStore(s1.db, s1.stationId, systemClock), inflight: arg('--inflight', 1) });
    const hostPid = 'pid' in host ? host.pid : host.child.pid!;
    const cpu0 = { station: selfCpuMs(), host: procCpuMs(hostPid), pg: pgCpuMs(lab.pid()!) };
    const t1 = performance.now();
    const pushed = await relay.push();
    const relaySecs = (performance.now() - t1) / 1000;
    const st = await relay.status();
    if (st.backlog !== 0 || st.ackSeq !== n || pushed.uploaded !== n) throw new Error(`relay left backlog ${st.backlog} (ack ${st.ackSeq}, uploaded ${pushed.uploaded})`);
    const relayRate = n / relaySecs;
    const relayCpu = { station: selfCpuMs() - cpu0.station, host: procCpuMs(hostPid) - cpu0.host, pg: pgCpuMs(lab.pid()!) - cpu0.pg };
    const relayCpuPerK = (relayCpu.station + relayCpu.host + relayCpu.pg) / (n / 1000);
    process.stdout.write(`relay: ${n} entries in ${relaySecs.toFixed(2)} s = ${Math.round(relayRate)} entries/s (batches of 1000, signed, hash-checked by the host; ${(uploadMs / 1000).toFixed(2)} s of upload calls, ${gaps} overtaken batch(es) resent)\n`);
    process.stdout.write(`relay CPU: ${relayCpuPerK.toFixed(1)} ms per 1000 entries (station ${(relayCpu.station / (n / 1000)).toFixed(1)}, host ${(relayCpu.host / (n / 1000)).toFixed(1)}, PostgreSQL ${(relayCpu.pg / (n / 1000)).toFixed(1)})\n`);

    // 2. The baseline: the same rows, raw batched INSERTs into a copy of the host's table.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('CREATE TABLE raw_entries (LIKE entries INCLUDING ALL)');
    await c.query('ALTER TABLE raw_entries DROP CONSTRAINT IF EXISTS raw_entries_station_id_fkey');
    const rows: WireEntry[] = [];
    for (let from = 0; from < n; from += 5000) rows.push(...(await new SqliteSyncStore(s1.db, s1.stationId, systemClock).entriesAfter(from, 5000)));
    // Two ways of inserting 1000 rows per statement; the faster one is the baseline.
    const rawUnnest = async (b: WireEntry[]): Promise<void> => {
      const col = <T>(f: (e: WireEntry) => T): T[] => b.map(f);
      await c.query(
        `INSERT INTO raw_entries (station_id, seq, entry_id, kind, at, operator_id, shift_id, card_ref, amount_fen, payload, postings, prev_hash, hash, status)
         SELECT $1, u.seq, u.entry_id, u.kind, u.at, u.operator_id, u.shift_id, u.card_ref, u.amount_fen, u.payload, u.postings::jsonb, u.prev_hash, u.hash, 'accepted'
         FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[])
           AS u(seq, entry_id, kind, at, operator_id, shift_id, card_ref, amount_fen, payload, postings, prev_hash, hash)`,
        [s1.stationId, col((e) => e.seq), col((e) => e.entryId), col((e) => e.kind), col((e) => e.at), col((e) => e.operatorId), col((e) => e.shiftId), col((e) => e.cardRef),
          col((e) => e.amountFen), col((e) => canonicalJson(e.payload)), col((e) => JSON.stringify(e.postings)), col((e) => e.prevHash), col((e) => e.hash)]);
    };
    // The host's own statement (upstream/store/entries.ts), without its checks.
    const rawJson = async (b: WireEntry[]): Promise<void> => {
      await c.query(INSERT_ENTRIES_SQL.replace('INSERT INTO entries', 'INSERT INTO raw_entries'),
        [s1.stationId, JSON.stringify(b.map((e) => entryRowJson(e, canonicalJson(e.payload), 'accepted', null, null)))]);
    };
    const rawRun = async (insert: (b: WireEntry[]) => Promise<void>): Promise<{ rate: number; cpuPerK: number }> => {
      await c.query('TRUNCATE raw_entries');
      const c0 = selfCpuMs() + pgCpuMs(lab.pid()!);
      const t = performance.now();
      for (let i = 0; i < rows.length; i += 1000) await insert(rows.slice(i, i + 1000));
      const secs = (performance.now() - t) / 1000;
      return { rate: rows.length / secs, cpuPerK: (selfCpuMs() + pgCpuMs(lab.pid()!) - c0) / (rows.length / 1000) };
    };
    const unnest = await rawRun(rawUnnest);
    const json = await rawRun(rawJson);
    const unnestRate = unnest.rate;
    const jsonRate = json.rate;
    const rawRate = Math.max(unnestRate, jsonRate);
    const rawCpuPerK = Math.min(unnest.cpuPerK, json.cpuPerK);
    await c.end();
    process.stdout.write(`raw batched insert: ${rows.length} rows, ${Math.round(unnestRate)} rows/s through unnest arrays, ${Math.round(jsonRate)} rows/s through json_to_recordset (the host's statement); baseline ${Math.round(rawRate)} rows/s; CPU ${unnest.cpuPerK.toFixed(1)} and ${json.cpuPerK.toFixed(1)} ms per 1000 rows (client + PostgreSQL)\n`);
    await s1.db.close();

    // 3. Resumable after a kill: a child relay SIGKILLed mid-way, a new one finishes.
    if (doKill) {
      const kn = killN;
      const s2 = await station('station-2', kn);
      await s2.db.close();
      const killAt = Math.floor(kn * 0.4);
      const runChild = (): Promise<{ killedAt: number | null }> => new Promise((resolve, reject) => {
        const ch = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', s2.home], { stdio: ['ignore', 'pipe', 'inherit'] });
        let killedAt: number | null = null;
        ch.stdout.on('data', (d: Buffer) => {
          const m = /acked (\d+)\n$/.exec(d.toString());
          if (m && killedAt === null && Number(m[1]) >= killAt && ch.pid !== undefined && runs === 0) {
            killedAt = Number(m[1]);
            process.kill(ch.pid, 'SIGKILL');
          }
        });
        ch.once('error', reject);
        ch.once('exit', () => resolve({ killedAt }));
      });
      let runs = 0;
      const first = await runChild();
      runs++;
      const head1 = await hostDb.query<{ head_seq: string }>('SELECT head_seq FROM stations WHERE station_id = $1', [s2.stationId]);
      const dbAfterKill = await openStationDb(databaseFile(s2.home, loadConfig(s2.home)));
      const cursorAfterKill = (await new SqliteSyncStore(dbAfterKill, s2.stationId, systemClock).cursor()).ackSeq;
      await dbAfterKill.close();
      process.stdout.write(`kill: child relay SIGKILLed after the host acknowledged seq ${first.killedAt}; host head ${head1.rows[0]!.head_seq}, station cursor ${cursorAfterKill}\n`);
      await runChild();
      const db2 = await openStationDb(databaseFile(s2.home, loadConfig(s2.home)));
      const store2 = new SqliteSyncStore(db2, s2.stationId, systemClock);
      const cur = await store2.cursor();
      const counts = await store2.counts();
      const held = await hostDb.query<{ n: string; d: string; last: string }>('SELECT COUNT(*) AS n, COUNT(DISTINCT entry_id) AS d, MAX(seq) AS last FROM entries WHERE station_id = $1', [s2.stationId]);
      const h = held.rows[0]!;
      // Hash for hash: the host's chain head is the station's.
      const stationHead = (await db2.get<{ hash: string }>('SELECT hash FROM ledger_entries WHERE seq = ?', [kn]))!.hash;
      const hostHead = (await hostDb.query<{ head_hash: string }>('SELECT head_hash FROM stations WHERE station_id = $1', [s2.stationId])).rows[0]!.head_hash;
      await db2.close();
      const ok = Number(h.n) === kn && Number(h.d) === kn && Number(h.last) === kn && cur.ackSeq === kn && counts.pending === 0 && stationHead === hostHead;
      process.stdout.write(`resume: a new relay continued from seq ${cursorAfterKill + 1}; host holds ${h.n} entries (${h.d} distinct, last seq ${h.last}), station cursor ${cur.ackSeq}, pending ${counts.pending}, heads ${stationHead === hostHead ? 'equal' : 'DIFFER'} → ${ok ? 'OK' : 'FAILED'}\n`);
      if (!ok) throw new Error('resume after kill failed');
    }

    printFigure({
      name: `sync: ${n}-entry backlog uploaded to the host (loopback, PostgreSQL)`, value: Math.round(relayRate), unit: 'entries/s',
      baselineName: 'raw batched insert of the same rows into the same PostgreSQL', baseline: Math.round(rawRate), baselineUnit: 'rows/s',
      ratio: relayRate / rawRate, ratioMeaning: `relay ÷ raw insert (higher is better); CPU per entry ${(relayCpuPerK / rawCpuPerK).toFixed(1)}× the raw insert's`,
      target: '≥ 5000 entries/s', met: relayRate >= 5000,
    });
    process.stdout.write(`sync: ${Math.round(relayRate)} entries/s vs raw batched insert ${Math.round(rawRate)} rows/s, ratio ${(relayRate / rawRate).toFixed(2)}; CPU per entry ${(relayCpuPerK / rawCpuPerK).toFixed(1)}× the raw insert's; load ${os.loadavg()[0]!.toFixed(1)} (target ≥ 5000 entries/s: ${relayRate >= 5000 ? 'met' : 'NOT met'})\n`);
  } finally {
    for (const s of stops) await s().catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/sync: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
