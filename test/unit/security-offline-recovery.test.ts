// Secrets at rest, keyed lookups (issue 14 item 5). The adversarial pass took a copy of the
// station database and, with nothing else, recovered a holder's ID number from its mask plus
// sha256(salt:id) (the salt is in the same database), and a supervisor's 4-digit PIN from its
// scrypt hash. This test runs that attack on a database written the old way (it works), lets
// the station open it with its secret (re-keying the rows in place), and runs the same attack
// on a copy of the file: it finds nothing — while the station still finds the holder by ID
// number and checks the PIN. The secret lives in keys/station-secret.json, not in the database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StationError } from '../../common/errors.ts';
import { authenticate } from '../../core/auth.ts';
import { InProcessCardAccess } from '../../core/lab/in-process-access.ts';
import { loadConfig } from '../../core/config.ts';
import { hashIdNumber } from '../../core/registration.ts';
import { createFirstAdmin, initStationHome } from '../../core/station-home.ts';
import { STATION_SECRET_NAME } from '../../core/station-secret.ts';
import { databaseFile, openStation, type Station } from '../../core/station.ts';
import { findRegisteredCard } from '../../core/workflows/lost.ts';
import { createRequest } from '../../db/requests.ts';
import { upsertCard } from '../../db/registry.ts';
import { Database } from '../../db/sqlite.ts';
import { openStationDb } from '../../db/station-db.ts';

const ID = '11010519491231002X';
const MASK = '110***********002X';
const PIN = '4826';
const AT = new Date('2026-11-23T02:00:00Z');
const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

// ---- the attacker: a copy of the database file and nothing else ----

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const checkChar = (first17: string): string => '10X98765432'[[...first17].reduce((s, d, i) => s + Number(d) * ID_WEIGHTS[i]!, 0) % 11]!;

/**
 * Every ID number that fits the mask: the first 3 and last 4 characters are shown, the rest is
 * a district of Beijing (the attack tried the districts it guessed; here six) and a birth date
 * 1900–2025. About 276,000 candidates, each one SHA-256.
 */
function* idCandidates(mask: string): Generator<string> {
  const head = mask.slice(0, 3);
  const tail = mask.slice(-4);
  for (const district of ['101', '102', '105', '106', '107', '108']) {
    for (let d = Date.UTC(1900, 0, 1); d <= Date.UTC(2025, 11, 31); d += 86_400_000) {
      const first17 = `${head}${district}${new Date(d).toISOString().slice(0, 10).replaceAll('-', '')}${tail.slice(0, 3)}`;
      if (checkChar(first17) === tail[3]) yield first17 + tail[3];
    }
  }
}

async function stolenCopy(file: string, dir: string): Promise<Database> {
  const copy = path.join(dir, 'stolen.sqlite');
  copyFileSync(file, copy);
  return Database.open(copy);
}

/** Recovers the ID number of each masked registration from the copy, as the report did. */
async function recoverIdNumber(db: Database): Promise<string | null> {
  const salt = (await db.get<{ value: string }>("SELECT value FROM params WHERE key = 'id_hash_salt'"))!.value;
  const card = (await db.get<{ id_number_masked: string; id_number_hash: string }>('SELECT id_number_masked, id_number_hash FROM cards WHERE registered = 1'))!;
  for (const candidate of idCandidates(card.id_number_masked)) {
    if (createHash('sha256').update(`${salt}:${candidate}`).digest('hex') === card.id_number_hash) return candidate;
  }
  return null;
}

/**
 * Tests PIN guesses against the stored verifier. The whole 4-digit space costs 10,000 scrypt
 * runs (minutes here); what matters is whether any guess can be confirmed, so the attacker
 * tries a list that holds the real PIN.
 */
