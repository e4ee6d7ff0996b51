/**
 * Explaining a card's log (FARES.md "Explaining a card's log"): for each EF 0018 record, what
 * the fare rules say it could have cost, and which records they cannot explain.
 *
 * A log record carries only amount, time, type and terminal — not the mode, the base fare, the
 * distance nor the city of the ride. So the explainer *infers* rides: for every purchase it tries
 * each plausible ride (bus with a base fare in whole jiao up to ¥20, metro at each fare of the
 * city's distance ladder) from every state the earlier purchases can have left (transfer chain,
 * the month's metro spend), keeps those whose charge equals the logged amount, and then keeps
 * only the readings that also let the later purchases be explained (a forward pass with merged
 * states, then a backward pass). Places tried, in this order:
 *   home      the card's own city, as a local card (seed-003 rules, or base fare without rules);
 *   here      this station's city, as another city's card (remote-use table of 2014-02-13);
 *   elsewhere other member cities of the remote-use table (only when neither above fits).
 * Each record gets a verdict; "unexplained" is the counter's cue to look closer.
 */
import type { CardLogLine } from '../../common/api.ts';
import { chinaParts } from '../../common/china-time.ts';
import { remoteUseRows } from '../cities/directory.ts';
import { LOCAL_TABLE_ASSUMPTION, LOCAL_TABLE_ASSUMPTION_ZH, clonePricingState, inTransferWindow, initialPricingState, isLocalCard, ladderBracket, priceRide, pricingContext, pricingStateKey, ratedFare, rateKey, type PricingContext, type PricingState, type RideExplanation } from './engine.ts';
import { knownCity, parseTimestamp, type FareRide, type KnownCity } from './input.ts';
import { modeClass, type CardType, type CityFareRules, type Mode } from './rules.ts';

/** One EF 0018 record as the card read decodes it. */
export type LogLine = CardLogLine;

export interface LogExplainOptions {
  /** The card's issuing member city (short name), null when its city code is not mapped. */
  cardCity: string | null;
  /** This station's city: rides of another city's card here use its remote-use rate. */
  stationCity: string | null;
  /** This station's terminal id: top-ups made here are named so. */
  stationTerminal?: string | null;
  /** EF 0015's card type byte is city-specific (CARD-PROTOCOL.md §3.3): regular unless told. */
  cardType?: CardType;
  /** Records the card's cyclic log holds (10): a full log may have lost older rides. */
  logCapacity?: number;
}

/**
 * not-a-ride: a top-up or another non-fare record. explained: every reading that fits applies
 * the same rule (mode or base fare may still be unknown). ambiguous: readings under different
 * rules fit. unchecked: only "the base fare" fits (no discount rules known): nothing to check.
 * unexplained: no reading fits. undecidable: the log lacks what is needed (unknown card city,
 * no valid time, or a transfer from a ride older than the log).
 */
export type LogVerdict = 'not-a-ride' | 'explained' | 'ambiguous' | 'unchecked' | 'unexplained' | 'undecidable';

export interface LogReading {
  place: 'home' | 'here' | 'elsewhere';
  /** The city the reading puts the ride in (several for "elsewhere": every city at that rate). */
  cities: string[];
  /** bus = bus, tram or ferry (they price alike); any = the mode does not matter (base fare). */
  mode: 'bus' | 'metro' | 'any';
  /**
   * Local card: 'local-rules' (seed-003 rules), 'local-table' (a bus at the city's own
   * remote-use rate, FARES.md v2's assumption), 'local-base' (the base fare). Another city's
   * card: 'remote-use'.
   */
  pricing: 'local-rules' | 'local-base' | 'local-table' | 'remote-use';
  /** The base fares that fit, ascending (fen). */
  baseFen: number[];
  /** Metro with a distance ladder and one base fare: its bracket (fromKm exclusive, toKm inclusive). */
  km: { fromKm: number; toKm: number } | null;
  /** Rated fare arithmetic for a single base fare ("200 × 0.6 = 120"), else null. */
  rateFormula: string | null;
  /** The transfer clause that set the charge, or null. */
  transfer: { clause: string; clauseZh: string; formula: string | null; previousSeq: number | null } | null;
  note: string;
  noteZh: string;
}

