/**
 * M1 → CPU upgrade (升级换卡), PRODUCT.md workflow 4, in the order of CARD-PROTOCOL.md §9.6:
 *
 *   0. read the old M1 card, finish an interrupted M1 transaction (§9.5), refuse blacklisted,
 *      lost, migrated and other cities' cards; B := the purse.
 *   1. the migration intent (card_ops, step 'migration', on m1:<UID>): B, the M1 count, the
 *      deposit and what is loaded — one open migration per M1 UID, the idempotency key.
 *   2. 'm1-zero' on the old card: zero the purse, write the migrated-out record and the
 *      blacklist flag. Recorded as `migrate_out`.
 *   3. 'enable' on a new CPU card from stock (sold in the same workflow, no new deposit).
 *      Recorded as `migrate_issue` (the fee, if the policy charges one).
 *   4. 'load' of B (+ the old deposit when the policy carries it) onto the new card.
 *      Recorded as `migrate_in`.
 *   5. `migrate_done` closes the migration (the deposit refund in cash when the policy refunds).
 *
 * Postings (money owed to the customer sits in customer_payable between 2 and 4/5):
 *   migrate_out    Dr m1_float B, Dr deposits_held D   /  Cr customer_payable B + D
 *   migrate_issue  Dr cash_drawer|other_payment_clearing fee  /  Cr fee_income fee  (none when 0)
 *   migrate_in     Dr customer_payable L  /  Cr card_float L     (L = B + D carried, or B)
 *   migrate_done   refund: Dr customer_payable D  /  Cr cash_drawer D;  carry: no postings
 * D is the M1 deposit on record in the registry, else the policy deposit (legacy cards sold
 * before this ledger existed: m1_float and deposits_held then go below zero by what the
 * station took over from the legacy system).
 *
 * A crash or a pulled card anywhere leaves the migration open (card panel: incomplete on the
 * M1 card; station doctor: incomplete ops). Re-running the workflow with the same old card
 * settles what the cards can prove and carries on from the first step not recorded; a
 * migration none of whose steps reached a card is cancelled and started afresh.
 */
import { chinaYmd } from '../../common/china-time.ts';
import { CardUnsupportedError, StationError } from '../../common/errors.ts';
import { say } from '../../common/say.ts';
import { formatYuan } from '../../common/money.ts';
import type { Json } from '../../common/canonical-json.ts';
import { json } from './card-steps.ts';
import { writeAudit } from '../../db/audit.ts';
import { getOp, openOpsForCard, opsOfMigration, type CardOp } from '../../db/intents.ts';
import { credit, debit, getEntry, latestEntryOf, type Posting } from '../../db/ledger.ts';
import { getCard } from '../../db/registry.ts';
import type { CardChannel } from '../../devices/channel.ts';
import { DefaultM1KeyScheme, DefaultM1Layout, normaliseM1Card, readM1Card, type M1NormaliseAction } from '../../devices/m1/index.ts';
import { requireRole, type Actor } from '../auth.ts';
import { beginCardOp, commitCardOp, type CardStep } from '../card-ops.ts';
import { requireInStock } from '../stock.ts';
import { closeMigration, settleCardOps, type SettledOp } from '../card-settlers.ts';
import { addPhase, phase as timedPhase } from '../request-timing.ts';
import { runEnableStep, runLoadStep, runM1ZeroStep } from '../card-tx.ts';
import type { Station } from '../station.ts';
import { readCard, type CardView } from './read-card.ts';
import { requireConfirmedCard, type CardBinding } from '../card-binding.ts';
import { requireOpenShift } from './shift.ts';
import { payment, printedNumber, refused, type PaymentMethod } from './validate.ts';

