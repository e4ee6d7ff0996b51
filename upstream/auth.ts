/**
 * Verifies a signed request (common/upstream-signing.ts) and refuses replays. The nonce store
 * is a table, not memory, so a request replayed to another host process is refused too.
 * Order matters: the signature is checked before the nonce is stored, so strangers cannot
 * fill the table.
 */
import { readSignatureHeaders, verifySignature, DEFAULT_WINDOW_SECONDS } from '../common/upstream-signing.ts';
import type { Database } from './store/database.ts';
import { HostError } from './host-error.ts';
import { stationAuth } from './stations.ts';
import { deleteNoncesOlderThan, insertNonce } from './store/request-nonces.ts';

/** About one request in this many prunes nonces older than twice the window. */
const PRUNE_EVERY = 200;

export interface AuthOptions {
  db: Database;
  now: () => number;
  windowSeconds?: number;
}

export async function authenticate(
  opts: AuthOptions,
  req: { method: string; target: string; body: Buffer | string; headers: Record<string, string | string[] | undefined> },
): Promise<string> {
  const got = readSignatureHeaders(req.headers);
  if (typeof got === 'string') {
    throw new HostError(401, 'AUTH', got === 'MISSING' ? 'request is not signed (x-cu-station, x-cu-timestamp, x-cu-nonce, x-cu-signature)' : 'signature headers are malformed');
  }
  const station = await stationAuth(opts.db, got.stationId);
  if (!station) throw new HostError(401, 'AUTH', `station ${got.stationId} is not registered`);
  if (station.disabled) throw new HostError(403, 'FORBIDDEN', `station ${got.stationId} is disabled`);
  const windowSeconds = opts.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
  const problem = verifySignature(station.secret, { method: req.method, target: req.target, body: req.body }, got, { nowMs: opts.now(), windowSeconds });
  if (problem === 'STALE') throw new HostError(401, 'STALE', `request timestamp is more than ${windowSeconds} s from the host's clock; check the station's clock`);
  if (problem !== null) throw new HostError(401, 'AUTH', 'signature does not verify');
  if (!(await insertNonce(opts.db, got.stationId, got.nonce))) throw new HostError(401, 'REPLAY', 'this request was already received (replay refused); sign every attempt anew');
  if (Math.random() * PRUNE_EVERY < 1) {
    await deleteNoncesOlderThan(opts.db, windowSeconds * 2);
  }
  return got.stationId;
}
