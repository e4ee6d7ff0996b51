// The kill -9 campaign (docs/RELIABILITY.md "Kill -9"): a child process appends ledger entries
// as fast as it can (test/harness/ledger-writer.ts, each seq printed only after its commit) and
// is killed with SIGKILL at a random moment, again and again on the same file. After each kill
// the file is reopened: integrity_check, the chain and the trial balance verify, every entry the
// child reported committed is there, nothing went backwards.
//
//   npm run campaign:kill9 -- --kills 200 [--seed N] [--workflow-kills N]
//
// CI runs the same code with a small count (test/integration/db-kill9.test.ts). With
// --workflow-kills N it also runs test/integration/workflow-kill9.test.ts with N kills (real
// top-ups on emulated cards, recovery settling each card).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { verifyLedger } from '../../db/ledger.ts';
import { openStationDb } from '../../db/station-db.ts';
import { onLines } from '../harness/child-lines.ts';
import { seededRandom } from '../harness/seeded-random.ts';

const root = path.resolve(import.meta.dirname, '../..');

export interface Kill9Result {
  kills: number;
  /** Entries in the ledger after the last kill. */
  entries: number;
  /** Entries the children reported committed, summed over the kills. */
  reported: number;
  /** Kills where the file held more entries than reported: a commit whose report the kill cut off. */
  unreportedCommits: number;
  /** Kills that landed before the child's first commit of that run (in its first transaction or before). */
  killsBeforeFirstCommit: number;
  ms: number;
}

/**
 * Starts the writer on `file`, waits until it is ready and has reported `afterCommits` commits,
 * kills it `delayMs` later (so most kills land in the middle of a stream of transactions, some
 * before the first one); returns the last seq it reported.
 */
async function runAndKill(file: string, afterCommits: number, delayMs: number): Promise<{ lastReported: number; reported: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/harness/ledger-writer.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let lastReported = 0;
  let reported = 0;
  let readyResolve: () => void = () => undefined;
  const ready = new Promise<void>((r) => { readyResolve = r; });
  onLines(child.stdout, (line) => {
    if (line === 'ready' && afterCommits === 0) readyResolve();
    else if (/^\d+$/.test(line)) {
      lastReported = Number(line);
      reported++;
      if (reported === afterCommits) readyResolve();
    }
  });
  let exitCode: number | null = null;
  const exited = new Promise<void>((r) => child.once('exit', (code) => { exitCode = code; r(); }));
  await Promise.race([ready, exited]);
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await exited;
  if (exitCode !== null) throw new Error(`the writer exited by itself (code ${exitCode}), not by the kill`);
  return { lastReported, reported };
}

/** Runs `kills` rounds; throws on the first violation, naming the round. */
export async function runLedgerKill9(opts: { kills: number; seed?: number; maxDelayMs?: number; maxCommitsBeforeKill?: number; onRound?: (round: number, entries: number) => void }): Promise<Kill9Result> {
  const started = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kill9-'));
  const file = path.join(dir, 'station.sqlite');
  const rand = seededRandom(opts.seed ?? 20261123);
  const result: Kill9Result = { kills: 0, entries: 0, reported: 0, unreportedCommits: 0, killsBeforeFirstCommit: 0, ms: 0 };
  try {
    for (let round = 0; round < opts.kills; round++) {
      const afterCommits = Math.floor(rand() * ((opts.maxCommitsBeforeKill ?? 8) + 1));
      const { lastReported, reported } = await runAndKill(file, afterCommits, Math.floor(rand() * (opts.maxDelayMs ?? 30)));
      const db = await openStationDb(file); // integrity_check inside: throws if the file is damaged
      let v;
      try {
        v = await verifyLedger(db);
      } finally {
        await db.close();
      }
      if (!v.ok) throw new Error(`kill ${round}: the ledger does not verify: ${JSON.stringify(v.firstBreak)}`);
      if (v.entries < lastReported) throw new Error(`kill ${round}: the child reported seq ${lastReported} committed, the file has ${v.entries} entries`);
      if (v.entries < result.entries) throw new Error(`kill ${round}: entries went backwards (${result.entries} → ${v.entries})`);
      if (reported === 0) result.killsBeforeFirstCommit++;
      if (v.entries > Math.max(lastReported, result.entries)) result.unreportedCommits++;
      result.kills++;
      result.reported += reported;
      result.entries = v.entries;
      opts.onRound?.(round, v.entries);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  result.ms = Date.now() - started;
  return result;
}

const isEntry = process.argv[1] !== undefined && import.meta.filename === process.argv[1];
if (isEntry) {
  const { values } = parseArgs({ options: { kills: { type: 'string', default: '200' }, seed: { type: 'string', default: '20261123' }, 'workflow-kills': { type: 'string', default: '0' } } });
  const kills = Number(values.kills);
  const workflowKills = Number(values['workflow-kills']);
  if (!Number.isInteger(kills) || kills < 1 || !Number.isInteger(workflowKills) || workflowKills < 0) throw new Error('--kills N (≥ 1) and --workflow-kills N (≥ 0)');
  const r = await runLedgerKill9({
    kills, seed: Number(values.seed),
    onRound: (round, entries) => { if ((round + 1) % 25 === 0) process.stdout.write(`  ${round + 1} kills, ${entries} entries\n`); },
  });
  process.stdout.write(`ledger kill -9: ${r.kills} kills, 0 violations; ${r.entries} entries, ${r.reported} reported committed, `
    + `${r.unreportedCommits} kills fell between a commit and its report, ${r.killsBeforeFirstCommit} before the first commit; ${(r.ms / 1000).toFixed(0)} s\n`);
  if (workflowKills > 0) {
    const w = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=0', path.join(root, 'test/integration/workflow-kill9.test.ts')], {
      cwd: root, stdio: 'inherit', env: { ...process.env, KILL9_WORKFLOW_ROUNDS: String(workflowKills) },
    });
    if (w.status !== 0) process.exit(w.status ?? 1);
  }
}