async function recoverPin(db: Database, staffId: string): Promise<string | null> {
  const s = (await db.get<{ pin_salt: string; pin_hash: string }>('SELECT pin_salt, pin_hash FROM staff WHERE staff_id = ?', [staffId]))!;
  for (const guess of ['0000', '1234', '1111', '2580', PIN, '9999', '4321']) {
    if (scryptSync(guess, Buffer.from(s.pin_salt, 'hex'), 32, SCRYPT).toString('hex') === s.pin_hash) return guess;
  }
  return null;
}

// ---- the station ----

/** A training home whose database holds rows written the old way: plain salted hashes, no station secret. */
async function oldStyleHome(dir: string): Promise<{ home: string; dbFile: string }> {
  const home = path.join(dir, 'home');
  const config = initStationHome({ home, training: true, now: AT });
  const dbFile = databaseFile(home, config);
  const db = await openStationDb(dbFile);
  try {
    const salt = randomBytes(16).toString('hex');
    await db.run("INSERT INTO params (key, value, updated_at) VALUES ('id_hash_salt', ?, ?)", [salt, AT.toISOString()]);
    const pinSalt = randomBytes(16);
    await db.run('INSERT INTO staff (staff_id, name, role, pin_salt, pin_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ['sup9', '王五', 'supervisor', pinSalt.toString('hex'), scryptSync(PIN, pinSalt, 32, SCRYPT).toString('hex'), AT.toISOString()]);
    const idHash = createHash('sha256').update(`${salt}:${ID}`).digest('hex');
    await upsertCard(db, {
      card_ref: 'cpu:3100000000000777', kind: 'cpu', city_code: '3100', status: 'lost', deposit_fen: 2000, registered: 1, holder_name: '张*',
      id_number_masked: MASK, id_number_hash: idHash, phone_masked: null, issued_at: AT.toISOString(), updated_at: AT.toISOString(),
    });
    await createRequest(db, {
      requestId: 'R-OLD-1', kind: 'replacement', cardRef: 'cpu:3100000000000777', state: 'waiting', readyAfter: AT.toISOString(),
      details: { asn: '3100000000000777', idNumberMasked: MASK, idNumberHash: idHash }, entryId: null, createdAt: AT.toISOString(),
    });
  } finally {
    await db.close();
  }
  return { home, dbFile };
}

const open = (home: string): Promise<Station> =>
  openStation({ home, env: { STATION_KEYS: '' }, cards: new InProcessCardAccess(), config: loadConfig(home), now: () => AT });

test('an old database gives up the ID number and the PIN; re-keyed with the station secret, a copy gives up neither', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'station-offline-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { home, dbFile } = await oldStyleHome(dir);

  // The report, reproduced: the database alone was enough.
  const before = await stolenCopy(dbFile, dir);
  assert.equal(await recoverIdNumber(before), ID);
  assert.equal(await recoverPin(before, 'sup9'), PIN);
  await before.close();

  // The station opens it with its secret: the rows are re-keyed in place (no ID number or PIN needed).
  let station = await open(home);
  await station.close();
  const after = await stolenCopy(dbFile, dir);
  assert.equal(await recoverIdNumber(after), null, 'the mask + salt + stored lookup no longer confirm any candidate');
  assert.equal(await recoverPin(after, 'sup9'), null, 'the stored verifier no longer confirms the right PIN');
  // The secret itself is not in the database.
  const secretHex = (JSON.parse(readFileSync(path.join(home, STATION_SECRET_NAME), 'utf8')) as { secret: string }).secret;
  assert.match(secretHex, /^[0-9a-f]{64}$/);
  assert.ok(!readFileSync(dbFile).includes(Buffer.from(secretHex)), 'the secret is not in the database file');
  assert.ok(!readFileSync(dbFile).includes(Buffer.from(secretHex, 'hex')), 'nor its bytes');
  await after.close();

  // With its secret the station still finds the holder, checks the PIN and matches the queued request.
  station = await open(home);
  try {
    const actor = await authenticate(station.db, 'sup9', PIN, AT);
    assert.equal(actor.role, 'supervisor');
    await assert.rejects(authenticate(station.db, 'sup9', '0000', AT), (e: unknown) => e instanceof StationError && e.code === 'AUTH');
    const row = await findRegisteredCard(station, ID, undefined, 'Replacement', ['lost']);
    assert.equal(row.card_ref, 'cpu:3100000000000777');
    const queued = await station.db.get<{ request_id: string }>("SELECT request_id FROM requests WHERE json_extract(details, '$.idNumberHash') = ?", [await hashIdNumber(station.db, ID)]);
    assert.equal(queued?.request_id, 'R-OLD-1');
    // Another ID number does not match.
    await assert.rejects(findRegisteredCard(station, '110105195001010039', undefined, 'Replacement', ['lost']), /no registered card/);
  } finally {
    await station.close();
  }
});

