/** The audit trail: who did what, when, and whether it was allowed. Append-only by trigger. */
import { systemClock } from '../common/clock.ts';
import { canonicalJson, type Json } from '../common/canonical-json.ts';
import type { Queryable } from './sqlite.ts';

export type AuditOutcome = 'ok' | 'refused' | 'error';

export interface AuditRecord {
  seq: number;
  at: string;
  actor: string | null;
  action: string;
  outcome: AuditOutcome;
  details: Json;
}

export async function writeAudit(db: Queryable, actor: string | null, action: string, outcome: AuditOutcome, details: Json = {}, at: Date = systemClock()): Promise<void> {
  await db.run('INSERT INTO audit (at, actor, action, outcome, details) VALUES (?, ?, ?, ?, ?)', [at.toISOString(), actor, action, outcome, canonicalJson(details)]);
}

export async function readAudit(db: Queryable, limit = 100): Promise<AuditRecord[]> {
  const rows = await db.all<{ seq: number; at: string; actor: string | null; action: string; outcome: AuditOutcome; details: string }>(
    'SELECT * FROM audit ORDER BY seq DESC LIMIT ?', [limit]);
  return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Json }));
}
