/** The local card registry (deposits, registration, status) and the blacklist. */
import type { CardStatus } from '../common/card-intents.ts';
import type { Queryable } from './sqlite.ts';

export type { CardStatus };

export interface CardRow {
  card_ref: string;
  kind: 'cpu' | 'm1';
  city_code: string | null;
  status: CardStatus;
  deposit_fen: number;
  registered: number;
  holder_name: string | null;
  id_number_masked: string | null;
  id_number_hash: string | null;
  phone_masked: string | null;
  issued_at: string | null;
  updated_at: string;
  /** EF 0015 byte 28 as sold (issue 17); '00' 普通卡 for cards sold before. Optional on write: kept as it is. */
  card_type?: string;
  /** The 年审 verified-until date (China date) the card's concession file holds; null when none. */
  verified_until?: string | null;
}

export async function getCard(db: Queryable, cardRef: string): Promise<CardRow | undefined> {
  return db.get<CardRow>('SELECT * FROM cards WHERE card_ref = ?', [cardRef]);
}

export async function findCardsByIdHash(db: Queryable, idHash: string): Promise<CardRow[]> {
  return db.all<CardRow>('SELECT * FROM cards WHERE id_number_hash = ? ORDER BY issued_at', [idHash]);
}

export async function upsertCard(db: Queryable, card: CardRow): Promise<void> {
  await db.run(
    `INSERT INTO cards (card_ref, kind, city_code, status, deposit_fen, registered, holder_name, id_number_masked, id_number_hash, phone_masked, issued_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(card_ref) DO UPDATE SET kind = excluded.kind, city_code = excluded.city_code, status = excluded.status,
       deposit_fen = excluded.deposit_fen, registered = excluded.registered, holder_name = excluded.holder_name,
       id_number_masked = excluded.id_number_masked, id_number_hash = excluded.id_number_hash, phone_masked = excluded.phone_masked,
       issued_at = excluded.issued_at, updated_at = excluded.updated_at`,
    [card.card_ref, card.kind, card.city_code, card.status, card.deposit_fen, card.registered, card.holder_name, card.id_number_masked,
      card.id_number_hash, card.phone_masked, card.issued_at, card.updated_at]);
}

/** 年审 (issue 17): the card type and the verified-until date just written to the card. */
export async function setCardVerified(db: Queryable, cardRef: string, cardType: string, verifiedUntil: string, at: Date): Promise<void> {
  await db.run('UPDATE cards SET card_type = ?, verified_until = ?, updated_at = ? WHERE card_ref = ?', [cardType, verifiedUntil, at.toISOString(), cardRef]);
}

/** Sets the card type sold (issue 17), with the sale's registry row. */
export async function setCardType(db: Queryable, cardRef: string, cardType: string): Promise<void> {
  await db.run('UPDATE cards SET card_type = ? WHERE card_ref = ?', [cardType, cardRef]);
}

export async function setCardStatus(db: Queryable, cardRef: string, status: CardStatus, at: Date, depositFen?: number): Promise<void> {
  await db.run('UPDATE cards SET status = ?, deposit_fen = COALESCE(?, deposit_fen), updated_at = ? WHERE card_ref = ?',
    [status, depositFen ?? null, at.toISOString(), cardRef]);
}

export async function isBlacklisted(db: Queryable, cardRef: string): Promise<{ reason: string; source: string } | undefined> {
  return db.get<{ reason: string; source: string }>('SELECT reason, source FROM blacklist WHERE card_ref = ?', [cardRef]);
}

export async function addToBlacklist(db: Queryable, cardRef: string, reason: string, source: 'local' | 'upstream', at: Date): Promise<void> {
  await db.run('INSERT INTO blacklist (card_ref, reason, source, listed_at) VALUES (?, ?, ?, ?) ON CONFLICT(card_ref) DO NOTHING',
    [cardRef, reason, source, at.toISOString()]);
}

/** What the card panel and the workflows need to know about one card, in one round trip. */
export interface CardFacts {
  blacklisted: boolean;
  /** The registry row's status and deposit (null when the card has no row). */
  status: CardStatus | null;
  depositFen: number | null;
  /** A registered card's holder, as the registry keeps it (masked at registration, core/registration.ts); null when anonymous. */
  holder: { name: string | null; idNumberMasked: string | null } | null;
  /** Open card ops (intent, card_committed, in_doubt), oldest first. */
  openOps: { opId: string; workflow: string; state: string; amountFen: number; createdAt: string }[];
}

/**
 * Blacklist, registry row and open ops of `cardRef` in ONE statement: a card read costs one
 * round trip into the database thread instead of three.
 */
export async function cardFacts(db: Queryable, cardRef: string): Promise<CardFacts> {
  const row = await db.get<{ listed: number; status: CardStatus | null; deposit_fen: number | null; holder: string | null; ops: string }>(
    `SELECT EXISTS (SELECT 1 FROM blacklist WHERE card_ref = ?1) AS listed,
            (SELECT status FROM cards WHERE card_ref = ?1) AS status,
            (SELECT deposit_fen FROM cards WHERE card_ref = ?1) AS deposit_fen,
            (SELECT json_array(holder_name, id_number_masked) FROM cards WHERE card_ref = ?1 AND registered = 1) AS holder,
            (SELECT json_group_array(json_array(op_id, workflow, state, amount_fen, created_at))
               FROM (SELECT op_id, workflow, state, amount_fen, created_at FROM card_ops
                      WHERE card_ref = ?1 AND state IN ('intent', 'card_committed', 'in_doubt') ORDER BY created_at)) AS ops`,
    [cardRef]);
  const ops = JSON.parse(row?.ops ?? '[]') as [string, string, string, number, string][];
  return {
    blacklisted: row?.listed === 1,
    status: row?.status ?? null,
    depositFen: row?.deposit_fen ?? null,
    holder: holderOf(row?.holder ?? null),
    openOps: ops.map(([opId, workflow, state, amountFen, createdAt]) => ({ opId, workflow, state, amountFen, createdAt })),
  };
}

function holderOf(json: string | null): CardFacts['holder'] {
  if (json === null) return null;
  const [name, idNumberMasked] = JSON.parse(json) as [string | null, string | null];
  return { name, idNumberMasked };
}
