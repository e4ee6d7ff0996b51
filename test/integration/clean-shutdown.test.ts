// docs/RELIABILITY.md "Clean shutdown" (issue 14): SIGTERM/SIGINT stop `station serve` and the
// CLI within 2 s whatever the PC/SC service is doing — its status wait blocked in pcscd, a card
// being read, a command waiting for a card swap — and the port is free afterwards; `station
// readers` never hangs at exit (it did 1 run in 3: a cancel that reached the status wait before
// the wait reached pcscd was lost). Real pcscd lab (vpcd + emulated cards), real processes.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { runStation, runStationOk, spawnStation } from '../harness/cli.ts';
import { startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { onLines } from '../harness/child-lines.ts';
import { testCardJSON } from '../harness/test-card.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB);

/** The budget the issue sets for any command to be gone after SIGTERM/SIGINT. */
const EXIT_BUDGET_MS = 2000;
const STARTS = Number(process.env.SHUTDOWN_STARTS ?? 50);

let lab: PcscLab;
let home: string;
const env = () => ({ ...process.env, ...lab.env, STATION_HOME: home, STATION_PIN: '2468', STATION_KEYS: '' });

before(async () => {
  lab = await startPcscLab({ slots: 1 });
  home = mkdtempSync(path.join(os.tmpdir(), 'clean-shutdown-'));
  await runStationOk(['init', '--training', '--admin-pin', '2468'], env());
  await runStationOk(['shift', 'open', '--operator', 'admin', '--float', '10000'], env());
});
after(async () => {
  await lab?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** A free TCP port on 127.0.0.1 (bound, then released). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve, reject) => { s.once('error', reject); s.listen(0, '127.0.0.1', resolve); });
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Binds `port` on 127.0.0.1 and lets go: throws EADDRINUSE when something still holds it. */
async function bindOnce(port: number): Promise<void> {
  const s = net.createServer();
  await new Promise<void>((resolve, reject) => { s.once('error', reject); s.listen(port, '127.0.0.1', resolve); });
  await new Promise((r) => s.close(r));
}

/** Sends `sig` and resolves with how long the child took to exit, and how it exited. */
async function stopAndTime(child: ChildProcess, sig: NodeJS.Signals): Promise<{ ms: number; code: number | null; signal: string | null }> {
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const t0 = performance.now();
  child.kill(sig);
  // A hang must fail the test, not hold it: far past the budget the child is killed for good.
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const r = await exited;
  clearTimeout(guard);
  return { ms: performance.now() - t0, ...r };
}

/** Starts a `station` child and resolves once a line of its stdout or stderr matches. */
function startUntil(args: string[], ready: (line: string) => boolean): Promise<{ child: ChildProcess; output: () => string }> {
  return untilLine(spawnStation(args, { env: env(), stdio: ['ignore', 'pipe', 'pipe'] }), args[0]!, ready);
}

function untilLine(child: ChildProcess, name: string, ready: (line: string) => boolean): Promise<{ child: ChildProcess; output: () => string }> {
  let out = '';
  return new Promise((resolve, reject) => {
    const onLine = (line: string) => {
      out += `${line}\n`;
      if (ready(line)) resolve({ child, output: () => out });
    };
    onLines(child.stdout!, onLine);
    onLines(child.stderr!, onLine);
    child.once('exit', (code) => reject(new Error(`${name} exited ${code} before it was ready:\n${out}`)));
  });
}

test('station readers exits by itself every time (the 1-in-3 exit hang is gone)', async () => {
  await lab.insert(0, makeLabCard({ kind: 'cpu', balanceFen: 5000 }).toJSON());
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    const r = await runStation(['readers', '--json'], env(), { timeoutMs: 20_000 });
    assert.equal(r.code, 0, `run ${i + 1}: ${r.stderr}`);
    const listed = (JSON.parse(r.stdout) as { readers: Array<{ name: string; cardPresent: boolean }> }).readers;
    assert.ok(listed.some((x) => x.name === lab.readerNames[0] && x.cardPresent), `run ${i + 1}: ${r.stdout}`);
    assert.ok(performance.now() - t0 < 20_000, `run ${i + 1} hung at exit`);
  }
});

test(`station serve: ${STARTS} starts and stops (SIGTERM, SIGINT), each gone within 2 s with the port free again`, async () => {
  const port = await freePort();
  const times: number[] = [];
  let deadlineStops = 0;
  for (let i = 0; i < STARTS; i++) {
    // What the PC/SC service is doing when the signal comes: its status wait blocked in pcscd
    // (empty reader), or the panel reading a card that was just placed.
    if (i % 2 === 1) await lab.insert(0, makeLabCard({ kind: 'cpu', balanceFen: 1000 + i }).toJSON());
    else await lab.remove(0);
    const { child, output } = await startUntil(['serve', '--json', '--port', String(port)], (l) => l.includes('"ready"'));
    const sig = i % 3 === 2 ? 'SIGINT' : 'SIGTERM';
    const r = await stopAndTime(child, sig);
    times.push(r.ms);
    assert.ok(r.ms <= EXIT_BUDGET_MS, `start ${i + 1}: ${sig} took ${Math.round(r.ms)} ms\n${output()}`);
    // A clean stop exits 0; one the deadline cut short (a loaded machine) ends by the signal.
    assert.ok(r.signal === null || (r.signal === sig && /stopping now/.test(output())), `start ${i + 1}: exited by itself or at the deadline, not killed: ${r.signal}`);
    if (r.signal !== null) deadlineStops += 1;
    await bindOnce(port); // EADDRINUSE would throw here
  }
  times.sort((a, b) => a - b);
  process.stdout.write(`# serve stop times over ${STARTS} runs: median ${Math.round(times[times.length >> 1]!)} ms, max ${Math.round(times[times.length - 1]!)} ms; ${deadlineStops} cut short at the deadline\n`);
});