export interface MigrateInput {
  /** Reader holding the old M1 card. */
  oldReader: string;
  /** Reader for the new CPU card; the same name as oldReader on a one-reader counter. */
  newReader: string;
  /** The fee (policy.migrationFeeFen), when there is one: cash (default) or other. */
  pay?: PaymentMethod | string;
  tendered?: unknown;
  reference?: string;
  /**
   * One-reader counters: called once the old card's part is done; resolves when the old card
   * is off the reader and the new one is on it. Without it, one reader is refused.
   */
  swapCards?: (reader: string) => Promise<void>;
  /**
   * The cards the clerk confirmed (core/card-binding.ts): the old M1 card, and the stock CPU
   * card on the second reader (absent on a one-reader counter: it comes after the swap).
   */
  confirmedCard?: CardBinding;
  confirmedNewCard?: CardBinding;
}

type MigrationStep = Extract<CardStep, { step: 'migration' }>;

export interface MigrateResult {
  migrationId: string;
  /** True when this run finished a migration an earlier run had started. */
  resumed: boolean;
  /** The migrate_done entry. */
  entryId: string;
  old: { cardRef: string; uid: string; cardNo: string | null; balanceFen: number; depositFen: number; txCount: number; normalised: M1NormaliseAction[] };
  new: { cardRef: string; asn: string; balanceBeforeFen: number | null; balanceAfterFen: number | null; tac: string | null; tacVerified: boolean | null };
  /** B, moved from the M1 purse. */
  migratedFen: number;
  carriedDepositFen: number;
  refundedDepositFen: number;
  /** Loaded onto the new card: B + carried deposit. */
  loadedFen: number;
  feeFen: number;
  pay: PaymentMethod;
  tenderedFen: number;
  changeFen: number;
  /** Entries of this migration's steps, in order (whoever recorded them). */
  entries: { migrateOut: string | null; migrateIssue: string | null; migrateIn: string | null };
  /** Earlier incomplete transactions of either card, settled during this run. */
  settled: SettledOp[];
  /** Receipt PDF path (receipts arrive with issue 4). */
  receipt: string | null;
}

const stepOf = (op: CardOp): CardStep => op.request.step;
const OPEN = ['intent', 'card_committed', 'in_doubt'];

async function openMigration(station: Station, oldRef: string): Promise<CardOp | undefined> {
  return (await openOpsForCard(station.db, oldRef)).find((op) => stepOf(op).step === 'migration');
}

async function finishedMigration(station: Station, oldRef: string): Promise<{ entryId: string; newCardRef: string | null; recovered: boolean } | undefined> {
  const done = await latestEntryOf(station.db, 'migrate_done', oldRef);
  if (done === undefined) return undefined;
  const payload = typeof done.payload === 'object' && done.payload !== null && !Array.isArray(done.payload) ? done.payload : {};
  return { entryId: done.entryId, newCardRef: typeof payload.newCardRef === 'string' ? payload.newCardRef : null, recovered: payload.recovered === true };
}

/**
 * The answer to running an upgrade again that settlement finished (card-ops.ts closeMigration,
 * when the new card's torn load was found on it): the same upgrade, done — its figures from its
 * entries, nothing collected or touched by this run — as a run that finished it would answer.
 */
