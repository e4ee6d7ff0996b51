/**
 * The e-purse cryptograms of CARD-PROTOCOL.md §5.4 (load), §5.5 (purchase), §5.7 (secure
 * messaging) and §5.8 (TAC key), for the 3DES suite. Inputs are raw byte fields with fixed
 * lengths, checked here, so a wrong field width fails loudly instead of giving a wrong MAC.
 */
import { StationError } from '../../common/errors.ts';
import { concatBytes, uintBE } from '../../common/hex.ts';
import { MAX_CARD_FEN } from '../../common/money.ts';
import { TDES_KEY_BYTES, encryptBlock, xorBytes } from './des.ts';
import { pbocMac } from './pboc-mac.ts';

/** Transaction type ids of §4.12 that the station uses. */
export const TX_TYPE_EP_LOAD = 0x02;
export const TX_TYPE_EP_PURCHASE = 0x06;

function field(name: string, bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length !== length) throw new StationError('CRYPTO', `${name} must be ${length} bytes, got ${bytes.length}`);
  return bytes;
}

/** Amounts go on the card as 4-byte big-endian fen. */
export function amountBytes(amountFen: number): Uint8Array {
  if (!Number.isSafeInteger(amountFen) || amountFen < 0 || amountFen > MAX_CARD_FEN) {
    throw new StationError('CRYPTO', `amount ${amountFen} fen does not fit a card purse`);
  }
  return uintBE(amountFen, 4);
}

export function counterBytes(counter: number): Uint8Array {
  if (!Number.isInteger(counter) || counter < 0 || counter > 0xffff) throw new StationError('CRYPTO', `counter ${counter} is not 0..FFFF`);
  return uintBE(counter, 2);
}

/** K_TAC = DTK_L xor DTK_R (§5.8): the TAC is a single-DES MAC. */
export function tacKey(dtk: Uint8Array): Uint8Array {
  field('DTK', dtk, TDES_KEY_BYTES);
  return xorBytes(dtk.subarray(0, 8), dtk.subarray(8, 16));
}

// ---- load (圈存), §5.4 ----

export interface LoadFields {
  /** Card random from INITIALIZE FOR LOAD (4 bytes). */
  random: Uint8Array;
  /** Online counter returned by INITIALIZE FOR LOAD (the value before the load). */
  onlineAtc: number;
  oldBalanceFen: number;
  amountFen: number;
  terminalId: Uint8Array;
  txType?: number;
}

/** SESLK = 3DES(DLK, random4 ‖ onlineATC2 ‖ 8000). */
export function loadSessionKey(dlk: Uint8Array, random: Uint8Array, onlineAtc: number): Uint8Array {
  field('DLK', dlk, TDES_KEY_BYTES);
  return encryptBlock(dlk, concatBytes(field('random', random, 4), counterBytes(onlineAtc), Uint8Array.of(0x80, 0x00)));
}

/** MAC1 = MAC(SESLK; oldBalance4 ‖ amount4 ‖ type1 ‖ terminal6). */
export function loadMac1(sessionKey: Uint8Array, f: Omit<LoadFields, 'random' | 'onlineAtc'>): Uint8Array {
  return pbocMac(field('SESLK', sessionKey, 8), concatBytes(
    amountBytes(f.oldBalanceFen), amountBytes(f.amountFen), Uint8Array.of(f.txType ?? TX_TYPE_EP_LOAD), field('terminal id', f.terminalId, 6),
  ));
}

/** MAC2 = MAC(SESLK; amount4 ‖ type1 ‖ terminal6 ‖ date4 ‖ time3). */
export function loadMac2(sessionKey: Uint8Array, f: { amountFen: number; terminalId: Uint8Array; hostDate: Uint8Array; hostTime: Uint8Array; txType?: number }): Uint8Array {
  return pbocMac(field('SESLK', sessionKey, 8), concatBytes(
    amountBytes(f.amountFen), Uint8Array.of(f.txType ?? TX_TYPE_EP_LOAD), field('terminal id', f.terminalId, 6),
    field('host date', f.hostDate, 4), field('host time', f.hostTime, 3),
  ));
}

