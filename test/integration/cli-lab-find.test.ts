// A second terminal finds the training lab by itself (issue 16 item 9): `station sim --lab` of a
// training station registers in STATION_HOME/lab.json (0600), and `doctor`, `card read`,
// `readers` and `topup` run without PCSCLITE_CSOCK_NAME; with cards on both readers a command
// that names none is refused with both readers named; the registration goes when the lab stops;
// a live station's commands ignore a lab file in its home.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labRequest } from '../../core/lab/lab-control.ts';
import { pcscSocketFor } from '../../core/lab/lab-registry.ts';
import { runStation, runStationOk, type StationRun } from '../harness/cli.ts';
import { startTrainingLab } from '../harness/training-lab.ts';
import { PCSC_LAB, testsNeeding } from '../harness/system-needs.ts';

// The training lab here is the PC/SC lab: without it the test skips, saying why (under CI it runs).
const test = testsNeeding(PCSC_LAB);

/** pcscd learns of a card at its next poll of vpcd: a read waits (bounded) on NO_CARD only. */
async function untilCard(run: () => Promise<StationRun>): Promise<StationRun> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await run();
    if (r.code !== 0 && r.json?.error?.code === 'NO_CARD' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 200));
      continue;
    }
    return r;
  }
}

test('station commands in a second process find the running training lab without PCSCLITE_CSOCK_NAME', async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lab-find-'));
  const env: NodeJS.ProcessEnv = { ...process.env, STATION_HOME: home };
  delete env.PCSCLITE_CSOCK_NAME;
  await runStationOk(['init', '--training', '--admin-pin', '2468'], env);
  const lab = await startTrainingLab(env, ['0 cpu balance=4321 id=3100000000004321']);
  try {
    const file = path.join(home, 'lab.json');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'lab.json is private to the station user');
    const rec = JSON.parse(readFileSync(file, 'utf8')) as { socket: string; control: string; readers: string[] };
    assert.equal(rec.socket, lab.socket);
    assert.deepEqual(rec.readers, lab.readers);

    const doctor = await runStation(['doctor', '--json'], env);
    const pcsc = (doctor.json.checks as Array<{ name: string; status: string; detail: string }>).find((c) => c.name === 'readers');
    assert.equal(pcsc?.status, 'ok', doctor.stdout);
    assert.match(pcsc!.detail, new RegExp(lab.readers[0]!.replace(/[()]/g, '.')));

    const read = await untilCard(() => runStation(['card', 'read', '--json'], env));
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.json.balanceFen, 4321);
    assert.equal(read.json.asn, '3100000000004321');

    // The lab panel's way in: a stock card on reader 2 through the control socket.
    const slots = await labRequest(rec.control, { op: 'place', slot: 1, preset: 'stock' });
    assert.equal(slots[1]!.preset, 'stock');
    assert.equal(slots[0]!.preset, 'custom');
    const stock = await untilCard(() => runStation(['card', 'read', '--json', '--reader', lab.readers[1]!], env));
    assert.equal(stock.code, 0, stock.stderr);
    assert.equal(stock.json.asn, slots[1]!.card);

    // Two cards, no reader named: refused, both readers named, nothing loaded.
    await runStationOk(['shift', 'open', '--operator', 'admin', '--float', '10000'], { ...env, STATION_PIN: '2468' });
    const guess = await runStation(['topup', '--amount', '1000', '--operator', 'admin', '--no-print', '--json'], { ...env, STATION_PIN: '2468' });
    assert.notEqual(guess.code, 0);
    assert.equal(guess.json?.error?.code, 'BAD_INPUT', guess.stdout + guess.stderr);
    for (const r of lab.readers) assert.ok(guess.json.error.message.includes(r), guess.json.error.message);
    assert.match(guess.json.error.hint, /--reader/);

    const topup = await runStation(['topup', '--amount', '1000', '--reader', lab.readers[0]!, '--operator', 'admin', '--no-print', '--json'], { ...env, STATION_PIN: '2468' });
    assert.equal(topup.code, 0, topup.stderr + topup.stdout);
    assert.equal(topup.json.balanceAfterFen, 5321);
  } finally {
    await lab.stop();
  }
  try {
    assert.equal(existsSync(path.join(home, 'lab.json')), false, 'the lab takes its registration away when it stops');
    // A lab file left in a live station's home is never used (and a stale one not either).
    writeFileSync(path.join(home, 'lab.json'), JSON.stringify({ pid: process.pid, socket: import.meta.filename, control: import.meta.filename, readers: [] }), { mode: 0o600 });
    assert.equal(pcscSocketFor(home, {}), import.meta.filename, 'training: a live registration is used');
    const cfg = JSON.parse(readFileSync(path.join(home, 'config.json'), 'utf8')) as { mode: string };
    writeFileSync(path.join(home, 'config.json'), JSON.stringify({ ...cfg, mode: 'live' }), { mode: 0o600 });
    assert.equal(pcscSocketFor(home, {}), undefined, 'live: the lab file is ignored');
    assert.equal(pcscSocketFor(home, { PCSCLITE_CSOCK_NAME: '/x.comm' }), '/x.comm', 'PCSCLITE_CSOCK_NAME always wins');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
