/**
 * The load confirmation of another city's card: the station's ledger entry of a load the host
 * authorised carries the TAC the card returned (payload `tac`, with `tacVerified: false`, since
 * the station has no DTK for that city). The host holds that issuer's DTK, so it verifies the
 * TAC against the authorisation it issued (same ASN and online counter; the amount, terminal
 * and the host date/time MAC2 covered): a TAC that verifies is stored on the authorisation as
 * `verified`; one that does not makes the entry `rejected` (TAC_MISMATCH: held for the chain,
 * not cleared, quarantined at the station for a person) and the authorisation `mismatch`.
 *
 * Entries of loads the host did not authorise (the station's own cities), entries whose TAC
 * the station verified itself, and cities whose DTK the host lacks are not checked here.
 */
import { isLoadEvent, parseLedgerEvent } from '../common/ledger-events.ts';
import type { WireEntry } from '../common/upstream-protocol.ts';
import type { IssuerKeys } from './issuer-keys.ts';
import { diversify, loadTac, macEqual } from './load-crypto.ts';
import type { Queryable } from './store/database.ts';
import { selectAuthorisationsFor, updateTacVerdicts, type LoadAuthRow } from './store/load-authorisations.ts';

export interface TacVerdict {
  authId: string;
  tac: string;
  status: 'verified' | 'mismatch';
  /** For a mismatch: why, for the station's quarantine list. */
  reason: string;
}

interface Candidate {
  index: number;
  asn: string;
  onlineAtc: number;
  tac: string;
}

/** What a load's TAC covers (CARD-PROTOCOL.md §5.4), as the host has it. */
export interface LoadTacFields {
  cityCode: string;
  asn: string;
  newBalanceFen: number;
  onlineAtc: number;
  amountFen: number;
  txType: number;
  terminalId: string;
  hostDate: string;
  hostTime: string;
}

/**
 * Whether `tac` is the card's TAC over these fields, computed with its issuer's DTK
 * diversified by the ASN; null when the host holds no DTK for that city (it cannot tell).
 */
export function tacVerifies(keys: IssuerKeys, f: LoadTacFields, tac: string): boolean | null {
  return keys.withDtk(f.cityCode, (dtk) => {
    const cardDtk = diversify(dtk, Buffer.from(f.asn, 'hex'));
    try {
      const expected = loadTac(cardDtk, {
        newBalanceFen: f.newBalanceFen, onlineAtc: f.onlineAtc, amountFen: f.amountFen, txType: f.txType,
        terminalId: Buffer.from(f.terminalId, 'hex'), hostDate: f.hostDate, hostTime: f.hostTime,
      });
      return macEqual(expected, Buffer.from(tac, 'hex'));
    } finally {
      cardDtk.fill(0);
    }
  });
}

/** The load entries whose TAC the host can check: a TAC the station could not verify, the card's ASN and counter. */
function candidates(entries: readonly WireEntry[]): Candidate[] {
  const out: Candidate[] = [];
  for (let i = 0; i < entries.length; i++) {
    // A load whose payload parses (common/ledger-events.ts): ASN and counter are then well formed.
    const r = parseLedgerEvent(entries[i]!.kind, entries[i]!.payload);
    if (!r.ok || !isLoadEvent(r.event)) continue;
    const { tac, tacVerified, asn, onlineAtc } = r.event.payload;
    if (tacVerified !== false || typeof tac !== 'string' || !/^[0-9A-Fa-f]{8}$/.test(tac)) continue;
    out.push({ index: i, asn: asn.toUpperCase(), onlineAtc, tac: tac.toUpperCase() });
  }
  return out;
}

/**
 * Verdicts by entry index for the entries of a batch that confirm a load this host
 * authorised. One query per batch, none when no entry qualifies (the common case).
 */
export async function checkLoadTacs(db: Queryable, keys: IssuerKeys, entries: readonly WireEntry[]): Promise<Map<number, TacVerdict>> {
  const verdicts = new Map<number, TacVerdict>();
  const cands = candidates(entries);
  if (cands.length === 0) return verdicts;
  const auths = await selectAuthorisationsFor(db, cands);
  for (const c of cands) {
    // A new INITIALIZE (new random) gets its own authorisation: the card's TAC fits one of them.
    const rows = auths.filter((a) => a.asn === c.asn && Number(a.online_atc) === c.onlineAtc);
    let checked: LoadAuthRow | null = null;
    let match: LoadAuthRow | null = null;
    for (const a of rows) {
      const req = JSON.parse(a.request) as { cityCode: string; oldBalanceFen: number; amountFen: number; txType: string; terminalId: string };
      const ok = tacVerifies(keys, {
        cityCode: req.cityCode, asn: c.asn, newBalanceFen: req.oldBalanceFen + req.amountFen, onlineAtc: c.onlineAtc, amountFen: req.amountFen,
        txType: Number.parseInt(req.txType, 16), terminalId: req.terminalId, hostDate: a.host_date, hostTime: a.host_time,
      }, c.tac);
      if (ok === null) continue; // no DTK for that issuer here
      checked ??= a;
      if (ok) {
        match = a;
        break;
      }
    }
    if (match !== null) verdicts.set(c.index, { authId: match.auth_id, tac: c.tac, status: 'verified', reason: '' });
    else if (checked !== null) {
      verdicts.set(c.index, {
        authId: checked.auth_id, tac: c.tac, status: 'mismatch',
        reason: `TAC ${c.tac} of card ${c.asn} (counter ${c.onlineAtc}) does not verify with its issuer's key for the load the host authorised (${checked.auth_id}): the load may not be on the card, or the card is not genuine`,
      });
    }
  }
  return verdicts;
}

/**
 * Records the verdicts of the entries stored now on their authorisations (in the upload's
 * transaction). A verified confirmation stays: a later entry claiming the same load with
 * another TAC is rejected but does not overwrite it.
 */
export async function recordLoadTacs(tx: Queryable, all: readonly (TacVerdict & { entryId: string })[]): Promise<void> {
  // One row per authorisation (an UPDATE … FROM takes one arbitrary match): a verified one wins, else the first.
  const byAuth = new Map<string, TacVerdict & { entryId: string }>();
  for (const v of all) {
    const seen = byAuth.get(v.authId);
    if (seen === undefined || (seen.status !== 'verified' && v.status === 'verified')) byAuth.set(v.authId, v);
  }
  const verdicts = [...byAuth.values()];
  if (verdicts.length === 0) return;
  await updateTacVerdicts(tx, verdicts);
}
