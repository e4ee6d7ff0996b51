/**
 * Read card (查询), PRODUCT.md workflow 1: what the card panel and `station card read` show —
 * kind, number, issuer city and brand, status, balance, deposit on record, dates, the last
 * log records decoded, and any incomplete transaction (an open intent of this station for the
 * card, or an M1 in-progress flag). Reading never changes the card.
 */
import { chinaDate } from '../../common/china-time.ts';
import { CardUnsupportedError } from '../../common/errors.ts';
import type { CardLogLine, CardStatusFlag, IncompleteOp, TUnionView } from '../../common/api.ts';
import type { CardChannel } from '../../devices/channel.ts';
import { readCpuCard, type CpuCardSnapshot, type ReadCpuCardOptions, type TUnionApp } from '../../devices/cpu/read-card.ts';
import { DefaultM1KeyScheme, DefaultM1Layout, readM1Card, type M1Snapshot } from '../../devices/m1/index.ts';
import { cardFacts, type CardFacts } from '../../db/registry.ts';
import type { Queryable } from '../../db/sqlite.ts';
import { cityByCode, loadCityCodes, tunionCityEntry, tunionCityName, tunionProvinceName, type CityCodeMapping } from '../cities/index.ts';
import { cardRef, isStorageCardAtr, type CardKind } from '../card-kind.ts';
import { CARD_TYPE_CODES, DEFAULT_CONCESSION_SCHEDULE, verificationState, type VerificationState } from '../concession.ts';
import { loadConcessionSchedule } from '../policy.ts';

// The shapes of a card read are typed once, in the API contract (common/api.ts).
export type { CardLogLine, CardStatusFlag, IncompleteOp, TUnionView };

/** What a card read shows; common/api.ts CardViewSchema is its shape on the wire. */
export interface CardView {
  kind: CardKind;
  reader: string;
  /** The ledger's reference: cpu:<ASN>, m1:<UID>, tunion:<card number>. */
  cardRef: string;
  asn: string | null;
  uid: string | null;
  cardNo: string | null;
  cityCode: string | null;
  city: string | null;
  brand: string | null;
  /** A City Union card issued by another member city than this station's. */
  otherCity: boolean;
  balanceFen: number | null;
  /** The summary status shown first: the most serious flag. */
  status: CardStatusFlag;
  flags: CardStatusFlag[];
  depositFen: number | null;
  /** Where depositFen comes from: this station's registry, or the policy for a card it has no record of (core/card-watch.ts); absent when unknown. */
  depositSource?: 'registry' | 'policy';
  issueDate: string | null;
  expiryDate: string | null;
  cardType: string | null;
  /**
   * A City Union concession card's verified-until date from its concession file (年审, SFI 0x1C;
   * null: never verified, or no file); absent on a 普通卡 and on other kinds of card.
   */
  verifiedUntil?: string | null;
  /** Where that concession card stands for 年审 on the read's China date (core/concession.ts); with verifiedUntil. */
  concessionState?: VerificationState['state'];
  log: CardLogLine[];
  incomplete: IncompleteOp[];
  /** The T-Union application: a T-Union card's own, or a dual card's second (full reads only). */
  tunion: TUnionView | null;
  /** The purse a top-up at this counter loads: the City Union one ('cu'), or none. */
  topupLoads: 'cu' | null;
  /** A registered card's holder (masked name and ID number, from the registry): the confirmations name whose card it is. */
  holder?: { name: string | null; idNumberMasked: string | null } | null;
}

/** Most serious first: the one `status` shows. */
const SEVERITY: CardStatusFlag[] = ['blacklisted', 'lost', 'blocked', 'refunded', 'migrated', 'expired', 'in-progress', 'not-enabled', 'enabled'];

let defaultCodes: CityCodeMapping | null = null;
export function defaultCityCodes(): CityCodeMapping {
  defaultCodes ??= loadCityCodes();
  return defaultCodes;
}