async function closedUpgrade(station: Station, doneEntryId: string, oldView: CardView): Promise<MigrateResult> {
  const entry = async (id: unknown) => (typeof id === 'string' ? await getEntry(station.db, id) : undefined);
  const done = (await entry(doneEntryId))!;
  const p = done.payload as { [k: string]: Json };
  const load = (await entry(p.migrateInEntry))?.payload as { [k: string]: Json } | undefined;
  const n = (v: Json | undefined): number => (typeof v === 'number' ? v : 0);
  const orNull = <T>(v: Json | undefined, is: (x: Json) => x is T & Json): T | null => (v !== undefined && is(v) ? v : null);
  const isNum = (x: Json): x is number => typeof x === 'number';
  const carried = p.deposit === 'carry' ? n(p.depositFen) : 0;
  return {
    migrationId: String(p.migrationId), resumed: true, entryId: done.entryId,
    old: { cardRef: oldView.cardRef, uid: String(p.uid), cardNo: oldView.cardNo, balanceFen: n(p.migratedFen), depositFen: n(p.depositFen), txCount: n(p.m1TxCount), normalised: [] },
    new: {
      cardRef: String(p.newCardRef), asn: String(p.newAsn), balanceBeforeFen: orNull(load?.balanceBeforeFen, isNum), balanceAfterFen: orNull(load?.balanceAfterFen, isNum),
      tac: orNull(load?.tac, (x): x is string => typeof x === 'string'), tacVerified: orNull(load?.tacVerified, (x): x is boolean => typeof x === 'boolean'),
    },
    migratedFen: n(p.migratedFen), carriedDepositFen: carried, refundedDepositFen: n(p.refundedDepositFen), loadedFen: n(p.loadFen),
    feeFen: 0, pay: 'cash', tenderedFen: 0, changeFen: 0,
    entries: { migrateOut: orNull(p.migrateOutEntry, (x): x is string => typeof x === 'string'), migrateIssue: orNull(p.migrateIssueEntry, (x): x is string => typeof x === 'string'), migrateIn: orNull(p.migrateInEntry, (x): x is string => typeof x === 'string') },
    settled: [], receipt: null,
  };
}

function recordedStep(steps: CardOp[], kind: CardStep['step']): CardOp | undefined {
  return steps.find((s) => s.state === 'recorded' && stepOf(s).step === kind);
}

function openStep(steps: CardOp[], kind: CardStep['step']): CardOp | undefined {
  return steps.find((s) => OPEN.includes(s.state) && stepOf(s).step === kind);
}

function stillIncomplete(what: string, op: CardOp): StationError {
  return new StationError('INCOMPLETE', `${what} (${op.opId}, ${op.state}) could not be settled from the card on the reader`,
    'Place that card on the reader and run station migrate again with the same old card');
}

interface OldPhase {
  migration: CardOp;
  plan: MigrationStep;
  resumed: boolean;
  oldView: CardView;
  normalised: M1NormaliseAction[];
  settled: SettledOp[];
}

