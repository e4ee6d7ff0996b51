// docs/SECURITY.md "Key handling": the key file encrypted at rest (scrypt + AES-256-GCM), a
// wrong or missing passphrase is a clear KEYS error, an altered file is detected, and the
// station's rules: a live station refuses test keys (also one copied into another file) and
// plain key files; a training station runs on the plain, marked training file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { StationError } from '../../common/errors.ts';
import type { StationConfig } from '../../core/config.ts';
import { importKeyFile, loadStationKeys } from '../../core/station-keys.ts';
import { openSecurityModule } from '../../core/station.ts';
import { TRAINING_KEY_FILE, encryptKeyFileText, loadKeyFile } from '../../devices/sam/index.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'security-keys-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const KEYS = { dlk: '8E1F0A2B3C4D5E6F708192A3B4C5D6E7', dtk: '1122334455667788990011223344556F', damk: 'A0B1C2D3E4F5061728394A5B6C7D8E9F' };
const PRODUCTION = JSON.stringify({ issuers: { '4420': { algorithm: '3des', version: 2, ...KEYS } } });
const PASS = 'correct horse battery staple';
/** scrypt's floor for files we accept: keeps the suite quick; one test checks the default. */
const FAST = { N: 16384, r: 8, p: 1 };

function write(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}
function keysError(pattern: RegExp) {
  return (e: unknown) => e instanceof StationError && e.code === 'KEYS' && pattern.test(e.message) && typeof e.hint === 'string';
}
function config(mode: 'live' | 'training', keysFile: string | null): StationConfig {
  return { version: 1, stationId: 'A1B2C3D4E5F6', mode, cityCode: '4420', terminalId: '010000000001', keysFile, defaultReader: null, createdAt: new Date(0).toISOString() };
}
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, ...extra });

test('an encrypted key file opens with its passphrase and holds no key in the clear', () => {
  const file = write('enc.json', encryptKeyFileText(PRODUCTION, PASS));
  const text = readFileSync(file, 'utf8');
  for (const k of Object.values(KEYS)) {
    assert.ok(!text.toUpperCase().includes(k), 'a key is readable in the encrypted file');
    assert.ok(!Buffer.from(text).includes(Buffer.from(k, 'hex')), 'key bytes are in the encrypted file');
  }
  const header = JSON.parse(text) as { format: string; kdf: { name: string; N: number } };
  assert.equal(header.format, 'city-union-keys+aes-256-gcm');
  assert.equal(header.kdf.name, 'scrypt');
  assert.ok(header.kdf.N >= 16384);
  const keys = loadKeyFile(file, { passphrase: PASS });
  assert.deepEqual(keys.cityCodes(), ['4420']);
  assert.equal(keys.encrypted, true);
  assert.equal(keys.isTest, false);
  // The bytes are the same keys: the SAM gets them through withMasterKey only.
  assert.equal(keys.withMasterKey('4420', 'dlk', (k) => Buffer.from(k).toString('hex').toUpperCase()), KEYS.dlk);
  // Two encryptions of the same file differ (fresh salt and IV).
  assert.notEqual(encryptKeyFileText(PRODUCTION, PASS, FAST), encryptKeyFileText(PRODUCTION, PASS, FAST));
});

test('a wrong or missing passphrase is a KEYS error that says so; no partial keys', () => {
  const file = write('enc2.json', encryptKeyFileText(PRODUCTION, PASS, FAST));
  assert.throws(() => loadKeyFile(file, { passphrase: 'correct horse battery stapler' }), keysError(/Wrong passphrase for the key file .*enc2\.json/));
  assert.throws(() => loadKeyFile(file, {}), keysError(/encrypted and no passphrase was given/));
  assert.throws(() => loadKeyFile(file, { passphrase: '' }), keysError(/no passphrase/));
  // The station reads STATION_KEYS_PASSPHRASE: the same errors reach openStation and doctor.
  assert.throws(() => loadStationKeys(dir, config('live', file), env({ STATION_KEYS_PASSPHRASE: 'nope nope nope' })), keysError(/Wrong passphrase/));
  assert.throws(() => openSecurityModule(dir, config('live', file), env()), keysError(/no passphrase/));
  assert.ok(openSecurityModule(dir, config('live', file), env({ STATION_KEYS_PASSPHRASE: PASS })) !== null);
});

