// docs/SECURITY.md "Upstream secret": the station's HMAC secret for the clearing host is kept
// encrypted at rest in upstream.json with the issuer key files' envelope (scrypt + AES-256-GCM)
// and passphrase (STATION_KEYS_PASSPHRASE). Never in the clear in the file, a round trip, a
// wrong or missing passphrase a clear KEYS error with the next step, an older file (secret in
// the clear) still read, warned about by the doctor, refused by a live station, and rewritten
// encrypted by `station upstream set`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StationError } from '../../common/errors.ts';
import type { CardAccess } from '../../core/card-access.ts';
import { loadConfig } from '../../core/config.ts';
import { openStation } from '../../core/station.ts';
import { assertUpstreamFitsMode, loadStationUpstream, loadUpstreamSettings, saveUpstreamSettings, upstreamFile } from '../../core/upstream-config.ts';
import { runStationInProcess } from '../harness/cli.ts';
import { stationFixture } from '../harness/station-fixture.ts';

const SECRET = '5e1f0a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7';
const PASS = 'the counter opens at eight';
const URL = 'http://127.0.0.1:9';
const STATION_ID = 'A1B2C3D4E5F6';

function keysError(message: RegExp, hint: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof StationError, String(err));
    assert.equal(err.code, 'KEYS');
    assert.match(err.message, message);
    assert.match(err.hint ?? '', hint);
    return true;
  };
}

/** The secret must not stand in the file in any spelling a reader would try. */
function assertSecretNotInFile(file: string): void {
  const text = readFileSync(file, 'latin1');
  for (const form of [SECRET, SECRET.toUpperCase(), Buffer.from(SECRET, 'hex').toString('base64'), Buffer.from(SECRET).toString('base64')]) {
    assert.ok(!text.includes(form), `upstream.json holds the secret (${form.slice(0, 8)}…)`);
  }
  assert.ok(!readFileSync(file).includes(Buffer.from(SECRET, 'hex')), 'upstream.json holds the secret as bytes');
}

function writePlainV1(home: string, stationId = STATION_ID): void {
  writeFileSync(upstreamFile(home), `${JSON.stringify({ version: 1, url: URL, stationId, secret: SECRET, setAt: '2026-11-01T00:00:00.000Z' }, null, 2)}\n`, { mode: 0o600 });
}

test('saved with a passphrase: the secret is not in the file in the clear, and opens again with the passphrase', async () => {
  const fx = await stationFixture({ openShiftFloatFen: null });
  try {
    const saved = saveUpstreamSettings(fx.home, { url: URL, stationId: STATION_ID, secret: SECRET }, { passphrase: PASS, mode: 'live' });
    assert.equal(saved.encrypted, true);
    const file = upstreamFile(fx.home);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assertSecretNotInFile(file);
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { version: number; url: string; stationId: string; secret: { format: string } };
    assert.equal(raw.version, 2);
    assert.equal(raw.url, URL, 'the URL stays readable (the status bar shows it)');
    assert.equal(raw.secret.format, 'city-union-keys+aes-256-gcm', 'the issuer key files\' envelope');

    const loaded = loadUpstreamSettings(fx.home, { STATION_KEYS_PASSPHRASE: PASS })!;
    assert.deepEqual({ ...loaded }, { url: URL, stationId: STATION_ID, setAt: saved.setAt, encrypted: true });
    assert.equal(loaded.secret, SECRET);
    assert.ok(!JSON.stringify(loaded).includes(SECRET), 'never serialised');
    assert.doesNotThrow(() => loadStationUpstream(fx.home, { mode: 'live' }, { STATION_KEYS_PASSPHRASE: PASS }), 'a live station takes it');
    // Each save has its own salt and IV: the same secret twice is two different files.
    const first = readFileSync(file, 'utf8');
    saveUpstreamSettings(fx.home, { url: URL, stationId: STATION_ID, secret: SECRET }, { passphrase: PASS });
    assert.notEqual(readFileSync(file, 'utf8'), first);
  } finally {
    await fx.cleanup();
  }
});

test('a wrong or missing passphrase is a clear KEYS error with the next step; the URL is still readable without it', async () => {
  const fx = await stationFixture({ openShiftFloatFen: null });
  try {
    saveUpstreamSettings(fx.home, { url: URL, stationId: STATION_ID, secret: SECRET }, { passphrase: PASS });
    const wrong = loadUpstreamSettings(fx.home, { STATION_KEYS_PASSPHRASE: 'not the passphrase at all' })!;
    assert.equal(wrong.url, URL);
    assert.throws(() => wrong.secret, keysError(/clearing host secret: Wrong passphrase .*upstream\.json/, /STATION_KEYS_PASSPHRASE.*station upstream set/));
    const none = loadUpstreamSettings(fx.home, {})!;
    assert.throws(() => none.secret, keysError(/encrypted and no passphrase was given/, /STATION_KEYS_PASSPHRASE/));
    // A tampered envelope reads like a wrong passphrase (GCM): never a wrong secret.
    const raw = JSON.parse(readFileSync(upstreamFile(fx.home), 'utf8')) as { secret: { ciphertext: string } };
    const ct = Buffer.from(raw.secret.ciphertext, 'base64');
    ct[0] = ct[0]! ^ 1;
    raw.secret.ciphertext = ct.toString('base64');
    writeFileSync(upstreamFile(fx.home), JSON.stringify(raw));
    assert.throws(() => loadUpstreamSettings(fx.home, { STATION_KEYS_PASSPHRASE: PASS })!.secret, keysError(/Wrong passphrase .*or the file was altered/, /station upstream set/));
    // Opening the station needs the secret (its host-backed security module signs requests).
    const config = loadConfig(fx.home);
    await assert.rejects(openStation({ home: fx.home, env: { STATION_KEYS: '', STATION_KEYS_PASSPHRASE: PASS }, cards: {} as CardAccess, config }), keysError(/Wrong passphrase/, /STATION_KEYS_PASSPHRASE/));
  } finally {
    await fx.cleanup();
  }
});

