/**
 * The station side of the City Union e-purse over a CardChannel (ARCHITECTURE.md "Devices"):
 * one method per card command, each length-checking the answer. A refused command is a
 * CardStatusError naming it; an answer of the wrong shape is a CardMalformedError; transport
 * failures arrive as the channel's StationErrors. Nothing else escapes (see the fuzz test).
 */
import { BadInputError, CardMalformedError, CardStatusError, StationError, toStationError } from '../../common/errors.ts';
import { concatBytes, fromHex, isHex, readUintBE, toHex, uintBE } from '../../common/hex.ts';
import { MAX_CARD_FEN } from '../../common/money.ts';
import { SW, encodeCommand, expectData, parseResponse, swMeaning, type CommandApdu, type ResponseApdu } from '../apdu.ts';
import type { CardChannel } from '../channel.ts';
import type { LoadInitAnswer } from '../../common/card-intents.ts';
import type { SecurityModule } from '../sam/security-module.ts';
import { CONCESSION_FILE_BYTES, SFI_CONCESSION } from './concession-file.ts';
import { parseFci, type Fci } from './fci.ts';
import {
  EF0015_BYTES, EF0016_BYTES, LOG_RECORD_BYTES, parseEf0015, parseEf0016, parseLogRecord, type CardholderInfo, type CuPublicInfo, type LogRecord,
} from './files.ts';

export const CU_AID = fromHex('A00000000386980701');
export const TU_AID = fromHex('A000000632010105');
export const SFI_EF0015 = 0x15;
export const SFI_EF0016 = 0x16;
export const SFI_LOG = 0x18;
export const MAX_LOG_RECORDS = 10;
/** Longest answer we accept from a card: a short APDU's 256 bytes + SW, with room for 61xx chaining. */
export const MAX_ANSWER_BYTES = 1024;
/** SWs with which a blocked City Union application answers SELECT (§4.1, §6). */
export const BLOCKED_SELECT_SWS: readonly number[] = [0x6a81, 0x9303, 0x6283];

export const TX_TYPE_EP_LOAD = 0x02;
export const TX_TYPE_EP_PURCHASE = 0x06;

/** Sends one command and splits the answer. Transport errors stay StationErrors. */
export async function exchange(channel: CardChannel, command: CommandApdu, name: string): Promise<ResponseApdu> {
  let raw: unknown;
  try {
    raw = await channel.transmit(encodeCommand(command));
  } catch (err) {
    throw toStationError(err);
  }
  if (!(raw instanceof Uint8Array)) throw new CardMalformedError(`${name}: the reader returned no bytes`);
  if (raw.length > MAX_ANSWER_BYTES) throw new CardMalformedError(`${name}: answer of ${raw.length} bytes is too long`);
  return parseResponse(raw, name);
}

function hexArg(name: string, value: string, bytes: number): Uint8Array {
  if (typeof value !== 'string' || !isHex(value, bytes)) throw new BadInputError(`${name} must be ${bytes * 2} hex digits, got "${String(value)}"`);
  return fromHex(value);
}

function digitsArg(name: string, value: string, digits: number): Uint8Array {
  if (typeof value !== 'string' || !new RegExp(`^[0-9]{${digits}}$`).test(value)) throw new BadInputError(`${name} must be ${digits} digits`);
  return fromHex(value);
}

function amountArg(amountFen: number): Uint8Array {
  if (!Number.isSafeInteger(amountFen) || amountFen < 0 || amountFen > MAX_CARD_FEN) throw new BadInputError(`amount must be 0..${MAX_CARD_FEN} fen, got ${amountFen}`);
  return uintBE(amountFen, 4);
}

function keyIndexArg(keyIndex: number): number {
  if (!Number.isInteger(keyIndex) || keyIndex < 1 || keyIndex > 0xff) throw new BadInputError(`key index must be 1..255, got ${keyIndex}`);
  return keyIndex;
}

