/**
 * Blank-card stock arithmetic (issue 17 item 3): per card type, the day's movements must satisfy
 * opening + received − issued − spoiled − returned = closing. Quantities are whole cards, never
 * money; a negative closing is impossible and reported, not clamped.
 */
import type { DayStockLine } from '../receipts/day-types.ts';
import type { CardTypeCode } from './concession.ts';

export type StockMovementKind = 'received' | 'issued' | 'spoiled' | 'returned';

export interface StockMovement {
  cardType: CardTypeCode;
  kind: StockMovementKind;
  cards: number;
}

/** The day report's stock line (receipts/day-types.ts), its card type one this station knows. */
export type StockLine = DayStockLine & { cardType: CardTypeCode };

/** The stock lines of a day, one per card type seen (sorted by type code). */
export function stockLines(opening: ReadonlyMap<CardTypeCode, number>, movements: readonly StockMovement[]): StockLine[] {
  const lines = new Map<CardTypeCode, StockLine>();
  const line = (t: CardTypeCode): StockLine => {
    let l = lines.get(t);
    if (!l) {
      const o = opening.get(t) ?? 0;
      l = { cardType: t, opening: o, received: 0, issued: 0, spoiled: 0, returned: 0, closing: o };
      lines.set(t, l);
    }
    return l;
  };
  for (const t of opening.keys()) line(t);
  for (const m of movements) {
    if (!Number.isSafeInteger(m.cards) || m.cards <= 0) throw new RangeError(`a stock movement counts whole cards > 0, got ${m.cards}`);
    const l = line(m.cardType);
    l[m.kind] += m.cards;
    l.closing += m.kind === 'received' ? m.cards : -m.cards;
  }
  return [...lines.values()].sort((a, b) => a.cardType.localeCompare(b.cardType));
}

/** The problems of a set of lines: a negative closing, or an equation that does not hold. */
export function stockProblems(lines: readonly StockLine[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (l.opening + l.received - l.issued - l.spoiled - l.returned !== l.closing) out.push(`${l.cardType}: ${l.opening} + ${l.received} − ${l.issued} − ${l.spoiled} − ${l.returned} ≠ ${l.closing}`);
    if (l.closing < 0) out.push(`${l.cardType}: closing stock ${l.closing} is below zero`);
  }
  return out;
}