/** The card's raw read-out, by kind. */
export type CardReadout = { kind: 'cpu' | 'tunion'; cpu: CpuCardSnapshot } | { kind: 'm1'; m1: M1Snapshot };

export async function readCardRaw(channel: CardChannel, opts: ReadCpuCardOptions = {}): Promise<CardReadout> {
  if (isStorageCardAtr(channel.atr)) {
    return { kind: 'm1', m1: await readM1Card(channel, new DefaultM1Layout(), new DefaultM1KeyScheme()) };
  }
  const cpu = await readCpuCard(channel, opts);
  return { kind: cpu.kind, cpu };
}

/** The station's facts of one card, looked up while the card is still being read. */
export interface EarlyFacts { cardRef: string; facts: Promise<CardFacts> }

/**
 * `db` null: no station configured yet — the card is shown without registry or intents.
 * `early`: the facts lookup readCard started as soon as the card was identified (used when it
 * is for this card).
 */
export async function describeCard(db: Queryable | null, readout: CardReadout, reader: string, ownCityCode: string, now: Date, codes = defaultCityCodes(), early?: EarlyFacts): Promise<CardView> {
  const flags: CardStatusFlag[] = [];
  let view: Omit<CardView, 'status' | 'flags' | 'depositFen' | 'incomplete' | 'tunion' | 'topupLoads'>;
  let tunion: TUnionView | null = null;
  if (readout.kind === 'm1') {
    const m = readout.m1;
    const entry = cityByCode(m.cityCode, codes);
    if (m.blacklisted) flags.push('blacklisted');
    if (m.inProgress || !m.purse.consistent) flags.push('in-progress');
    if (m.migratedOut) flags.push('migrated');
    view = {
      kind: 'm1', reader, cardRef: cardRef('m1', m.uid), asn: null, uid: m.uid, cardNo: m.cardNo, cityCode: m.cityCode,
      city: entry?.name ?? null, brand: entry?.brand ?? null, otherCity: m.cityCode.toUpperCase() !== ownCityCode.toUpperCase(),
      balanceFen: m.balanceFen, issueDate: m.issueDate, expiryDate: m.expiryDate, cardType: m.cardType,
      log: m.log.map((r) => ({ seq: r.seq, type: r.type, typeName: r.typeName, amountFen: r.amountFen, terminal: r.terminal, at: r.at })),
    };
  } else {
    const c = readout.cpu;
    tunion = c.tunion === null ? null : tunionView(c.tunion);
    // A T-Union card's city is its EF 0017 city, named through the T-Union code table.
    const entry = c.kind === 'cpu' ? cityByCode(c.cityCode!, codes) : c.cityCode === null ? null : tunionCityEntry(c.cityCode);
    if (c.blocked) flags.push('blocked');
    if (!c.enabled) flags.push('not-enabled');
    view = {
      kind: c.kind, reader, cardRef: cardRef(c.kind, c.asn), asn: c.kind === 'cpu' ? c.asn : null, uid: null,
      cardNo: c.asn, cityCode: c.cityCode, city: entry?.name ?? tunion?.city ?? null, brand: entry?.brand ?? null,
      otherCity: c.kind === 'cpu' && c.cityCode!.toUpperCase() !== ownCityCode.toUpperCase(),
      balanceFen: c.balanceFen, issueDate: c.issueDate, expiryDate: c.expiryDate, cardType: c.cardType.toString(16).toUpperCase().padStart(2, '0'),
      ...(c.kind === 'cpu' && c.cardType !== 0 ? { verifiedUntil: c.concession?.verifiedUntil ?? null } : {}),
      log: c.log.map((r) => ({ seq: r.seq, type: r.type, typeName: r.typeName, amountFen: r.amountFen, terminal: r.terminal, at: r.at })),
    };
  }
  if (view.expiryDate !== null && view.expiryDate < chinaDate(now)) flags.push('expired');
  // Blacklist, registry and open ops in one database round trip.
  const facts = db === null ? null : await (early?.cardRef === view.cardRef ? early.facts : cardFacts(db, view.cardRef));
  if (facts?.blacklisted && !flags.includes('blacklisted')) flags.push('blacklisted');
  if (facts?.status === 'lost') flags.push('lost');
  if (facts?.status === 'refunded') flags.push('refunded');
  if (facts?.status === 'migrated' && !flags.includes('migrated')) flags.push('migrated');
  // 'enabled' is the good state: shown only when nothing above it applies to the card itself.
  if (!flags.includes('not-enabled') && !flags.includes('blocked') && !flags.includes('blacklisted')) flags.push('enabled');
  const status = SEVERITY.find((s) => flags.includes(s)) ?? 'enabled';
  // A concession card's 年审 state: the panel shows it, and the fare rules charge an overdue one as 普通卡.
  const concessionType = CARD_TYPE_CODES.find((c) => c === view.cardType);
  if (view.verifiedUntil !== undefined && concessionType !== undefined) {
    const schedule = db === null ? DEFAULT_CONCESSION_SCHEDULE : await loadConcessionSchedule(db);
    view = { ...view, concessionState: verificationState(concessionType, view.verifiedUntil, chinaDate(now), schedule).state };
  }
  return {
    ...view,
    status,
    flags: SEVERITY.filter((s) => flags.includes(s)),
    depositFen: facts?.depositFen ?? null,
    ...(facts?.depositFen !== null && facts?.depositFen !== undefined ? { depositSource: 'registry' as const } : {}),
    incomplete: facts?.openOps ?? [],
    tunion,
    topupLoads: view.kind === 'cpu' ? 'cu' : null,
    holder: facts?.holder ?? null,
  };
}

