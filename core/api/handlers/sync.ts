/**
 * The upload state for the status bar (common/api-receipts.ts syncStatus): upstreamReport
 * without probing the host (the relay's own tables; docs/SYNC.md).
 */
import type { Result } from '../../../common/api.ts';
import type { Station } from '../../station.ts';
import { upstreamReport } from '../../sync.ts';
import type { ApiContext, Handlers } from '../context.ts';

export async function syncStatus(station: Station): Promise<Result<'syncStatus'>> {
  const r = await upstreamReport(station.home, station.db, station.config, false, process.env, station.now);
  const s = r.status!;
  return {
    configured: r.configured, url: r.url, online: s.online, lastOkAt: s.lastOkAt, lastError: s.lastError, lastSeq: s.lastSeq, ackSeq: s.ackSeq,
    backlog: s.backlog, quarantined: s.quarantined, blocked: s.blocked, quarantinedEntries: r.quarantinedEntries,
  };
}


export function syncHandlers(ctx: ApiContext): Handlers<'syncStatus'> {
  return {
    syncStatus: async (_p, conn) => {
      ctx.sessions.actorOf(conn);
      return syncStatus(ctx.station);
    },
  };
}
