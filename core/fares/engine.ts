/**
 * The fare interpreter: prices a validated FareInput with the rule table of rules.ts and the
 * remote-use table of the city directory. One loop, no per-city code: a ride's base fare
 * (given, distance ladder or seasonal), its rated fare (card rate: flat, bands, monthly tier),
 * then the chain state decides whether a transfer clause sets the charge.
 *
 * All amounts are integer fen; every multiplication rounds half up to the fen (FARES.md).
 */
import { chinaParts } from '../../common/china-time.ts';
import { BadInputError } from '../../common/errors.ts';
import { REMOTE_USE_TABLE_DATE, sameCardSystem } from '../cities/directory.ts';
import { parseFareInput, type FareInput, type FareRide, type KnownCity } from './input.ts';
import { modeClass, transferPair, type CardType, type Charge, type CityFareRules, type Ladder, type Mode, type ModeClass, type Rate, type Seasonal, type TransferClause, type TransferPair } from './rules.ts';

/** The output FARES.md specifies, per ride. */
export interface FareRideResult {
  charged: number;
  /** True when a transfer rule set the charge. */
  transfer: boolean;
}

export interface FareResult {
  rides: FareRideResult[];
  total: number;
  /** Only when asked for (input "explain": true, or explain option): one entry per ride. */
  explain?: RideExplanation[];
}

/** How the base fare of a ride was found. */
export type BaseExplanation =
  | { source: 'fare'; fen: number }
  /** Distance ladder: steps = how many +stepFen increments above the start fare; upToKm = the bracket's inclusive top. */
  | { source: 'ladder'; fen: number; km: number; startKm: number; steps: number; upToKm: number }
  /** 青岛 seasonal line: the date in China time (MM-DD) and whether air-conditioning runs. */
  | { source: 'seasonal'; fen: number; chinaDate: string; airConditioned: boolean };

/** Which card rate made the rated fare. perMille 1000 = base fare. */
export type RateExplanation =
  /**
   * Base fare: a local card in a member city without seed-003 rules ('local-no-rules'), or
   * another city's card on a metro/other non-bus ride ('other-city-non-bus').
   */
  | { kind: 'base-fare'; perMille: 1000; reason: 'local-no-rules' | 'other-city-non-bus' }
  | { kind: 'flat'; perMille: number }
  /** 深圳: each band of the base fare at its rate; summed before rounding. */
  | { kind: 'bands'; parts: Array<{ fromFen: number; toFen: number; perMille: number }> }
  /** Monthly metro tier chosen by the spend before this ride (metro_spent_this_month + earlier metro charges). */
  | { kind: 'monthly'; perMille: number; spentBeforeFen: number; tierFromFen: number; tierToFen: number | null }
  /** Another city's card: the host's remote-use bus rate (table 2014-02-13), or base fare. */
  | { kind: 'remote-use'; perMille: number; zone: string | null; inTable: boolean; tableDate: string }
  /**
   * FARES.md v2: a local card's bus ride in a member city without seed-003 rules that is in the
   * remote-use table: that city's table rate, *assumed* (a city grants its own cards no less
   * than visiting City Union cards); the explanation says so.
   */
  | { kind: 'local-table'; perMille: number; zone: string | null; tableDate: string };

export interface ChainExplanation {
  /** Index of the ride that anchors the chain (itself when role is 'anchor'). */
  anchorIndex: number;
  /** Seconds from the anchor's tap to this tap. */
  elapsedSec: number;
  /** The window [fromSec, toSec] from the anchor, both inclusive. */
  fromSec: number;
  toSec: number;
  /** anchor: starts a chain; early: after the anchor but before fromSec (杭州 < 3 min); in-window. */
  role: 'anchor' | 'early' | 'in-window';
  /** True when the chain ends after this ride (one-transfer rules); the next ride anchors anew. */
  endsHere: boolean;
  /** The city's transfer rule in one line. */
  rule: string;
  ruleZh: string;
}