export interface LogLineExplanation {
  seq: number;
  type: number;
  amountFen: number;
  at: string | null;
  verdict: LogVerdict;
  /** Best first: home, here, elsewhere; at most MAX_READINGS. */
  readings: LogReading[];
  /** Readings left out of `readings`. */
  moreReadings: number;
  note: string;
  noteZh: string;
}

export const LOG_CAPACITY = 10;
export const MAX_READINGS = 4;
/** Bus base fares tried: whole jiao from ¥0.10 to ¥20.00. */
const BUS_BASE_MAX_FEN = 2000;
const BUS_BASE_STEP_FEN = 10;
/** Metro fares tried: the ladder's fares up to this amount. */
const METRO_BASE_MAX_FEN = 2000;

/** By the decoded type name: CPU (EF 0018 types, CARD-PROTOCOL.md §4.12) and M1 (layout's names) alike. */
const PURCHASE_TYPES = new Set(['ep-purchase', 'ed-purchase', 'capp-purchase', 'ep-capp-purchase', 'credit-purchase', 'purchase']);
const LOAD_TYPES = new Set(['ep-load', 'ed-load', 'load']);

function yuan(fen: number): string {
  return `¥${Math.trunc(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** China (UTC+8) year-month of an instant, for the monthly metro spend. */
function chinaMonth(ms: number): number {
  const d = chinaParts(ms);
  return d.year * 12 + d.month - 1;
}

interface Ride {
  line: LogLine;
  /** Position in the input. */
  pos: number;
  atMs: number | null;
}

interface Candidate {
  mode: Mode;
  fare: number;
  zone: string | null;
}

function busCandidates(): number[] {
  const out: number[] = [];
  for (let f = BUS_BASE_STEP_FEN; f <= BUS_BASE_MAX_FEN; f += BUS_BASE_STEP_FEN) out.push(f);
  return out;
}
const BUS_BASES = busCandidates();

function ladderFares(rules: CityFareRules): number[] {
  const out: number[] = [];
  for (let f = rules.ladder.startFen; f <= METRO_BASE_MAX_FEN; f += rules.ladder.stepFen) out.push(f);
  return out;
}

function rideOf(r: Ride, c: Candidate, atMs: number): FareRide {
  return { at: r.line.at ?? '', atMs, mode: c.mode, fare: c.fare, km: null, seasonal: false, zone: c.zone };
}

/** One ride that fits, from one state: the candidate and the state it came from. */
interface Edge {
  from: Node;
  cand: Candidate;
  alive: boolean;
  /** Same group = same mode class, transfer clause, previous ride and card rate. */
  group: string;
}
interface Node {
  state: PricingState;
  edges: Edge[];
}

/** Home readings by ride index (into `rides`), or null where none fits; edges kept for the explanation. */
// eslint-disable-next-line max-lines-per-function -- one search with its pruning rules side by side (FARES-NOTES.md)
function searchHome(ctx: PricingContext, rides: Ride[], logFull: boolean): Array<Array<{ edge: Edge; index: number }> | null> {
  const rules = ctx.rules!;
  const cands: Candidate[] = [
    ...BUS_BASES.map((fare): Candidate => ({ mode: 'bus', fare, zone: null })),
    ...ladderFares(rules).map((fare): Candidate => ({ mode: 'metro', fare, zone: null })),
  ];
  const tierStarts = (() => {
    const m = rules.metro[ctx.cardType];
    return m.kind === 'monthly' ? m.tiers.map((t) => t.fromFen) : [0];
  })();
  // A log that is not full is the card's whole history: nothing was spent on metro before it.
  const startStates = (): Map<string, Node> => {
    const m = new Map<string, Node>();
    for (const spent of logFull ? tierStarts : [0]) {
      const state = initialPricingState(spent);
      m.set(pricingStateKey(state), { state, edges: [] });
    }
    return m;
  };
  const out: Array<Array<{ edge: Edge; index: number }> | null> = rides.map(() => null);
  const levels: Array<Edge[]> = rides.map(() => []);
  let frontier = startStates();
  let segmentStart = 0;
  const finishSegment = (end: number) => {
    // Backward pass: only readings on a path that explains every later record of the segment.
    let nodes = [...frontier.values()];
    const seen = new Set<Node>();
    while (nodes.length > 0) {
      const next: Node[] = [];
      for (const n of nodes) {
        if (seen.has(n)) continue;
        seen.add(n);
        for (const e of n.edges) { e.alive = true; next.push(e.from); }
      }
      nodes = next;
    }
    for (let j = segmentStart; j < end; j++) {
      const alive = levels[j]!.filter((e) => e.alive).map((edge) => ({ edge, index: j }));
      out[j] = alive.length > 0 ? alive : null;
    }
  };
  for (let j = 0; j < rides.length; j++) {
    const ride = rides[j]!;
    const atMs = ride.atMs!;
    if (j > 0 && chinaMonth(atMs) !== chinaMonth(rides[j - 1]!.atMs!)) {
      // A new month: its metro spend starts at 0 (every ride of the month since is in the log).
      const reset = new Map<string, Node>();
      for (const n of frontier.values()) {
        const s = clonePricingState(n.state);
        s.spent = 0;
        const k = pricingStateKey(s);
        const hit = reset.get(k);
        if (hit === undefined) reset.set(k, { state: s, edges: [...n.edges] });
        else hit.edges.push(...n.edges);
      }
      frontier = reset;
    }
    const next = new Map<string, Node>();
    for (const node of frontier.values()) {
      // Outside a chain's window the charge is the rated fare: only bases rated at the amount can fit.
      const open = inTransferWindow(ctx, node.state, atMs);
      for (const c of cands) {
        if (!open && ratedFare(ctx, c.mode, c.fare, node.state) !== ride.line.amountFen) continue;
        const st = clonePricingState(node.state);
        const p = priceRide(ctx, st, rideOf(ride, c, atMs), j, false);
        if (p.charged !== ride.line.amountFen) continue;
        const k = pricingStateKey(st);
        let n = next.get(k);
        if (n === undefined) { n = { state: st, edges: [] }; next.set(k, n); }
        // Readings that differ only in the base fare are one group (see homeReadings).
        const group = `${modeClass(c.mode)}|${p.clause}|${p.transfer}|${node.state.chain?.prevIndex ?? -1}|${rateKey(ctx, c.mode, node.state)}`;
        const edge: Edge = { from: node, cand: c, alive: false, group };
        n.edges.push(edge);
        levels[j]!.push(edge);
      }
    }
    if (next.size === 0) {
      // Nothing fits: the record breaks the inference; the records after it start afresh.
      finishSegment(j);
      out[j] = null;
      segmentStart = j + 1;
      frontier = startStates();
    } else {
      frontier = next;
    }
  }
  finishSegment(rides.length);
  return out;
}

/**
 * Readings of one ride priced on its own (no transfers) at a city's rate of the remote-use
 * table: another city's card there ('here', 'elsewhere'), or (FARES.md v2) a local card of a
 * member city without seed-003 rules ('home', rate 'local-table').
 */
function tableReadings(city: KnownCity, issuer: KnownCity, cardType: CardType, amount: number, place: LogReading['place'], cities: string[]): LogReading[] {
  const ctx = pricingContext(city, issuer, cardType);
  const out: LogReading[] = [];
  const zones = city.entry?.remoteUse?.bus.map((b) => b.zone) ?? [null];
  for (const zone of zones) {
    const bases = BUS_BASES.filter((fare) => priceRide(ctx, initialPricingState(0), { at: '', atMs: 0, mode: 'bus', fare, km: null, seasonal: false, zone }, 0, false).charged === amount);
    if (bases.length === 0) continue;
    const e = priceRide(ctx, initialPricingState(0), { at: '', atMs: 0, mode: 'bus', fare: bases[0]!, km: null, seasonal: false, zone }, 0, true).explanation!;
    const perMille = e.rate.kind === 'remote-use' || e.rate.kind === 'local-table' ? e.rate.perMille : 1000;
    out.push(reading({ place, cities, mode: perMille === 1000 ? 'any' : 'bus', pricing: e.rate.kind === 'local-table' ? 'local-table' : 'remote-use', bases, km: null, expl: e, zone, prevSeq: null }));
  }
  // Metro (and any other mode) with another city's card: the base fare; a ladder city must have it on its ladder.
  if (city.rules !== null && place === 'here') {
    const fares = ladderFares(city.rules);
    if (fares.includes(amount)) {
      out.push(reading({ place, cities, mode: 'metro', pricing: 'remote-use', bases: [amount], km: ladderBracket(city.rules.ladder, amount), expl: null, zone: null, prevSeq: null }));
    }
  }
  return out;
}

/** 850 → "8.5" (折). */
function rateZhe(perMille: number): string {
  return `${Math.trunc(perMille / 100)}${perMille % 100 === 0 ? '' : `.${String(perMille % 100).replace(/0$/, '')}`}`;
}

const MODE_EN = { bus: 'bus', metro: 'metro', any: 'ride' } as const;
const MODE_ZH = { bus: '公交', metro: '地铁', any: '乘车' } as const;

function reading(a: {
  place: LogReading['place']; cities: string[]; mode: LogReading['mode']; pricing: LogReading['pricing']; bases: number[];
  km: LogReading['km']; expl: RideExplanation | null; zone: string | null; prevSeq: number | null;
}): LogReading {
  const single = a.bases.length === 1;
  const e = a.expl;
  const rateFormula = single && e !== null ? e.rateFormula : null;
  const transfer = e?.transfer ? { clause: e.transfer.clause, clauseZh: e.transfer.clauseZh, formula: single ? e.transfer.formula : null, previousSeq: a.prevSeq } : null;
  const cityText = a.cities.length > 4 ? `${a.cities.slice(0, 4).join('、')}…` : a.cities.join('、');
  const baseText = single ? yuan(a.bases[0]!) : `${yuan(a.bases[0]!)}–${yuan(a.bases[a.bases.length - 1]!)} (${a.bases.length})`;
  const kmText = a.km === null ? '' : ` (${a.km.fromKm}–${a.km.toKm} km)`;
  const perMille = e?.rate.kind === 'remote-use' || e?.rate.kind === 'local-table' ? e.rate.perMille : null;
  let en: string;
  let zh: string;
  if (a.pricing === 'local-base') {
    en = `a ride in ${cityText} (local card, no discount rules known there): the base fare ${baseText}`;
    zh = `${cityText}乘车（本地卡，无已知优惠规则）：按基准票价 ${baseText}`;
  } else if (a.pricing === 'local-table') {
    const zoneText = a.zone === null ? '' : ` ${a.zone}`;
    if (perMille === null || perMille === 1000) {
      en = `a ride in ${cityText}${zoneText} (local card): the base fare ${baseText}`;
      zh = `${cityText}${zoneText}乘车（本地卡）：按基准票价 ${baseText}`;
    } else {
      en = `bus in ${cityText}${zoneText} with a local card: base ${baseText} at the city's remote-use rate (${rateZhe(perMille)}折, table of 2014-02-13)${rateFormula ? `: ${rateFormula}` : ''}; ${LOCAL_TABLE_ASSUMPTION}`;
      zh = `本地卡在${cityText}${zoneText}乘公交：基准票价 ${baseText}，按本市异地优惠 ${rateZhe(perMille)} 折（2014-02-13 表）${rateFormula ? `：${rateFormula}` : ''}；${LOCAL_TABLE_ASSUMPTION_ZH}`;
    }
  } else if (a.pricing === 'remote-use') {
    const where = a.place === 'elsewhere' ? `a city at this remote-use rate (${cityText})` : cityText;
    const whereZh = a.place === 'elsewhere' ? `异地优惠同为此折扣的城市（${cityText}）` : cityText;
    const zoneText = a.zone === null ? '' : ` ${a.zone}`;
    if (perMille === null || perMille === 1000) {
      en = `${MODE_EN[a.mode]} in ${where}${zoneText} with another city's card: the base fare ${baseText}${kmText}`;
      zh = `异地卡在${whereZh}${zoneText}${MODE_ZH[a.mode]}：按基准票价 ${baseText}${kmText}`;
    } else {
      const rate = rateZhe(perMille);
      en = `bus in ${where}${zoneText} with another city's card: base ${baseText} at the remote-use rate (${rate}折, table of 2014-02-13)${rateFormula ? `: ${rateFormula}` : ''}`;
      zh = `异地卡在${whereZh}${zoneText}乘公交：基准票价 ${baseText}，异地优惠 ${rate} 折（2014-02-13 表）${rateFormula ? `：${rateFormula}` : ''}`;
    }
  } else {
    en = `${MODE_EN[a.mode]} in ${cityText}: base ${baseText}${kmText}${rateFormula ? `; ${rateFormula}` : ''}`;
    zh = `${cityText}${MODE_ZH[a.mode]}：基准票价 ${baseText}${kmText}${rateFormula ? `；${rateFormula}` : ''}`;
    if (transfer !== null) {
      const after = a.prevSeq === null ? '' : ` after #${a.prevSeq}`;
      const afterZh = a.prevSeq === null ? '' : `（接 #${a.prevSeq}）`;
      en += `; transfer${after}: ${transfer.clause}${transfer.formula ? ` → ${transfer.formula}` : ''}`;
      zh += `；换乘${afterZh}：${transfer.clauseZh}${transfer.formula ? ` → ${transfer.formula}` : ''}`;
    } else if (e?.noTransferReason) {
      en += `; no transfer: ${e.noTransferReason}`;
      zh += `；无换乘优惠：${e.noTransferReasonZh ?? e.noTransferReason}`;
    }
  }
  return { place: a.place, cities: a.cities, mode: a.mode, pricing: a.pricing, baseFen: a.bases, km: a.km, rateFormula, transfer, note: en, noteZh: zh };
}

