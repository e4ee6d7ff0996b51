/**
 * The card panel's and `station card read`'s log explanation: a read card's view plus this
 * station's city and terminal → explainCardLog (explain-log.ts). T-Union cards are not City
 * Union cards: their log is not explained (none of these rules apply to them).
 */
import { cityByCode, type CityCodeMapping } from '../cities/index.ts';
import { explainCardLog, type LogLine, type LogLineExplanation } from './explain-log.ts';

export interface ExplainableView {
  kind: 'cpu' | 'm1' | 'tunion';
  city: string | null;
  log: LogLine[];
}

/** Null for a T-Union card or an empty log. */
export function explainViewLog(view: ExplainableView, station: { cityCode: string; terminalId?: string | null }, codes: CityCodeMapping): LogLineExplanation[] | null {
  if (view.kind === 'tunion' || view.log.length === 0) return null;
  try {
    return explainCardLog(view.log, {
      cardCity: view.city,
      stationCity: cityByCode(station.cityCode, codes)?.name ?? null,
      stationTerminal: station.terminalId ?? null,
    });
  } catch {
    // The explanation is an aid: a fault in it must never keep the card itself off the panel.
    return null;
  }
}
