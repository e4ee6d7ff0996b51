// `station migrate` as a person runs it, through the real stack (station CLI → smartcard →
// pcscd → vpcd → emulated cards): the old M1 card in slot 0, a stock CPU card in slot 1; then
// a one-reader counter swapping the cards on slot 0 when asked, and the clear refusals.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { runStation, spawnStation, type StationRun } from '../harness/cli.ts';
import { startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB);

let lab: PcscLab;
let home: string;

function env(): NodeJS.ProcessEnv {
  return { ...process.env, ...lab.env, STATION_HOME: home, STATION_PIN: '2468' };
}

function station(args: string[]): Promise<StationRun> {
  return runStation(args, env(), { timeoutMs: 60_000 });
}

before(async () => {
  lab = await startPcscLab({ slots: 2 });
  home = mkdtempSync(path.join(os.tmpdir(), 'station-migrate-'));
  const init = await station(['init', '--training', '--admin-pin', '2468']);
  assert.equal(init.code, 0, init.stderr);
  const shift = await station(['shift', 'open', '--operator', 'admin', '--float', '50000', '--json']);
  assert.equal(shift.code, 0, shift.stderr);
});
after(async () => {
  await lab?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('two readers: M1 in slot 0, stock CPU card in slot 1 → JSON result, card states, ledger verifies', async () => {
  await lab.insert(0, makeLabCard({ kind: 'm1', id: 'A1B2C3D4', balanceFen: 6543 }).toJSON());
  await lab.insert(1, makeLabCard({ kind: 'cpu', id: '3100000000000777', enabled: false, balanceFen: 0 }).toJSON());
  const [r0, r1] = lab.readerNames as [string, string];
  const r = await station(['migrate', '--old-reader', r0, '--new-reader', r1, '--operator', 'admin', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.equal(v.old.uid, 'A1B2C3D4');
  assert.equal(v.migratedFen, 6543);
  assert.equal(v.carriedDepositFen, 2000);
  assert.equal(v.loadedFen, 8543);
  assert.equal(v.new.asn, '3100000000000777');
  assert.equal(v.new.balanceAfterFen, 8543);
  assert.match(v.new.tac, /^[0-9A-F]{8}$/);
  assert.equal(v.new.tacVerified, true);
  assert.match(v.entryId, /^[0-9A-Z]{26}$/);
  assert.equal((await lab.cardState(1) as { balanceFen: number }).balanceFen, 8543);

  const oldCard = await station(['card', 'read', '--json', '--reader', r0]);
  assert.equal(oldCard.code, 0, oldCard.stderr);
  const ov = JSON.parse(oldCard.stdout);
  assert.equal(ov.balanceFen, 0);
  assert.ok(ov.flags.includes('blacklisted') && ov.flags.includes('migrated'), JSON.stringify(ov.flags));
  const newCard = JSON.parse((await station(['card', 'read', '--json', '--reader', r1])).stdout);
  assert.equal(newCard.balanceFen, 8543);
  assert.equal(newCard.status, 'enabled');

  const verify = await station(['ledger', 'verify', '--json']);
  assert.equal(verify.code, 0, verify.stderr);
  // The same old card again: refused clearly.
  await lab.insert(1, makeLabCard({ kind: 'cpu', id: '3100000000000778', enabled: false }).toJSON());
  const again = await station(['migrate', '--old-reader', r0, '--new-reader', r1, '--operator', 'admin']);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /already upgraded/);
});

test('one reader: the command asks for the swap and waits for the new card', async () => {
  const [r0] = lab.readerNames as [string, string];
  await lab.remove(1);
  await lab.insert(0, makeLabCard({ kind: 'm1', id: '0A0B0C0D', balanceFen: 1500 }).toJSON());
  const child = spawnStation(['migrate', '--old-reader', r0, '--new-reader', r0, '--operator', 'admin', '--json', '--swap-timeout', '60'],
    { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  const prompted = new Promise<void>((resolve) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/place the new CPU card/.test(stderr)) resolve();
    });
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  await Promise.race([prompted, exited.then(() => { throw new Error(`exited before the prompt: ${stderr}`); })]);
  await lab.remove(0);
  await new Promise((r) => setTimeout(r, 500));
  await lab.insert(0, makeLabCard({ kind: 'cpu', id: '3100000000000779', enabled: false }).toJSON());
  const code = await exited;
  assert.equal(code, 0, stderr);
  const v = JSON.parse(stdout);
  assert.equal(v.new.asn, '3100000000000779');
  assert.equal(v.loadedFen, 3500);
  assert.equal((await lab.cardState(0) as { balanceFen: number }).balanceFen, 3500);
});

test('without --new-reader the command fails clearly and changes nothing', async () => {
  const [r0] = lab.readerNames as [string, string];
  const r = await station(['migrate', '--old-reader', r0, '--operator', 'admin']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--new-reader/);
});