export interface TransferExplanation {
  /** The clause of the city's rule that set the charge. */
  clause: string;
  clauseZh: string;
  previousIndex: number;
  /** The arithmetic, e.g. "max(0, 190 − 120) = 70". */
  formula: string;
}

export interface RideExplanation {
  index: number;
  at: string;
  mode: Mode;
  base: BaseExplanation;
  /** local-rules: the host's seed-003 rules; local-base: local card, no rules; other-city: remote use. */
  pricing: 'local-rules' | 'local-base' | 'other-city';
  rate: RateExplanation;
  /** The base fare × the card rate, e.g. "200 × 0.95 = 190". */
  rateFormula: string;
  ratedFen: number;
  /** Null where no transfer rules apply (other city's card, city without rules). */
  chain: ChainExplanation | null;
  /** Null when no transfer rule set the charge; otherwise what did. */
  transfer: TransferExplanation | null;
  /** When in a chain's window but no clause applied (青岛 metro after metro, 合肥 limits used). */
  noTransferReason: string | null;
  noTransferReasonZh: string | null;
  chargedFen: number;
  /** One line for people. */
  note: string;
}

/** What a 'local-table' rate rests on: FARES.md v2 assumes it, the seeds do not say it. */
export const LOCAL_TABLE_ASSUMPTION = `assumed: a local card pays this city's rate of the ${REMOTE_USE_TABLE_DATE} remote-use table on buses, as a city grants its own cards no less than visiting ones`;
export const LOCAL_TABLE_ASSUMPTION_ZH = `假定：本地卡乘公交按本市 ${REMOTE_USE_TABLE_DATE} 异地优惠表的折扣（本市给本地卡的优惠不低于异地卡）`;

/** round(fen × perMille / 1000), half up; fen ≥ 0. */
export function roundPerMille(fen: number, perMille: number): number {
  return Math.floor((fen * perMille + 500) / 1000);
}

/** Base metro fare of a distance, with the bracket it falls in. */
export function ladderFare(ladder: Ladder, km: number): { fen: number; steps: number; upToKm: number } {
  if (!(km > 0) || !Number.isFinite(km)) throw new BadInputError(`distance must be a positive number of km, got ${km}`);
  if (km <= ladder.startKm) return { fen: ladder.startFen, steps: 0, upToKm: ladder.startKm };
  let top = ladder.startKm;
  let steps = 0;
  for (const s of ladder.stepsKm) {
    top += s;
    steps++;
    if (km <= top) return { fen: ladder.startFen + steps * ladder.stepFen, steps, upToKm: top };
  }
  const last = ladder.stepsKm[ladder.stepsKm.length - 1]!;
  const more = Math.ceil((km - top) / last);
  return { fen: ladder.startFen + (steps + more) * ladder.stepFen, steps: steps + more, upToKm: top + more * last };
}

/**
 * The distance bracket of a ladder fare: rides longer than fromKm and up to toKm (inclusive)
 * cost `fen`. Null when `fen` is not a fare of the ladder.
 */
export function ladderBracket(ladder: Ladder, fen: number): { fromKm: number; toKm: number } | null {
  if (fen < ladder.startFen || (fen - ladder.startFen) % ladder.stepFen !== 0) return null;
  const steps = (fen - ladder.startFen) / ladder.stepFen;
  if (steps === 0) return { fromKm: 0, toKm: ladder.startKm };
  let top = ladder.startKm;
  let prev = top;
  for (let k = 0; k < steps; k++) {
    prev = top;
    top += ladder.stepsKm[Math.min(k, ladder.stepsKm.length - 1)]!;
  }
  return { fromKm: prev, toKm: top };
}

/** The month-day in China time (UTC+8) of an instant, as MMDD. */
export function chinaMonthDay(atMs: number): number {
  const d = chinaParts(atMs);
  return d.month * 100 + d.day;
}

export function seasonalFare(s: Seasonal, atMs: number): { fen: number; monthDay: number; high: boolean } {
  const md = chinaMonthDay(atMs);
  const high = s.highPeriods.some(([from, to]) => (from <= to ? md >= from && md <= to : md >= from || md <= to));
  return { fen: high ? s.highFen : s.lowFen, monthDay: md, high };
}

