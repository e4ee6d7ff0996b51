// Issue 7's acceptance on a real PostgreSQL with the host as its own process: two stations on
// one host; a card blacklisted at one (or at the host) is refused at the other after its next
// pull, and parameters change its policy; a card of a city only the host has keys for is
// loaded through the host and refused clearly with the host down, while local cards still
// load; the host stopped mid-way and restarted: everything arrives once and the day
// checkpoint is acknowledged.
import assert from 'node:assert/strict';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { SqliteSyncStore } from '../../core/sync.ts';
import { topup } from '../../core/workflows/topup.ts';
import { addToBlacklist } from '../../db/registry.ts';
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import { addBlacklistChange, setParam } from '../../upstream/deltas.ts';
import { READER } from '../harness/station-fixture.ts';
import { assertSameLedger, drain, startSyncLab, syncStation, type SyncLab, type SyncStation } from '../harness/sync-lab.ts';
import { POSTGRES, suiteNeeding } from '../harness/system-needs.ts';

// The clearing host runs on a private PostgreSQL: without it every test here skips, saying why
// (under CI they run).
const { after, before, test } = suiteNeeding(POSTGRES);

let lab: SyncLab;
let a: SyncStation;
let b: SyncStation;

before(async () => {
  lab = await startSyncLab('sync_acceptance');
  // Both stations hold only their own city's keys: city 2000's are the host's alone.
  [a, b] = await Promise.all([syncStation(lab, { url: lab.url, issuers: ['3100'] }), syncStation(lab, { url: lab.url, issuers: ['3100'] })]);
});
after(async () => {
  for (const s of [a, b]) await s?.cleanup().catch(() => undefined);
  await lab?.stop();
});