export interface SelectResult {
  /** 9000, or one of BLOCKED_SELECT_SWS. */
  sw: number;
  blocked: boolean;
  fci: Fci | null;
}

/** The INITIALIZE FOR LOAD answer with the whole 16 bytes, hex (the ledger keeps it with the pending load). */
export type { LoadInitAnswer };

export interface PurchaseInitAnswer {
  oldBalanceFen: number;
  offlineAtc: number;
  overdraftFen: number;
  keyVersion: number;
  algorithmId: number;
  random: string;
}

export interface CardIdentity {
  asn: string;
  cityCode: string;
}

export class CpuClient {
  readonly channel: CardChannel;

  constructor(channel: CardChannel) {
    this.channel = channel;
  }

  /** SELECT the City Union application by AID; blocked applications are reported, not thrown. */
  async select(): Promise<SelectResult> {
    const res = await exchange(this.channel, { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: CU_AID, le: 0 }, 'SELECT City Union');
    if (res.sw === SW.OK) {
      if (res.data.length === 0) throw new CardMalformedError('SELECT City Union: no FCI in the answer');
      return { sw: res.sw, blocked: false, fci: parseFci(res.data, 'SELECT City Union') };
    }
    if (BLOCKED_SELECT_SWS.includes(res.sw)) {
      return { sw: res.sw, blocked: true, fci: res.data.length > 0 ? parseFci(res.data, 'SELECT City Union') : null };
    }
    throw new CardStatusError('SELECT City Union', res.sw, swMeaning(res.sw));
  }

  /** READ BINARY by SFI of exactly `length` bytes from offset 0. */
  async readBinary(sfi: number, length: number, name: string): Promise<Uint8Array> {
    if (!Number.isInteger(sfi) || sfi < 1 || sfi > 0x1e) throw new BadInputError(`SFI must be 1..30, got ${sfi}`);
    if (!Number.isInteger(length) || length < 1 || length > 256) throw new BadInputError(`length must be 1..256, got ${length}`);
    const res = await exchange(this.channel, { cla: 0x00, ins: 0xb0, p1: 0x80 | sfi, p2: 0x00, le: length }, name);
    return Uint8Array.from(expectData(res, name, length));
  }

  async readEf0015Raw(): Promise<Uint8Array> {
    return this.readBinary(SFI_EF0015, EF0015_BYTES, 'READ BINARY 0015');
  }

  /** The concession file SFI 0x1C (devices/cpu/concession-file.ts) raw, or null when the card has none (6A82). */
  async readConcessionFileRaw(): Promise<Uint8Array | null> {
    const name = 'READ BINARY 001C';
    const res = await exchange(this.channel, { cla: 0x00, ins: 0xb0, p1: 0x80 | SFI_CONCESSION, p2: 0x00, le: CONCESSION_FILE_BYTES }, name);
    if (res.sw === SW.FILE_NOT_FOUND) return null;
    return Uint8Array.from(expectData(res, name, CONCESSION_FILE_BYTES));
  }

  async readEf0015(): Promise<CuPublicInfo> {
    return parseEf0015(await this.readEf0015Raw());
  }

  async readEf0016(): Promise<CardholderInfo> {
    return parseEf0016(await this.readBinary(SFI_EF0016, EF0016_BYTES, 'READ BINARY 0016'));
  }

  /** Log records 1..max (1 = newest), stopping at 6A83 (no more records). */
  async readLog(max = MAX_LOG_RECORDS): Promise<LogRecord[]> {
    if (!Number.isInteger(max) || max < 0 || max > MAX_LOG_RECORDS) throw new BadInputError(`max must be 0..${MAX_LOG_RECORDS}`);
    const out: LogRecord[] = [];
    for (let n = 1; n <= max; n++) {
      const name = `READ RECORD 0018 #${n}`;
      const res = await exchange(this.channel, { cla: 0x00, ins: 0xb2, p1: n, p2: (SFI_LOG << 3) | 0x04, le: 0 }, name);
      if (res.sw === SW.RECORD_NOT_FOUND) break;
      out.push(parseLogRecord(expectData(res, name, LOG_RECORD_BYTES)));
    }
    return out;
  }

