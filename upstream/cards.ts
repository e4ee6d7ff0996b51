/**
 * A lost card's balance for replacement (PRODUCT.md workflow 6, CARD-PROTOCOL.md §8.6), from
 * what the host can check itself — never from a station's word (docs/UPSTREAM.md "What the
 * host trusts"). The adversarial pass of issue 14 set any card's host balance by uploading an
 * entry with `payload.balanceAfterFen`; a replacement would then pay out that amount.
 *
 * Now the balance is the new balance of the card's latest load whose TAC verifies: the card
 * computes that TAC with its own key over its new balance, its online counter, the amount, the
 * terminal and the date/time (§5.4), and the host holds the issuer's DTK, so a station cannot
 * make one up. "Latest" is by the card's own online counter, not by the time a station wrote,
 * which a station chooses. Other entries of the card (lost reports, fees, refunds, loads whose
 * TAC does not verify or that lack the fields to check) do not set or move the balance. A
 * city whose DTK the host lacks has no verifiable balance here: basis `none`, and the station
 * keeps the replacement waiting for a person.
 *
 * Limit (also in docs/UPSTREAM.md): spending on transit after the last counter load is not
 * seen by this reference host; a clearing center subtracts the cleared purchases, which carry
 * their own TACs, the same way.
 */
import { isLoadEvent, parseLedgerEvent } from '../common/ledger-events.ts';
import type { CardBalanceAnswer } from '../common/upstream-protocol.ts';
import type { Queryable } from './store/database.ts';
import { blacklistStatus } from './deltas.ts';
import { selectCardEntries } from './store/entries.ts';
import type { IssuerKeys } from './issuer-keys.ts';
import { tacVerifies, type LoadTacFields } from './load-tac.ts';

/** Entries scanned per card: a card sees a few hundred counter movements in its life. */
const MAX_CARD_ENTRIES = 50_000;
/** CARD-PROTOCOL.md §5.4: an electronic-purse load. */
const TX_TYPE_EP_LOAD = 0x02;

const isHexOf = (v: unknown, bytes: number): v is string => typeof v === 'string' && v.length === bytes * 2 && /^[0-9A-Fa-f]+$/.test(v);
const isFen = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 0xffffffff;

/**
 * The fields of a load entry the card's TAC covers, or null when it is not a checkable load of
 * this card: a load kind whose payload parses (common/ledger-events.ts) and carries the TAC and
 * the host date/time it covers.
 */
export function loadEvidence(kind: string, payloadText: string, asn: string): (LoadTacFields & { tac: string }) | null {
  const r = parseLedgerEvent(kind, JSON.parse(payloadText));
  if (!r.ok || !isLoadEvent(r.event)) return null;
  const { tac, cityCode, onlineAtc, balanceBeforeFen, balanceAfterFen, terminalId, hostDate, hostTime } = r.event.payload;
  if (!isHexOf(tac, 4) || !isHexOf(cityCode, 2) || !isHexOf(terminalId, 6) || !isHexOf(hostDate, 4) || !isHexOf(hostTime, 3)) return null;
  if (r.event.payload.asn.toUpperCase() !== asn) return null;
  if (!isFen(balanceBeforeFen) || !isFen(balanceAfterFen) || balanceAfterFen <= balanceBeforeFen) return null;
  return {
    cityCode, asn, newBalanceFen: balanceAfterFen, onlineAtc, amountFen: balanceAfterFen - balanceBeforeFen, txType: TX_TYPE_EP_LOAD,
    terminalId, hostDate, hostTime, tac,
  };
}

export async function cardBalance(db: Queryable, keys: IssuerKeys, asnRaw: string): Promise<CardBalanceAnswer> {
  const asn = asnRaw.toUpperCase();
  const refs = [...new Set([`cpu:${asn}`, asn, `cpu:${asn.toLowerCase()}`, asn.toLowerCase()])];
  const rows = await selectCardEntries(db, refs, MAX_CARD_ENTRIES);
  let best: { onlineAtc: number; balanceFen: number; asOf: NonNullable<CardBalanceAnswer['asOf']> } | null = null;
  for (const e of rows) {
    const load = loadEvidence(e.kind, e.payload, asn);
    if (load === null || (best !== null && load.onlineAtc <= best.onlineAtc)) continue;
    if (tacVerifies(keys, load, load.tac) !== true) continue;
    best = { onlineAtc: load.onlineAtc, balanceFen: load.newBalanceFen, asOf: { entryId: e.entry_id, stationId: e.station_id, seq: Number(e.seq), at: e.at } };
  }
  const bl = await blacklistStatus(db, asn);
  return {
    asn, balanceFen: best?.balanceFen ?? null, basis: best === null ? 'none' : 'verified', asOf: best?.asOf ?? null,
    entries: rows.length, blacklisted: bl.blacklisted, blacklistedAt: bl.at,
  };
}
