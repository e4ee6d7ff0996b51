/**
 * The fare rules of FARES.md as data: one entry per seed-003 city (distance ladder, card rates,
 * transfer rule). core/fares/engine.ts interprets them; nothing here is code per city.
 *
 * Units: fen (integers) and per-mille rates (910 = 0.91). Windows in seconds.
 */

export const MODES = ['bus', 'metro', 'tram', 'ferry'] as const;
export type Mode = (typeof MODES)[number];
export const CARD_TYPES = ['regular', 'discount', 'student', 'senior'] as const;
export type CardType = (typeof CARD_TYPES)[number];

/** tram and ferry price like bus (FARES.md), so rules speak of two classes. */
export type ModeClass = 'surface' | 'metro';
export function modeClass(mode: Mode): ModeClass {
  return mode === 'metro' ? 'metro' : 'surface';
}

/** Metro base fare by distance: start fare up to startKm (inclusive), +100 per step, last step repeats. */
export interface Ladder {
  readonly startFen: number;
  readonly startKm: number;
  readonly stepsKm: readonly number[];
  readonly stepFen: number;
}

/** A card rate applied to a base fare. */
export type Rate =
  | { readonly kind: 'flat'; readonly perMille: number }
  /** 深圳: each band of the base fare at its own rate, summed, then rounded once. upToFen null = no upper end. */
  | { readonly kind: 'bands'; readonly bands: ReadonlyArray<{ readonly upToFen: number | null; readonly perMille: number }> }
  /** Monthly metro spend tiers: the tier whose fromFen (inclusive) is the highest ≤ spent. First tier from 0. */
  | { readonly kind: 'monthly'; readonly tiers: ReadonlyArray<{ readonly fromFen: number; readonly perMille: number }> };

/** How a transfer clause sets the charge of the later ride. */
export type Charge =
  /** max(0, base − offFen), no card rate (重庆). */
  | { readonly kind: 'base-minus'; readonly offFen: number }
  /** max(0, rated − off), off by card type (杭州 200/100, 南京, 上海, 深圳, 合肥). */
  | { readonly kind: 'rated-minus'; readonly offFen: Readonly<Record<CardType, number>> }
  /** max(0, rated − rated of the chain's anchor) (宁波). */
  | { readonly kind: 'rated-minus-anchor' }
  /** the ride's own card rate applied to max(0, base − offFen) (青岛, 常州). */
  | { readonly kind: 'rate-of-base-minus'; readonly offFen: number }
  /** round(base × perMille) instead of the card rate (南宁 0.85). */
  | { readonly kind: 'base-rate'; readonly perMille: number }
  | { readonly kind: 'free' };

/** A transfer clause: when it matches the later ride, its charge decides. First match wins. */
export interface TransferClause {
  /** Class of the ride just before this one (in the same chain); undefined = any. */
  readonly previous?: ModeClass;
  /** Class of this ride; undefined = any. */
  readonly current?: ModeClass;
  /** Only when this ride's class differs from the previous ride's (bus↔metro). */
  readonly differ?: true;
  /** How many times per chain the clause may apply; after that it no longer matches. */
  readonly limit?: number;
  readonly charge: Charge;
  /** What the clause says, for explanations. */
  readonly label: string;
  /** The same in Chinese, for the counter screens. */
  readonly labelZh: string;
}

/**
 * A (previous ride's class → this ride's class) pair, as FARES.md v2 names them per city:
 * only a named pair can be a transfer. 'surface' stands for bus, tram and ferry.
 */
export type TransferPair = 'surface>surface' | 'surface>metro' | 'metro>surface' | 'metro>metro';
export function transferPair(previous: ModeClass, current: ModeClass): TransferPair {
  return `${previous}>${current}`;
}

export interface TransferRule {
  /**
   * The pairs the seed names for the city (FARES.md v2). A ride of another pair pays its rated
   * fare and leaves the chain's anchor and counters as they were. Metro → metro is never named.
   */
  readonly pairs: readonly TransferPair[];
  /**
   * Window from the chain's anchor: later rides at elapsed ∈ [fromSec, toSec] (both inclusive)
   * may transfer; a ride before fromSec pays rated and the chain goes on (杭州's 3 minutes); a
   * ride after toSec anchors a new chain.
   */
  readonly fromSec: number;
  readonly toSec: number;
  /** After this many transfers the chain ends; the next ride anchors a new one (宁波, 杭州: 1). */
  readonly endsAfter?: number;
  readonly clauses: readonly TransferClause[];
  /** The rule in one line, for explanations. */
  readonly summary: string;
  /** The same in Chinese. */
  readonly summaryZh: string;
}