test('an older upstream.json with the secret in the clear is still read; a live station refuses it, also at openStation', async () => {
  const fx = await stationFixture({ openShiftFloatFen: null });
  try {
    writePlainV1(fx.home);
    const s = loadUpstreamSettings(fx.home, {})!;
    assert.equal(s.encrypted, false);
    assert.equal(s.secret, SECRET);
    assert.doesNotThrow(() => assertUpstreamFitsMode(s, { mode: 'training' }));
    assert.throws(() => assertUpstreamFitsMode(s, { mode: 'live' }), keysError(/in the clear .*live mode/, /STATION_KEYS_PASSPHRASE=… station upstream set/));
    const live = { ...loadConfig(fx.home), mode: 'live' as const, keysFile: null };
    await assert.rejects(openStation({ home: fx.home, env: { STATION_KEYS: '' }, cards: {} as CardAccess, config: live }), keysError(/in the clear/, /station upstream set/));
    // Saving for a live station without a passphrase is refused, and leaves the file as it was.
    const before = readFileSync(upstreamFile(fx.home), 'utf8');
    assert.throws(() => saveUpstreamSettings(fx.home, { url: URL, stationId: STATION_ID, secret: SECRET }, { mode: 'live' }), keysError(/No passphrase/, /STATION_KEYS_PASSPHRASE/));
    assert.equal(readFileSync(upstreamFile(fx.home), 'utf8'), before);
  } finally {
    await fx.cleanup();
  }
});

test('station doctor warns about a secret in the clear; `station upstream set` with the passphrase rewrites it encrypted, keeping URL and secret', async () => {
  const fx = await stationFixture({ openShiftFloatFen: null });
  try {
    writePlainV1(fx.home, fx.station.config.stationId);
    const env = { PATH: process.env.PATH, STATION_HOME: fx.home, STATION_KEYS: '', PCSCLITE_CSOCK_NAME: path.join(fx.home, 'no-pcscd.comm') };
    type Check = { name: string; status: string; detail: string; hint?: string };
    const upstreamCheck = async (extra: Record<string, string> = {}): Promise<Check> =>
      ((await runStationInProcess(['doctor', '--json'], { ...env, ...extra })).json as { checks: Check[] }).checks.find((c) => c.name === 'upstream')!;

    const plain = await upstreamCheck();
    assert.equal(plain.status, 'warn', JSON.stringify(plain));
    assert.match(plain.detail, /kept in the clear/);
    assert.match(plain.hint ?? '', /STATION_KEYS_PASSPHRASE=… station upstream set/);

    const set = await runStationInProcess(['upstream', 'set', '--json'], { ...env, STATION_KEYS_PASSPHRASE: PASS });
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.json.url, URL);
    assert.equal(set.json.encrypted, true);
    assert.ok(!set.stdout.includes(SECRET) && !set.stderr.includes(SECRET), 'the secret is never printed');
    assertSecretNotInFile(upstreamFile(fx.home));
    assert.equal(loadUpstreamSettings(fx.home, { STATION_KEYS_PASSPHRASE: PASS })!.secret, SECRET, 'the same secret, now encrypted');

    const wrong = await upstreamCheck({ STATION_KEYS_PASSPHRASE: 'not the passphrase at all' });
    assert.equal(wrong.status, 'fail');
    assert.match(wrong.detail, /Wrong passphrase/);
    const right = await upstreamCheck({ STATION_KEYS_PASSPHRASE: PASS });
    assert.doesNotMatch(`${right.detail} ${right.hint ?? ''}`, /in the clear|passphrase/i, JSON.stringify(right));

    // Without a passphrase a training station still stores it (in the clear), and says so.
    const clear = await runStationInProcess(['upstream', 'set', '--url', URL], { ...env, STATION_UPSTREAM_SECRET: SECRET });
    assert.equal(clear.code, 0, clear.stderr);
    assert.match(clear.stdout, /IN THE CLEAR/);
    assert.equal(loadUpstreamSettings(fx.home, {})!.encrypted, false);
  } finally {
    await fx.cleanup();
  }
});