test('an altered encrypted file is detected: ciphertext, tag, or weakened scrypt parameters', () => {
  const original = JSON.parse(encryptKeyFileText(PRODUCTION, PASS, FAST)) as Record<string, unknown> & { kdf: Record<string, unknown>; ciphertext: string };
  const flipped = Buffer.from(original.ciphertext, 'base64');
  flipped[5] = (flipped[5] as number) ^ 1;
  const variants: [string, unknown][] = [
    ['ciphertext', { ...original, ciphertext: flipped.toString('base64') }],
    ['tag', { ...original, tag: '00'.repeat(16) }],
    ['kdf N changed', { ...original, kdf: { ...original.kdf, N: 32768 } }],
    ['salt swapped', { ...original, kdf: { ...original.kdf, salt: 'ab'.repeat(16) } }],
  ];
  for (const [what, json] of variants) {
    const file = write(`altered-${what.replace(/ /g, '-')}.json`, JSON.stringify(json));
    assert.throws(() => loadKeyFile(file, { passphrase: PASS }), keysError(/Wrong passphrase .*or the file was altered/), what);
  }
  // Absurd parameters are refused before any work (a hostile file cannot make us allocate GBs).
  const huge = write('huge-n.json', JSON.stringify({ ...original, kdf: { ...original.kdf, N: 2 ** 30 } }));
  assert.throws(() => loadKeyFile(huge, { passphrase: PASS }), keysError(/malformed.*N/));
});

test('a short passphrase is refused when encrypting', () => {
  assert.throws(() => encryptKeyFileText(PRODUCTION, 'short'), keysError(/too short/));
  assert.throws(() => importKeyFile(path.join(dir, 'home-short'), 'live', write('p.json', PRODUCTION), 'short'), keysError(/too short/));
});

test('a live station refuses test keys: the shipped file, and a training key copied into another file', () => {
  const training = TRAINING_KEY_FILE.pathname;
  assert.throws(() => openSecurityModule(dir, config('live', training), env()), keysError(/live mode with test keys/));
  const raw = JSON.parse(readFileSync(training, 'utf8')) as { issuers: Record<string, unknown> };
  const copied = write('copied.json', JSON.stringify({ issuers: { '4420': raw.issuers['3100'] } }));
  const copiedEnc = write('copied.enc.json', encryptKeyFileText(readFileSync(copied, 'utf8'), PASS, FAST));
  assert.throws(() => openSecurityModule(dir, config('live', copiedEnc), env({ STATION_KEYS_PASSPHRASE: PASS })), keysError(/live mode with test keys/));
  // …and `station keys import` / `station init --keys` refuse them for a live station.
  assert.throws(() => importKeyFile(path.join(dir, 'home-live'), 'live', training, PASS), keysError(/test keys for a live station/));
  // STATION_KEYS cannot smuggle them in either (it wins over config.json).
  assert.throws(() => openSecurityModule(dir, config('live', null), env({ STATION_KEYS: training })), keysError(/test keys/));
});

test('a live station refuses a plain key file; a training station runs on the plain, marked training file', () => {
  const plain = write('plain.json', PRODUCTION);
  assert.throws(() => openSecurityModule(dir, config('live', plain), env()), keysError(/plain key file in live mode/));
  const keys = loadStationKeys(dir, config('training', TRAINING_KEY_FILE.pathname), env());
  assert.equal(keys?.isTest, true);
  assert.equal(keys?.encrypted, false);
});

test('import encrypts into STATION_HOME/keys with mode 0600; the imported file opens and holds no key text', () => {
  const home = path.join(dir, 'home-import');
  const { keysFile, keys } = importKeyFile(home, 'live', write('prod.json', PRODUCTION), PASS);
  assert.equal(keysFile, path.join('keys', 'issuer-keys.enc.json'));
  assert.equal(keys.encrypted, true);
  const file = path.join(home, keysFile);
  if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  for (const k of Object.values(KEYS)) assert.ok(!text.toUpperCase().includes(k));
  assert.ok(loadStationKeys(home, config('live', keysFile), env({ STATION_KEYS_PASSPHRASE: PASS })) !== null);
});

test('key bytes never show in JSON, inspect, or error messages of an encrypted key set', () => {
  const keys = loadKeyFile(write('enc3.json', encryptKeyFileText(PRODUCTION, PASS, FAST)), { passphrase: PASS });
  const shown = [JSON.stringify(keys), inspect(keys, { depth: 10, showHidden: true }), String(keys)].join('\n').toUpperCase();
  for (const k of Object.values(KEYS)) assert.ok(!shown.includes(k));
  assert.match(JSON.stringify(keys), /"encrypted":true/);
});
