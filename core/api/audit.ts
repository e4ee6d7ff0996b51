/**
 * Session events and refused requests go to the audit trail (docs/SECURITY.md "Audit"). A
 * failed audit write does not undo what it records (a lock stays locked); it is reported on
 * stderr. Refused requests are counted and written one row per kind at each flush
 * (core/refusal-tally.ts), so a flood of bad frames costs no row each.
 */
import { writeAudit, type AuditOutcome } from '../../db/audit.ts';
import { RefusalTally } from '../refusal-tally.ts';
import type { Station } from '../station.ts';

export type ApiAudit = (actor: string | null, action: string, outcome: AuditOutcome, details?: Record<string, string>) => Promise<void>;

const reportFailure = (err: unknown) => {
  process.stderr.write(`station serve: audit write failed: ${(err as Error).message}\n`);
};

export function apiAudit(station: Station): ApiAudit {
  return (actor, action, outcome, details = {}) =>
    writeAudit(station.db, actor, action, outcome, { via: 'station-api', ...details }, station.now()).catch(reportFailure);
}

export function refusalTally(station: Station, flushMs: number | undefined): RefusalTally {
  return new RefusalTally({
    now: () => station.now(),
    flushMs,
    write: (r, outcome) => writeAudit(station.db, r.actor, r.action, outcome, {
      via: 'station-api', reason: r.reason, count: r.count, connections: r.connections, source: r.source, firstAt: r.firstAt.toISOString(),
    }, r.lastAt).catch(reportFailure),
  });
}
