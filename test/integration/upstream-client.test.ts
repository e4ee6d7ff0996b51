// common/upstream-client.ts against the host (PostgreSQL from the pg-lab harness): every call, answers that are
// values (409/422 uploads, refused loads), and the failures a relay must tell apart —
// refused (not retryable), unreachable, timed out, nonsense answer.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { newId } from '../../common/ids.ts';
import { UpstreamClient, UpstreamError } from '../../common/upstream-client.ts';
import { entryHash } from '../../common/ledger-hash.ts';
import { buildHost } from '../../upstream/app.ts';
import { openPostgres, type Database } from '../../upstream/store/database.ts';
import { migrate } from '../../upstream/store/migrate.ts';
import { IssuerKeys } from '../../upstream/issuer-keys.ts';
import { registerStation } from '../../upstream/stations.ts';
import { startPgLab, type PgLab } from '../harness/pg-lab.ts';
import { ChainMaker } from '../harness/upstream-client.ts';
import { POSTGRES, suiteNeeding } from '../harness/system-needs.ts';

// Without POSTGRES on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(POSTGRES);

let lab: PgLab;
let db: Database;
let app: FastifyInstance;
let base: string;
let clock = Date.now();

before(async () => {
  lab = await startPgLab();
  db = openPostgres({ connectionString: await lab.createDatabase('client_test') });
  await migrate(db);
  const keys = IssuerKeys.parse({ issuers: { '5810': { algorithm: '3des', version: 1, dlk: '0123456789ABCDEFFEDCBA9876543210' } } });
  app = buildHost({ db, keys, now: () => clock });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

after(async () => {
  await app?.close();
  await db?.close();
  await lab?.stop();
});

test('every call of the client, answers as values', async () => {
  const { secret } = await registerStation(db, { stationId: 'A1B2C3D4E5F6' });
  const c = new UpstreamClient({ baseUrl: `${base}/`, stationId: 'A1B2C3D4E5F6', secret, now: () => clock });
  assert.equal((await c.health()).ok, true);
  const chain = new ChainMaker(c.stationId);
  const up = await c.uploadEntries(chain.batch(10));
  assert.deepEqual([up.httpStatus, up.answer.ackSeq], [200, 10]);
  const changed = { ...chain.all[2]!, amountFen: 1 };
  const conflict = await c.uploadEntries([{ ...changed, hash: entryHash(changed) }]);
  assert.deepEqual([conflict.httpStatus, conflict.answer.refused?.code, conflict.answer.ackSeq], [409, 'ENTRY_CONFLICT', 10]);
  assert.deepEqual(await c.head(), { stationId: c.stationId, ackSeq: 10, headHash: chain.all[9]!.hash });
  const gap = await c.uploadEntries([chain.batch(2)[1]!]);
  assert.deepEqual([gap.httpStatus, gap.answer.refused?.code], [422, 'CHAIN_GAP']);

  const reported = await c.reportBlacklist({ requestId: newId(), asn: '0000000000088888', action: 'add', reason: 'lost' });
  assert.equal(reported.repeated, false);
  const bl = await c.blacklistDelta(0, 10);
  assert.deepEqual(bl.changes.map((x) => x.asn), ['0000000000088888']);
  assert.deepEqual((await c.paramDelta(0)).changes, []);

  clock = Date.UTC(2025, 5, 1, 1, 30, 0);
  const load = await c.authorizeLoad({ asn: '0000000000012345', cityCode: '5810', keyVersion: 1, algorithmId: '00', onlineAtc: 7, random: '11223344', oldBalanceFen: 1000, amountFen: 2000, terminalId: '010000000001', mac1: '51DEFC45' });
  assert.ok(load.status === 'authorised' && load.mac2 === '7910D74D');
  const refused = await c.authorizeLoad({ asn: '0000000000012345', cityCode: '5810', keyVersion: 1, algorithmId: '00', onlineAtc: 8, random: '11223344', oldBalanceFen: 1000, amountFen: 2000, terminalId: '010000000001', mac1: '51DEFC45' });
  assert.ok(refused.status === 'refused' && refused.code === 'MAC1_INVALID');
  clock = Date.now();

  const day = await c.checkpointDay({ stationId: c.stationId, day: '2026-11-23', firstSeq: 1, lastSeq: 10, entryCount: 10, byKind: [{ kind: 'topup', count: 10, amountFen: chain.all.slice(0, 10).reduce((s, e) => s + e.amountFen, 0) }], headHash: chain.all[9]!.hash });
  assert.equal(day.status, 'acknowledged');
  assert.equal((await c.cardBalance('0000000000088888')).blacklisted, true);

  const wrong = new UpstreamClient({ baseUrl: base, stationId: 'A1B2C3D4E5F6', secret: 'e'.repeat(64) });
  await assert.rejects(wrong.paramDelta(0), (e: unknown) => e instanceof UpstreamError && e.kind === 'http' && e.status === 401 && e.hostCode === 'AUTH' && !e.retryable && e.code === 'UPSTREAM');
});

test('unreachable, silent and nonsense hosts are told apart', async () => {
  const secret = 'a'.repeat(64);
  // A port nobody listens on.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const down = new UpstreamClient({ baseUrl: `http://127.0.0.1:${closedPort}`, stationId: 'A1B2C3D4E5F6', secret });
  await assert.rejects(down.paramDelta(0), (e: unknown) => e instanceof UpstreamError && e.kind === 'network' && e.retryable);

  // Accepts the connection, never answers.
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const mute = new UpstreamClient({ baseUrl: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, stationId: 'A1B2C3D4E5F6', secret, timeoutMs: 300 });
  await assert.rejects(mute.paramDelta(0), (e: unknown) => e instanceof UpstreamError && e.kind === 'timeout' && e.retryable);
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));

  // Answers 200 with something that is not the protocol.
  const liar = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"x"}'));
  await new Promise<void>((r) => liar.listen(0, '127.0.0.1', () => r()));
  const odd = new UpstreamClient({ baseUrl: `http://127.0.0.1:${(liar.address() as net.AddressInfo).port}`, stationId: 'A1B2C3D4E5F6', secret });
  await assert.rejects(odd.paramDelta(0), (e: unknown) => e instanceof UpstreamError && e.kind === 'protocol');
  liar.closeAllConnections();
  await new Promise<void>((r) => liar.close(() => r()));
});
