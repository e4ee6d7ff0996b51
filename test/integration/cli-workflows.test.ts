// The counter workflows from the `station` command as a person runs them, through the real
// stack: station CLI → smartcard → libpcsclite → private pcscd → vpcd → emulated cards.
// init (training) → staff add → shift open → issue (registered + first load) → card read →
// exchange (two readers) → lost → replace (waiting period, offline queue) → exchange of an
// unreadable card → refund (limit, supervisor) → ledger verify.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../core/config.ts';
import { openStationDb } from '../../core/station-db.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { runStation, spawnStation, type StationRun } from '../harness/cli.ts';
import { startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB);

const ID = '11010519491231002X';
let lab: PcscLab;
let home: string;
let R0: string;
let R1: string;

function station(args: string[], env: Record<string, string> = {}): Promise<StationRun> {
  return runStation(args, { ...process.env, ...lab.env, STATION_HOME: home, ...env }, { timeoutMs: 60_000 });
}
const op = (args: string[], env: Record<string, string> = {}) => station([...args, '--json', '--operator', 'op1'], { STATION_PIN: '1357', ...env });

before(async () => {
  lab = await startPcscLab({ slots: 2 });
  [R0, R1] = [lab.readerNames[0]!, lab.readerNames[1]!];
  home = mkdtempSync(path.join(os.tmpdir(), 'station-home-'));
  const init = await station(['init', '--training', '--admin-pin', '2468']);
  assert.equal(init.code, 0, init.stderr);
  for (const [id, name, role, pin] of [['op1', '张三', 'operator', '1357'], ['sup1', '李四', 'supervisor', '8642']]) {
    const add = await station(['staff', 'add', '--operator', 'admin', '--id', id!, '--name', name!, '--role', role!], { STATION_PIN: '2468', STATION_NEW_PIN: pin! });
    assert.equal(add.code, 0, add.stderr);
  }
  const shift = await op(['shift', 'open', '--float', '50000']);
  assert.equal(shift.code, 0, shift.stderr);
});
after(async () => {
  await lab?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('issue: a registered card with a first load, then read back', async () => {
  await lab.insert(0, makeLabCard({ kind: 'cpu', id: '3100000000000501', enabled: false }).toJSON());
  // The ID number comes from STATION_ID_NUMBER (off the command line), as for lost and replace.
  const r = await op(['issue', '--reader', R0, '--name', '张三丰', '--phone', '13812345678', '--load', '5000', '--tendered', '10000'], { STATION_ID_NUMBER: ID });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /warning/);
  assert.equal(r.json.asn, '3100000000000501');
  assert.equal(r.json.depositFen, 2000);
  assert.equal(r.json.changeFen, 3000);
  assert.equal(r.json.idNumberMasked, '110***********002X');
  assert.equal(r.json.firstLoad.balanceAfterFen, 5000);
  const read = await station(['card', 'read', '--json', '--reader', R0]);
  assert.equal(read.code, 0, read.stderr);
  assert.equal(read.json.status, 'enabled');
  assert.equal(read.json.balanceFen, 5000);
  assert.equal(read.json.depositFen, 2000);
  // Selling it again is refused clearly.
  const again = await op(['issue', '--reader', R0]);
  assert.equal(again.code, 1);
  assert.equal(again.json.error.code, 'POLICY');
  assert.match(again.stderr, /already activated/);
});

test('exchange of a readable damaged card across two readers', async () => {
  await lab.insert(1, makeLabCard({ kind: 'cpu', id: '3100000000000502', enabled: false }).toJSON());
  const noSecond = await op(['exchange', '--fault', 'quality', '--reader', R0]);
  assert.equal(noSecond.code, 1);
  assert.equal(noSecond.json.error.code, 'BAD_INPUT');
  assert.match(noSecond.stderr, /--new-reader/);
  const r = await op(['exchange', '--fault', 'quality', '--reader', R0, '--new-reader', R1]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.state, 'done');
  assert.equal(r.json.balanceFen, 5000);
  const oldRead = await station(['card', 'read', '--json', '--reader', R0]);
  assert.equal(oldRead.json.status, 'blocked');
  const newRead = await station(['card', 'read', '--json', '--reader', R1]);
  assert.equal(newRead.json.balanceFen, 5000);
  assert.equal(newRead.json.depositFen, 2000);
});

test('exchange on a one-reader counter: the command blocks the old card, asks for the swap, then serves the new card', async () => {
  await lab.insert(0, makeLabCard({ kind: 'cpu', id: '3100000000000505', balanceFen: 1234 }).toJSON());
  const child = spawnStation(['exchange', '--json', '--operator', 'op1', '--fault', 'quality', '--reader', R0, '--new-reader', R0, '--swap-timeout', '30'], {
    env: { ...process.env, ...lab.env, STATION_HOME: home, STATION_PIN: '1357' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  const asked = new Promise<void>((resolve) => {
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); if (/place the new card/.test(stderr)) resolve(); });
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  await Promise.race([asked, exited]);
  assert.match(stderr, /place the new card/, stderr);
  await lab.remove(0);
  await new Promise((r) => setTimeout(r, 500));
  await lab.insert(0, makeLabCard({ kind: 'cpu', id: '3100000000000506', enabled: false }).toJSON());
  const code = await exited;
  assert.equal(code, 0, stderr);
  const r = JSON.parse(stdout);
  assert.equal(r.state, 'done');
  assert.equal(r.asn, '3100000000000506');
  assert.equal(r.balanceFen, 1234);
  const read = await station(['card', 'read', '--json', '--reader', R0]);
  assert.equal(read.json.balanceFen, 1234);
  assert.equal(read.json.status, 'enabled');
});

test('lost report of the new card, replacement refused in the waiting period, then queued offline', async () => {
  const notRegistered = await op(['lost', '--id-number', '330203199003071232']);
  assert.equal(notRegistered.code, 1);
  assert.match(notRegistered.stderr, /no registered card/);
  assert.match(notRegistered.stderr, /warning: --id-number/, 'an ID number on argv warns (ps shows it)');
  // The private way: the ID number in the environment, not on the command line.
  const lost = await op(['lost'], { STATION_ID_NUMBER: ID });
  assert.equal(lost.code, 0, lost.stderr);
  assert.doesNotMatch(lost.stderr, /warning/);
  assert.equal(lost.json.asn, '3100000000000502');
  const read = await station(['card', 'read', '--json', '--reader', R1]);
  assert.ok(read.json.flags.includes('blacklisted') && read.json.flags.includes('lost'), read.stdout);
  await lab.insert(0, makeLabCard({ kind: 'cpu', id: '3100000000000503', enabled: false }).toJSON());
  const early = await op(['replace', '--id-number', ID, '--reader', R0]);
  assert.equal(early.code, 1);
  assert.match(early.stderr, /after 7 days/);
  // The city shortens the waiting period (a parameter set from the host).
  const db = await openStationDb(home, loadConfig(home));
  await db.run("INSERT INTO params (key, value, updated_at) VALUES ('policy', ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [JSON.stringify({ replacementWaitDays: 0 }), new Date().toISOString()]);
  await db.close();
  const queued = await op(['replace', '--reader', R0], { STATION_ID_NUMBER: ID });
  assert.equal(queued.code, 0, queued.stderr);
  assert.equal(queued.json.state, 'queued');
  assert.equal(queued.json.slip.cardNumber, '3100000000000502');
  const still = await op(['replace', '--request', queued.json.requestId, '--id-number', ID, '--reader', R0]);
  assert.equal(still.code, 1);
  assert.equal(still.json.error.code, 'UPSTREAM');
  assert.match(still.stderr, /stays queued/);
});

test('exchange of an unreadable card: pickup slip', async () => {
  const r = await op(['exchange', '--fault', 'customer', '--unreadable', '--card', '3100000000000599']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.state, 'queued');
  assert.match(r.json.slip.readyFrom, /^\d{4}-\d{2}-\d{2}$/);
  assert.match(r.stdout, /"requestId"/);
});

test('refund: the counter limit, a supervisor\'s approval, the card blocked', async () => {
  await lab.insert(0, makeLabCard({ kind: 'cpu', id: '3100000000000504', balanceFen: 12_000 }).toJSON());
  const refused = await op(['refund', '--reader', R0]);
  assert.equal(refused.code, 1);
  assert.equal(refused.json.error.code, 'POLICY');
  assert.match(refused.stderr, /main service center/);
  // A waiver needs its reason; a refused waiver books nothing.
  const noReason = await op(['refund', '--reader', R0, '--supervisor', 'sup1', '--waiver', 'sup1'], { STATION_SUPERVISOR_PIN: '8642' });
  assert.equal(noReason.code, 1);
  assert.equal(noReason.json.error.code, 'BAD_INPUT');
  assert.match(noReason.stderr, /--waive-reason/);
  const r = await op(['refund', '--reader', R0, '--supervisor', 'sup1', '--waiver', 'sup1', '--waive-reason', '老人卡误购退卡'], { STATION_SUPERVISOR_PIN: '8642' });
  assert.equal(r.code, 0, r.stderr);
  // ¥120.00 + ¥20.00 deposit; the ¥6.00 refund fee (5 %) waived by the supervisor with the reason.
  assert.equal(r.json.totalFen, 14_000);
  assert.equal(r.json.approvedBy, 'sup1');
  assert.deepEqual(r.json.fee, { kind: 'refund', scheduledFen: 600, chargedFen: 0, scheduleVersion: 'local-default-2026-12', waiver: { supervisorId: 'sup1', reason: '老人卡误购退卡' } });
  const read = await station(['card', 'read', '--json', '--reader', R0]);
  assert.equal(read.json.status, 'blocked');
  const again = await op(['refund', '--reader', R0]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /blocked/);
});

test('the ledger verifies after all of it', async () => {
  const r = await station(['ledger', 'verify', '--json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(r.json.ok, true);
});