// eslint-disable-next-line max-lines-per-function -- the upgrade in RELIABILITY.md step order (intent, old card, new card, ledger); NAME=cardtx reshapes it
export async function migrate(station: Station, actor: Actor, input: MigrateInput): Promise<MigrateResult> {
  await requireRole(station.db, actor, 'operator', 'migrate');
  const { db, policy } = station;
  const oldReader = input.oldReader;
  const newReader = input.newReader;
  const oneReader = oldReader === newReader;
  await refused(db, actor.staffId, 'migrate', () => {
    if (typeof oldReader !== 'string' || oldReader === '' || typeof newReader !== 'string' || newReader === '') {
      throw new StationError('BAD_INPUT', 'An upgrade needs the reader of the old card and the reader of the new card', 'Pass --old-reader NAME and --new-reader NAME (the same name on a one-reader counter)', { say: say('upgradeReaders') });
    }
    if (oneReader && input.swapCards === undefined) {
      throw new StationError('BAD_INPUT', `One reader (${oldReader}) for both cards needs a card swap between the two steps`, 'Use two readers, or the one-reader swap prompt (station migrate with the same reader waits for the swap)', { say: say('upgradeOneReader') });
    }
  });
  // The fee's payment is checked before any card is touched (a resumed run may owe none).
  await refused(db, actor.staffId, 'migrate', () => payment(input.pay, policy.migrationFeeFen, input.tendered, input.reference, station.policy.maxTenderedFen));
  const shift = await requireOpenShift(station, actor);
  const ctx = { operatorId: actor.staffId, shiftId: shift.shift_id, workflow: 'migrate' };

  // ── 0–2: the old card ───────────────────────────────────────────────────────────────────
  // Two readers: a new migration starts only when the new reader holds a usable stock card
  // (read only), so a wrong card never leaves the customer's money owed.
  const preflight = oneReader ? null : async (loadFen: number): Promise<void> => {
    const view = await station.cards.withCard(newReader, (channel) => readCard(db, channel, station.config.cityCode, station.now()));
    await requireConfirmedCard(station, actor.staffId, 'migrate', view, input.confirmedNewCard);
    await refused(db, actor.staffId, 'migrate', () => assertStock(station, view, newReader, loadFen));
  };
  const phase = await station.cards.withCard(oldReader, (channel) => oldCardPhase(station, actor, channel, ctx, preflight, input.confirmedCard));
  if ('closedBySettlement' in phase) return closedUpgrade(station, phase.closedBySettlement, phase.oldView);
  const { migration, plan } = phase;
  const migrationId = migration.opId;
  const oldRef = phase.oldView.cardRef;

  // The fee is collected in the run that activates the new card; a resumed run past that
  // point collects nothing.
  let steps = await opsOfMigration(db, migrationId);
  const feeDue = recordedStep(steps, 'enable') === undefined ? plan.feeFen : 0;
  const pay = await refused(db, actor.staffId, 'migrate', () => payment(input.pay, feeDue, input.tendered, input.reference, station.policy.maxTenderedFen));

  if (oneReader) await input.swapCards!(newReader);

  // ── 3–4: the new card ───────────────────────────────────────────────────────────────────
  let leftNewCard = 0;
  const fresh = await station.cards.withCard(newReader, async (channel) => {
    let view = await readCard(db, channel, station.config.cityCode, station.now());
    await requireConfirmedCard(station, actor.staffId, 'migrate', view, input.confirmedNewCard);
    if (view.kind === 'm1') {
      throw new CardUnsupportedError(view.cardRef === oldRef ? `The old M1 card is still on ${newReader}` : `${newReader} holds an M1 card`,
        oneReader ? 'Take the old card off and place the new CPU card' : `Place a new CPU card from stock on ${newReader}`);
    }
    const settled = view.incomplete.length > 0 ? await settleCardOps(station, channel, view.cardRef) : [];
    if (settled.length > 0) view = await readCard(db, channel, station.config.cityCode, station.now());
    steps = await opsOfMigration(db, migrationId);
    const enabled = recordedStep(steps, 'enable');
    const pendingEnable = openStep(steps, 'enable');
    const asn = view.asn;
    if (enabled !== undefined) {
      const issued = stepOf(enabled) as Extract<CardStep, { step: 'enable' }>;
      if (issued.asn !== asn) {
        throw new StationError('CARD_MISMATCH', `This migration activated card ${issued.asn}; the card on ${newReader} is ${asn ?? view.cardRef}`, `Place card ${issued.asn} on ${newReader}`);
      }
    } else if (pendingEnable !== undefined) {
      throw stillIncomplete(`Activation of card ${(stepOf(pendingEnable) as { asn: string }).asn}`, pendingEnable);
    } else {
      await refused(db, actor.staffId, 'migrate', () => assertStock(station, view, newReader, plan.loadFen));
      const enableStep: Extract<CardStep, { step: 'enable' }> = { step: 'enable', asn: asn!, cityCode: view.cityCode!, issueDate: chinaYmd(station.now()) };
      const payAccount = pay.method === 'cash' ? 'cash_drawer' : 'other_payment_clearing';
      const opId = await beginCardOp(station, ctx, enableStep, {
        kind: 'migrate_issue', cardRef: view.cardRef, amountFen: feeDue,
        payload: { migrationId, asn: asn!, cityCode: view.cityCode!, oldCardRef: oldRef, feeFen: feeDue, pay: pay.method, tenderedFen: pay.tenderedFen, changeFen: pay.changeFen, reference: pay.reference, depositFen: 0 },
        postings: feeDue > 0 ? [debit(payAccount, feeDue), credit('fee_income', feeDue)] : [],
        effects: [{ type: 'card-upsert', card: { cardRef: view.cardRef, kind: 'cpu', cityCode: view.cityCode, status: 'active', depositFen: 0, registered: false, holderName: null, idNumberMasked: null, idNumberHash: null, phoneMasked: null } }],
      });
      await runEnableStep(station, channel, opId, enableStep);
      await commitCardOp(station, opId, { issueDate: enableStep.issueDate });
      steps = await opsOfMigration(db, migrationId);
    }
    const issued = stepOf(recordedStep(steps, 'enable')!) as Extract<CardStep, { step: 'enable' }>;
    let load: { balanceBeforeFen: number; balanceAfterFen: number; tac: string | null; tacVerified: boolean | null } | null = null;
    if (plan.loadFen > 0 && recordedStep(steps, 'load') === undefined) {
      const pendingLoad = openStep(steps, 'load');
      if (pendingLoad !== undefined) throw stillIncomplete(`The load onto card ${issued.asn}`, pendingLoad);
      const loadStep: Extract<CardStep, { step: 'load' }> = { step: 'load', asn: issued.asn, cityCode: issued.cityCode, amountFen: plan.loadFen, terminalId: station.config.terminalId, keyIndex: policy.loadKeyIndex };
      const carried = plan.deposit === 'carry' ? plan.depositFen : 0;
      const { opId, tac, pending, tacVerified } = await runLoadStep(station, ctx, channel, loadStep, {
        kind: 'migrate_in', cardRef: `cpu:${issued.asn}`, amountFen: plan.loadFen,
        payload: { migrationId, asn: issued.asn, cityCode: issued.cityCode, oldCardRef: oldRef, migratedFen: plan.balanceFen, carriedDepositFen: carried, terminalId: station.config.terminalId },
        postings: [debit('customer_payable', plan.loadFen), credit('card_float', plan.loadFen)],
      });
      const after = pending.init.oldBalanceFen + plan.loadFen;
      await timedPhase('load-commit', () => commitCardOp(station, opId, { tac, tacVerified, balanceBeforeFen: pending.init.oldBalanceFen, balanceAfterFen: after, onlineAtc: pending.init.onlineAtc }));
      load = { balanceBeforeFen: pending.init.oldBalanceFen, balanceAfterFen: after, tac, tacVerified };
    }
    if (load === null && plan.loadFen > 0) {
      // Loaded in an earlier run (or recorded by settlement): the receipt data comes from its entry.
      const loaded = recordedStep(await opsOfMigration(db, migrationId), 'load');
      const entry = loaded?.entryId ? await getEntry(db, loaded.entryId) : undefined;
      const p = (entry?.payload ?? {}) as { tac?: string | null; tacVerified?: boolean; balanceBeforeFen?: number; balanceAfterFen?: number };
      if (entry !== undefined && typeof p.balanceAfterFen === 'number') {
        load = { balanceBeforeFen: p.balanceBeforeFen ?? p.balanceAfterFen - plan.loadFen, balanceAfterFen: p.balanceAfterFen, tac: p.tac ?? null, tacVerified: p.tacVerified ?? null };
      }
    }
    leftNewCard = performance.now();
    return { settled, asn: issued.asn, cardRef: `cpu:${issued.asn}`, load };
  });
  // bench/ui: what releasing the new card's reader costs after its last answer (STATION_TIMINGS only).
  addPhase('new-card-release', performance.now() - leftNewCard);

  // ── 5: close the migration ──────────────────────────────────────────────────────────────
  // (Settling the new card's open load above may already have closed it: card-ops.ts closeMigration.)
  steps = await opsOfMigration(db, migrationId);
  const refundFen = plan.deposit === 'refund' ? plan.depositFen : 0;
  const entryIdOf = (kind: CardStep['step']): string | null => recordedStep(steps, kind)?.entryId ?? null;
  const entries = { migrateOut: entryIdOf('m1-zero'), migrateIssue: entryIdOf('enable'), migrateIn: plan.loadFen > 0 ? entryIdOf('load') : null };
  const current = (await getOp(db, migrationId))!;
  const done = OPEN.includes(current.state) ? await timedPhase('close', () => closeMigration(station, current, { operatorId: actor.staffId, shiftId: shift.shift_id })) : null;
  const doneEntryId = done?.entryId ?? current.entryId;
  if (doneEntryId === null) throw stillIncomplete('The upgrade', current);

  return {
    migrationId, resumed: phase.resumed, entryId: doneEntryId,
    old: { cardRef: oldRef, uid: plan.uid, cardNo: phase.oldView.cardNo, balanceFen: plan.balanceFen, depositFen: plan.depositFen, txCount: plan.txCount, normalised: phase.normalised },
    new: { cardRef: fresh.cardRef, asn: fresh.asn, balanceBeforeFen: fresh.load?.balanceBeforeFen ?? null, balanceAfterFen: fresh.load?.balanceAfterFen ?? null, tac: fresh.load?.tac ?? null, tacVerified: fresh.load?.tacVerified ?? null },
    migratedFen: plan.balanceFen, carriedDepositFen: plan.deposit === 'carry' ? plan.depositFen : 0, refundedDepositFen: refundFen, loadedFen: plan.loadFen,
    feeFen: feeDue, pay: pay.method, tenderedFen: pay.tenderedFen, changeFen: pay.changeFen,
    entries, settled: [...phase.settled, ...fresh.settled], receipt: null,
  };
}