  async getBalance(): Promise<number> {
    const res = await exchange(this.channel, { cla: 0x80, ins: 0x5c, p1: 0x00, p2: 0x02, le: 4 }, 'GET BALANCE');
    return readUintBE(expectData(res, 'GET BALANCE', 4), 0, 4);
  }

  async initializeForLoad(o: { keyIndex?: number; amountFen: number; terminalId: string }): Promise<LoadInitAnswer> {
    const data = concatBytes(Uint8Array.of(keyIndexArg(o.keyIndex ?? 1)), amountArg(o.amountFen), hexArg('terminalId', o.terminalId, 6));
    const res = await exchange(this.channel, { cla: 0x80, ins: 0x50, p1: 0x00, p2: 0x02, data, le: 0x10 }, 'INITIALIZE FOR LOAD');
    return parseLoadInit(expectData(res, 'INITIALIZE FOR LOAD', 16));
  }

  /** CREDIT FOR LOAD with the host date/time MAC2 covers; returns the TAC (hex). */
  async creditForLoad(o: { hostDate: string; hostTime: string; mac2: string }): Promise<string> {
    const data = concatBytes(digitsArg('hostDate', o.hostDate, 8), digitsArg('hostTime', o.hostTime, 6), hexArg('mac2', o.mac2, 4));
    const res = await exchange(this.channel, { cla: 0x80, ins: 0x52, p1: 0x00, p2: 0x00, data, le: 4 }, 'CREDIT FOR LOAD');
    return toHex(expectData(res, 'CREDIT FOR LOAD', 4));
  }

  /** GET TRANSACTION PROVE for `txType` with the counter value to send (the card's current one, §4.10). */
  async getTransactionProve(txType: number, atc: number): Promise<{ mac: string; tac: string }> {
    if (!Number.isInteger(txType) || txType < 0 || txType > 0xff) throw new BadInputError(`transaction type must be 0..255, got ${txType}`);
    if (!Number.isInteger(atc) || atc < 0 || atc > 0xffff) throw new BadInputError(`counter must be 0..65535, got ${atc}`);
    const res = await exchange(this.channel, { cla: 0x80, ins: 0x5a, p1: 0x00, p2: txType, data: uintBE(atc, 2), le: 8 }, 'GET TRANSACTION PROVE');
    const d = expectData(res, 'GET TRANSACTION PROVE', 8);
    return { mac: toHex(d.subarray(0, 4)), tac: toHex(d.subarray(4, 8)) };
  }

  async getChallenge(length: 4 | 8 = 4): Promise<Uint8Array> {
    const res = await exchange(this.channel, { cla: 0x00, ins: 0x84, p1: 0x00, p2: 0x00, le: length }, 'GET CHALLENGE');
    return Uint8Array.from(expectData(res, 'GET CHALLENGE', length));
  }

  /** Line-protected UPDATE BINARY (04 D6, §4.2): MAC from the security module with the diversified DAMK. */
  async updateBinarySecure(sam: SecurityModule, o: CardIdentity & { sfi: number; offset: number; data: Uint8Array }): Promise<void> {
    if (!Number.isInteger(o.sfi) || o.sfi < 1 || o.sfi > 0x1e) throw new BadInputError(`SFI must be 1..30, got ${o.sfi}`);
    if (!Number.isInteger(o.offset) || o.offset < 0 || o.offset > 0xff) throw new BadInputError(`offset must be 0..255, got ${o.offset}`);
    if (o.data.length < 1 || o.data.length > 0xff - 4) throw new BadInputError(`update data must be 1..251 bytes, got ${o.data.length}`);
    const challenge = await this.getChallenge(4);
    const header = Uint8Array.of(0x04, 0xd6, 0x80 | o.sfi, o.offset, o.data.length + 4);
    const mac = await macFrom(sam, { asn: o.asn, cityCode: o.cityCode, challenge, commandWithoutMac: concatBytes(header, o.data) });
    const res = await exchange(this.channel, { cla: 0x04, ins: 0xd6, p1: 0x80 | o.sfi, p2: o.offset, data: concatBytes(o.data, mac) }, 'UPDATE BINARY (secure)');
    expectData(res, 'UPDATE BINARY (secure)', 0);
  }

