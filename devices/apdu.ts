/**
 * ISO 7816-4 APDUs: building commands and splitting answers. Every answer from a card goes
 * through `parseResponse`, which refuses anything shorter than a status word, so callers
 * never index into a buffer that is not there.
 */
import { CardMalformedError, CardStatusError } from '../common/errors.ts';
import { toHex } from '../common/hex.ts';

/** Short APDUs only: Lc and Le are one byte each. */
export const MAX_SHORT_LC = 255;

export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data?: Uint8Array;
  /** Expected answer length; 0 means "up to 256" (encoded 00); undefined means no Le byte. */
  le?: number;
}

export function encodeCommand(c: CommandApdu): Uint8Array {
  for (const [name, v] of [['cla', c.cla], ['ins', c.ins], ['p1', c.p1], ['p2', c.p2]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`APDU ${name} out of range: ${v}`);
  }
  const data = c.data ?? new Uint8Array(0);
  if (data.length > MAX_SHORT_LC) throw new RangeError(`APDU data too long: ${data.length}`);
  if (c.le !== undefined && (!Number.isInteger(c.le) || c.le < 0 || c.le > 256)) throw new RangeError(`APDU Le out of range: ${c.le}`);
  const out: number[] = [c.cla, c.ins, c.p1, c.p2];
  if (data.length > 0) out.push(data.length, ...data);
  if (c.le !== undefined) out.push(c.le === 256 ? 0 : c.le);
  return Uint8Array.from(out);
}

export interface ResponseApdu {
  data: Uint8Array;
  sw: number;
}

export function parseResponse(raw: Uint8Array, command = 'command'): ResponseApdu {
  if (raw.length < 2) throw new CardMalformedError(`${command}: answer of ${raw.length} byte(s) has no status word`);
  const sw = ((raw[raw.length - 2] as number) << 8) | (raw[raw.length - 1] as number);
  return { data: raw.subarray(0, raw.length - 2), sw };
}

export const SW = {
  OK: 0x9000,
  FILE_INVALID: 0x6283,
  MEMORY_FAILURE: 0x6581,
  WRONG_LENGTH: 0x6700,
  INCOMPATIBLE_FILE: 0x6981,
  SECURITY_NOT_SATISFIED: 0x6982,
  AUTH_BLOCKED: 0x6983,
  REF_DATA_UNUSABLE: 0x6984,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  SM_MISSING: 0x6987,
  SM_INCORRECT: 0x6988,
  WRONG_DATA: 0x6a80,
  FUNC_NOT_SUPPORTED: 0x6a81,
  FILE_NOT_FOUND: 0x6a82,
  RECORD_NOT_FOUND: 0x6a83,
  NO_SPACE: 0x6a84,
  WRONG_P1P2: 0x6a86,
  KEY_NOT_FOUND: 0x6a88,
  WRONG_OFFSET: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  MAC_INVALID: 0x9302,
  APP_LOCKED: 0x9303,
  INSUFFICIENT_FUNDS: 0x9401,
  COUNTER_MAX: 0x9402,
  KEY_INDEX_UNSUPPORTED: 0x9403,
  MAC_UNAVAILABLE: 0x9406,
  /** ACS and PC/SC part 3 storage-card failure. */
  STORAGE_FAIL: 0x6300,
} as const;

const SW_MEANINGS: Record<number, string> = {
  0x9000: 'OK',
  0x6283: 'application temporarily blocked',
  0x6300: 'operation failed',
  0x6581: 'memory failure',
  0x6700: 'wrong length',
  0x6981: 'command incompatible with file structure',
  0x6982: 'security status not satisfied',
  0x6983: 'authentication method blocked',
  0x6984: 'reference data not usable',
  0x6985: 'conditions of use not satisfied',
  0x6987: 'secure messaging data missing',
  0x6988: 'secure messaging MAC incorrect',
  0x6a80: 'incorrect data',
  0x6a81: 'function not supported (application locked)',
  0x6a82: 'file or application not found',
  0x6a83: 'record not found',
  0x6a84: 'not enough memory',
  0x6a86: 'incorrect P1/P2',
  0x6a88: 'key not found',
  0x6b00: 'offset out of range',
  0x6d00: 'instruction not supported',
  0x6e00: 'class not supported',
  0x9301: 'insufficient funds',
  0x9302: 'MAC invalid',
  0x9303: 'application permanently locked',
  0x9401: 'insufficient funds',
  0x9402: 'transaction counter at maximum',
  0x9403: 'key index not supported',
  0x9406: 'requested MAC/TAC not available',
};

export function swMeaning(sw: number): string {
  const known = SW_MEANINGS[sw];
  if (known !== undefined) return known;
  if ((sw & 0xfff0) === 0x63c0) return `verification failed, ${sw & 0x0f} tries left`;
  if ((sw & 0xff00) === 0x6c00) return `wrong Le, card has ${sw & 0xff} bytes`;
  if ((sw & 0xff00) === 0x6100) return `${sw & 0xff || 256} more bytes available`;
  return 'unknown status';
}

export function swHex(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

/** Returns the data when SW is 9000, else throws a CardStatusError naming the command. */
export function expectOk(res: ResponseApdu, command: string): Uint8Array {
  if (res.sw !== SW.OK) throw new CardStatusError(command, res.sw, swMeaning(res.sw));
  return res.data;
}

/** Like expectOk, and also checks the data length exactly. */
export function expectData(res: ResponseApdu, command: string, length: number): Uint8Array {
  const data = expectOk(res, command);
  if (data.length !== length) {
    throw new CardMalformedError(`${command}: expected ${length} data bytes, got ${data.length} (${toHex(data).slice(0, 64)})`);
  }
  return data;
}
