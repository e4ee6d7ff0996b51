// docs/SECURITY.md "Key handling", as a person runs it: `station init --keys FILE` on a live
// station encrypts the key file into STATION_HOME/keys (no key in the clear anywhere in
// STATION_HOME), `station doctor` and `station keys show` open it with STATION_KEYS_PASSPHRASE
// and never print a key, a wrong passphrase is a clear error with the next step, test keys are
// refused for a live station, `station keys import` is admin only and audited either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAudit } from '../../db/audit.ts';
import { openStationDb } from '../../db/station-db.ts';
import { runStationInProcess, type StationRun } from '../harness/cli.ts';

const KEYS = { dlk: '8E1F0A2B3C4D5E6F708192A3B4C5D6E7', dtk: '1122334455667788990011223344556F', damk: 'A0B1C2D3E4F5061728394A5B6C7D8E9F' };
const NEW_KEYS = { dlk: '0F1E2D3C4B5A69788796A5B4C3D2E1F0', dtk: 'FEDCBA98765432100123456789ABCDEF', damk: '55AA55AA55AA55AA55AA55AA55AA55AB' };
const PASS = 'the counter opens at eight';
const TRAINING = path.resolve(import.meta.dirname, '../../resources/keys/training-keys.json');

function station(home: string, args: string[], env: Record<string, string> = {}): Promise<StationRun> {
  return runStationInProcess(args, { PATH: process.env.PATH, STATION_HOME: home, ...env });
}

/** Every file under dir, as text and as bytes, must not contain any of the keys. */
function assertNoKeyIn(dir: string, keys: Record<string, string>): number {
  let files = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, name);
    if (!statSync(p).isFile()) continue;
    files++;
    const bytes = readFileSync(p);
    for (const k of Object.values(keys)) {
      assert.ok(!bytes.toString('latin1').toUpperCase().includes(k), `${name} holds a key as text`);
      assert.ok(!bytes.includes(Buffer.from(k, 'hex')), `${name} holds key bytes`);
    }
  }
  return files;
}

test('live station: keys encrypted at init, opened by passphrase, never printed; import is admin only and audited', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'security-keys-cli-'));
  const home = path.join(dir, 'home');
  try {
    const plain = path.join(dir, 'issuer-keys.json');
    writeFileSync(plain, JSON.stringify({ issuers: { '4420': { algorithm: '3des', version: 2, ...KEYS } } }));

    // Without a passphrase, init refuses and says how.
    const noPass = await station(home, ['init', '--city-code', '4420', '--keys', plain, '--admin-pin', '8642']);
    assert.equal(noPass.code, 1);
    assert.match(noPass.stderr, /No key file passphrase given[\s\S]*STATION_KEYS_PASSPHRASE/);
    // Test keys are refused for a live station.
    const test = await station(home, ['init', '--city-code', '4420', '--keys', TRAINING, '--admin-pin', '8642'], { STATION_KEYS_PASSPHRASE: PASS });
    assert.equal(test.code, 1);
    assert.match(test.stderr, /Refusing test keys for a live station/);

    const init = await station(home, ['init', '--city-code', '4420', '--keys', plain, '--admin-pin', '8642', '--json'], { STATION_KEYS_PASSPHRASE: PASS });
    assert.equal(init.code, 0, init.stderr);
    const config = (JSON.parse(init.stdout) as { config: { mode: string; keysFile: string } }).config;
    assert.deepEqual([config.mode, config.keysFile], ['live', path.join('keys', 'issuer-keys.enc.json')]);
    rmSync(plain); // as the operator is told to
    assert.ok(assertNoKeyIn(home, KEYS) >= 3, 'config, database and key file were checked');

    const show = await station(home, ['keys', 'show', '--json'], { STATION_KEYS_PASSPHRASE: PASS });
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout) as { keys: { encrypted: boolean; test: boolean; issuers: { cityCode: string }[] } };
    assert.deepEqual([shown.keys.encrypted, shown.keys.test, shown.keys.issuers.map((i) => i.cityCode)], [true, false, ['4420']]);
    for (const k of Object.values(KEYS)) assert.ok(!show.stdout.toUpperCase().includes(k));

    const doctorOk = await station(home, ['doctor', '--json'], { STATION_KEYS_PASSPHRASE: PASS });
    const keysCheck = (out: string) => (JSON.parse(out) as { checks: { name: string; status: string; detail: string; hint?: string }[] }).checks.find((c) => c.name === 'keys');
    assert.deepEqual([keysCheck(doctorOk.stdout)?.status, /encrypted/.test(keysCheck(doctorOk.stdout)?.detail ?? '')], ['ok', true], doctorOk.stdout);
    const doctorWrong = await station(home, ['doctor', '--json'], { STATION_KEYS_PASSPHRASE: 'not the passphrase' });
    assert.equal(keysCheck(doctorWrong.stdout)?.status, 'fail');
    assert.match(keysCheck(doctorWrong.stdout)?.detail ?? '', /Wrong passphrase/);
    const showWrong = await station(home, ['keys', 'show'], { STATION_KEYS_PASSPHRASE: 'not the passphrase' });
    assert.equal(showWrong.code, 1);
    assert.match(showWrong.stderr, /Wrong passphrase for the key file[\s\S]*→ Check STATION_KEYS_PASSPHRASE/);

    // Rotation: an operator may not import keys (refused, audited); the admin may (audited).
    const next = path.join(dir, 'next-keys.json');
    writeFileSync(next, JSON.stringify({ issuers: { '4420': { algorithm: '3des', version: 3, ...NEW_KEYS } } }));
    const addOp = await station(home, ['staff', 'add', '--operator', 'admin', '--id', 'op1', '--name', '王五', '--role', 'operator'], { STATION_PIN: '8642', STATION_NEW_PIN: '1357', STATION_KEYS_PASSPHRASE: PASS });
    assert.equal(addOp.code, 0, addOp.stderr);
    const byOperator = await station(home, ['keys', 'import', next, '--operator', 'op1'], { STATION_PIN: '1357', STATION_KEYS_PASSPHRASE: PASS });
    assert.equal(byOperator.code, 1);
    assert.match(byOperator.stderr, /keys-import needs the admin role/);
    const byAdmin = await station(home, ['keys', 'import', next, '--operator', 'admin', '--json'], { STATION_PIN: '8642', STATION_KEYS_PASSPHRASE: PASS });
    assert.equal(byAdmin.code, 0, byAdmin.stderr);
    rmSync(next);
    assertNoKeyIn(home, { ...KEYS, ...NEW_KEYS });
    const db = await openStationDb(path.join(home, 'station.sqlite'));
    try {
      const audit = (await readAudit(db, 50)).filter((a) => a.action === 'keys-import').map((a) => [a.actor, a.outcome]);
      assert.deepEqual(audit.sort(), [['admin', 'ok'], ['op1', 'refused']]);
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