  /** APPLICATION BLOCK (84 1E, §4.11): temporary unless `permanent`. */
  async applicationBlock(sam: SecurityModule, o: CardIdentity & { permanent?: boolean }): Promise<void> {
    const p2 = o.permanent === true ? 0x01 : 0x00;
    const challenge = await this.getChallenge(4);
    const header = Uint8Array.of(0x84, 0x1e, 0x00, p2, 0x04);
    const mac = await macFrom(sam, { asn: o.asn, cityCode: o.cityCode, challenge, commandWithoutMac: header });
    const res = await exchange(this.channel, { cla: 0x84, ins: 0x1e, p1: 0x00, p2, data: mac }, 'APPLICATION BLOCK');
    expectData(res, 'APPLICATION BLOCK', 0);
  }

  async initializeForPurchase(o: { keyIndex?: number; amountFen: number; terminalId: string }): Promise<PurchaseInitAnswer> {
    const data = concatBytes(Uint8Array.of(keyIndexArg(o.keyIndex ?? 1)), amountArg(o.amountFen), hexArg('terminalId', o.terminalId, 6));
    const res = await exchange(this.channel, { cla: 0x80, ins: 0x50, p1: 0x01, p2: 0x02, data, le: 0x0f }, 'INITIALIZE FOR PURCHASE');
    const d = expectData(res, 'INITIALIZE FOR PURCHASE', 15);
    return {
      oldBalanceFen: readUintBE(d, 0, 4),
      offlineAtc: readUintBE(d, 4, 2),
      overdraftFen: readUintBE(d, 6, 3),
      keyVersion: d[9]!,
      algorithmId: d[10]!,
      random: toHex(d.subarray(11, 15)),
    };
  }

  async debitForPurchase(o: { terminalSeq: string; date: string; time: string; mac1: string }): Promise<{ tac: string; mac2: string }> {
    const data = concatBytes(hexArg('terminalSeq', o.terminalSeq, 4), digitsArg('date', o.date, 8), digitsArg('time', o.time, 6), hexArg('mac1', o.mac1, 4));
    const res = await exchange(this.channel, { cla: 0x80, ins: 0x54, p1: 0x01, p2: 0x00, data, le: 8 }, 'DEBIT FOR PURCHASE');
    const d = expectData(res, 'DEBIT FOR PURCHASE', 8);
    return { tac: toHex(d.subarray(0, 4)), mac2: toHex(d.subarray(4, 8)) };
  }
}

async function macFrom(sam: SecurityModule, request: Parameters<SecurityModule['secureMessagingMac']>[0]): Promise<Uint8Array> {
  const mac = await sam.secureMessagingMac(request);
  if (mac.length !== 4) throw new StationError('CRYPTO', `security module returned a ${mac.length}-byte MAC`);
  return mac;
}

/** Splits the 16-byte INITIALIZE FOR LOAD answer (§4.6). */
export function parseLoadInit(d: Uint8Array): LoadInitAnswer {
  if (d.length !== 16) throw new CardMalformedError(`INITIALIZE FOR LOAD: expected 16 bytes, got ${d.length}`);
  return {
    oldBalanceFen: readUintBE(d, 0, 4),
    onlineAtc: readUintBE(d, 4, 2),
    keyVersion: d[6]!,
    algorithmId: d[7]!,
    random: toHex(d.subarray(8, 12)),
    mac1: toHex(d.subarray(12, 16)),
    raw: toHex(d),
  };
}

