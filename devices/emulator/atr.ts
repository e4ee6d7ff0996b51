/**
 * Contactless ATR as a PC/SC reader builds it for an ISO 14443-4 card (CARD-PROTOCOL.md §2.2):
 * 3B 8n 80 01 <n historical bytes> TCK, TCK = XOR of T0..last historical byte.
 */
export const MAX_HISTORICAL_BYTES = 15;

export function contactlessAtr(historical: Uint8Array): Uint8Array {
  if (historical.length > MAX_HISTORICAL_BYTES) throw new RangeError(`at most ${MAX_HISTORICAL_BYTES} historical bytes, got ${historical.length}`);
  const atr = new Uint8Array(4 + historical.length + 1);
  atr.set([0x3b, 0x80 | historical.length, 0x80, 0x01]);
  atr.set(historical, 4);
  let tck = 0;
  for (let i = 1; i < atr.length - 1; i++) tck ^= atr[i]!;
  atr[atr.length - 1] = tck;
  return atr;
}
