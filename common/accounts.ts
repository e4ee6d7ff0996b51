/**
 * The ledger's accounts and a posting line (double-entry, integer fen), typed once: the ledger
 * (db/ledger.ts) writes them and an intent's prepared event carries them (common/card-intents.ts).
 */
import { z } from 'zod';

/** The chart of accounts (PRODUCT.md "Money and ledger rules"). */
export const ACCOUNTS = [
  'cash_drawer', // asset: notes and coins in this counter's drawer
  'other_payment_clearing', // asset: card/QR payments to be settled
  'card_float', // liability: money stored on CPU cards we loaded
  'm1_float', // liability: money on legacy M1 cards
  'deposits_held', // liability: card deposits taken
  'fee_income', // income
  'upstream_clearing', // asset/liability with the clearing host (other cities, lost-card balances)
  'customer_payable', // liability: owed to a customer (queued replacement, refund referral)
  'cash_over_short', // expense/income: signed-off drawer differences
  // The teller's cash (issue 17 item 4, docs/COUNTER-RULES.md §4): appended, so an older ledger's
  // accounts and the CSV columns before them keep their places.
  'safe', // asset: the station's safe, and cash handed in for the bank (备用金 comes from here, 交款 goes here)
  'cash_in_transit', // asset: cash handed from one open shift to another, between the two signatures
] as const;
/** One line of an entry: a debit or a credit of integer fen on one account. */
export const PostingSchema = z.object({ account: z.enum(ACCOUNTS), debitFen: z.number().int().min(0), creditFen: z.number().int().min(0) });
export type Account = (typeof ACCOUNTS)[number];
export type Posting = z.infer<typeof PostingSchema>;