/** Groups home edges of one ride into readings: same mode, same rule, bases collected; one explanation per group. */
function homeReadings(ctx: PricingContext, rides: Ride[], edges: Array<{ edge: Edge; index: number }>): LogReading[] {
  const groups = new Map<string, { bases: Set<number>; lowest: { edge: Edge; index: number } }>();
  for (const x of edges) {
    const g = groups.get(x.edge.group);
    if (g === undefined) groups.set(x.edge.group, { bases: new Set([x.edge.cand.fare]), lowest: x });
    else {
      g.bases.add(x.edge.cand.fare);
      if (x.edge.cand.fare < g.lowest.edge.cand.fare) g.lowest = x;
    }
  }
  const out: LogReading[] = [];
  for (const g of groups.values()) {
    const bases = [...g.bases].sort((a, b) => a - b);
    const { edge, index } = g.lowest;
    const ride = rides[index]!;
    const expl = priceRide(ctx, clonePricingState(edge.from.state), rideOf(ride, edge.cand, ride.atMs!), index, true).explanation!;
    const prevSeq = expl.transfer ? rides[expl.transfer.previousIndex]?.line.seq ?? null : null;
    const mode = edge.cand.mode === 'metro' ? 'metro' : 'bus';
    const km = mode === 'metro' && bases.length === 1 ? ladderBracket(ctx.rules!.ladder, bases[0]!) : null;
    out.push(reading({ place: 'home', cities: [ctx.city.name], mode, pricing: 'local-rules', bases, km, expl, zone: null, prevSeq }));
  }
  return out;
}