test('a new station keys from the start; another station\'s secret is refused, not silently wrong', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'station-offline-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const home = path.join(dir, 'home');
  const config = initStationHome({ home, training: true, now: AT });
  await createFirstAdmin(home, config, PIN, {});
  const station = await open(home);
  try {
    await station.db.run("INSERT INTO params (key, value, updated_at) VALUES ('probe', '1', ?)", [AT.toISOString()]);
    await upsertCard(station.db, {
      card_ref: 'cpu:3100000000000778', kind: 'cpu', city_code: '3100', status: 'active', deposit_fen: 2000, registered: 1, holder_name: '张*',
      id_number_masked: MASK, id_number_hash: await hashIdNumber(station.db, ID), phone_masked: null, issued_at: AT.toISOString(), updated_at: AT.toISOString(),
    });
  } finally {
    await station.close();
  }
  const copy = await stolenCopy(databaseFile(home, config), dir);
  assert.equal(await recoverIdNumber(copy), null);
  assert.equal(await recoverPin(copy, 'admin'), null);
  await copy.close();

  // keys/ from another station: the lookups would all miss, so the station refuses to open.
  const other = path.join(dir, 'other');
  const otherConfig = initStationHome({ home: other, training: true, now: AT });
  await createFirstAdmin(other, otherConfig, '1111', {});
  writeFileSync(path.join(home, STATION_SECRET_NAME), readFileSync(path.join(other, STATION_SECRET_NAME)));
  await assert.rejects(open(home), (e: unknown) => e instanceof StationError && e.code === 'KEYS' && /another secret/.test(e.message) && /backup/.test(e.hint ?? ''));
});

test('a live station keeps its secret encrypted with STATION_KEYS_PASSPHRASE and needs it to open', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'station-offline-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const home = path.join(dir, 'home');
  const config = initStationHome({ home, training: false, now: AT });
  const env = { STATION_KEYS_PASSPHRASE: 'correct horse battery staple' };
  await assert.rejects(createFirstAdmin(home, config, PIN, {}), (e: unknown) => e instanceof StationError && e.code === 'KEYS' && /STATION_KEYS_PASSPHRASE/.test(e.hint ?? ''));
  await createFirstAdmin(home, config, PIN, env);
  const text = readFileSync(path.join(home, STATION_SECRET_NAME), 'utf8');
  assert.match(text, /city-union-keys\+aes-256-gcm/);
  assert.doesNotMatch(text, /"secret"/);
  const live = (e: NodeJS.ProcessEnv) => openStation({ home, env: { STATION_KEYS: '', ...e }, cards: new InProcessCardAccess(), config, now: () => AT });
  await assert.rejects(live({}), (e: unknown) => e instanceof StationError && e.code === 'KEYS' && /no passphrase/.test(e.message));
  await assert.rejects(live({ STATION_KEYS_PASSPHRASE: 'a wrong passphrase here' }), (e: unknown) => e instanceof StationError && e.code === 'KEYS' && /Wrong passphrase/.test(e.message));
  const station = await live(env);
  try {
    assert.equal((await authenticate(station.db, 'admin', PIN, AT)).role, 'admin');
  } finally {
    await station.close();
  }
});
