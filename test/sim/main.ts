/**
 * `npm run sim -- [--runs N] [--seed S] [--ui]`: seeded simulation runs (test/sim/run.ts); `--ui`
 * drives the workflows through `station serve`'s WebSocket API with the clerk's mistakes
 * (test/sim/ui-actions.ts) and also prints how often each clerk fault fired. Prints
 * runs, actions, faults injected per class (card faults by kind, process deaths, full disk,
 * host down), violations; exits 1 on any violation. The last line is the summary.
 */
import { parseArgs } from 'node:util';
import { emptyStats, runOnce, type Forced } from './run.ts';

// --forced JSON [--steps N]: replays one sweep case (the JSON a sweep violation prints), e.g.
//   SIM_TRACE=1 npm run sim -- --runs 1 --seed 20263 --steps 2 --forced '{"action":"migrate","newCardFault":{"kind":"remove","atApdu":4}}'
const { values } = parseArgs({ options: { runs: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' }, quiet: { type: 'boolean', default: false }, forced: { type: 'string' }, steps: { type: 'string' }, ui: { type: 'boolean', default: false }, concurrent: { type: 'boolean', default: false } } });
const forced = values.forced !== undefined ? JSON.parse(values.forced) as Forced : undefined;
const steps = values.steps !== undefined ? Number(values.steps) : undefined;
const runs = Number(values.runs);
const seed0 = Number(values.seed);
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed0)) {
  process.stderr.write('usage: npm run sim -- [--runs N] [--seed S]\n');
  process.exit(2);
}
const stats = emptyStats();
const t0 = performance.now();
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
const secs = (performance.now() - t0) / 1000;
process.stdout.write(`actions by workflow: ${Object.entries(stats.byAction).map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
process.stdout.write(`card changes seen by the auditor: ${Object.entries(stats.byMovement).map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
process.stdout.write(`cards never returned: ${stats.cardsNeverReturned}; process deaths: ${stats.crashesFired} (armed ${stats.crashesArmed}); disk-full armed ${stats.diskFullArmed}\n`);
process.stdout.write(`faults by class: ${Object.entries(stats.byFault).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
if (values.ui || values.concurrent) process.stdout.write(`clerk faults and concurrency patterns fired: ${Object.entries(stats.byClerk).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
process.stdout.write(`runs ${stats.runs}, seeds ${seed0}..${seed0 + runs - 1}, actions ${stats.actions}, faults injected ${Object.values(stats.byFault).reduce((a, b) => a + b, 0)} (card faults ${stats.faultsFired} of ${stats.faultsArmed} armed, process deaths ${stats.crashesFired}, disk full ${stats.byFault['disk-full'] ?? 0}, host down ${stats.byFault['upstream-down'] ?? 0}), violations ${stats.violations.length}, ${secs.toFixed(1)} s\n`);
process.exit(stats.violations.length > 0 ? 1 : 0);