/** A card the upgrade may activate: this city's, from stock (not enabled), clean, room for the load. */
async function assertStock(station: Station, view: CardView, reader: string, loadFen: number): Promise<void> {
  const { policy } = station;
  const asn = view.asn ?? view.cardRef;
  if (view.kind === 'm1') throw new CardUnsupportedError(`${reader} holds an M1 card, not a new CPU card`, `Place a new CPU card from stock on ${reader}`);
  if (view.kind === 'tunion') throw new CardUnsupportedError('T-Union (交通联合) cards cannot be issued by a City Union counter', `Place a City Union CPU card from stock on ${reader}`);
  if (view.otherCity) throw new StationError('POLICY', `The new card belongs to another member city (${view.city ?? view.cityCode})`, 'Use a card from this station\'s stock', { say: say('stockOtherCity', { card: asn, city: view.city ?? view.cityCode ?? '' }) });
  if (!view.flags.includes('not-enabled')) throw new StationError('POLICY', `Card ${asn} is already in use (activated), not stock`, `Place a new card from stock on ${reader}`, { say: say('stockAlreadySold', { card: asn }) });
  if (view.flags.some((f) => f === 'blocked' || f === 'blacklisted' || f === 'expired' || f === 'lost' || f === 'refunded')) {
    throw new StationError('POLICY', `Card ${asn} cannot be issued: ${view.status}`, 'Use another card from stock', { say: say('stockUnusable', { card: asn }) });
  }
  if (view.incomplete.length > 0) throw new StationError('INCOMPLETE', `Card ${asn} has an incomplete transaction`, 'Use another card from stock, or see station doctor');
  // Before the old card is touched; checked again inside the activation's intent write (core/card-ops.ts).
  await requireInStock(station.db, asn, 'Upgrade');
  if ((view.balanceFen ?? 0) + loadFen > policy.maxBalanceFen) {
    throw new StationError('POLICY', `Card ${asn} would hold ¥${formatYuan((view.balanceFen ?? 0) + loadFen)}, above the limit of ¥${formatYuan(policy.maxBalanceFen)}`, 'Use another card from stock', { say: say('stockAboveLimit', { card: asn, max: `¥${formatYuan(policy.maxBalanceFen)}` }) });
  }
  if (station.sam === null || view.cityCode === null || !(await station.sam.canServe(view.cityCode))) {
    throw new StationError('KEYS', `This station cannot activate or load cards of ${view.city ?? view.cityCode}`, 'Configure the key file or SAM (station doctor)');
  }
}

