/**
 * Load authorisation for other cities' cards (CARD-PROTOCOL.md §5.4, §6, §8.2): verify MAC1
 * with the issuer's DLK diversified by the ASN, then issue MAC2 over the amount, terminal and
 * the host's date/time. Idempotent per (ASN, online ATC, random): asking again returns the
 * stored MAC2 with the same date/time (MAC2 covers them), so a station that lost the answer
 * can finish the same INITIALIZE; a different request under the same key is a conflict.
 * A new INITIALIZE has a new random and gets its own authorisation.
 */
import { chinaHms, chinaYmd } from '../common/china-time.ts';
import { canonicalJson } from '../common/canonical-json.ts';
import { newId } from '../common/ids.ts';
import { MAX_PURSE_FEN, type LoadAuthAnswer, type LoadAuthRequestParsed } from '../common/upstream-protocol.ts';
import { sqlState, type Database } from './store/database.ts';
import { blacklistStatus, currentParam } from './deltas.ts';
import { HostError } from './host-error.ts';
import { insertAuthorisation, selectAuthorisation } from './store/load-authorisations.ts';
import type { IssuerKeys } from './issuer-keys.ts';
import { diversify, loadMac1, loadMac2, loadSessionKey, macEqual } from './load-crypto.ts';

/** Card-holder limits (PRODUCT.md top-up: balance after ≤ 100000 fen) unless `limits` says otherwise. */
export const DEFAULT_MAX_BALANCE_FEN = 100_000;
export function hostDateTime(nowMs: number): { hostDate: string; hostTime: string } {
  // City Union cards are loaded in China time, whatever the host's clock zone.
  return { hostDate: chinaYmd(nowMs), hostTime: chinaHms(nowMs) };
}

/** The request as stored, for the same-request check: canonical, hex in upper case. */
function normalise(req: LoadAuthRequestParsed): LoadAuthRequestParsed {
  return {
    ...req,
    asn: req.asn.toUpperCase(),
    cityCode: req.cityCode.toUpperCase(),
    algorithmId: req.algorithmId.toUpperCase(),
    random: req.random.toUpperCase(),
    terminalId: req.terminalId.toUpperCase(),
    mac1: req.mac1.toUpperCase(),
  };
}

type Refused = Extract<LoadAuthAnswer, { status: 'refused' }>;
const refused = (code: Refused['code'], reason: string): Refused => ({ status: 'refused', code, reason });

async function maxBalanceFen(db: Database): Promise<number> {
  const limits = await currentParam(db, 'limits');
  const v = limits !== null && typeof limits === 'object' && !Array.isArray(limits) ? limits.maxBalanceFen : undefined;
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? Math.min(v, MAX_PURSE_FEN) : DEFAULT_MAX_BALANCE_FEN;
}

export interface LoadContext {
  db: Database;
  keys: IssuerKeys;
  now: () => number;
}

export async function authorizeLoad(ctx: LoadContext, stationId: string, raw: LoadAuthRequestParsed): Promise<LoadAuthAnswer> {
  const req = normalise(raw);
  const stored = canonicalJson(req);
  const p = await selectAuthorisation(ctx.db, req);
  if (p) {
    if (p.request !== stored) throw new HostError(409, 'CONFLICT', `load ${req.asn}/${req.onlineAtc}/${req.random} was already authorised for a different request`);
    return authorised(req, p.auth_id, p.mac2, p.host_date, p.host_time, true);
  }

  const issuer = ctx.keys.info(req.cityCode);
  if (!issuer) return refused('UNKNOWN_ISSUER', `the host holds no keys for issuer city ${req.cityCode}`);
  if (issuer.algorithm !== '3des') return refused('UNSUPPORTED_ALGORITHM', `issuer ${req.cityCode} uses ${issuer.algorithm}, which this host does not implement`);
  if (issuer.version !== req.keyVersion) return refused('KEY_VERSION', `the card uses key version ${req.keyVersion}; the host holds version ${issuer.version} for ${req.cityCode}`);
  if ((await blacklistStatus(ctx.db, req.asn)).blacklisted) return refused('BLACKLISTED', `card ${req.asn} is blacklisted`);
  const max = await maxBalanceFen(ctx.db);
  if (req.oldBalanceFen + req.amountFen > max) return refused('LIMIT', `balance after the load would be ${req.oldBalanceFen + req.amountFen} fen, above ${max}`);

  const { hostDate, hostTime } = hostDateTime(ctx.now());
  const fields = { amountFen: req.amountFen, txType: Number.parseInt(req.txType, 16), terminalId: Buffer.from(req.terminalId, 'hex') };
  const mac2 = ctx.keys.withDlk(req.cityCode, (mk) => {
    const seslk = loadSessionKey(diversify(mk, Buffer.from(req.asn, 'hex')), Buffer.from(req.random, 'hex'), req.onlineAtc);
    try {
      const mac1 = loadMac1(seslk, { ...fields, oldBalanceFen: req.oldBalanceFen });
      if (!macEqual(mac1, Buffer.from(req.mac1, 'hex'))) return null;
      return loadMac2(seslk, { ...fields, hostDate, hostTime }).toString('hex').toUpperCase();
    } finally {
      seslk.fill(0);
    }
  });
  if (mac2 === null) return refused('MAC1_INVALID', 'MAC1 does not verify: not a genuine card of this issuer, or the fields differ from the card\'s');

  const authId = newId(ctx.now());
  try {
    await insertAuthorisation(ctx.db, { authId, asn: req.asn, onlineAtc: req.onlineAtc, random: req.random, stationId, request: stored, amountFen: req.amountFen, mac2, hostDate, hostTime });
  } catch (err) {
    // Another host process authorised the same load a moment ago: answer with its row.
    if (sqlState(err) === '23505') return authorizeLoad(ctx, stationId, raw);
    throw err;
  }
  return authorised(req, authId, mac2, hostDate, hostTime, false);
}

function authorised(req: LoadAuthRequestParsed, authId: string, mac2: string, hostDate: string, hostTime: string, repeated: boolean): LoadAuthAnswer {
  return { status: 'authorised', authId, asn: req.asn, onlineAtc: req.onlineAtc, random: req.random, amountFen: req.amountFen, mac2, hostDate, hostTime, repeated };
}
