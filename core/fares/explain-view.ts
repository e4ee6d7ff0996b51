/**
 * The card panel's and `station card read`'s log explanation: a read card's view plus this
 * station's city and terminal → explainCardLog (explain-log.ts). T-Union cards are not City
 * Union cards: their log is not explained (none of these rules apply to them).
 */
import { cityByCode, type CityCodeMapping } from '../cities/index.ts';
import { explainCardLog, type LogLine, type LogLineExplanation } from './explain-log.ts';
import type { CardType } from './rules.ts';

export interface ExplainableView {
  kind: 'cpu' | 'm1' | 'tunion';
  city: string | null;
  log: LogLine[];
  /** EF 0015 byte 28 in this project's codes (issue 17: 00 普通卡, 01 学生卡, 02 老年卡, 03 爱心卡). */
  cardType?: string | null;
  /** A concession card's 年审 state (core/workflows/read-card.ts): an overdue one rides as 普通卡. */
  concessionState?: 'not-needed' | 'valid' | 'due' | 'overdue';
}

/** The fare rules' card type (FARES.md) of a City Union card's type code; an overdue concession card is charged as regular. */
export function fareTypeOf(view: Pick<ExplainableView, 'kind' | 'cardType' | 'concessionState'>): CardType {
  if (view.kind !== 'cpu' || view.concessionState === 'overdue') return 'regular';
  return FARE_TYPE_OF_CODE[view.cardType ?? '00'] ?? 'regular';
}
/** 爱心卡 rides at the concession (discount) rate; codes outside this project's list ride as regular. */
const FARE_TYPE_OF_CODE: Record<string, CardType> = { '00': 'regular', '01': 'student', '02': 'senior', '03': 'discount' };

/** Null for a T-Union card or an empty log. */
export function explainViewLog(view: ExplainableView, station: { cityCode: string; terminalId?: string | null }, codes: CityCodeMapping): LogLineExplanation[] | null {
  if (view.kind === 'tunion' || view.log.length === 0) return null;
  try {
    return explainCardLog(view.log, {
      cardCity: view.city,
      stationCity: cityByCode(station.cityCode, codes)?.name ?? null,
      stationTerminal: station.terminalId ?? null,
      cardType: fareTypeOf(view),
    });
  } catch {
    // The explanation is an aid: a fault in it must never keep the card itself off the panel.
    return null;
  }
}
