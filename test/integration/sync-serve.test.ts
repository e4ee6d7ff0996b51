// `station serve` runs the sync relay by itself when a clearing host is configured: entries
// recorded while it serves reach the host without `station sync`; with the host stopped the
// status says OFFLINE and the backlog grows, and once it is back the backlog drains; closing
// the server stops the relay (nothing more reaches the host). syncStatus(station) is the
// small shape the UI status bar reads.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PcscCardAccess } from '../../core/pcsc-access.ts';
import { record } from '../../core/record.ts';
import { noteEvent } from '../harness/ledger-samples.ts';
import { backgroundRelay, syncStatus, type SyncStatusSummary } from '../../core/sync.ts';
import { startUiServer, type UiServer } from '../../core/api/server.ts';
import { assertSameLedger, startSyncLab, syncStation, type SyncLab, type SyncStation } from '../harness/sync-lab.ts';
import { POSTGRES, suiteNeeding } from '../harness/system-needs.ts';
import { stationFixture } from '../harness/station-fixture.ts';

// The clearing host runs on a private PostgreSQL: without it every test here skips, saying why
// (under CI they run).
const { after, before, test } = suiteNeeding(POSTGRES);

let lab: SyncLab;
let s: SyncStation;
let dist: string;
let access: PcscCardAccess;
let server: UiServer | null = null;

before(async () => {
  lab = await startSyncLab('sync_serve');
  s = await syncStation(lab, { url: lab.url });
  dist = mkdtempSync(path.join(os.tmpdir(), 'ui-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>t</title>');
  // No pcscd behind this socket: the server runs with the reader service down.
  access = new PcscCardAccess({ socketPath: path.join(dist, 'no-pcscd.comm') });
});
after(async () => {
  await server?.close();
  await access?.close();
  await s?.cleanup().catch(() => undefined);
  await lab?.stop();
  rmSync(dist, { recursive: true, force: true });
});

const note = (i: number) => record(s.fx.station, { ...noteEvent({ i }), operatorId: 'op1', shiftId: null, cardRef: null, amountFen: 0, postings: [] });

async function until(what: string, ok: (st: SyncStatusSummary) => boolean, ms = 30_000): Promise<SyncStatusSummary> {
  const end = Date.now() + ms;
  let st = await syncStatus(s.fx.station);
  while (!ok(st)) {
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(st)}`);
    await new Promise((r) => setTimeout(r, 200));
    st = await syncStatus(s.fx.station);
  }
  return st;
}

test('serve syncs in the background, reports OFFLINE with a growing backlog while the host is down, drains when it is back, and stops on close', async () => {
  for (let i = 0; i < 5; i++) await note(i);
  const idle = await syncStatus(s.fx.station);
  assert.equal(idle.configured, true);
  assert.equal(idle.lastSyncAt, null);
  assert.ok(idle.backlog >= 5);

  server = await startUiServer({ station: s.fx.station, access, staticDir: dist, idleLockMs: 60_000 });
  assert.ok(backgroundRelay(s.fx.station) !== null, 'the relay runs while serving');
  const synced = await until('first sync', (st) => st.backlog === 0 && st.lastSyncAt !== null);
  assert.equal(synced.quarantined, 0);
  assert.equal(synced.lastError, undefined);

  // New entries go up without waiting for the 30 s schedule.
  await note(5);
  await until('new entry sent', (st) => st.backlog === 0, 15_000);

  await lab.stopHost();
  await note(6);
  await note(7);
  const down = await until('offline noticed', (st) => st.lastError !== undefined, 15_000);
  assert.equal(down.lastError!.code, 'OFFLINE');
  // Refused connections, or 503 from a host that is closing.
  assert.match(down.lastError!.message, /reach the clearing host|503/i);
  assert.equal(down.backlog, 2);

  await lab.startHost();
  const back = await until('drained after the host came back', (st) => st.backlog === 0 && st.lastError === undefined, 30_000);
  assert.ok(back.lastSyncAt! >= synced.lastSyncAt!);

  await server.close();
  server = null;
  assert.equal(backgroundRelay(s.fx.station), null, 'closing the server stops the relay');
  const held = await assertSameLedger(lab, s);
  await note(8);
  await new Promise((r) => setTimeout(r, 2500));
  const host = await lab.db.query<{ n: string }>('SELECT COUNT(*) AS n FROM entries WHERE station_id = $1', [s.stationId]);
  assert.equal(Number(host.rows[0]!.n), held, 'nothing is sent after close');
  assert.equal((await syncStatus(s.fx.station)).backlog, 1);
});

test('without a clearing host serve starts no relay and the status says not configured', async () => {
  const fx = await stationFixture();
  try {
    const ui = await startUiServer({ station: fx.station, access, staticDir: dist, idleLockMs: 60_000 });
    try {
      assert.equal(backgroundRelay(fx.station), null);
      const st = await syncStatus(fx.station);
      assert.equal(st.configured, false);
      assert.equal(st.lastSyncAt, null);
    } finally {
      await ui.close();
    }
  } finally {
    await fx.cleanup();
  }
});
