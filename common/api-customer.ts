/**
 * The customer display (客显): what the customer in front of the counter sees — the amount of
 * the current transaction, the card's balance, and 请核对金额. It is read-only: its own
 * connection (a second token in `station serve`, a second window in Electron) receives these
 * messages and can call nothing. Nothing here identifies the holder: the card number is masked.
 *
 * Money is integer fen; the display formats yuan.
 */
import { z } from 'zod';

const fen = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The figures an amount to confirm is made of (售卡: deposit + first load; 退卡: balance +
 * deposit; …), so the customer checks the parts, not only the sum. The display names each item
 * in both languages (renderer/src/CustomerDisplay.tsx).
 */
export const CUSTOMER_ITEMS = ['deposit', 'firstLoad', 'fee', 'balance', 'balanceMoved', 'depositCarried', 'depositRefunded', 'depositCharged'] as const;
const lines = z.array(z.object({ item: z.enum(CUSTOMER_ITEMS), fen }).strict()).max(8);
export type CustomerLine = z.infer<typeof lines>[number];

/** The figures of a money transaction, about to be confirmed or done. */
const transaction = {
  /** Which transaction, for the heading (topup, issue, refund, …: the method's name). */
  kind: z.string().max(40),
  cardNo: z.string().nullable(),
  amountFen: fen,
  balanceFen: fen.nullable(),
  tenderedFen: fen.nullable(),
  changeFen: fen.nullable(),
};

export const CustomerDisplaySchema = z.discriminatedUnion('state', [
  /** No card, nothing going on: a welcome line. */
  z.object({ state: z.literal('idle') }),
  /** A card was placed: its balance (null when it could not be read). */
  z.object({ state: z.literal('card'), cardNo: z.string().nullable(), balanceFen: fen.nullable() }),
  /** The operator is about to confirm: the amount (and cash, change) for the customer to check first. */
  z.object({
    state: z.literal('confirm'),
    ...transaction,
    /** What the amount is made of (absent: the amount alone). */
    lines: lines.optional(),
  }),
  /** A money transaction was completed: what was charged/loaded, the balance after, tendered and change. */
  z.object({ state: z.literal('done'), ...transaction }),
]);
export type CustomerDisplay = z.infer<typeof CustomerDisplaySchema>;

/** The one message the customer connection receives. */
export const CustomerMessageSchema = z.object({ event: z.literal('customer'), display: CustomerDisplaySchema }).strict();
export type CustomerMessage = z.infer<typeof CustomerMessageSchema>;

/** 3104 0000 1234 5678 → 3104 **** **** 5678 (the customer sees which card, not its number). */
export function maskCardNo(cardNo: string | null): string | null {
  if (cardNo === null) return null;
  const digits = cardNo.replace(/\s+/g, '');
  if (digits.length <= 8) return digits.replace(/.(?=.{2})/g, '*');
  return `${digits.slice(0, 4)} **** **** ${digits.slice(-4)}`;
}

/**
 * The counter's one call for the display: before the operator confirms a money step it shows
 * the amount (请核对金额); `null` takes it down again (cancelled, back to the form). The answer of
 * the money method itself then shows what was done.
 */
export const CUSTOMER_METHODS = {
  customerShow: {
    params: z.object({
      pending: z.object({ kind: z.string().min(1).max(40), amountFen: fen, tenderedFen: fen.optional(), lines: lines.optional() }).strict().nullable(),
    }),
    result: z.object({ ok: z.literal(true) }),
  },
} as const;