function tierOf(rate: Extract<Rate, { kind: 'monthly' }>, spent: number): number {
  let t = 0;
  for (let i = 1; i < rate.tiers.length; i++) if (spent >= rate.tiers[i]!.fromFen) t = i;
  return t;
}

/** A card rate applied to an amount of fen (monthly tiers by `spent`), rounded half up once. */
export function applyRate(rate: Rate, fen: number, spent: number): number {
  switch (rate.kind) {
    case 'flat':
      return roundPerMille(fen, rate.perMille);
    case 'monthly':
      return roundPerMille(fen, rate.tiers[tierOf(rate, spent)]!.perMille);
    case 'bands': {
      let sum = 0;
      let lower = 0;
      for (const b of rate.bands) {
        const upper = b.upToFen === null ? fen : Math.min(fen, b.upToFen);
        if (upper > lower) sum += (upper - lower) * b.perMille;
        if (b.upToFen === null || fen <= b.upToFen) break;
        lower = b.upToFen;
      }
      return Math.floor((sum + 500) / 1000);
    }
  }
}

/** 950 → "0.95", 1000 → "1", 65 → "0.065": integer arithmetic, no float rounding. */
function perMilleText(pm: number): string {
  const whole = Math.trunc(pm / 1000);
  const frac = String(pm % 1000).padStart(3, '0').replace(/0+$/, '');
  return frac === '' ? String(whole) : `${whole}.${frac}`;
}

function rateExplanation(rate: Rate, fen: number, spent: number): RateExplanation {
  switch (rate.kind) {
    case 'flat':
      return { kind: 'flat', perMille: rate.perMille };
    case 'monthly': {
      const t = tierOf(rate, spent);
      const next = rate.tiers[t + 1];
      return { kind: 'monthly', perMille: rate.tiers[t]!.perMille, spentBeforeFen: spent, tierFromFen: rate.tiers[t]!.fromFen, tierToFen: next?.fromFen ?? null };
    }
    case 'bands': {
      const parts: Array<{ fromFen: number; toFen: number; perMille: number }> = [];
      let lower = 0;
      for (const b of rate.bands) {
        const upper = b.upToFen === null ? fen : Math.min(fen, b.upToFen);
        if (upper > lower) parts.push({ fromFen: lower, toFen: upper, perMille: b.perMille });
        if (b.upToFen === null || fen <= b.upToFen) break;
        lower = b.upToFen;
      }
      return { kind: 'bands', parts };
    }
  }
}

function rateFormula(r: RateExplanation, base: number, rated: number): string {
  if (r.kind === 'bands') {
    if (r.parts.length === 0) return `${base} → 0`;
    return `${r.parts.map((p) => `${p.toFen - p.fromFen} × ${perMilleText(p.perMille)}`).join(' + ')} = ${rated}`;
  }
  return `${base} × ${perMilleText(r.perMille)} = ${rated}`;
}

function clauseMatches(c: TransferClause, prev: ModeClass, cur: ModeClass, used: number): boolean {
  if (c.previous !== undefined && c.previous !== prev) return false;
  if (c.current !== undefined && c.current !== cur) return false;
  if (c.differ === true && prev === cur) return false;
  if (c.limit !== undefined && used >= c.limit) return false;
  return true;
}

/** An open transfer chain (exported as part of PricingState; treat as opaque). */
export interface Chain {
  anchorIndex: number;
  anchorMs: number;
  anchorRated: number;
  prevClass: ModeClass;
  prevIndex: number;
  transfers: number;
  uses: number[];
}

