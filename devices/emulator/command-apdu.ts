/**
 * Card-side parsing of a short command APDU (ISO 7816-3 cases 1-4). Emulated cards answer
 * `6700` when the bytes do not form one of the four cases.
 */
export interface ParsedCommand {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data: Uint8Array;
  /** Le as sent (0 means 256/"all"), undefined when absent. */
  le: number | undefined;
}

export function parseCommandApdu(apdu: Uint8Array): ParsedCommand | null {
  if (apdu.length < 4) return null;
  const [cla, ins, p1, p2] = [apdu[0]!, apdu[1]!, apdu[2]!, apdu[3]!];
  if (apdu.length === 4) return { cla, ins, p1, p2, data: new Uint8Array(0), le: undefined };
  if (apdu.length === 5) return { cla, ins, p1, p2, data: new Uint8Array(0), le: apdu[4]! };
  const lc = apdu[4]!;
  if (lc === 0) return null; // extended length is not supported by these cards
  if (apdu.length === 5 + lc) return { cla, ins, p1, p2, data: apdu.slice(5, 5 + lc), le: undefined };
  if (apdu.length === 6 + lc) return { cla, ins, p1, p2, data: apdu.slice(5, 5 + lc), le: apdu[5 + lc]! };
  return null;
}

export function sw(value: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out[data.length] = (value >> 8) & 0xff;
  out[data.length + 1] = value & 0xff;
  return out;
}
