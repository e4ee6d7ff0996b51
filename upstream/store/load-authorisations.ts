/**
 * The `load_authorisations` table: each MAC2 the host issued for another city's card, keyed by
 * (ASN, online ATC, random), and the verdict on the TAC of the load that confirmed it.
 */
import type { Queryable } from './database.ts';

export interface AuthorisationRow {
  auth_id: string;
  request: string;
  mac2: string;
  host_date: string;
  host_time: string;
}

export async function selectAuthorisation(db: Queryable, key: { asn: string; onlineAtc: number; random: string }): Promise<AuthorisationRow | null> {
  const r = await db.query<AuthorisationRow>(
    'SELECT auth_id, request, mac2, host_date, host_time FROM load_authorisations WHERE asn = $1 AND online_atc = $2 AND random = $3',
    [key.asn, key.onlineAtc, key.random],
  );
  return r.rows[0] ?? null;
}

/** Stores an authorisation; the same (ASN, ATC, random) again throws SQLSTATE 23505. */
export async function insertAuthorisation(
  db: Queryable,
  a: { authId: string; asn: string; onlineAtc: number; random: string; stationId: string; request: string; amountFen: number; mac2: string; hostDate: string; hostTime: string },
): Promise<void> {
  await db.query(
    `INSERT INTO load_authorisations (auth_id, asn, online_atc, random, station_id, request, amount_fen, mac2, host_date, host_time)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [a.authId, a.asn, a.onlineAtc, a.random, a.stationId, a.request, a.amountFen, a.mac2, a.hostDate, a.hostTime],
  );
}

export interface LoadAuthRow {
  auth_id: string;
  asn: string;
  online_atc: number;
  request: string;
  host_date: string;
  host_time: string;
}

/** Every authorisation of the given (ASN, online ATC) pairs, oldest first: one query per batch. */
export async function selectAuthorisationsFor(db: Queryable, loads: readonly { asn: string; onlineAtc: number }[]): Promise<LoadAuthRow[]> {
  const r = await db.query<LoadAuthRow>(
    `SELECT a.auth_id, a.asn, a.online_atc, a.request, a.host_date, a.host_time FROM load_authorisations a
     JOIN unnest($1::text[], $2::int[]) AS c(asn, online_atc) ON a.asn = c.asn AND a.online_atc = c.online_atc ORDER BY a.created_at`,
    [loads.map((c) => c.asn), loads.map((c) => c.onlineAtc)],
  );
  return r.rows;
}

/** Records TAC verdicts, one per authorisation; a verified one is never overwritten. */
export async function updateTacVerdicts(tx: Queryable, verdicts: readonly { authId: string; tac: string; status: string; entryId: string }[]): Promise<void> {
  await tx.query(
    `UPDATE load_authorisations a SET tac = v.tac, tac_status = v.status, tac_entry_id = v.entry_id, tac_checked_at = now()
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS v(auth_id, tac, status, entry_id)
     WHERE a.auth_id = v.auth_id AND a.tac_status IS DISTINCT FROM 'verified'`,
    [verdicts.map((v) => v.authId), verdicts.map((v) => v.tac), verdicts.map((v) => v.status), verdicts.map((v) => v.entryId)],
  );
}
