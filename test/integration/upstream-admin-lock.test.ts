// Administrative commands beside a live host (issue 14 item 6). The adversarial pass ran
// `register-station` and `rotate-secret` while a host served the same PGlite directory: each
// process worked on its own copy and registrations were lost. Now the serving host holds the
// directory's lock and the admin commands go through its admin API; with no host they take
// the lock themselves and queue. Real processes: `npm run upstream` serving, and the admin CLI
// spawned beside it, several at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PATHS } from '../../common/upstream-protocol.ts';
import { lockFileOf } from '../../upstream/store/dir-lock.ts';
import { hostCli, spawnHost, StationClient } from '../harness/upstream-client.ts';

const ENV = { DATABASE_URL: '', UPSTREAM_ADMIN_TOKEN: '' };
const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(4, '0')}`);

test('register-station and rotate-secret beside a live host on its PGlite directory lose nothing', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upstream-lock-'));
  const dataDir = path.join(dir, 'pglite');
  const host = await spawnHost(ENV, ['--data-dir', dataDir]);
  t.after(async () => {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const cli = (args: string[]) => hostCli(ENV, [...args, '--data-dir', dataDir]);

  // Six registrations at once, while the host serves.
  const stations = ids('ABCDEF00', 6);
  const registered = await Promise.all(stations.map((id) => cli(['register-station', '--station-id', id, '--name', `counter ${id}`]) as Promise<{ secret: string; station: { stationId: string } }>));
  assert.deepEqual(registered.map((r) => r.station.stationId), stations);
  // Each secret works against the live host at once (the change went through it).
  for (const [i, r] of registered.entries()) {
    assert.equal((await new StationClient(host.url, stations[i]!, r.secret).get(PATHS.params)).status, 200);
  }
  // Rotation beside the host: the old secret stops, the new one works.
  const rotated = (await cli(['rotate-secret', '--station-id', stations[0]!])) as { secret: string };
  assert.equal((await new StationClient(host.url, stations[0]!, registered[0]!.secret).get(PATHS.params)).status, 401);
  assert.equal((await new StationClient(host.url, stations[0]!, rotated.secret).get(PATHS.params)).status, 200);
  // A registration twice is refused by the host, with its reason.
  await assert.rejects(cli(['register-station', '--station-id', stations[1]!]), /already registered/);
  const listed = (await cli(['stations'])) as { stationId: string }[];
  assert.deepEqual(listed.map((s) => s.stationId), stations);

  // The host stops: its lock goes, and the directory itself holds every registration.
  await host.stop();
  assert.equal(existsSync(lockFileOf(dataDir)), false);
  // Admin commands with no host: they take the lock in turn (two at once), nothing lost either.
  const more = ids('ABCDEF01', 2);
  await Promise.all(more.map((id) => cli(['register-station', '--station-id', id])));
  const after = (await cli(['stations'])) as { stationId: string }[];
  assert.deepEqual(after.map((s) => s.stationId), [...stations, ...more]);

  // And the host started again finds the rotated secret.
  const again = await spawnHost(ENV, ['--data-dir', dataDir]);
  try {
    assert.equal((await new StationClient(again.url, stations[0]!, rotated.secret).get(PATHS.params)).status, 200);
  } finally {
    await again.stop();
  }
});