/** TAC = MAC(K_TAC; newBalance4 ‖ onlineATC2 (before increment) ‖ amount4 ‖ type1 ‖ terminal6 ‖ date4 ‖ time3). */
export function loadTac(dtk: Uint8Array, f: { newBalanceFen: number; onlineAtc: number; amountFen: number; terminalId: Uint8Array; hostDate: Uint8Array; hostTime: Uint8Array; txType?: number }): Uint8Array {
  return pbocMac(tacKey(dtk), concatBytes(
    amountBytes(f.newBalanceFen), counterBytes(f.onlineAtc), amountBytes(f.amountFen), Uint8Array.of(f.txType ?? TX_TYPE_EP_LOAD),
    field('terminal id', f.terminalId, 6), field('host date', f.hostDate, 4), field('host time', f.hostTime, 3),
  ));
}

// ---- purchase (消费), §5.5 ----

/** SESPK = 3DES(DPK, random4 ‖ offlineATC2 ‖ last 2 bytes of the terminal sequence number). */
export function purchaseSessionKey(dpk: Uint8Array, random: Uint8Array, offlineAtc: number, terminalSeq: Uint8Array): Uint8Array {
  field('DPK', dpk, TDES_KEY_BYTES);
  field('terminal sequence', terminalSeq, 4);
  return encryptBlock(dpk, concatBytes(field('random', random, 4), counterBytes(offlineAtc), terminalSeq.subarray(2, 4)));
}

export interface PurchaseMacFields {
  amountFen: number;
  terminalId: Uint8Array;
  date: Uint8Array;
  time: Uint8Array;
  txType?: number;
}

/** MAC1 = MAC(SESPK; amount4 ‖ type1 ‖ terminal6 ‖ date4 ‖ time3). */
export function purchaseMac1(sessionKey: Uint8Array, f: PurchaseMacFields): Uint8Array {
  return pbocMac(field('SESPK', sessionKey, 8), concatBytes(
    amountBytes(f.amountFen), Uint8Array.of(f.txType ?? TX_TYPE_EP_PURCHASE), field('terminal id', f.terminalId, 6),
    field('date', f.date, 4), field('time', f.time, 3),
  ));
}

/** MAC2 = MAC(SESPK; amount4). */
export function purchaseMac2(sessionKey: Uint8Array, amountFen: number): Uint8Array {
  return pbocMac(field('SESPK', sessionKey, 8), amountBytes(amountFen));
}

/** TAC = MAC(K_TAC; amount4 ‖ type1 ‖ terminal6 ‖ terminalSeq4 ‖ date4 ‖ time3). */
export function purchaseTac(dtk: Uint8Array, f: PurchaseMacFields & { terminalSeq: Uint8Array }): Uint8Array {
  return pbocMac(tacKey(dtk), concatBytes(
    amountBytes(f.amountFen), Uint8Array.of(f.txType ?? TX_TYPE_EP_PURCHASE), field('terminal id', f.terminalId, 6),
    field('terminal sequence', f.terminalSeq, 4), field('date', f.date, 4), field('time', f.time, 3),
  ));
}

// ---- secure messaging, §5.7 ----

/**
 * Line-protection MAC: IV = challenge4 ‖ 00000000, input = the command header with the Lc
 * that already counts the 4 MAC bytes, followed by the data (without the MAC).
 */
export function secureMessagingMac(key: Uint8Array, challenge: Uint8Array, commandWithoutMac: Uint8Array): Uint8Array {
  field('challenge', challenge, 4);
  if (commandWithoutMac.length < 5) throw new StationError('CRYPTO', 'secure-messaging input must include the 5-byte header');
  return pbocMac(key, commandWithoutMac, concatBytes(challenge, new Uint8Array(4)));
}
