/**
 * The load (圈存) exchange as steps the ledger workflow calls one by one, persisting the
 * returned PendingLoad between them (CARD-PROTOCOL.md §8.2): initLoad → authorizeLoad (SAM
 * checks MAC1, gives MAC2 for the host date/time) → creditLoad (→ TAC) → verifyLoadTac.
 * settleLoad is the recovery read of §8.3 for a load whose CREDIT outcome is unknown.
 * Every value in PendingLoad is plain JSON so the workflow can store it as-is.
 */
import type { LoadEvidence } from '../../common/card-intents.ts';
import { BadInputError, CardStatusError, StationError } from '../../common/errors.ts';
import { bcdDateTime } from '../../common/bcd.ts';
import { isHex, toHex } from '../../common/hex.ts';
import { MAX_CARD_FEN } from '../../common/money.ts';
import type { HostDateTime, LoadAuthorizationRequest, SecurityModule } from '../sam/security-module.ts';
import { CpuClient, TX_TYPE_EP_LOAD } from './cpu-client.ts';
import { EF0015_BYTES, parseEf0015, type LogRecord } from './files.ts';

export const MAX_COUNTER = 0xffff;

/**
 * A load between its steps: the card and amount, the INITIALIZE FOR LOAD answer (old balance and
 * the counter N this load is bound to) and, once authorised, the host date/time MAC2 covers and
 * MAC2. It is the evidence the intent stores, so its shape is the intent's (common/card-intents.ts).
 */
export type PendingLoad = Omit<LoadEvidence, 'tac'>;

function authRequest(p: PendingLoad): LoadAuthorizationRequest {
  return { asn: p.asn, cityCode: p.cityCode, init: p.init, amountFen: p.amountFen, terminalId: p.terminalId };
}

/**
 * Step 1: INITIALIZE FOR LOAD on the (already selected) card whose identity the caller read.
 * Counters do not change here, so a failure at this step never needs recovery.
 */
export async function initLoad(client: CpuClient, o: { asn: string; cityCode: string; amountFen: number; terminalId: string; keyIndex?: number }): Promise<PendingLoad> {
  if (!isHex(o.asn, 8)) throw new BadInputError(`asn must be 16 hex digits, got "${o.asn}"`);
  if (!isHex(o.cityCode, 2)) throw new BadInputError(`cityCode must be 4 hex digits, got "${o.cityCode}"`);
  if (!Number.isSafeInteger(o.amountFen) || o.amountFen < 1 || o.amountFen > MAX_CARD_FEN) throw new BadInputError(`load amount must be 1..${MAX_CARD_FEN} fen`);
  const keyIndex = o.keyIndex ?? 1;
  const init = await client.initializeForLoad({ keyIndex, amountFen: o.amountFen, terminalId: o.terminalId });
  if (init.oldBalanceFen + o.amountFen > MAX_CARD_FEN) throw new BadInputError(`balance ${init.oldBalanceFen} + ${o.amountFen} fen overflows the purse`);
  return { asn: o.asn.toUpperCase(), cityCode: o.cityCode.toUpperCase(), amountFen: o.amountFen, terminalId: o.terminalId.toUpperCase(), keyIndex, init };
}

/** Host date/time as the card stores it, China local time. */
export function hostDateTimeOf(at: Date): HostDateTime {
  const { date, time } = bcdDateTime(at);
  return { date: toHex(date), time: toHex(time) };
}

/** Step 2: the security module verifies MAC1 and issues MAC2 for `at`. Returns the updated pending load. */
export async function authorizeLoad(sam: SecurityModule, pending: PendingLoad, at: Date): Promise<PendingLoad> {
  const proposed = hostDateTimeOf(at);
  const answer = await sam.authorizeLoad(authRequest(pending), proposed);
  const { mac2 } = answer;
  if (!isHex(mac2, 4)) throw new StationError('CRYPTO', 'security module returned a malformed MAC2');
  // A host-backed module's MAC2 covers the host's own date and time.
  const hostDateTime = answer.hostDateTime ?? proposed;
  if (!/^[0-9]{8}$/.test(hostDateTime.date) || !/^[0-9]{6}$/.test(hostDateTime.time)) throw new StationError('CRYPTO', 'security module returned a malformed host date/time');
  return { ...pending, hostDateTime, mac2: mac2.toUpperCase() };
}

/** Step 3: CREDIT FOR LOAD. A CardRemovedError here means "outcome unknown": run settleLoad. */
export async function creditLoad(client: CpuClient, pending: PendingLoad): Promise<string> {
  if (pending.mac2 === undefined || pending.hostDateTime === undefined) throw new BadInputError('creditLoad needs an authorised pending load (MAC2 and host date/time)');
  return client.creditForLoad({ hostDate: pending.hostDateTime.date, hostTime: pending.hostDateTime.time, mac2: pending.mac2 });
}

/** Step 4: the TAC proves the card applied exactly this load. */
export async function verifyLoadTac(sam: SecurityModule, pending: PendingLoad, tac: string): Promise<boolean> {
  if (pending.hostDateTime === undefined) throw new BadInputError('verifyLoadTac needs the host date/time of the load');
  return sam.verifyLoadTac({ ...authRequest(pending), hostDateTime: pending.hostDateTime, newBalanceFen: pending.init.oldBalanceFen + pending.amountFen, tac });
}