/**
 * A local card in a member city without seed-003 rules (no transfers): a bus at the city's
 * table rate when that gives the amount (FARES.md v2), else "the base fare" of some ride — a
 * non-bus ride costs its base fare, which fits any amount and so checks nothing.
 */
function noRulesReadings(home: KnownCity, cardType: CardType, amount: number): LogReading[] {
  const bus = tableReadings(home, home, cardType, amount, 'home', [home.name]).filter((x) => x.mode === 'bus');
  if (bus.length > 0) return bus;
  return [reading({ place: 'home', cities: [home.name], mode: 'any', pricing: 'local-base', bases: [amount], km: null, expl: null, zone: null, prevSeq: null })];
}

/** Remote-use rates of the member cities other than `exclude`, grouped by rate (per zone). */
function elsewhereGroups(home: KnownCity, here: KnownCity | null): Array<{ city: KnownCity; cities: string[] }> {
  const byRate = new Map<string, { city: KnownCity; cities: string[] }>();
  for (const { city } of remoteUseRows()) {
    const known = knownCity(city.name)!;
    // Not the card's own card system (local there), not this station's city (tried as "here"),
    // and not the cities where this card pays the plain base fare (nothing to tell).
    if (isLocalCard(known, home) || city.name === here?.name) continue;
    if (city.remoteUse!.bus.every((b) => b.perMille === 1000)) continue;
    const key = city.remoteUse!.bus.map((b) => `${b.zone ?? ''}:${b.perMille}`).join(';');
    const g = byRate.get(key);
    if (g === undefined) byRate.set(key, { city: known, cities: [city.name] });
    else g.cities.push(city.name);
  }
  return [...byRate.values()];
}

