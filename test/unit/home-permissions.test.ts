// Secrets at rest, file modes (issue 14 item 5): the adversarial pass found the database and
// the receipts -rw-r--r-- in a drwxr-xr-x home. A station's home is 0700 and everything in it
// private to its user — created so even under a lax umask, and an older home is tightened when
// the station opens it, with `station doctor` saying what it tightened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InProcessCardAccess } from '../../core/lab/in-process-access.ts';
import { runDoctor } from '../../core/doctor.ts';
import { saveReceiptSettings, DEFAULT_RECEIPT_SETTINGS } from '../../core/receipt-settings.ts';
import { createFirstAdmin, initStationHome } from '../../core/station-home.ts';
import { openStation } from '../../core/station.ts';
import { saveReceipt } from '../../receipts/index.ts';
import { SAMPLE_RECEIPTS } from '../harness/receipt-samples.ts';

/** Every folder and file under root (symlinks excluded) with its permission bits. */
function modes(root: string): Map<string, number> {
  const out = new Map<string, number>();
  const visit = (abs: string, rel: string): void => {
    const st = statSync(abs);
    out.set(rel, st.mode & 0o777);
    if (st.isDirectory()) for (const n of readdirSync(abs)) visit(path.join(abs, n), path.join(rel, n));
  };
  visit(root, '.');
  return out;
}

function assertPrivate(root: string): Map<string, number> {
  const all = modes(root);
  for (const [rel, mode] of all) {
    const dir = statSync(path.join(root, rel)).isDirectory();
    assert.equal(mode & 0o077, 0, `${rel} is ${mode.toString(8)}: readable by other users`);
    if (dir) assert.equal(mode, 0o700, `${rel} is a folder with mode ${mode.toString(8)}`);
  }
  return all;
}

async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const old = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(old);
  }
}

test('a new station home is created private under a lax umask (database and its -wal/-shm, keys, config, receipts)', async (t) => {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'station-modes-'));
  t.after(() => rmSync(parent, { recursive: true, force: true }));
  const home = path.join(parent, 'home');
  await withUmask(0o022, async () => {
    const config = initStationHome({ home, training: true, now: new Date('2026-11-23T02:00:00Z') });
    await createFirstAdmin(home, config, '1111');
    saveReceiptSettings(home, { ...DEFAULT_RECEIPT_SETTINGS });
    const station = await openStation({ home, env: { STATION_KEYS: '' }, cards: new InProcessCardAccess() });
    try {
      // An open WAL database has its -wal and -shm beside it: they must be private too (the WASM
      // binding, db/sqlite-wasm.ts, has no WAL: its rollback journal lives only inside a transaction).
      await station.db.run("INSERT INTO params (key, value, updated_at) VALUES ('probe', '1', '2026-11-23T02:00:00Z')");
      await saveReceipt(SAMPLE_RECEIPTS.topup, path.join(home, 'receipts', '2026-11-23'));
      const all = assertPrivate(home);
      const wal = station.db.driver === 'native' ? ['training.sqlite-wal', 'training.sqlite-shm'] : [];
      for (const f of ['training.sqlite', ...wal, 'config.json', 'receipts.json', path.join('keys', 'training-keys.json'), 'logs', path.join('receipts', '2026-11-23')]) {
        assert.ok(all.has(path.join('.', f)) || all.has(f), `${f} exists`);
      }
      assert.equal(all.get('.'), 0o700);
      assert.equal(all.get('training.sqlite'), 0o600);
      if (wal.length > 0) assert.equal(all.get('training.sqlite-wal'), 0o600);
      assert.ok([...all.keys()].some((k) => k.startsWith(path.join('receipts', '2026-11-23') + path.sep) && k.endsWith('.pdf')), 'the receipt PDF is there');
    } finally {
      await station.close();
    }
  });
});

test('an older, world-readable home is tightened on open and the doctor says what it tightened', async (t) => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'station-modes-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const config = initStationHome({ home, training: true, now: new Date('2026-11-23T02:00:00Z') });
  await createFirstAdmin(home, config, '1111');
  // What an older version left: a drwxr-xr-x home with -rw-r--r-- files.
  chmodSync(home, 0o755);
  chmodSync(path.join(home, 'training.sqlite'), 0o644);
  chmodSync(path.join(home, 'config.json'), 0o644);
  writeFileSync(path.join(home, 'logs', 'station.log'), 'a log line\n');
  chmodSync(path.join(home, 'logs', 'station.log'), 0o644);
  chmodSync(path.join(home, 'logs'), 0o755);

  const cards = new InProcessCardAccess();
  const first = await runDoctor(home, { STATION_KEYS: '' }, cards);
  const files = first.find((c) => c.name === 'files');
  assert.equal(files?.status, 'warn', JSON.stringify(files));
  assert.match(files!.detail, /5 readable by other users, now private/);
  assert.match(files!.detail, /training\.sqlite 0644→0600/);
  assert.match(files!.detail, /\. 0755→0700/);
  assertPrivate(home);

  const second = await runDoctor(home, { STATION_KEYS: '' }, cards);
  assert.equal(second.find((c) => c.name === 'files')?.status, 'ok');

  // Opening the station tightens as well (no doctor needed).
  chmodSync(path.join(home, 'training.sqlite'), 0o664);
  const station = await openStation({ home, env: { STATION_KEYS: '' }, cards });
  await station.close();
  assert.equal(statSync(path.join(home, 'training.sqlite')).mode & 0o777, 0o600);
});