/**
 * Step 4 prepared before step 3: the TAC check of an authorised load as a comparison, when the
 * module can compute the TAC the card must return (null: use verifyLoadTac after CREDIT). The
 * comparison answers exactly what verifyLoadTac would; a malformed TAC goes to verifyLoadTac.
 */
export async function prepareLoadTacCheck(sam: SecurityModule, pending: PendingLoad): Promise<((tac: string) => boolean) | null> {
  if (pending.hostDateTime === undefined || sam.expectedLoadTac === undefined) return null;
  const expected = await sam.expectedLoadTac({ ...authRequest(pending), hostDateTime: pending.hostDateTime, newBalanceFen: pending.init.oldBalanceFen + pending.amountFen });
  if (expected === null || !isHex(expected, 4)) return null;
  const want = expected.toUpperCase();
  return (tac) => {
    if (!isHex(tac, 4)) throw new BadInputError(`tac must be 8 hex digits, got "${tac}"`);
    return tac.toUpperCase() === want;
  };
}

export type SettleLoadResult =
  | { verdict: 'committed'; tac: string | null; tacVerified: boolean | null; balanceFen: number; onlineAtc: number | null }
  | { verdict: 'not-applied'; balanceFen: number; onlineAtc: number | null }
  | { verdict: 'different-card'; asn: string };

function isOurRecord(rec: LogRecord, p: PendingLoad): boolean {
  if (rec.seq !== p.init.onlineAtc || rec.type !== TX_TYPE_EP_LOAD || rec.amountFen !== p.amountFen || rec.terminal !== p.terminalId) return false;
  if (p.hostDateTime === undefined) return true;
  const d = p.hostDateTime.date;
  const t = p.hostDateTime.time;
  return rec.at === `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}+08:00`;
}

function mismatch(message: string): StationError {
  return new StationError('CARD_MISMATCH', `load recovery: ${message}`, 'Keep the load open (in doubt); the clearing host resolves it from the card\'s next online transaction');
}

/**
 * Recovery (§8.3) for a load whose CREDIT FOR LOAD answer never arrived. Reads, in order:
 * SELECT (EF 0015 from the FCI: same ASN?), INITIALIZE FOR LOAD with amount 0 (balance and the
 * online counter, changes nothing), log record 1, and when the card moved to N+1 with the
 * right balance and our log record, GET TRANSACTION PROVE with N+1 for the TAC.
 */
export async function settleLoad(client: CpuClient, pending: PendingLoad, sam?: SecurityModule): Promise<SettleLoadResult> {
  const selected = await client.select();
  const disc = selected.fci?.discretionary;
  const info = parseEf0015(disc !== undefined && disc !== null && disc.length === EF0015_BYTES ? disc : await client.readEf0015Raw());
  if (info.asn !== pending.asn) return { verdict: 'different-card', asn: info.asn };

  const n = pending.init.onlineAtc;
  const oldBalanceFen = pending.init.oldBalanceFen;
  let balanceFen: number;
  let onlineAtc: number | null;
  try {
    const probe = await client.initializeForLoad({ keyIndex: pending.keyIndex, amountFen: 0, terminalId: pending.terminalId });
    balanceFen = probe.oldBalanceFen;
    onlineAtc = probe.onlineAtc;
  } catch (err) {
    if (!(err instanceof CardStatusError)) throw err;
    // 9402: the counter is at its maximum, which is itself the answer; other refusals (blocked
    // application) leave the counter unknown and the log record decides.
    onlineAtc = err.sw === 0x9402 ? MAX_COUNTER : null;
    balanceFen = await client.getBalance();
  }
  const [latest] = await client.readLog(1);

  const moved = onlineAtc === null ? balanceFen === oldBalanceFen + pending.amountFen : onlineAtc === n + 1;
  if (moved && balanceFen === oldBalanceFen + pending.amountFen) {
    if (latest === undefined || !isOurRecord(latest, pending)) {
      throw mismatch(`card ${info.asn} shows balance ${balanceFen} and counter ${onlineAtc ?? '?'} but its newest log record is not this load`);
    }
    const { tac } = await client.getTransactionProve(TX_TYPE_EP_LOAD, n + 1);
    let tacVerified: boolean | null = null;
    if (sam !== undefined && pending.hostDateTime !== undefined) {
      tacVerified = await verifyLoadTac(sam, pending, tac);
      if (!tacVerified) throw new StationError('CRYPTO', `TAC ${tac} from GET TRANSACTION PROVE does not verify for this load`);
    }
    return { verdict: 'committed', tac, tacVerified, balanceFen, onlineAtc };
  }
  const unmoved = onlineAtc === null ? latest === undefined || !isOurRecord(latest, pending) : onlineAtc === n;
  if (unmoved && balanceFen === oldBalanceFen) return { verdict: 'not-applied', balanceFen, onlineAtc };
  if (onlineAtc !== null && onlineAtc > n + 1) {
    // Later transactions followed; the TAC of ours is no longer retrievable from the card, but
    // the log may still prove the load happened.
    const log = await client.readLog();
    if (log.some((r) => isOurRecord(r, pending))) return { verdict: 'committed', tac: null, tacVerified: null, balanceFen, onlineAtc };
  }
  throw mismatch(`card ${info.asn} is at counter ${onlineAtc ?? '?'} with balance ${balanceFen} fen; expected counter ${n} or ${n + 1} and balance ${oldBalanceFen} or ${oldBalanceFen + pending.amountFen}`);
}