/** Steps 0–2 on the old card: settle, normalise, check, intent, zero + blacklist. */
// eslint-disable-next-line max-lines-per-function -- the old card's steps 0–2 in order, each guarded by the one before
async function oldCardPhase(
  station: Station, actor: Actor, channel: CardChannel, ctx: { operatorId: string; shiftId: string; workflow: string },
  preflight: ((loadFen: number) => Promise<void>) | null, confirmed: CardBinding,
): Promise<OldPhase | { closedBySettlement: string; oldView: CardView }> {
  const { db, policy } = station;
  const now = (): Date => station.now();
  let view = await readCard(db, channel, station.config.cityCode, now());
  await requireConfirmedCard(station, actor.staffId, 'migrate', view, confirmed);
  if (view.kind !== 'm1') {
    await refused(db, actor.staffId, 'migrate', () => {
      throw new CardUnsupportedError(`The upgrade starts from an old M1 card; the card on ${channel.readerName} is a ${view.kind} card`, `Place the customer's M1 card on ${channel.readerName}`);
    });
  }
  const oldRef = view.cardRef;
  const settled = view.incomplete.length > 0 ? await settleCardOps(station, channel, oldRef) : [];
  if (settled.length > 0) view = await readCard(db, channel, station.config.cityCode, now());
  let normalised: M1NormaliseAction[] = [];
  let migration = await openMigration(station, oldRef);
  const resumed = migration !== undefined;

  if (migration === undefined) {
    const finished = await finishedMigration(station, oldRef);
    // Finished by settlement (the run before was left open): this run answers it as done.
    if (finished?.recovered === true) return { closedBySettlement: finished.entryId, oldView: view };
    if (view.flags.includes('in-progress') && !view.flags.includes('blacklisted')) {
      // §9.6 step 0: finish the card's own interrupted transaction (§9.5) before anything else.
      const n = await normaliseM1Card(channel, new DefaultM1Layout(), new DefaultM1KeyScheme());
      normalised = n.actions;
      await writeAudit(db, actor.staffId, 'm1-normalise', 'ok', { cardRef: oldRef, actions: json(n.actions), balanceFen: n.after.balanceFen }, now());
      view = await readCard(db, channel, station.config.cityCode, now());
    }
    const registry = await getCard(db, oldRef);
    // The M1 card by the number the city prints (the screen's), its UID only when it has none (issue 16 item 8).
    const card = printedNumber(view);
    await refused(db, actor.staffId, 'migrate', () => {
      if (finished !== undefined || view.flags.includes('migrated')) {
        throw new StationError('POLICY', `Upgrade refused: card ${card} was already upgraded${finished?.newCardRef ? ` to ${finished.newCardRef}` : ''}`, 'One upgrade per M1 card; look the new card up with station card read', { say: say('m1AlreadyUpgraded', { card }) });
      }
      if (view.flags.includes('blacklisted')) throw new StationError('POLICY', `Upgrade refused: M1 card ${card} is blacklisted`, 'Check the card with a supervisor (lost or already migrated card)', { say: say('m1Blacklisted', { card }) });
      if (view.flags.includes('lost')) throw new StationError('POLICY', `Upgrade refused: M1 card ${card} is reported lost`, 'A found card can be returned by a supervisor', { say: say('m1Lost', { card }) });
      if (view.otherCity) throw new StationError('POLICY', `Upgrade refused: the M1 card was issued by another city (${view.city ?? view.cityCode})`, 'Only this city\'s M1 cards can be upgraded here', { say: say('m1OtherCity', { city: view.city ?? view.cityCode ?? '' }) });
      if (view.flags.includes('in-progress')) throw new StationError('INCOMPLETE', 'The M1 card still shows an unfinished transaction', 'Place the card again and retry');
      if (view.balanceFen === null) throw new StationError('POLICY', 'The M1 card does not show its balance', undefined, { say: say('m1NoBalance') });
    });
    const B = view.balanceFen!;
    const depositFen = registry?.deposit_fen ?? policy.depositFen;
    const deposit = policy.migrationDeposit;
    const loadFen = deposit === 'carry' ? B + depositFen : B;
    await refused(db, actor.staffId, 'migrate', () => {
      if (loadFen > policy.maxBalanceFen) {
        throw new StationError('POLICY', `¥${formatYuan(loadFen)} is above the new card's balance limit of ¥${formatYuan(policy.maxBalanceFen)}`, 'Refer the customer to the main service center',
          { say: say('upgradeAboveLimit', { amount: `¥${formatYuan(loadFen)}`, max: `¥${formatYuan(policy.maxBalanceFen)}` }) });
      }
    });
    if (preflight !== null) await preflight(loadFen);
    const snap = await readM1Card(channel, new DefaultM1Layout(), new DefaultM1KeyScheme());
    if (snap.balanceFen !== B || snap.uid !== view.uid) throw new StationError('CARD_MISMATCH', 'The M1 card changed while it was read', 'Place the card again and retry');
    const plan: MigrationStep = { step: 'migration', uid: snap.uid, balanceFen: B, txCount: snap.txCount, depositFen, deposit, loadFen, feeFen: policy.migrationFeeFen };
    const refund: Posting[] = deposit === 'refund' && depositFen > 0 ? [debit('customer_payable', depositFen), credit('cash_drawer', depositFen)] : [];
    const opId = await beginCardOp(station, ctx, plan, {
      kind: 'migrate_done', cardRef: oldRef, amountFen: B,
      payload: { uid: snap.uid, cardNo: view.cardNo ?? '', cityCode: view.cityCode ?? '', migratedFen: B, m1TxCount: snap.txCount, depositFen, deposit, loadFen, feeFen: plan.feeFen },
      postings: refund,
    });
    migration = (await getOp(db, opId))!;
  }

  const plan = stepOf(migration) as MigrationStep;
  const steps = await opsOfMigration(db, migration.opId);
  if (recordedStep(steps, 'm1-zero') === undefined) {
    const pending = openStep(steps, 'm1-zero');
    if (pending !== undefined) throw stillIncomplete('Zeroing of the M1 card', pending);
    const zeroStep: Extract<CardStep, { step: 'm1-zero' }> = {
      step: 'm1-zero', uid: plan.uid, balanceFen: plan.balanceFen, txCount: plan.txCount, terminal: station.config.terminalId.slice(-8), at: now().toISOString(),
    };
    const moved = plan.balanceFen + plan.depositFen;
    const opId = await beginCardOp(station, ctx, zeroStep, {
      kind: 'migrate_out', cardRef: oldRef, amountFen: plan.balanceFen,
      payload: { migrationId: migration.opId, uid: plan.uid, migratedFen: plan.balanceFen, m1TxCount: plan.txCount, depositFen: plan.depositFen, deposit: plan.deposit },
      postings: [
        ...(plan.balanceFen > 0 ? [debit('m1_float', plan.balanceFen)] : []),
        ...(plan.depositFen > 0 ? [debit('deposits_held', plan.depositFen)] : []),
        ...(moved > 0 ? [credit('customer_payable', moved)] : []),
      ],
      effects: [{ type: 'card-status', cardRef: oldRef, status: 'migrated', depositFen: 0 }, { type: 'blacklist', cardRef: oldRef, reason: `migrated (${migration.opId})` }],
    });
    const r = await runM1ZeroStep(station, channel, opId, zeroStep);
    await commitCardOp(station, opId, { outcome: r.outcome, purseWasAlreadyZero: r.purseWasAlreadyZero, image: r.image.image });
  }
  return { migration, plan, resumed, oldView: view, normalised, settled };
}
