/**
 * The intent journal (card_ops). A workflow writes its intent before the first APDU that can
 * change a card, stores the card's evidence (e.g. the INITIALIZE FOR LOAD answer) before the
 * committing APDU, and closes the op in the same transaction as its ledger entry. Recovery
 * reads the open ops of a card and settles each one. States:
 *   intent → card_committed → recorded      (normal; a load goes intent → recorded: its
 *                                            intent carries the evidence, and the entry
 *                                            follows CREDIT directly)
 *   intent → aborted                        (the card provably did not change)
 *   intent | card_committed → in_doubt      (card left; settled when it returns)
 */
import { systemClock } from '../common/clock.ts';
import { canonicalJson, type Json } from '../common/canonical-json.ts';
import { CardOpRequestSchema, parseStored, type CardOpRequest } from '../common/card-intents.ts';
import { StationError } from '../common/errors.ts';
import type { Queryable } from './sqlite.ts';

export type OpState = 'intent' | 'card_committed' | 'recorded' | 'aborted' | 'in_doubt';
export const OPEN_STATES: readonly OpState[] = ['intent', 'card_committed', 'in_doubt'];

export interface CardOp {
  opId: string;
  workflow: string;
  cardRef: string;
  state: OpState;
  amountFen: number;
  operatorId: string | null;
  shiftId: string | null;
  /** What the card must do and the event to record, parsed (common/card-intents.ts). */
  request: CardOpRequest;
  /** The card's evidence as stored; its step's settler parses it (core/card-settlers.ts). */
  evidence: Json | null;
  entryId: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  op_id: string;
  workflow: string;
  card_ref: string;
  state: OpState;
  amount_fen: number;
  operator_id: string | null;
  shift_id: string | null;
  request: string;
  evidence: string | null;
  entry_id: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: Row): CardOp => ({
  opId: r.op_id,
  workflow: r.workflow,
  cardRef: r.card_ref,
  state: r.state,
  amountFen: r.amount_fen,
  operatorId: r.operator_id,
  shiftId: r.shift_id,
  request: parseStored(CardOpRequestSchema, JSON.parse(r.request), `card operation ${r.op_id}'s intent`),
  evidence: r.evidence === null ? null : (JSON.parse(r.evidence) as Json),
  entryId: r.entry_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * The intent, with the card's evidence when it is already in hand (one durable statement). The
 * request is checked against its schema first: an intent recovery could not read back is
 * refused before any card is touched.
 */
export async function writeIntent(db: Queryable, op: Omit<CardOp, 'state' | 'evidence' | 'entryId' | 'updatedAt'> & { evidence?: object }): Promise<void> {
  parseStored(CardOpRequestSchema, op.request, `the intent of ${op.workflow}`);
  await db.run(
    `INSERT INTO card_ops (op_id, workflow, card_ref, state, amount_fen, operator_id, shift_id, request, evidence, created_at, updated_at)
     VALUES (?, ?, ?, 'intent', ?, ?, ?, ?, ?, ?, ?)`,
    [op.opId, op.workflow, op.cardRef, op.amountFen, op.operatorId, op.shiftId, canonicalJson(op.request), op.evidence === undefined ? null : canonicalJson(op.evidence), op.createdAt, op.createdAt],
  );
}

const ALLOWED: Record<OpState, readonly OpState[]> = {
  intent: ['card_committed', 'recorded', 'aborted', 'in_doubt', 'intent'],
  card_committed: ['recorded', 'in_doubt'],
  in_doubt: ['recorded', 'aborted', 'card_committed', 'in_doubt'],
  recorded: [],
  aborted: [],
};

const STATES: readonly OpState[] = ['intent', 'card_committed', 'recorded', 'aborted', 'in_doubt'];
/** The states an op may move to `to` from. */
const FROM = (to: OpState): readonly OpState[] => STATES.filter((from) => ALLOWED[from].includes(to));
const FROM_STATES = new Map<OpState, readonly OpState[]>(STATES.map((to) => [to, FROM(to)]));

/**
 * Moves an op to a new state (and optionally stores evidence / the entry id). One statement:
 * the allowed transition is part of the WHERE clause, so the hot path reads nothing first.
 */
export async function updateOp(db: Queryable, opId: string, to: OpState, fields: { evidence?: object; entryId?: string } = {}, at: Date = systemClock()): Promise<void> {
  const from = FROM_STATES.get(to) ?? [];
  const evidence = fields.evidence === undefined ? null : canonicalJson(fields.evidence);
  const r = from.length === 0 ? { changes: 0 } : await db.run(
    `UPDATE card_ops SET state = ?, evidence = COALESCE(?, evidence), entry_id = COALESCE(?, entry_id), updated_at = ? WHERE op_id = ? AND state IN (${from.map(() => '?').join(', ')})`,
    [to, evidence, fields.entryId ?? null, at.toISOString(), opId, ...from]);
  if (r.changes === 1) return;
  const row = await db.get<{ state: OpState }>('SELECT state FROM card_ops WHERE op_id = ?', [opId]);
  if (!row) throw new StationError('INTERNAL', `no card operation ${opId}`);
  throw new StationError('INTERNAL', `card operation ${opId}: ${row.state} → ${to} is not allowed`);
}

export async function getOp(db: Queryable, opId: string): Promise<CardOp | undefined> {
  const row = await db.get<Row>('SELECT * FROM card_ops WHERE op_id = ?', [opId]);
  return row ? fromRow(row) : undefined;
}

export async function openOpsForCard(db: Queryable, cardRef: string): Promise<CardOp[]> {
  const rows = await db.all<Row>("SELECT * FROM card_ops WHERE card_ref = ? AND state IN ('intent', 'card_committed', 'in_doubt') ORDER BY created_at", [cardRef]);
  return rows.map(fromRow);
}

/** The number the city prints on each M1 card an operation was opened for (its upgrade's event carries it), by card_ref. */
export async function m1PrintedNumbers(db: Queryable): Promise<Map<string, string>> {
  const rows = await db.all<{ card_ref: string; no: string }>(
    "SELECT card_ref, json_extract(request, '$.event.payload.cardNo') AS no FROM card_ops WHERE card_ref LIKE 'm1:%' AND json_extract(request, '$.event.payload.cardNo') <> ''");
  return new Map(rows.map((r) => [r.card_ref, r.no]));
}

export async function openOps(db: Queryable): Promise<CardOp[]> {
  const rows = await db.all<Row>("SELECT * FROM card_ops WHERE state IN ('intent', 'card_committed', 'in_doubt') ORDER BY created_at");
  return rows.map(fromRow);
}

/** The card ops of one M1 → CPU migration (its m1-zero, enable and load steps carry its op id), oldest first. */
export async function opsOfMigration(db: Queryable, migrationId: string): Promise<CardOp[]> {
  const rows = await db.all<Row>(
    "SELECT * FROM card_ops WHERE json_extract(request, '$.event.payload.migrationId') = ? ORDER BY created_at, op_id", [migrationId]);
  return rows.map(fromRow);
}