export interface CityFareRules {
  readonly city: string;
  readonly ladder: Ladder;
  readonly bus: Readonly<Record<CardType, Rate>>;
  readonly metro: Readonly<Record<CardType, Rate>>;
  readonly transfer: TransferRule;
  /** 青岛: rides may say "seasonal": true; base fare by the date (see SEASONAL). */
  readonly seasonal?: Seasonal;
}

/** Seasonal bus lines: highFen while air-conditioning runs (month-day ranges, inclusive), else lowFen. */
export interface Seasonal {
  readonly highFen: number;
  readonly lowFen: number;
  /** [from, to] as MMDD numbers; a range with from > to wraps the new year. */
  readonly highPeriods: ReadonlyArray<readonly [number, number]>;
}

const flat = (perMille: number): Rate => ({ kind: 'flat', perMille });
const allCards = (r: Rate): Record<CardType, Rate> => ({ regular: r, discount: r, student: r, senior: r });
const same = (fen: number): Record<CardType, number> => ({ regular: fen, discount: fen, student: fen, senior: fen });
const ladder = (startFen: number, startKm: number, stepsKm: number[]): Ladder => ({ startFen, startKm, stepsKm, stepFen: 100 });
const MIN = 60;
/** FARES.md v2's named pairs: bus → bus, bus → metro, metro → bus (重庆, 杭州, 南京, 青岛, 常州, 合肥, 深圳). */
const BUS_AND_BUS_METRO: readonly TransferPair[] = ['surface>surface', 'surface>metro', 'metro>surface'];
/** bus → metro, metro → bus (宁波, 上海). */
const BUS_METRO: readonly TransferPair[] = ['surface>metro', 'metro>surface'];