function tunionView(app: TUnionApp): TUnionView {
  const m = app.management;
  return {
    cardNo: app.cardNumber, cityCode: m?.cityCode ?? null, city: m === null ? null : tunionCityName(m.cityCode),
    member: m !== null && tunionCityEntry(m.cityCode) !== null, provinceCode: m?.provinceCode ?? null,
    province: m === null ? null : tunionProvinceName(m.provinceCode),
    cardType: m === null ? null : m.cardType.toString(16).toUpperCase().padStart(2, '0'),
    interoperable: m?.interoperable ?? null, balanceFen: app.balanceFen,
  };
}

/**
 * `opts.log: false`: a CPU card's log is not read (workflows that only need identity, status and
 * balance). The database lookup of a CPU card starts as soon as SELECT has identified it and
 * runs while the card answers GET BALANCE (and the log): the read costs the APDUs, not the
 * APDUs plus a database round trip. Nothing here changes the card or the database, so the
 * order does not matter to anyone else.
 */
export async function readCard(db: Queryable | null, channel: CardChannel, ownCityCode: string, now: Date, opts: { log?: boolean } = {}): Promise<CardView> {
  let early: EarlyFacts | undefined;
  const onIdentified = db === null ? undefined : (kind: CardKind, id: string): void => {
    const ref = cardRef(kind, id);
    early = { cardRef: ref, facts: cardFacts(db, ref) };
    early.facts.catch(() => undefined); // awaited by describeCard; a failed read of the card leaves it unawaited
  };
  const readout = await readCardRaw(channel, { ...opts, ...(onIdentified === undefined ? {} : { onIdentified }) });
  return describeCard(db, readout, channel.readerName, ownCityCode, now, defaultCityCodes(), early);
}

export function assertKind(view: CardView, kinds: CardKind[], what: string): void {
  if (!kinds.includes(view.kind)) {
    throw new CardUnsupportedError(
      view.kind === 'tunion' ? `${what}: T-Union (交通联合) cards are not served by City Union counters` : `${what} needs a ${kinds.join(' or ')} card; this is ${view.kind}`,
      view.kind === 'tunion' ? 'Send the customer to a T-Union service point' : undefined,
    );
  }
}
