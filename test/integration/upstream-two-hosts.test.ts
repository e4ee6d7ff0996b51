// Two clearing-host processes (upstream/server.ts) on one PostgreSQL behave as one: they
// migrate once together, interleaved and duplicated uploads from the same stations land once
// and in order, a request replayed to the other process is refused, a load authorised at both
// at once gets one MAC2, and a card blacklisted through one is seen through the other.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { newId } from '../../common/ids.ts';
import { PATHS, type BlacklistDelta, type DayCheckpointAnswer, type EntryBatchAnswer, type ErrorAnswer, type LoadAuthAnswer } from '../../common/upstream-protocol.ts';
import { diversify, loadMac2, loadSessionKey } from '../../upstream/load-crypto.ts';
import { startPgLab, type PgLab } from '../harness/pg-lab.ts';
import { ChainMaker, hostCli, send, spawnHost, StationClient, type HostProcess } from '../harness/upstream-client.ts';
import { POSTGRES, suiteNeeding } from '../harness/system-needs.ts';

// Without POSTGRES on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(POSTGRES);

let lab: PgLab;
let env: Record<string, string>;
let hosts: HostProcess[] = [];

before(async () => {
  lab = await startPgLab();
  const keysFile = path.join(lab.dir, 'issuer-keys.json');
  writeFileSync(keysFile, JSON.stringify({ issuers: { '5810': { algorithm: '3des', version: 1, dlk: '0123456789ABCDEFFEDCBA9876543210', dtk: '00112233445566778899AABBCCDDEEFF', damk: '00112233445566778899AABBCCDDEEFF' } } }));
  env = { DATABASE_URL: await lab.createDatabase('two_hosts'), UPSTREAM_KEYS: keysFile };
  // Started together on an empty database: the migration lock lets one of them migrate.
  hosts = await Promise.all([spawnHost(env), spawnHost(env)]);
});

after(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  await lab?.stop();
});

async function register(stationId: string): Promise<StationClient> {
  const r = (await hostCli(env, ['register-station', '--station-id', stationId, '--name', `counter ${stationId}`])) as { secret: string };
  return new StationClient(hosts[0]!.url, stationId, r.secret);
}

/** What a relay does: send from ackSeq + 1, whichever host answers. */
async function upload(client: StationClient, chain: ChainMaker, hostIndex: (i: number) => number, batchSize: number): Promise<void> {
  let acked = 0;
  for (let i = 0; acked < chain.all.length; i++) {
    const entries = chain.all.slice(acked, acked + batchSize);
    const r = await client.request<EntryBatchAnswer>('POST', PATHS.entries(client.stationId), { stationId: client.stationId, entries }, { baseUrl: hosts[hostIndex(i)]!.url });
    assert.ok(r.status === 200, `upload answered ${r.status} ${JSON.stringify(r.body)}`);
    acked = r.body.ackSeq;
  }
}

test('interleaved, duplicated and concurrent batches of two stations through two hosts land once', async () => {
  const a = await register('A1B2C3D4E5F6');
  const b = await register('0A0B0C0D0E0F');
  const chainA = new ChainMaker(a.stationId);
  const chainB = new ChainMaker(b.stationId);
  chainA.batch(400);
  chainB.batch(300);

  // Chaos first: every batch of A sent to both hosts at once, some twice, in shuffled order.
  const batchesA: number[][] = [];
  for (let s = 0; s < 200; s += 25) batchesA.push([s, s + 25]);
  const sends = [...batchesA, ...batchesA.slice(2, 5)].sort(() => Math.random() - 0.5);
  const answers = await Promise.all(sends.flatMap(([from, to]) => [0, 1].map((h) =>
    a.request<EntryBatchAnswer>('POST', PATHS.entries(a.stationId), { stationId: a.stationId, entries: chainA.all.slice(from, to) }, { baseUrl: hosts[h]!.url }))));
  for (const r of answers) {
    // Early batches may meet a gap (422 CHAIN_GAP) when a later batch got there first; nothing else.
    assert.ok(r.status === 200 || (r.status === 422 && r.body.refused?.code === 'CHAIN_GAP'), JSON.stringify(r.body));
  }
  // Then both stations finish like relays, alternating hosts, concurrently.
  await Promise.all([
    upload(a, chainA, (i) => i % 2, 40),
    upload(b, chainB, (i) => (i + 1) % 2, 25),
  ]);

  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: env.DATABASE_URL });
  await c.connect();
  try {
    for (const [client, chain] of [[a, chainA], [b, chainB]] as const) {
      const held = await c.query<{ seq: string; entry_id: string; hash: string; prev_hash: string }>('SELECT seq, entry_id, hash, prev_hash FROM entries WHERE station_id = $1 ORDER BY seq', [client.stationId]);
      assert.equal(held.rows.length, chain.all.length, `${client.stationId}: no entry twice, none missing`);
      assert.deepEqual(held.rows.map((r) => [Number(r.seq), r.entry_id, r.prev_hash, r.hash]), chain.all.map((e) => [e.seq, e.entryId, e.prevHash, e.hash]));
    }
    const heads = await c.query<{ station_id: string; head_seq: string; head_hash: string }>('SELECT station_id, head_seq, head_hash FROM stations ORDER BY station_id');
    assert.deepEqual(heads.rows.map((r) => [r.station_id, Number(r.head_seq), r.head_hash]), [
      [b.stationId, 300, chainB.head],
      [a.stationId, 400, chainA.head],
    ]);
  } finally {
    await c.end();
  }

  // The day checkpoint through the other host agrees.
  const day = await a.request<DayCheckpointAnswer>('POST', PATHS.days(a.stationId), {
    stationId: a.stationId, day: '2026-11-23', firstSeq: 1, lastSeq: 400, entryCount: 400,
    byKind: [{ kind: 'topup', count: 400, amountFen: chainA.all.reduce((s, e) => s + e.amountFen, 0) }], headHash: chainA.head,
  }, { baseUrl: hosts[1]!.url });
  assert.equal(day.body.status, 'acknowledged', JSON.stringify(day.body));
});