const card = (id: string, balanceFen = 0): CpuCard => makeLabCard({ kind: 'cpu', city: id.slice(0, 4), balanceFen, id }) as CpuCard;
const entries = async (s: SyncStation): Promise<number> => (await s.fx.station.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_entries'))!.n;

test('a card blacklisted at station A, or at the host, is refused at station B after B\'s next pull; parameters reach B\'s policy', async () => {
  const lost = '3100000000000777';
  b.fx.cards.insert(READER, card(lost));
  await topup(b.fx.station, b.fx.operator, { amount: 1000 }); // not known as lost yet
  // A's lost report lists the card locally (as the lost workflow's registry effect does).
  await addToBlacklist(a.fx.station.db, `cpu:${lost}`, 'reported lost at A', 'local', new Date());
  const ra = await a.relay.syncOnce();
  assert.equal(ra.ok, true, ra.error ?? '');
  assert.equal(ra.blacklistReported, 1);
  await addBlacklistChange(lab.db, { asn: '3100000000000888', action: 'add', reason: 'stolen (host)', stationId: null, requestId: null });
  await setParam(lab.db, 'limits', { maxBalanceFen: 20_000, minTopupFen: 500 });
  const before = await entries(b);
  const rb = await b.relay.syncOnce();
  assert.equal(rb.ok, true, rb.error ?? '');
  assert.ok(rb.blacklistChanges >= 2);
  b.fx.cards.insert(READER, card(lost, 1000));
  await assert.rejects(topup(b.fx.station, b.fx.operator, { amount: 1000 }), /blacklisted/);
  b.fx.cards.insert(READER, card('3100000000000888'));
  await assert.rejects(topup(b.fx.station, b.fx.operator, { amount: 1000 }), /blacklisted/);
  assert.equal(await entries(b), before, 'refusals write no entry');
  const row = await b.fx.station.db.get<{ source: string }>('SELECT source FROM blacklist WHERE card_ref = ?', [`cpu:${lost}`]);
  assert.equal(row?.source, 'upstream');
  // Parameters: the host's limits are B's policy now.
  assert.equal(b.fx.station.policy.maxBalanceFen, 20_000);
  assert.equal(b.fx.station.policy.minTopupFen, 500);
  b.fx.cards.insert(READER, card('3100000000000889', 15_000));
  await assert.rejects(topup(b.fx.station, b.fx.operator, { amount: 6000 }), /above the limit/);
  await setParam(lab.db, 'limits', { maxBalanceFen: 100_000, minTopupFen: 1000 });
  await b.relay.syncOnce();
  assert.equal(b.fx.station.policy.maxBalanceFen, 100_000);
});

test('a card of a city only the host has keys for is loaded through the host; with the host down it is refused clearly and local cards still load', async () => {
  const other = card('2000000000000999', 500);
  b.fx.cards.insert(READER, other);
  const r = await topup(b.fx.station, b.fx.operator, { amount: 2000 });
  assert.equal(r.balanceAfterFen, 2500);
  assert.equal(other.balanceFen, 2500, 'the card took the host\'s MAC2');
  assert.equal(r.tacVerified, false, 'the station has no key to verify this TAC');
  const auth = await lab.db.query<{ n: string }>("SELECT COUNT(*) AS n FROM load_authorisations WHERE asn = '2000000000000999'");
  assert.equal(Number(auth.rows[0]!.n), 1);

  await lab.stopHost();
  try {
    const n = await entries(b);
    const offline = card('2000000000000998', 700);
    b.fx.cards.insert(READER, offline);
    await assert.rejects(topup(b.fx.station, b.fx.operator, { amount: 2000 }), (err: Error) => {
      assert.match(err.message, /city 2000\) can only be loaded with the clearing host's authorisation, and the clearing host cannot be reached now/);
      return true;
    });
    assert.equal(offline.balanceFen, 700, 'nothing loaded');
    assert.equal(await entries(b), n, 'nothing charged');
    const local = card('3100000000000555', 100);
    b.fx.cards.insert(READER, local);
    const l = await topup(b.fx.station, b.fx.operator, { amount: 1000 });
    assert.equal(l.tacVerified, true);
    assert.equal(local.balanceFen, 1100, 'local cards load offline');
  } finally {
    await lab.startHost();
  }
  // The load confirmation: once the entry is up, the host has verified the card's TAC with city 2000's DTK.
  await drain(b.relay);
  const tac = await lab.db.query<{ tac: string; tac_status: string }>("SELECT tac, tac_status FROM load_authorisations WHERE asn = '2000000000000999'");
  assert.deepEqual(tac.rows.map((x) => [x.tac, x.tac_status]), [[r.tac.toUpperCase(), 'verified']]);
  assert.equal((await new SqliteSyncStore(b.fx.station.db, b.stationId, b.fx.station.now).counts()).quarantined, 0, 'a genuine load is not quarantined');
});

test('the host stopped mid-way and restarted: both stations\' entries arrive once and the day checkpoint is acknowledged', async () => {
  for (const s of [a, b]) s.relay.start();
  const work = async (s: SyncStation, from: number, to: number, tag: string): Promise<void> => {
    for (let i = from; i < to; i++) {
      s.fx.cards.insert(READER, card(`3100${tag}${String(i).padStart(10, '0')}`));
      await topup(s.fx.station, s.fx.operator, { amount: 1000 + i * 10 });
    }
  };
  await Promise.all([work(a, 0, 10, '01'), work(b, 0, 10, '02')]);
  await lab.stopHost();
  await Promise.all([work(a, 10, 25, '01'), work(b, 10, 25, '02')]); // the counter keeps working
  await new Promise((r) => setTimeout(r, 400));
  for (const s of [a, b]) {
    const st = await s.relay.status();
    assert.equal(st.online, false, 'the relay noticed the host is gone');
    assert.ok(st.backlog > 0);
    assert.match(st.lastError ?? '', /network|cannot reach/);
  }
  await lab.startHost();
  for (const s of [a, b]) await s.relay.stop();
  // The next day: yesterday's checkpoint goes up with the rest.
  for (const s of [a, b]) s.fx.clock.now = new Date('2026-11-24T02:00:00Z');
  for (const s of [a, b]) await drain(s.relay);
  for (const s of [a, b]) {
    await assertSameLedger(lab, s);
    const days = await new SqliteSyncStore(s.fx.station.db, s.stationId, s.fx.station.now).days(5);
    assert.deepEqual(days.map((d) => [d.day, d.status]), [['2026-11-23', 'acknowledged']]);
    const held = await lab.db.query<{ status: string }>("SELECT status FROM day_checkpoints WHERE station_id = $1 AND day = '2026-11-23'", [s.stationId]);
    assert.equal(held.rows[0]?.status, 'acknowledged');
  }
});

test('station upstream set (secret from the environment, never printed) and station sync --once / --status through the CLI', async () => {
  const { runStationInProcess } = await import('../harness/cli.ts');
  const { stationFixture } = await import('../harness/station-fixture.ts');
  const { registerStation } = await import('../../upstream/stations.ts');
  const { statSync } = await import('node:fs');
  const fx = await stationFixture();
  try {
    const { secret } = await registerStation(lab.db, { stationId: fx.station.config.stationId });
    const run = async (args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> => {
      const r = await runStationInProcess(args, { ...process.env, STATION_HOME: fx.home, STATION_KEYS: '', ...env });
      return { code: r.code, out: r.stdout, err: r.stderr };
    };
    const missing = await run(['upstream', 'set', '--url', lab.url]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /STATION_UPSTREAM_SECRET/);
    const set = await run(['upstream', 'set', '--url', lab.url, '--json'], { STATION_UPSTREAM_SECRET: secret });
    assert.equal(set.code, 0, set.err);
    assert.ok(!set.out.includes(secret) && !set.err.includes(secret), 'the secret is never printed');
    assert.equal(JSON.parse(set.out).url, lab.url);
    assert.equal(statSync(`${fx.home}/upstream.json`).mode & 0o777, 0o600);
    const once = await run(['sync', '--once', '--json']);
    assert.equal(once.code, 0, once.out + once.err);
    const r = JSON.parse(once.out) as { ok: boolean; uploaded: number; status: { backlog: number; online: boolean } };
    assert.equal(r.ok, true);
    assert.ok(r.uploaded >= 1, 'the shift opening went up');
    assert.equal(r.status.backlog, 0);
    const status = await run(['sync', '--status', '--json']);
    const s = JSON.parse(status.out) as { reachable: boolean; hostAckSeq: number; status: { ackSeq: number } };
    assert.equal(s.reachable, true);
    assert.equal(s.hostAckSeq, s.status.ackSeq);
    assert.ok(!status.out.includes(secret));
  } finally {
    await fx.cleanup();
  }
});
