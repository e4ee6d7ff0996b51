// The host on its embedded default (PGlite, no DATABASE_URL): the same migrations and the
// same behaviour in memory, and `upstream/server.ts` with a data dir that keeps a registered
// station across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newId } from '../../common/ids.ts';
import { PATHS, type BlacklistDelta, type DayCheckpointAnswer, type EntryBatchAnswer, type LoadAuthAnswer, type ParamDelta } from '../../common/upstream-protocol.ts';
import { buildHost } from '../../upstream/app.ts';
import { openPglite } from '../../upstream/store/database.ts';
import { migrate } from '../../upstream/store/migrate.ts';
import { IssuerKeys } from '../../upstream/issuer-keys.ts';
import { registerStation } from '../../upstream/stations.ts';
import { ChainMaker, hostCli, spawnHost, StationClient } from '../harness/upstream-client.ts';

test('in-memory PGlite: upload, repeat, conflict, checkpoint, load, blacklist', async () => {
  const db = await openPglite();
  const keys = IssuerKeys.parse({ issuers: { '5810': { algorithm: '3des', version: 1, dlk: '0123456789ABCDEFFEDCBA9876543210' } } });
  let clock = Date.now();
  const app = buildHost({ db, keys, now: () => clock });
  try {
    assert.deepEqual(await migrate(db), [1, 2]);
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const { secret } = await registerStation(db, { stationId: 'A1B2C3D4E5F6' });
    const s = new StationClient(base, 'A1B2C3D4E5F6', secret, () => clock);
    const chain = new ChainMaker(s.stationId);
    const entries = chain.batch(30);
    const up = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries });
    assert.deepEqual([up.status, up.body.ackSeq, up.body.stored], [200, 30, 30]);
    const again = await s.post<EntryBatchAnswer>(PATHS.entries(s.stationId), { stationId: s.stationId, entries: entries.slice(10) });
    assert.deepEqual([again.status, again.body.duplicates], [200, 20]);
    const forged = { ...entries[5]!, hash: 'c'.repeat(64) };
    assert.equal((await s.post(PATHS.entries(s.stationId), { stationId: s.stationId, entries: [forged] })).status, 409);
    const day = await s.post<DayCheckpointAnswer>(PATHS.days(s.stationId), {
      stationId: s.stationId, day: '2026-11-23', firstSeq: 1, lastSeq: 30, entryCount: 30,
      byKind: [{ kind: 'topup', count: 30, amountFen: entries.reduce((n, e) => n + e.amountFen, 0) }], headHash: chain.head,
    });
    assert.equal(day.body.status, 'acknowledged');

    clock = Date.UTC(2025, 5, 1, 1, 30, 0);
    const load = await s.post<LoadAuthAnswer>(PATHS.loadAuthorize, {
      asn: '0000000000012345', cityCode: '5810', keyVersion: 1, algorithmId: '00', onlineAtc: 7, random: '11223344',
      oldBalanceFen: 1000, amountFen: 2000, terminalId: '010000000001', mac1: '51DEFC45',
    });
    assert.equal(load.body.status, 'authorised');
    if (load.body.status === 'authorised') assert.equal(load.body.mac2, '7910D74D');
    clock = Date.now();

    await s.post(PATHS.blacklist, { requestId: newId(), asn: '0000000000012345', action: 'add', reason: 'lost' });
    const bl = await s.get<BlacklistDelta>(`${PATHS.blacklist}?since=0`);
    assert.deepEqual(bl.body.changes.map((c) => [c.version, c.asn]), [[1, '0000000000012345']]);
  } finally {
    await app.close();
    await db.close();
  }
});

test('npm run upstream on a PGlite data dir: register with the CLI, serve, restart, still registered', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upstream-pglite-'));
  const env = { DATABASE_URL: '' };
  try {
    const r = (await hostCli(env, ['register-station', '--station-id', 'ABCDEF123456', '--data-dir', dir])) as { secret: string };
    for (let round = 0; round < 2; round++) {
      const host = await spawnHost(env, ['--data-dir', dir]);
      try {
        const s = new StationClient(host.url, 'ABCDEF123456', r.secret);
        const p = await s.get<ParamDelta>(`${PATHS.params}?since=0`);
        assert.equal(p.status, 200, `round ${round}`);
      } finally {
        await host.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