function applyCharge(ch: Charge, base: number, rated: number, rate: Rate, spent: number, cardType: CardType, chain: Chain): { fen: number; formula: string } {
  switch (ch.kind) {
    case 'base-minus': {
      const fen = Math.max(0, base - ch.offFen);
      return { fen, formula: `max(0, ${base} − ${ch.offFen}) = ${fen}` };
    }
    case 'rated-minus': {
      const off = ch.offFen[cardType];
      const fen = Math.max(0, rated - off);
      return { fen, formula: `max(0, ${rated} − ${off}) = ${fen}` };
    }
    case 'rated-minus-anchor': {
      const fen = Math.max(0, rated - chain.anchorRated);
      return { fen, formula: `max(0, ${rated} − ${chain.anchorRated}) = ${fen}` };
    }
    case 'rate-of-base-minus': {
      const reduced = Math.max(0, base - ch.offFen);
      const fen = applyRate(rate, reduced, spent);
      return { fen, formula: `max(0, ${base} − ${ch.offFen}) → ${rateFormula(rateExplanation(rate, reduced, spent), reduced, fen)}` };
    }
    case 'base-rate': {
      const fen = roundPerMille(base, ch.perMille);
      return { fen, formula: `${base} × ${perMilleText(ch.perMille)} = ${fen}` };
    }
    case 'free':
      return { fen: 0, formula: 'free' };
  }
}

function baseFare(ride: FareRide, rules: CityFareRules | null, explain: boolean): { fen: number; expl: BaseExplanation | null } {
  if (ride.fare !== null) return { fen: ride.fare, expl: explain ? { source: 'fare', fen: ride.fare } : null };
  if (ride.km !== null) {
    if (rules === null) throw new BadInputError(`no distance ladder for this city; give the metro "fare"`);
    const l = ladderFare(rules.ladder, ride.km);
    return { fen: l.fen, expl: explain ? { source: 'ladder', fen: l.fen, km: ride.km, startKm: rules.ladder.startKm, steps: l.steps, upToKm: l.upToKm } : null };
  }
  if (rules?.seasonal === undefined) throw new BadInputError('"seasonal" fares exist only in 青岛');
  const s = seasonalFare(rules.seasonal, ride.atMs);
  const md = String(s.monthDay).padStart(4, '0');
  return { fen: s.fen, expl: explain ? { source: 'seasonal', fen: s.fen, chinaDate: `${md.slice(0, 2)}-${md.slice(2)}`, airConditioned: s.high } : null };
}

/** True when a card of `issuer` is local in `city` (same city, or a shared card system: 兰白一卡通). */
export function isLocalCard(city: KnownCity, issuer: KnownCity): boolean {
  if (city.name === issuer.name) return true;
  return city.entry !== null && issuer.entry !== null && sameCardSystem(city.entry, issuer.entry);
}

function remoteBusRate(city: KnownCity, ride: FareRide, index: number): { perMille: number; zone: string | null; inTable: boolean } {
  const row = city.entry?.remoteUse ?? null;
  if (row === null) return { perMille: 1000, zone: null, inTable: false };
  if (row.bus.length === 1 && row.bus[0]!.zone === null) return { perMille: row.bus[0]!.perMille, zone: null, inTable: true };
  const zones = row.bus.map((b) => b.zone);
  const hit = row.bus.find((b) => b.zone === ride.zone);
  if (hit === undefined) {
    throw new BadInputError(`rides[${index}]: ${city.name} has remote-use bus rates by zone (${zones.join(', ')}); say which with "zone"`);
  }
  return { perMille: hit.perMille, zone: hit.zone, inTable: true };
}

