/** Telling card kinds apart from the ATR, and the ledger's card references. */
export type CardKind = 'cpu' | 'm1' | 'tunion';

/**
 * PC/SC part 3 storage cards (MIFARE Classic behind a contactless reader) carry the
 * historical bytes `80 4F 0C A0 00 00 03 06 …` (CARD-PROTOCOL.md §2.2).
 */
export function isStorageCardAtr(atr: Uint8Array): boolean {
  return atr.length >= 6 && atr[0] === 0x3b && atr[2] === 0x80 && atr[3] === 0x01 && atr[4] === 0x80 && atr[5] === 0x4f;
}

export const cardRef = (kind: CardKind, id: string): string => `${kind}:${id.toUpperCase()}`;
