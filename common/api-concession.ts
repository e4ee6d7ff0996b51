/**
 * The station API's 年审 (issue 17 item 2, docs/COUNTER-RULES.md §2), spread into common/api.ts
 * METHODS. The renderer drives it as read → confirm → commit: `concessionCheck` reads the card and
 * says what a 年审 today would write (nothing changes); `concessionVerify` writes it for the card
 * the clerk confirmed (the card binding) and answers with the date read back from the card.
 */
import { z } from 'zod';
import { ReceiptOutcomeSchema } from './api-receipts.ts';

export const CARD_TYPE_CODES = ['00', '01', '02', '03'] as const;
const cardType = z.enum(CARD_TYPE_CODES);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const readerName = z.string().max(200);

/** A 年审 card, as the card panel and the 年审 screen show it. */
export const ConcessionStateSchema = z.enum(['not-needed', 'valid', 'due', 'overdue']);

export function concessionMethods<B extends z.ZodType, S extends z.ZodType>(confirmedCard: B, settledOp: S) {
  return {
    /** 年审, read: the card's type, its verified-until date, its state today and the date a 年审 would write. */
    concessionCheck: {
      params: z.object({ reader: readerName.optional() }),
      result: z.object({
        cardRef: z.string(), asn: z.string(), cardType, verifiedUntil: date.nullable(), state: ConcessionStateSchema, newVerifiedUntil: date, scheduleVersion: z.string(),
      }),
    },
    /** 年审, commit: the new verified-until date written with secure messaging and read back. */
    concessionVerify: {
      params: z.object({
        reader: readerName.optional(),
        confirmedCard: confirmedCard,
        /** What eligibility proof was checked (1–120 characters, never a document's number). */
        evidence: z.string().min(1).max(120),
        print: z.enum(['auto', 'always', 'never']).optional(),
        idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
      }),
      result: z.object({
        entryId: z.string(), cardRef: z.string(), asn: z.string(), cardType, previousUntil: date.nullable(), verifiedUntil: date, verifiedOn: date,
        scheduleVersion: z.string(), settled: z.array(settledOp),
      }).extend(ReceiptOutcomeSchema.shape),
    },
  } as const;
}