function verdictOf(readings: LogReading[]): LogVerdict {
  if (readings.length === 0) return 'unexplained';
  if (readings.every((r) => r.pricing === 'local-base' || ((r.pricing === 'remote-use' || r.pricing === 'local-table') && r.mode === 'any'))) return 'unchecked';
  const rule = (r: LogReading) => `${r.place}|${r.cities.join(',')}|${r.pricing}|${r.transfer?.clause ?? '-'}|${r.pricing === 'remote-use' ? r.mode : ''}`;
  return new Set(readings.map(rule)).size === 1 ? 'explained' : 'ambiguous';
}

/**
 * Explains each record of a card's log (any order; answers in the same order). Pure: the
 * card's city, this station's city and terminal come in `opts`.
 */
// eslint-disable-next-line max-lines-per-function -- one pass over the card's log, line by line, in the order the clerk reads it
export function explainCardLog(lines: readonly LogLine[], opts: LogExplainOptions): LogLineExplanation[] {
  const cardType = opts.cardType ?? 'regular';
  const capacity = opts.logCapacity ?? LOG_CAPACITY;
  const logFull = lines.length >= capacity;
  const home = opts.cardCity === null ? null : knownCity(opts.cardCity);
  const here = opts.stationCity === null ? null : knownCity(opts.stationCity);
  const hereIsOther = home !== null && here !== null && !isLocalCard(here, home);
  const out: LogLineExplanation[] = new Array<LogLineExplanation>(lines.length);

  const rides: Ride[] = [];
  const untimed: Ride[] = [];
  lines.forEach((line, pos) => {
    if (PURCHASE_TYPES.has(line.typeName)) {
      const atMs = line.at === null ? null : parseTimestamp(line.at);
      (atMs === null ? untimed : rides).push({ line, pos, atMs });
      return;
    }
    const atStation = opts.stationTerminal != null && line.terminal.toUpperCase() === opts.stationTerminal.toUpperCase();
    const isLoad = LOAD_TYPES.has(line.typeName);
    out[pos] = {
      seq: line.seq, type: line.type, amountFen: line.amountFen, at: line.at, verdict: 'not-a-ride', readings: [], moreReadings: 0,
      note: isLoad ? `top-up of ${yuan(line.amountFen)}${atStation ? ' at this station' : ` at terminal ${line.terminal}`}: not a fare` : `${line.typeName}: not a fare`,
      noteZh: isLoad ? `充值 ${yuan(line.amountFen)}${atStation ? '（本站）' : `（终端 ${line.terminal}）`}：不是乘车扣费` : `${line.typeName}：不是乘车扣费`,
    };
  });
  rides.sort((a, b) => a.atMs! - b.atMs! || a.line.seq - b.line.seq);

  if (home === null) {
    for (const r of [...rides, ...untimed]) {
      out[r.pos] = {
        seq: r.line.seq, type: r.line.type, amountFen: r.line.amountFen, at: r.line.at, verdict: 'undecidable', readings: [], moreReadings: 0,
        note: 'the card\'s city is not in the city-code table, so its fare rules are not known',
        noteZh: '卡片所属城市不在城市代码表中，无法得知其票价规则',
      };
    }
    return out;
  }

  const ctx = pricingContext(home, home, cardType);
  const homeEdges = ctx.rules !== null ? searchHome(ctx, rides, logFull) : null;
  // Rides that may continue a chain begun before the oldest record (a full log lost older rides).
  const maxWindowMs = (ctx.rules?.transfer.toSec ?? 0) * 1000;
  const oldestMs = rides.length > 0 ? rides[0]!.atMs! : 0;

  const explainOne = (r: Ride, homeR: LogReading[], timed: boolean) => {
    const amount = r.line.amountFen;
    const readings = [...homeR];
    if (hereIsOther) readings.push(...tableReadings(here, home, cardType, amount, 'here', [here.name]));
    // The verdict is the card's own city's and this station's: rides "elsewhere" are only hints.
    const near = readings.length;
    if (near === 0) {
      for (const g of elsewhereGroups(home, here)) readings.push(...tableReadings(g.city, home, cardType, amount, 'elsewhere', g.cities));
    }
    let verdict = verdictOf(readings.slice(0, near));
    let note: string;
    let noteZh: string;
    if (near === 0) {
      const early = logFull && ctx.rules !== null && timed && r.atMs! - oldestMs <= maxWindowMs;
      if (early) {
        verdict = 'undecidable';
        note = `may be a transfer from a ride older than the card's log (it keeps the last ${capacity} records); not decidable`;
        noteZh = `可能是与更早一程的换乘（卡内只保存最近 ${capacity} 条记录），无法判断`;
      } else {
        note = `${home.name}'s fare rules do not give ${yuan(amount)} (bus fares in whole jiao to ¥20, metro fares of the distance ladder, with and without transfer)${hereIsOther ? `, nor does ${here.name}'s remote-use rate` : ''}`;
        noteZh = `按${home.name}的票价规则无法得出 ${yuan(amount)}（公交按整角基准票价至 ¥20、地铁按里程票价，含换乘）${hereIsOther ? `，按${here.name}的异地优惠也不能` : ''}`;
      }
      if (readings.length > 0) {
        note += `; it could be a ride elsewhere: ${readings[0]!.note}`;
        noteZh += `；可能是在其他城市乘车：${readings[0]!.noteZh}`;
      }
    } else {
      const first = readings[0]!;
      note = verdict === 'ambiguous' ? `${near} readings fit; e.g. ${first.note}` : first.note;
      noteZh = verdict === 'ambiguous' ? `有 ${near} 种可能；例如：${first.noteZh}` : first.noteZh;
    }
    if (!timed) {
      note = `no valid time on the record: judged on its own, without transfers; ${note}`;
      noteZh = `记录无有效时间：单独判断（不计换乘）；${noteZh}`;
      if (verdict === 'unexplained') verdict = 'undecidable';
    }
    out[r.pos] = {
      seq: r.line.seq, type: r.line.type, amountFen: amount, at: r.line.at, verdict,
      readings: readings.slice(0, MAX_READINGS), moreReadings: Math.max(0, readings.length - MAX_READINGS), note, noteZh,
    };
  };

  rides.forEach((r, j) => {
    let homeR: LogReading[];
    if (homeEdges !== null) homeR = homeEdges[j] === null ? [] : homeReadings(ctx, rides, homeEdges[j]!);
    else homeR = noRulesReadings(home, cardType, r.line.amountFen);
    explainOne(r, homeR, true);
  });
  for (const r of untimed) {
    let homeR: LogReading[];
    if (ctx.rules !== null) {
      const alone = searchHome(ctx, [{ ...r, atMs: 0 }], false)[0] ?? null;
      homeR = alone === null ? [] : homeReadings(ctx, [{ ...r, atMs: 0 }], alone);
    } else {
      homeR = noRulesReadings(home, cardType, r.line.amountFen);
    }
    explainOne(r, homeR, false);
  }
  return out;
}
