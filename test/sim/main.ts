/**
 * `npm run sim -- [--runs N] [--seed S] [--ui] [--concurrent] [--jobs J]`: seeded simulation runs
 * (test/sim/run.ts); `--ui` drives the workflows through `station serve`'s WebSocket API with the
 * clerk's mistakes (test/sim/ui-actions.ts) and also prints how often each clerk fault fired.
 * Prints runs, actions, faults injected per class (card faults by kind, process deaths, full
 * disk, host down), violations; exits 1 on any violation. The last line is the summary.
 *
 * `--jobs J` splits the seeds into J consecutive ranges, each run by its own process, and adds
 * their figures up: a UI run spends most of its time waiting (swaps, reconnects, restarts), so
 * a 2-core machine runs several at once. The seeds and what each does are the same as with one job.
 */
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { emptyStats, runOnce, type Forced, type RunStats } from './run.ts';

// --forced JSON [--steps N]: replays one sweep case (the JSON a sweep violation prints), e.g.
//   SIM_TRACE=1 npm run sim -- --runs 1 --seed 20263 --steps 2 --forced '{"action":"migrate","newCardFault":{"kind":"remove","atApdu":4}}'
const USAGE = 'usage: npm run sim -- [--runs N] [--seed S] [--ui] [--concurrent] [--jobs 1..32] [--quiet] [--forced JSON --steps N]\n';

/** Bad arguments get the usage line and exit 2, never a stack trace. */
function usageExit(why: string): never {
  process.stderr.write(`${why}\n${USAGE}`);
  process.exit(2);
}

function readArgs() {
  try {
    return parseArgs({
      options: {
        runs: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' }, quiet: { type: 'boolean', default: false },
        forced: { type: 'string' }, steps: { type: 'string' }, ui: { type: 'boolean', default: false }, concurrent: { type: 'boolean', default: false },
        jobs: { type: 'string', default: '1' }, 'stats-line': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    return usageExit((err as Error).message);
  }
}
const { values } = readArgs();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
function readForced(json: string): Forced {
  try {
    return JSON.parse(json) as Forced;
  } catch {
    return usageExit('--forced takes the JSON a sweep violation prints');
  }
}
const forced = values.forced !== undefined ? readForced(values.forced) : undefined;
const steps = values.steps !== undefined ? Number(values.steps) : undefined;
const runs = Number(values.runs);
const seed0 = Number(values.seed);
const jobs = Number(values.jobs);
const MAX_JOBS = 32;
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed0) || !Number.isSafeInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) {
  usageExit(`--runs and --seed take whole numbers, --jobs 1..${MAX_JOBS}`);
}
/** The line a child (--stats-line) ends with: its figures as JSON, for the parent to add up. */
const STATS_PREFIX = 'SIM-STATS ';

function addStats(into: RunStats, from: RunStats): void {
  for (const k of ['runs', 'actions', 'faultsArmed', 'faultsFired', 'crashesArmed', 'crashesFired', 'cardsNeverReturned', 'diskFullArmed'] as const) into[k] += from[k];
  into.violations.push(...from.violations);
  for (const k of ['byAction', 'byMovement', 'byFault', 'byClerk'] as const) {
    for (const [key, n] of Object.entries(from[k])) into[k][key] = (into[k][key] ?? 0) + n;
  }
}

/** Runs seeds [seed, seed + count) in a child process; forwards its violations, returns its figures. */
function runChild(seed: number, count: number): Promise<RunStats> {
  const args = ['--import', 'tsx', import.meta.filename, '--runs', String(count), '--seed', String(seed), '--quiet', '--stats-line'];
  if (values.ui) args.push('--ui');
  if (values.concurrent) args.push('--concurrent');
  if (values.forced !== undefined) args.push('--forced', values.forced);
  if (values.steps !== undefined) args.push('--steps', values.steps);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stats: RunStats | null = null;
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith(STATS_PREFIX)) stats = JSON.parse(line.slice(STATS_PREFIX.length)) as RunStats;
    else if (line.startsWith('VIOLATION ')) process.stdout.write(`${line}\n`);
  });
  // A job that dies (an unhandled error in the station code under test) is a violation of its
  // own; the other jobs run on.
  const died = (why: string): RunStats => ({ ...emptyStats(), violations: [`sim job for seeds ${seed}..${seed + count - 1} ${why} without its figures`] });
  return new Promise((resolve) => {
    child.on('error', (err) => resolve(died(`could not start (${err.message})`)));
    child.on('close', (code, signal) => resolve(stats ?? died(`ended (${signal ?? `exit ${code}`})`)));
  });
}

const stats = emptyStats();
const t0 = performance.now();
if (jobs > 1) {
  const per = Math.ceil(runs / jobs);
  const parts: Promise<RunStats>[] = [];
  for (let start = 0; start < runs; start += per) parts.push(runChild(seed0 + start, Math.min(per, runs - start)));
  for (const part of await Promise.all(parts)) {
    addStats(stats, part);
    for (const v of part.violations.filter((x) => x.startsWith('sim job for seeds'))) process.stdout.write(`VIOLATION ${v}\n`);
  }
} else {
  let lastReport = t0;
  for (let i = 0; i < runs; i++) {
    const v = await runOnce({ seed: seed0 + i, ui: values.ui, concurrent: values.concurrent, ...(forced ? { forced } : {}), ...(steps !== undefined ? { steps } : {}) }, stats);
    for (const line of v) process.stdout.write(`VIOLATION ${line}\n`);
    const now = performance.now();
    if (!values.quiet && now - lastReport > 10_000) {
      lastReport = now;
      process.stderr.write(`… ${i + 1}/${runs} runs, ${stats.violations.length} violations, ${((now - t0) / 1000).toFixed(0)} s\n`);
    }
  }
}
if (values['stats-line']) {
  process.stdout.write(`${STATS_PREFIX}${JSON.stringify(stats)}\n`);
  process.exit(0);
}
const secs = (performance.now() - t0) / 1000;
process.stdout.write(`actions by workflow: ${Object.entries(stats.byAction).map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
process.stdout.write(`card changes seen by the auditor: ${Object.entries(stats.byMovement).map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
process.stdout.write(`cards never returned: ${stats.cardsNeverReturned}; process deaths: ${stats.crashesFired} (armed ${stats.crashesArmed}); disk-full armed ${stats.diskFullArmed}\n`);
process.stdout.write(`faults by class: ${Object.entries(stats.byFault).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
if (values.ui || values.concurrent) process.stdout.write(`clerk faults and concurrency patterns fired: ${Object.entries(stats.byClerk).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
process.stdout.write(`runs ${stats.runs}, seeds ${seed0}..${seed0 + runs - 1}${jobs > 1 ? ` in ${jobs} jobs` : ''}, actions ${stats.actions}, faults injected ${Object.values(stats.byFault).reduce((a, b) => a + b, 0)} (card faults ${stats.faultsFired} of ${stats.faultsArmed} armed, process deaths ${stats.crashesFired}, disk full ${stats.byFault['disk-full'] ?? 0}, host down ${stats.byFault['upstream-down'] ?? 0}), violations ${stats.violations.length}, ${secs.toFixed(1)} s\n`);
process.exit(stats.violations.length > 0 ? 1 : 0);
