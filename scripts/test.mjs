#!/usr/bin/env node
// `npm test`: type check, lint (including the layer rules and fences), then every *.test.ts file
// under node's test runner, in two tiers:
//   unit         test/unit/: in-process, no system parts; files run 2 at a time
//   integration  everything else (test/integration/, test/sim/): labs (pcscd, PostgreSQL, CUPS),
//                Chromium, child stations; files run 2 at a time, except SERIAL below, run alone
// `npm run test:fast` (`--fast`) is the unit tier alone, without the static checks and without
// the few slow files of NOT_FAST below: the inner loop (figures in docs/PERFORMANCE.md).
// Node 20's runner takes neither globs nor .ts discovery (TOOLCHAIN.md §1: `--test test/` finds
// 0 tests and exits 0), so the files are listed here explicitly, and a run that finds no test
// file fails instead of passing empty.
//
// Options: --no-static (skip tsc and eslint), --fast (unit tier, no static), --unit,
// --integration (one tier), --jobs N (files at a time; STATION_TEST_JOBS; 1 = the old serial
// run), and any other argument is a substring filter on paths.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const jobsArg = args.indexOf('--jobs');
const jobs = Math.max(1, Number(jobsArg >= 0 ? args[jobsArg + 1] : process.env.STATION_TEST_JOBS ?? 2) || 2);
const only = args.filter((a, i) => !a.startsWith('--') && !(jobsArg >= 0 && i === jobsArg + 1));
const fast = flag('--fast');
const skipStatic = fast || flag('--no-static');
const tiers = fast || flag('--unit') ? ['unit'] : flag('--integration') ? ['integration'] : ['unit', 'integration'];

/**
 * Integration files that run alone, after the parallel ones, and why. Every other integration
 * file keeps to its own resources, so two run side by side: a temp STATION_HOME, a pcscd lab in
 * its own mount and network namespaces (its /run/pcscd is the lab's, its card-server ports are
 * the namespace's own), PostgreSQL, cupsd and the station on ports the kernel picks (port 0 or a
 * probed free one), screenshots under distinct names. renderer/dist, the one shared output, is
 * built once before the tier starts (ensureRendererBuilt also locks, for runs without this script).
 */
const SERIAL = {
  'test/integration/clean-shutdown.test.ts': 'asserts each stop within 2 s (EXIT_BUDGET_MS): alone, so a neighbour file cannot make it miss',
  'test/integration/electron-builder.test.ts': 'electron-builder packs the whole tree: CPU- and disk-bound for minutes',
};

/**
 * Unit files `npm run test:fast` leaves to `npm test` (which runs them in the unit tier), and why:
 * each costs tens of seconds of child processes or system tools, more than the rest of a file.
 */
const NOT_FAST = {
  'test/unit/fares-cli.test.ts': '`station fare` as child processes (a tsx start each)',
  'test/unit/db-drivers.test.ts': 'runs the ledger, migration and idempotency files again, whole, on the WASM binding',
  'test/unit/receipts-day.test.ts': 'a seeded day of ≥ 1,000 workflows and a 20,000-entry export',
  'test/unit/receipts-wiring.test.ts': 'every workflow\'s receipt read back with poppler and zbarimg (system tools)',
  'test/unit/receipts-render.test.ts': 'receipts rendered and read back with poppler and zbarimg (system tools)',
};

/**
 * Unit files started first, longest first: the runner starts files in the order given, so a
 * long file started last would run alone at the end while the other slot idles. By their CPU
 * time alone (docs/PERFORMANCE.md "Unit files by CPU time"); the rest keep their path order.
 */
const UNIT_SLOW_FIRST = [
  'test/unit/workflow-migrate.test.ts',
  'test/unit/m1-operations.test.ts',
  'test/unit/atomic-checks.test.ts',
  'test/unit/m1-settle-on-placement.test.ts',
  'test/unit/layers.test.ts',
  'test/unit/upstream-secret-at-rest.test.ts',
  'test/unit/idempotency.test.ts',
];
const slowFirst = (a, b) => (UNIT_SLOW_FIRST.includes(a) ? UNIT_SLOW_FIRST.indexOf(a) : Infinity) - (UNIT_SLOW_FIRST.includes(b) ? UNIT_SLOW_FIRST.indexOf(b) : Infinity);

function run(cmd, cmdArgs, label) {
  process.stdout.write(`\n== ${label}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    process.stdout.write(`\n${label} failed (exit ${r.status ?? r.signal})\n0 passed, 1 failed\n`);
    process.exit(r.status || 1);
  }
}

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'fixtures') continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts')) out.push(path.relative(root, p).split(path.sep).join('/'));
  }
  return out;
}

/** One node --test run over `files`, `concurrency` files at a time; returns its exit status. */
function runTests(label, files, concurrency) {
  if (files.length === 0) return 0;
  process.stdout.write(`\n== ${label} (${files.length} files, ${concurrency} at a time)\n`);
  const started = Date.now();
  // Each file is one test of the runner and gets the timeout whole: clean-shutdown's 50 serve
  // starts take 2–3 min on an idle 2-core machine and twice that under load, so 10 min.
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=600000', `--test-concurrency=${concurrency}`, ...files], {
    cwd: root,
    stdio: 'inherit',
    env: process.env,
  });
  process.stdout.write(`\n== ${label}: ${((Date.now() - started) / 1000).toFixed(0)} s, exit ${r.status ?? r.signal}\n`);
  return r.status ?? 1;
}

if (!skipStatic) {
  run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.'], 'type check (tsc --noEmit)');
  run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'renderer'], 'type check of the renderer (DOM, JSX; tsc --noEmit -p renderer)');
  run(process.execPath, [path.join(root, 'node_modules/eslint/bin/eslint.js'), '.'], 'lint (eslint, layer rules, fences)');
}

let files = findTests(path.join(root, 'test')).sort();
if (only.length > 0) files = files.filter((f) => only.some((o) => f.includes(o)));
const isUnit = (f) => f.startsWith('test/unit/');
const unit = tiers.includes('unit') ? files.filter((f) => isUnit(f) && !(fast && f in NOT_FAST)).sort(slowFirst) : [];
const integration = tiers.includes('integration') ? files.filter((f) => !isUnit(f)) : [];
if (unit.length + integration.length === 0) {
  process.stdout.write('no test files found\n0 passed, 1 failed\n');
  process.exit(1);
}

let status = runTests('unit tests', unit, jobs);
if (integration.length > 0) {
  // Built once here, so parallel files neither build it side by side nor swap it under a server.
  run(process.execPath, ['--import', 'tsx', '--eval', "await (await import('./core/ui-build.ts')).ensureRendererBuilt((l) => console.log(l))"], 'counter UI build (renderer/dist, when stale)');
  const parallel = integration.filter((f) => !(f in SERIAL));
  const serial = integration.filter((f) => f in SERIAL);
  status = runTests('integration tests', parallel, jobs) || status;
  status = runTests('integration tests that run alone', serial, 1) || status;
}
process.exit(status);
