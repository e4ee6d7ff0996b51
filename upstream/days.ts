/**
 * End-of-day checkpoints: the station says "entries firstSeq..lastSeq are my day: this many,
 * these sums by kind, ending in this hash"; the host answers from its own copy. An
 * acknowledged day is final: the same checkpoint again gets the same answer, a different one
 * is a conflict. Mismatches and incomplete days are recorded (last attempt) for the operators
 * of the clearing center.
 */
import { canonicalJson } from '../common/canonical-json.ts';
import { GENESIS_HASH } from '../common/ledger-hash.ts';
import type { DayCheckpoint, DayCheckpointAnswer, DayDifference, KindTotal } from '../common/upstream-protocol.ts';
import type { Database, Queryable } from './store/database.ts';
import { selectCheckpoint, upsertCheckpoint } from './store/day-checkpoints.ts';
import { selectEntryHash, selectKindTotals } from './store/entries.ts';
import { lockStationHead } from './store/stations.ts';
import { HostError } from './host-error.ts';

function normalise(c: DayCheckpoint): DayCheckpoint {
  return { ...c, byKind: [...c.byKind].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)) };
}

export async function checkDay(db: Database, stationId: string, input: DayCheckpoint): Promise<DayCheckpointAnswer> {
  const c = normalise(input);
  if (c.firstSeq > c.lastSeq + 1) throw new HostError(400, 'BAD_REQUEST', `firstSeq ${c.firstSeq} is beyond lastSeq ${c.lastSeq} + 1`);
  if (c.entryCount !== c.lastSeq - c.firstSeq + 1) throw new HostError(400, 'BAD_REQUEST', `entryCount ${c.entryCount} is not lastSeq − firstSeq + 1`);
  if (new Set(c.byKind.map((k) => k.kind)).size !== c.byKind.length) throw new HostError(400, 'BAD_REQUEST', 'a kind appears twice in byKind');
  const text = canonicalJson(c);

  return db.transaction(async (tx) => {
    // The station row lock orders this against the station's uploads on any host process.
    const head = await lockStationHead(tx, stationId);
    if (!head) throw new HostError(404, 'NOT_FOUND', `station ${stationId} is not registered`);
    const heldThroughSeq = head.headSeq;
    const p = await selectCheckpoint(tx, stationId, c.day);
    if (p && p.status === 'acknowledged') {
      if (p.checkpoint !== text) throw new HostError(409, 'CONFLICT', `day ${c.day} of station ${stationId} was acknowledged with a different checkpoint`);
      return { status: 'acknowledged', stationId, day: c.day, heldThroughSeq, differences: [], acknowledgedAt: new Date(p.acknowledged_at!).toISOString() };
    }

    let status: DayCheckpointAnswer['status'];
    let differences: DayDifference[] = [];
    if (heldThroughSeq < c.lastSeq) {
      status = 'incomplete';
    } else {
      differences = await compare(tx, stationId, c);
      status = differences.length === 0 ? 'acknowledged' : 'mismatch';
    }
    const at = await upsertCheckpoint(tx, { stationId, day: c.day, checkpoint: text, status, differences });
    return { status, stationId, day: c.day, heldThroughSeq, differences, acknowledgedAt: at === null ? null : new Date(at).toISOString() };
  });
}

async function compare(tx: Queryable, stationId: string, c: DayCheckpoint): Promise<DayDifference[]> {
  const diffs: DayDifference[] = [];
  const kinds = await selectKindTotals(tx, stationId, c.firstSeq, c.lastSeq);
  const host = new Map<string, KindTotal>(kinds.map((k) => [k.kind, k]));
  const station = new Map(c.byKind.map((k) => [k.kind, k]));
  const hostCount = [...host.values()].reduce((s, k) => s + k.count, 0);
  if (hostCount !== c.entryCount) diffs.push({ field: 'entryCount', station: c.entryCount, host: hostCount });
  for (const kind of [...new Set([...host.keys(), ...station.keys()])].sort()) {
    const h = host.get(kind) ?? { kind, count: 0, amountFen: 0 };
    const s = station.get(kind) ?? { kind, count: 0, amountFen: 0 };
    if (h.count !== s.count) diffs.push({ field: `byKind.${kind}.count`, station: s.count, host: h.count });
    if (h.amountFen !== s.amountFen) diffs.push({ field: `byKind.${kind}.amountFen`, station: s.amountFen, host: h.amountFen });
  }
  let hostHash = GENESIS_HASH;
  if (c.lastSeq > 0) {
    hostHash = (await selectEntryHash(tx, stationId, c.lastSeq)) ?? '(none)';
  }
  if (hostHash !== c.headHash) diffs.push({ field: 'headHash', station: c.headHash, host: hostHash });
  return diffs;
}