function yuan(fen: number): string {
  return `${Math.trunc(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

const CLASS_EN: Readonly<Record<ModeClass, string>> = { surface: 'bus', metro: 'metro' };
const CLASS_ZH: Readonly<Record<ModeClass, string>> = { surface: '公交', metro: '地铁' };
function pairText(p: TransferPair, words: Readonly<Record<ModeClass, string>>, joiner: string): string {
  const [a, b] = p.split('>') as [ModeClass, ModeClass];
  return `${words[a]}${joiner}${words[b]}`;
}

function mmss(sec: number): string {
  return `${Math.floor(sec / 60)}:${String(Math.floor(sec % 60)).padStart(2, '0')}`;
}

/**
 * What pricing a ride needs besides the ride: the host city, whether the card is local there,
 * the rules that apply (null: base fare / remote use) and the card type. Built once per input.
 */
export interface PricingContext {
  readonly city: KnownCity;
  readonly issuer: KnownCity;
  readonly cardType: CardType;
  readonly local: boolean;
  readonly rules: CityFareRules | null;
  readonly pricing: RideExplanation['pricing'];
}

/**
 * What earlier rides leave behind for the next one: the open transfer chain and the month's
 * metro spend. priceRide() changes it; cloneState() lets a caller try several next rides from
 * the same point (the card-log explainer does).
 */
export interface PricingState {
  chain: Chain | null;
  spent: number;
}

export function pricingContext(city: KnownCity, issuer: KnownCity, cardType: CardType): PricingContext {
  const local = isLocalCard(city, issuer);
  const rules = local ? city.rules : null;
  return { city, issuer, cardType, local, rules, pricing: !local ? 'other-city' : rules !== null ? 'local-rules' : 'local-base' };
}

export function initialPricingState(metroSpentThisMonth: number): PricingState {
  return { chain: null, spent: metroSpentThisMonth };
}

export function clonePricingState(s: PricingState): PricingState {
  return { chain: s.chain === null ? null : { ...s.chain, uses: [...s.chain.uses] }, spent: s.spent };
}

/** Two states with the same key price every later ride alike. */
export function pricingStateKey(s: PricingState): string {
  const c = s.chain;
  return c === null ? `-|${s.spent}` : `${c.anchorIndex},${c.anchorMs},${c.anchorRated},${c.prevClass},${c.prevIndex},${c.transfers},${c.uses.join('.')}|${s.spent}`;
}

export interface PricedRide {
  charged: number;
  transfer: boolean;
  /** Index of the transfer clause that matched in the city's rule (-1: none). */
  clause: number;
  explanation: RideExplanation | null;
}

/** The card rate a ride of `mode` gets from `state` (per-mille; 'bands' for 深圳's bus), or null without rules. */
export function rateKey(ctx: PricingContext, mode: Mode, state: PricingState): number | 'bands' | null {
  if (ctx.rules === null) return null;
  const rate = (modeClass(mode) === 'metro' ? ctx.rules.metro : ctx.rules.bus)[ctx.cardType];
  return rate.kind === 'flat' ? rate.perMille : rate.kind === 'monthly' ? rate.tiers[tierOf(rate, state.spent)]!.perMille : 'bands';
}

/** The rated fare (base × card rate) of a ride of `mode` from `state`; null without rules. */
export function ratedFare(ctx: PricingContext, mode: Mode, baseFen: number, state: PricingState): number | null {
  if (ctx.rules === null) return null;
  return applyRate((modeClass(mode) === 'metro' ? ctx.rules.metro : ctx.rules.bus)[ctx.cardType], baseFen, state.spent);
}

/** True when a ride at `atMs` from `state` is inside an open chain's window (a transfer clause may set its charge). */
export function inTransferWindow(ctx: PricingContext, state: PricingState, atMs: number): boolean {
  return ctx.rules !== null && state.chain !== null && atMs - state.chain.anchorMs <= ctx.rules.transfer.toSec * 1000;
}

/**
 * Prices one ride (index `i` of its sequence) from `state`, which it advances. Without an
 * explanation the answer is written into `into` when given (a loop over a million rides then
 * allocates nothing per ride).
 */
// eslint-disable-next-line max-lines-per-function -- one ride's pricing in FARES.md's rule order; split, the order would hide across functions
export function priceRide(ctx: PricingContext, state: PricingState, ride: FareRide, i: number, explain: boolean, into?: PricedRide): PricedRide {
  const { city, cardType, rules, local, pricing } = ctx;
  const cls = modeClass(ride.mode);
  const base = baseFare(ride, city.rules, explain);
  let charged: number;
  let rated: number;
  let transfer = false;
  let rateExpl: RateExplanation | null = null;
  let chainExpl: ChainExplanation | null = null;
  let transferExpl: TransferExplanation | null = null;
  let noTransferReason: string | null = null;
  let noTransferReasonZh: string | null = null;
  let clauseIndex = -1;

  if (rules === null) {
    const r = cls === 'surface' ? remoteBusRate(city, ride, i) : null;
    if (r !== null && (!local || r.inTable)) {
      // Another city's card at the host's remote-use rate; or (FARES.md v2) a local card of a
      // city in the table at that same rate, assumed: a city grants its own cards no less.
      rated = roundPerMille(base.fen, r.perMille);
      if (explain) {
        rateExpl = local
          ? { kind: 'local-table', perMille: r.perMille, zone: r.zone, tableDate: REMOTE_USE_TABLE_DATE }
          : { kind: 'remote-use', perMille: r.perMille, zone: r.zone, inTable: r.inTable, tableDate: REMOTE_USE_TABLE_DATE };
      }
    } else {
      rated = base.fen;
      if (explain) rateExpl = { kind: 'base-fare', perMille: 1000, reason: local ? 'local-no-rules' : 'other-city-non-bus' };
    }
    charged = rated;
  } else {
    const rate = (cls === 'metro' ? rules.metro : rules.bus)[cardType];
    rated = applyRate(rate, base.fen, state.spent);
    if (explain) rateExpl = rateExplanation(rate, base.fen, state.spent);
    const t = rules.transfer;
    const chain = state.chain;
    const elapsedMs = chain === null ? 0 : ride.atMs - chain.anchorMs;
    if (chain === null || elapsedMs > t.toSec * 1000) {
      state.chain = { anchorIndex: i, anchorMs: ride.atMs, anchorRated: rated, prevClass: cls, prevIndex: i, transfers: 0, uses: t.clauses.map(() => 0) };
      charged = rated;
      if (explain) chainExpl = { anchorIndex: i, elapsedSec: 0, fromSec: t.fromSec, toSec: t.toSec, role: 'anchor', endsHere: false, rule: t.summary, ruleZh: t.summaryZh };
    } else if (elapsedMs < t.fromSec * 1000) {
      charged = rated;
      if (explain) {
        chainExpl = { anchorIndex: chain.anchorIndex, elapsedSec: elapsedMs / 1000, fromSec: t.fromSec, toSec: t.toSec, role: 'early', endsHere: false, rule: t.summary, ruleZh: t.summaryZh };
        noTransferReason = `only ${mmss(elapsedMs / 1000)} after ride ${chain.anchorIndex}; transfers start at ${mmss(t.fromSec)}`;
        noTransferReasonZh = `距第 ${chain.anchorIndex + 1} 程仅 ${mmss(elapsedMs / 1000)}，${mmss(t.fromSec)} 后才可换乘`;
      }
      chain.prevClass = cls;
      chain.prevIndex = i;
    } else if (!t.pairs.includes(transferPair(chain.prevClass, cls))) {
      // FARES.md v2: only the pairs the seed names transfer. The ride pays rated; the chain keeps
      // its anchor and counters, and this ride becomes the "previous ride" of the next one.
      charged = rated;
      if (explain) {
        const pair = `${CLASS_EN[chain.prevClass]} → ${CLASS_EN[cls]}`;
        const pairZh = `${CLASS_ZH[chain.prevClass]}换${CLASS_ZH[cls]}`;
        chainExpl = { anchorIndex: chain.anchorIndex, elapsedSec: elapsedMs / 1000, fromSec: t.fromSec, toSec: t.toSec, role: 'in-window', endsHere: false, rule: t.summary, ruleZh: t.summaryZh };
        noTransferReason = `${pair} is not a transfer in ${city.name} (the rules name ${t.pairs.map((p) => pairText(p, CLASS_EN, ' → ')).join(', ')})`;
        noTransferReasonZh = `${city.name}的换乘优惠不含${pairZh}（只含${t.pairs.map((p) => pairText(p, CLASS_ZH, '换')).join('、')}）`;
      }
      chain.prevClass = cls;
      chain.prevIndex = i;
    } else {
      let ci = -1;
      for (let k = 0; k < t.clauses.length; k++) {
        if (clauseMatches(t.clauses[k]!, chain.prevClass, cls, chain.uses[k]!)) { ci = k; break; }
      }
      const clause = ci >= 0 ? t.clauses[ci]! : null;
      clauseIndex = ci;
      if (clause !== null) {
        const c = applyCharge(clause.charge, base.fen, rated, rate, state.spent, cardType, chain);
        charged = c.fen;
        transfer = true;
        chain.uses[ci]!++;
        chain.transfers++;
        if (explain) transferExpl = { clause: clause.label, clauseZh: clause.labelZh, previousIndex: chain.prevIndex, formula: c.formula };
      } else {
        charged = rated;
        if (explain) {
          noTransferReason = 'no transfer clause applies (or its limit in this chain is used up)';
          noTransferReasonZh = '不符合任何换乘条款（或本周期次数已用完）';
        }
      }
      const ends = t.endsAfter !== undefined && chain.transfers >= t.endsAfter;
      if (explain) chainExpl = { anchorIndex: chain.anchorIndex, elapsedSec: elapsedMs / 1000, fromSec: t.fromSec, toSec: t.toSec, role: 'in-window', endsHere: ends, rule: t.summary, ruleZh: t.summaryZh };
      chain.prevClass = cls;
      chain.prevIndex = i;
      if (ends) state.chain = null;
    }
    if (cls === 'metro') state.spent += charged;
  }
  if (!explain) {
    if (into === undefined) return { charged, transfer, clause: clauseIndex, explanation: null };
    into.charged = charged;
    into.transfer = transfer;
    into.clause = clauseIndex;
    into.explanation = null;
    return into;
  }
  const r = rateExpl!;
  const rf = rateFormula(r, base.fen, rated);
  let note = `${ride.mode} base ${yuan(base.fen)}; ${pricing === 'other-city' ? `card of ${ctx.issuer.name}: ` : ''}${rf}`;
  if (r.kind === 'local-table') note += ` (${LOCAL_TABLE_ASSUMPTION})`;
  if (transferExpl !== null) note += `; transfer after ride ${chainExpl!.anchorIndex} (${mmss(chainExpl!.elapsedSec)}): ${transferExpl.clause}: ${transferExpl.formula}`;
  else if (noTransferReason !== null) note += `; no transfer: ${noTransferReason}`;
  note += `; charged ${yuan(charged)}`;
  return {
    charged, transfer, clause: clauseIndex,
    explanation: {
      index: i, at: ride.at, mode: ride.mode, base: base.expl!, pricing, rate: r, rateFormula: rf, ratedFen: rated,
      chain: chainExpl, transfer: transferExpl, noTransferReason, noTransferReasonZh, chargedFen: charged, note,
    },
  };
}

/** Prices validated input. `explain` defaults to what the input asked for. */
export function priceFares(input: FareInput, explain: boolean = input.explain): FareResult {
  const ctx = pricingContext(input.city, input.issuer, input.cardType);
  const rides = input.rides;
  const out: FareRideResult[] = new Array<FareRideResult>(rides.length);
  const expl: RideExplanation[] | null = explain ? [] : null;
  const state = initialPricingState(input.metroSpentThisMonth);
  const scratch: PricedRide = { charged: 0, transfer: false, clause: -1, explanation: null };
  let total = 0;
  for (let i = 0; i < rides.length; i++) {
    const p = priceRide(ctx, state, rides[i]!, i, explain, scratch);
    out[i] = { charged: p.charged, transfer: p.transfer };
    total += p.charged;
    if (expl !== null) expl.push(p.explanation!);
  }
  return expl === null ? { rides: out, total } : { rides: out, total, explain: expl };
}

/** Parses raw JSON input and prices it; the explanation is included when the input says "explain": true. */
export function calculateFares(raw: unknown): FareResult {
  return priceFares(parseFareInput(raw));
}

/** Parses and prices with the per-ride explanation (for the UI). */
export function explainFares(raw: unknown): Required<FareResult> {
  return priceFares(parseFareInput(raw), true) as Required<FareResult>;
}