export const FARE_RULES: readonly CityFareRules[] = [
  {
    city: '重庆',
    ladder: ladder(200, 6, [5, 6, 7, 8, 9, 10, 12]),
    bus: allCards(flat(900)),
    metro: allCards(flat(900)),
    transfer: {
      pairs: BUS_AND_BUS_METRO,
      fromSec: 0, toSec: 60 * MIN, summary: '60 min from the first ride: every later bus→bus, bus→metro or metro→bus ride pays max(0, base − 2.00), no card rate', summaryZh: '首次乘车起 60 分钟内，之后每次公交换公交、公交换地铁或地铁换公交付 max(0, 基准票价 − 2.00)，不再打折',
      clauses: [{ charge: { kind: 'base-minus', offFen: 200 }, label: 'later ride within 60 min: max(0, base − 200)', labelZh: '60 分钟内再次乘车：max(0, 基准票价 − 200)' }],
    },
  },
  {
    city: '宁波',
    ladder: ladder(200, 4, [4, 5, 7, 9]),
    bus: allCards(flat(600)),
    metro: allCards(flat(950)),
    transfer: {
      pairs: BUS_METRO,
      fromSec: 0, toSec: 90 * MIN, endsAfter: 1, summary: '90 min from the first ride: one bus→metro or metro→bus transfer pays max(0, rated − rated of the first ride), then the chain ends', summaryZh: '首次乘车起 90 分钟内公交换地铁或地铁换公交一次，付 max(0, 折后票价 − 首程折后票价)，之后重新计算',
      clauses: [{ charge: { kind: 'rated-minus-anchor' }, label: 'one transfer within 90 min: max(0, rated − anchor rated)', labelZh: '90 分钟内换乘一次：max(0, 折后票价 − 首程折后票价)' }],
    },
  },
  {
    city: '杭州',
    ladder: ladder(200, 4, [4, 4, 6, 6, 8]),
    bus: { regular: flat(910), discount: flat(500), student: flat(500), senior: flat(500) },
    metro: allCards(flat(910)),
    transfer: {
      pairs: BUS_AND_BUS_METRO,
      fromSec: 3 * MIN, toSec: 90 * MIN, endsAfter: 1,
      summary: '3–90 min from the first ride: one bus→bus, bus→metro or metro→bus transfer pays max(0, rated − 2.00) (regular) or max(0, rated − 1.00) (discount/student/senior), then the chain ends', summaryZh: '首次乘车起 3–90 分钟内公交换公交、公交换地铁或地铁换公交一次，付 max(0, 折后票价 − 2.00)（普通卡）或 − 1.00（优惠/学生/老人卡），之后重新计算',
      clauses: [{ charge: { kind: 'rated-minus', offFen: { regular: 200, discount: 100, student: 100, senior: 100 } }, label: 'one transfer 3–90 min: max(0, rated − cap)', labelZh: '3–90 分钟内换乘一次：max(0, 折后票价 − 优惠额)' }],
    },
  },
  {
    city: '南京',
    ladder: ladder(200, 4, [5, 5, 7, 7, 9, 11, 13, 15]),
    bus: allCards(flat(800)),
    metro: allCards({ kind: 'monthly', tiers: [{ fromFen: 0, perMille: 950 }, { fromFen: 15000, perMille: 900 }, { fromFen: 20000, perMille: 800 }, { fromFen: 30000, perMille: 950 }] }),
    transfer: {
      pairs: BUS_AND_BUS_METRO,
      fromSec: 0, toSec: 90 * MIN, summary: '90 min from the first ride: a later bus/tram/ferry ride pays max(0, rated − 1.60), a later metro ride after a bus max(0, rated − 1.00); metro after metro is no transfer', summaryZh: '首次乘车起 90 分钟内，换乘公交/电车/轮渡付 max(0, 折后票价 − 1.60)，公交换地铁付 max(0, 折后票价 − 1.00)；地铁换地铁不算换乘',
      clauses: [
        { current: 'surface', charge: { kind: 'rated-minus', offFen: same(160) }, label: 'to bus/tram/ferry within 90 min: max(0, rated − 160)', labelZh: '90 分钟内换乘公交/电车/轮渡：max(0, 折后票价 − 160)' },
        { current: 'metro', charge: { kind: 'rated-minus', offFen: same(100) }, label: 'bus to metro within 90 min: max(0, rated − 100)', labelZh: '90 分钟内公交换地铁：max(0, 折后票价 − 100)' },
      ],
    },
  },
  {
    city: '上海',
    ladder: ladder(300, 6, [10]),
    bus: allCards(flat(1000)),
    metro: allCards({ kind: 'monthly', tiers: [{ fromFen: 0, perMille: 1000 }, { fromFen: 7000, perMille: 900 }] }),
    transfer: {
      pairs: BUS_METRO,
      fromSec: 0, toSec: 120 * MIN, summary: '120 min from the first ride: a ride whose mode differs from the previous ride (bus↔metro) pays max(0, rated − 1.00)', summaryZh: '首次乘车起 120 分钟内，与上一程方式不同（公交↔地铁）时付 max(0, 折后票价 − 1.00)',
      clauses: [{ differ: true, charge: { kind: 'rated-minus', offFen: same(100) }, label: 'bus↔metro within 120 min: max(0, rated − 100)', labelZh: '120 分钟内公交↔地铁换乘：max(0, 折后票价 − 100)' }],
    },
  },
  {
    city: '青岛',
    ladder: ladder(200, 5, [5, 7, 10, 11, 20]),
    bus: allCards(flat(800)),
    metro: allCards({ kind: 'monthly', tiers: [{ fromFen: 0, perMille: 900 }, { fromFen: 10000, perMille: 800 }, { fromFen: 20000, perMille: 700 }, { fromFen: 30000, perMille: 900 }] }),
    transfer: {
      pairs: BUS_AND_BUS_METRO,
      fromSec: 0, toSec: 60 * MIN, summary: '60 min from the first ride: every later ride except metro after metro pays (base − 1.00) × its card rate, at least 0', summaryZh: '首次乘车起 60 分钟内，除地铁换地铁外每次乘车付 (基准票价 − 1.00) × 折扣，不低于 0',
      clauses: [
        { charge: { kind: 'rate-of-base-minus', offFen: 100 }, label: 'later ride within 60 min: round((base − 100) × rate)', labelZh: '60 分钟内再次乘车：(基准票价 − 100) × 折扣' },
      ],
    },
    seasonal: { highFen: 200, lowFen: 100, highPeriods: [[701, 915], [1201, 315]] },
  },
  {
    city: '常州',
    ladder: ladder(200, 5, [5, 5, 7, 7, 9]),
    bus: allCards(flat(600)),
    metro: allCards(flat(950)),
    transfer: {
      pairs: BUS_AND_BUS_METRO,
      fromSec: 0, toSec: 60 * MIN, summary: '60 min from the first ride: every later ride except metro after metro pays (base − 1.00) × its card rate, at least 0', summaryZh: '首次乘车起 60 分钟内，除地铁换地铁外每次乘车付 (基准票价 − 1.00) × 折扣，不低于 0',
      clauses: [{ charge: { kind: 'rate-of-base-minus', offFen: 100 }, label: 'later ride within 60 min: round((base − 100) × rate)', labelZh: '60 分钟内再次乘车：(基准票价 − 100) × 折扣' }],
    },
  },
  {
    city: '合肥',
    ladder: ladder(200, 8, [6, 7, 8, 9]),
    bus: allCards(flat(700)),
    metro: allCards(flat(900)),
    transfer: {
      pairs: BUS_AND_BUS_METRO,
      fromSec: 0, toSec: 90 * MIN, summary: '90-min cycle from its first tap: the first 3 bus→bus transfers are free, one bus↔metro transfer pays max(0, rated − 0.50)', summaryZh: '首次刷卡起 90 分钟为一个周期：前 3 次公交换公交免费，公交↔地铁换乘一次付 max(0, 折后票价 − 0.50)',
      clauses: [
        { previous: 'surface', current: 'surface', limit: 3, charge: { kind: 'free' }, label: 'bus→bus in the cycle (first 3): free', labelZh: '周期内公交换公交（前 3 次）：免费' },
        { differ: true, limit: 1, charge: { kind: 'rated-minus', offFen: same(50) }, label: 'bus↔metro in the cycle (once): max(0, rated − 50)', labelZh: '周期内公交↔地铁换乘（1 次）：max(0, 折后票价 − 50)' },
      ],
    },
  },
  {
    city: '深圳',
    ladder: ladder(200, 4, [4, 4, 6, 6, 8]),
    bus: allCards({ kind: 'bands', bands: [{ upToFen: 300, perMille: 800 }, { upToFen: 600, perMille: 750 }, { upToFen: null, perMille: 650 }] }),
    metro: allCards(flat(950)),
    transfer: {
      pairs: BUS_AND_BUS_METRO,
      fromSec: 0, toSec: 90 * MIN, summary: '90 min from the first ride: every later ride except metro after metro pays max(0, rated − 0.40)', summaryZh: '首次乘车起 90 分钟内，除地铁换地铁外之后每次乘车付 max(0, 折后票价 − 0.40)',
      clauses: [{ charge: { kind: 'rated-minus', offFen: same(40) }, label: 'later ride within 90 min: max(0, rated − 40)', labelZh: '90 分钟内再次乘车：max(0, 折后票价 − 40)' }],
    },
  },
  {
    city: '南宁',
    ladder: ladder(200, 6, [6, 6, 8, 8, 10]),
    bus: allCards(flat(900)),
    metro: allCards(flat(900)),
    transfer: {
      pairs: ['surface>metro'],
      fromSec: 0, toSec: 90 * MIN, summary: '90 min from the first ride: metro right after a bus ride pays base × 0.85 instead of 0.9', summaryZh: '首次乘车起 90 分钟内，公交后紧接地铁付 基准票价 × 0.85（而非 0.9）',
      clauses: [{ previous: 'surface', current: 'metro', charge: { kind: 'base-rate', perMille: 850 }, label: 'metro after bus within 90 min: round(base × 0.85)', labelZh: '90 分钟内公交换地铁：基准票价 × 0.85' }],
    },
  },
];

const BY_CITY = new Map(FARE_RULES.map((r) => [r.city, r]));

/** The seed-003 rules of a city, or null for cities without them. */
export function fareRulesFor(city: string): CityFareRules | null {
  return BY_CITY.get(city) ?? null;
}
