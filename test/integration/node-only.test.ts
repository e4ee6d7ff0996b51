// A training station on a machine with Node alone (issue 19 item 1), as `npm start` runs it there:
// no PC/SC (STATION_LAB=in-process stands for "no smartcard binding, no pcscd") and the WASM
// SQLite (STATION_SQLITE=wasm stands for "no native sqlite3"). `station serve` reaches the login
// page over HTTP with two in-process training readers holding the lab's card, `station doctor`
// names both paths and what a real reader needs, and a cash top-up goes through the API onto the
// emulated card (the same CardChannel code) and into a ledger that verifies.
// scripts/fresh-machine.sh shows the same on a real Node-only chroot (docs/TOOLCHAIN-NOTES.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectApi } from '../harness/api-client.ts';
import { runStation, runStationOk } from '../harness/cli.ts';
import { startServe } from '../harness/ui-serve.ts';

test('Node alone: serve reaches the login page with in-process training readers on WASM SQLite; doctor says so; a cash top-up loads the lab card', { timeout: 300_000 }, async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'node-only-'));
  const env: NodeJS.ProcessEnv = { ...process.env, STATION_HOME: home, STATION_LAB: 'in-process', STATION_SQLITE: 'wasm', PCSCLITE_CSOCK_NAME: path.join(home, 'no-pcscd.comm') };
  delete env.STATION_PRINTER;
  await runStationOk(['init', '--training', '--admin-pin', '2468'], env);
  const serve = await startServe(env);
  try {
    const ready = JSON.parse(serve.output().split('\n').find((l) => l.includes('"event":"ready"'))!) as { lab: { readers: string[]; reason: string } | null };
    assert.deepEqual(ready.lab?.readers, ['Training Lab (in-process) 00 00', 'Training Lab (in-process) 00 01']);
    assert.match(ready.lab!.reason, /STATION_LAB=in-process/);

    const page = await fetch(serve.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root"/);

    const api = await connectApi(serve.port, serve.token);
    try {
      assert.ok((await api.call('login', { staffId: 'admin', pin: '2468' })).result);
      const readers = (await api.call('readers')).result as Array<{ name: string; cardPresent: boolean }>;
      assert.deepEqual(readers.map((r) => [r.name, r.cardPresent]), [['Training Lab (in-process) 00 00', true], ['Training Lab (in-process) 00 01', false]]);
      const checks = (await api.call('doctor')).result as Array<{ name: string; status: string; detail: string; hint?: string }>;
      const pcsc = checks.find((c) => c.name === 'pcsc')!;
      assert.match(pcsc.detail, /in-process training readers/);
      assert.match(pcsc.hint ?? '', /libpcsclite-dev/);
      assert.match(checks.find((c) => c.name === 'database')!.detail, /SQLite: WASM build/);

      // The card panel reads the lab card when the station starts (card-inserted from the in-process readers).
      let slots: Array<{ state: string; reader: string; view?: { asn: string; balanceFen: number } }> = [];
      while (!slots.some((s) => s.state === 'card')) {
        slots = (await api.call('card')).result as typeof slots;
        if (!slots.some((s) => s.state === 'card')) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const card = slots.find((s) => s.state === 'card')!;
      assert.equal(card.view?.balanceFen, 5000);
      assert.ok((await api.call('shiftOpen', { floatFen: 10000, idempotencyKey: 'node-only-shift-0001' })).result);
      const topup = await api.call('topup', {
        amountFen: 2000, pay: 'cash', tenderedFen: 5000, confirmedCard: { reader: card.reader, asn: card.view!.asn }, print: 'never', idempotencyKey: 'node-only-topup-0001',
      });
      const r = topup.result as { balanceBeforeFen: number; balanceAfterFen: number; changeFen: number; tacVerified: boolean } | undefined;
      assert.ok(r, JSON.stringify(topup.error));
      assert.deepEqual([r.balanceBeforeFen, r.balanceAfterFen, r.changeFen, r.tacVerified], [5000, 7000, 3000, true]);
    } finally {
      api.ws.close();
    }
  } finally {
    await serve.stop();
  }

  // The doctor of a second terminal: no PC/SC in this process, the counter UI has the in-process readers.
  const doctor = await runStation(['doctor', '--json'], env);
  const checks = (JSON.parse(doctor.stdout) as { checks: Array<{ name: string; status: string; detail: string; hint?: string }> }).checks;
  const pcsc = checks.find((c) => c.name === 'pcsc')!;
  assert.equal(pcsc.status, 'warn');
  assert.match(pcsc.detail, /no PC\/SC here .*in-process training readers/);
  assert.match(pcsc.hint ?? '', /apt-get install pcscd libpcsclite-dev/);
  assert.equal(checks.find((c) => c.name === 'readers')!.status, 'warn');
  const database = checks.find((c) => c.name === 'database')!;
  assert.equal(database.status, 'ok');
  assert.match(database.detail, /SQLite: WASM build .*STATION_SQLITE=wasm/);
  rmSync(home, { recursive: true, force: true });
});
