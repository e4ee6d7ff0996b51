/**
 * The printer's real-time status (DLE EOT n), as Epson defines the bytes and the Chinese
 * clones copy them. Each answer is one byte with bits 1 and 4 set and bits 0 and 7 clear
 * (0xx1xx10), which is how a status byte is told from stray data.
 */
export interface EscposStatus {
  /** n = 1, bit 3. */
  offline: boolean;
  /**
   * n = 1, bit 2: the drawer kick-out connector's pin 3 is high. With the usual drawer switch
   * wiring that means the drawer is open (a few drawers wire it the other way round).
   */
  drawerOpen: boolean;
  /** n = 2, bit 2. */
  coverOpen: boolean;
  /** n = 4, bits 2–3: the near-end sensor sees the roll running low. */
  paperNearEnd: boolean;
  /** n = 4, bits 5–6 (or n = 2 bit 5: printing stopped at paper end). */
  paperOut: boolean;
  /** n = 2, bit 6: an error (cutter, head temperature …) stopped the printer. */
  error: boolean;
}

/** DLE EOT 1, 2 and 4 in one write: three bytes come back in that order. */
export const STATUS_QUERIES = [1, 2, 4] as const;

export function isStatusByte(b: number): boolean {
  return (b & 0x93) === 0x12;
}

export function parseStatus(bytes: ArrayLike<number>): EscposStatus {
  if (bytes.length !== 3 || ![0, 1, 2].every((i) => isStatusByte(bytes[i]!))) {
    throw new RangeError(`not an ESC/POS status answer: ${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')}`);
  }
  const [printer, offline, paper] = [bytes[0]!, bytes[1]!, bytes[2]!];
  return {
    offline: (printer & 0x08) !== 0,
    drawerOpen: (printer & 0x04) !== 0,
    coverOpen: (offline & 0x04) !== 0,
    paperNearEnd: (paper & 0x0c) !== 0,
    paperOut: (paper & 0x60) !== 0 || (offline & 0x20) !== 0,
    error: (offline & 0x40) !== 0,
  };
}

/** The three bytes a printer in this state answers (the test printer uses it, so both ends read one definition). */
export function statusBytes(s: EscposStatus): [number, number, number] {
  const base = 0x12;
  return [
    base | (s.offline || s.coverOpen || s.paperOut ? 0x08 : 0) | (s.drawerOpen ? 0x04 : 0),
    base | (s.coverOpen ? 0x04 : 0) | (s.paperOut ? 0x20 : 0) | (s.error ? 0x40 : 0),
    base | (s.paperNearEnd || s.paperOut ? 0x0c : 0) | (s.paperOut ? 0x60 : 0),
  ];
}