test('a request replayed to the other host process is refused', async () => {
  const s = await register('ABCDEF000001');
  const first = await s.request('GET', `${PATHS.params}?since=0`, undefined, { baseUrl: hosts[0]!.url });
  assert.equal(first.status, 200);
  const replay = await send<ErrorAnswer>(hosts[1]!.url, 'GET', s.last!.target, '', s.last!.headers);
  assert.deepEqual([replay.status, replay.body.error.code], [401, 'REPLAY']);
});

test('the same load authorised at both hosts at once gets one MAC2; a blacklist crosses hosts', async () => {
  const s = await register('ABCDEF000002');
  const t = await register('ABCDEF000003');
  const req = {
    asn: '0000000000012345', cityCode: '5810', keyVersion: 1, algorithmId: '00', onlineAtc: 7, random: '11223344',
    oldBalanceFen: 1000, amountFen: 2000, txType: '02', terminalId: '010000000001', mac1: '51DEFC45',
  };
  const [r0, r1] = await Promise.all([0, 1].map((h) => s.request<LoadAuthAnswer>('POST', PATHS.loadAuthorize, req, { baseUrl: hosts[h]!.url })));
  assert.equal(r0!.body.status, 'authorised');
  assert.equal(r1!.body.status, 'authorised');
  if (r0!.body.status !== 'authorised' || r1!.body.status !== 'authorised') return;
  assert.deepEqual([r1!.body.authId, r1!.body.mac2, r1!.body.hostDate, r1!.body.hostTime], [r0!.body.authId, r0!.body.mac2, r0!.body.hostDate, r0!.body.hostTime]);
  // The MAC2 is the card's: recompute it from the V2 keys and the host's date/time.
  const h = (x: string): Buffer => Buffer.from(x, 'hex');
  const seslk = loadSessionKey(diversify(h('0123456789ABCDEFFEDCBA9876543210'), h(req.asn)), h(req.random), req.onlineAtc);
  const mac2 = loadMac2(seslk, { amountFen: 2000, txType: 2, terminalId: h(req.terminalId), hostDate: r0!.body.hostDate, hostTime: r0!.body.hostTime });
  assert.equal(r0!.body.mac2, mac2.toString('hex').toUpperCase());

  const since = (await t.request<BlacklistDelta>('GET', `${PATHS.blacklist}?since=0`, undefined, { baseUrl: hosts[1]!.url })).body.latest;
  const lost = await s.request('POST', PATHS.blacklist, { requestId: newId(), asn: '0000000000077777', action: 'add', reason: 'lost at station S' }, { baseUrl: hosts[0]!.url });
  assert.equal(lost.status, 200);
  const pulled = await t.request<BlacklistDelta>('GET', `${PATHS.blacklist}?since=${since}`, undefined, { baseUrl: hosts[1]!.url });
  assert.deepEqual(pulled.body.changes.map((c) => [c.asn, c.action, c.stationId]), [['0000000000077777', 'add', s.stationId]]);
});