test('Ctrl-C under `npm start` (SIGINT to the group, then the forwarded SIGTERM at once) is one clean stop of serve', async () => {
  const { child, output } = await startUntil(['serve', '--json', '--port', '0'], (l) => l.includes('"ready"'));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.kill('SIGINT');
  child.kill('SIGTERM');
  const r = await exited;
  // Clean (exit 0), or on a loaded machine cut short by the deadline (which says so) — never
  // at once by the second signal, which skipped the clean stop before.
  assert.ok(r.code === 0 || (r.signal !== null && /stopping now/.test(output())), `the second signal did not cut the clean stop short: ${JSON.stringify(r)}\n${output()}`);
});

test('a command waiting for a card (one-reader upgrade, the card panel) stops within 2 s on SIGTERM', async () => {
  const reader = lab.readerNames[0]!;
  await lab.insert(0, makeLabCard({ kind: 'm1', id: '0E0F1011', balanceFen: 700 }).toJSON());
  const migrate = await startUntil(['migrate', '--old-reader', reader, '--new-reader', reader, '--operator', 'admin', '--json', '--swap-timeout', '120'],
    (l) => /place the new CPU card/.test(l));
  const m = await stopAndTime(migrate.child, 'SIGTERM');
  assert.ok(m.ms <= EXIT_BUDGET_MS, `migrate waiting for the swap: SIGTERM took ${Math.round(m.ms)} ms\n${migrate.output()}`);
  assert.ok(m.signal === null || m.signal === 'SIGTERM', `not killed: ${m.signal}`);
  assert.notEqual(m.code, 0, 'an interrupted upgrade is not a success');
  assert.match(migrate.output(), /Interrupted while waiting for the new card/, 'it says so, with the next step');

  await lab.remove(0);
  const watch = await startUntil(['watch', '--json'], (l) => l.includes('"ready"'));
  const w = await stopAndTime(watch.child, 'SIGINT');
  assert.ok(w.ms <= EXIT_BUDGET_MS, `watch on an empty reader: SIGINT took ${Math.round(w.ms)} ms\n${watch.output()}`);
  assert.ok(w.code === 0 || w.signal === 'SIGINT', `watch stopped cleanly or at the deadline: ${w.code} ${w.signal}`);
});

/** test/harness/shutdown-child.ts in `mode`, once it printed `ready`. */
function shutdownChild(mode: 'transmit' | 'crash', ready: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '../harness/shutdown-child.ts')],
    { env: { ...env(), STOP_GRACE_MS: '300', SHUTDOWN_CHILD: mode }, stdio: ['ignore', 'pipe', 'pipe'] });
  return untilLine(child, `shutdown-child (${mode})`, (l) => l === ready);
}

test('an uncaught error while the status wait is blocked in pcscd ends the process in time (it hung in exit for good)', async () => {
  await lab.remove(0);
  const exited = (c: ChildProcess) => new Promise<{ code: number | null; signal: string | null }>((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));
  const { child, output } = await shutdownChild('crash', 'watching');
  const t0 = performance.now();
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const r = await exited(child);
  clearTimeout(guard);
  const ms = performance.now() - t0;
  assert.ok(ms <= EXIT_BUDGET_MS, `exit after the fault took ${Math.round(ms)} ms (the fault is thrown 100 ms in)\n${output()}`);
  assert.deepEqual(r, { code: 1, signal: null }, `the fault's own exit, not the test's SIGKILL:\n${output()}`);
  assert.match(output(), /an unexpected fault \(test\)/);
  process.stdout.write(`# exit after an uncaught fault with the status wait blocked: ${Math.round(ms)} ms\n`);
});

test('a process blocked in SCardTransmit (a card that does not answer) is gone at the deadline, before the card answers', async () => {
  // process.exit would wait for the blocked libuv thread (measured 2.3 s here, unbounded for a
  // mute card): the deadline ends the process by the signal instead (cli/shutdown.ts).
  await lab.insert(0, testCardJSON({}));
  const { child, output } = await shutdownChild('transmit', 'transmitting');
  await new Promise((r) => setTimeout(r, 200)); // the SLOW APDU is at the card now
  const r = await stopAndTime(child, 'SIGTERM');
  assert.ok(r.ms <= EXIT_BUDGET_MS, `SIGTERM mid-APDU took ${Math.round(r.ms)} ms\n${output()}`);
  assert.doesNotMatch(output(), /answered/, `the process ended before the card answered:\n${output()}`);
  assert.match(output(), /still running 300 ms after SIGTERM; stopping now/);
  assert.equal(r.signal, 'SIGTERM', `ended by the signal (status 143 to a shell), code ${r.code}`);
  process.stdout.write(`# stop mid-APDU (card thinking 2.55 s, deadline 300 ms): ${Math.round(r.ms)} ms\n`);
});
