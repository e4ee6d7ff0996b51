/**
 * The station API's training lab (issue 16 item 9): the counter's lab panel puts the lab's
 * ready-made cards on or off either virtual reader, so every workflow can be practised from
 * `npm start` alone. Spread into common/api.ts METHODS. The core refuses these methods on a
 * live station (core/api/handlers/lab.ts); the lab itself is `station sim --lab` (core/lab/lab-control.ts).
 */
import { z } from 'zod';

/** The lab's cards: blank stock for a sale, a customer's card with balance and log, an M1 card with a purse, a T-Union card, a damaged (unreadable) card, a blacklisted M1 card. */
export const LAB_PRESET_IDS = ['stock', 'customer', 'm1', 'tunion', 'damaged', 'blacklisted'] as const;
export type LabPresetId = (typeof LAB_PRESET_IDS)[number];

export const LabSlotSchema = z.object({
  slot: z.number().int().min(0),
  reader: z.string(),
  /** What the lab put there: a preset, 'custom' (a card from the sim's own command line), or nothing. */
  preset: z.union([z.enum(LAB_PRESET_IDS), z.literal('custom')]).nullable(),
  /** The number on the card's face (ASN, T-Union number or M1 UID), null when empty. */
  card: z.string().nullable(),
});
export type LabSlotDto = z.infer<typeof LabSlotSchema>;

const slot = z.number().int().min(0).max(1);
const slotsResult = z.object({ slots: z.array(LabSlotSchema) });

export const LAB_METHODS = {
  /** The lab's readers and what is on them. */
  labSlots: { params: z.object({}), result: slotsResult },
  /** Puts a fresh card of a preset on a reader (the card there before leaves first). */
  labPlace: { params: z.object({ slot, preset: z.enum(LAB_PRESET_IDS) }), result: slotsResult },
  /** Takes the card off a reader. */
  labRemove: { params: z.object({ slot }), result: slotsResult },
} as const;
