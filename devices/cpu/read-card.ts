/**
 * Which application a contactless card carries, and a full read-out for the "read card"
 * workflow (CARD-PROTOCOL.md §8.1) in as few APDUs as possible: SELECT (whose FCI 9F0C already
 * is EF 0015), GET BALANCE, READ RECORD 1..n until 6A83. A City Union card is told by its
 * AID answering; a T-Union card by its own AID (A000000632010105).
 */
import { CardStatusError, CardUnsupportedError } from '../../common/errors.ts';
import { toHex } from '../../common/hex.ts';
import { SW, expectData, swMeaning } from '../apdu.ts';
import type { CardChannel } from '../channel.ts';
import { BLOCKED_SELECT_SWS, CU_AID, CpuClient, TU_AID, exchange } from './cpu-client.ts';
import { parseFci, type Fci } from './fci.ts';
import { parseConcessionFile, type ConcessionFile } from './concession-file.ts';
import { EF0015_BYTES, TU_EF0017_BYTES, parseEf0015, parseTUnionEf0015, parseTUnionEf0017, type LogRecord, type TUnionManagementInfo } from './files.ts';

export type CardApplication = 'cu' | 'tunion' | 'none';

/** The T-Union (JT/T 978) application of a card: a T-Union card's own, or a dual card's second one. */
export interface TUnionApp {
  /** 应用序列号 (10 bytes, hex): the card number. */
  cardNumber: string;
  issuerId: string;
  appType: number;
  /** EF 0017 (province, city, card type); null when the card has no such file. */
  management: TUnionManagementInfo | null;
  balanceFen: number;
  issueDate: string | null;
  expiryDate: string | null;
  /** Raw files (hex) for the ledger. */
  ef0015: string;
  ef0017: string | null;
}

export interface CpuCardSnapshot {
  kind: 'cpu' | 'tunion';
  /** CU: 8-byte ASN; T-Union: 10-byte card number (hex). */
  asn: string;
  /** CU: EF 0015 bytes 2–3; T-Union: EF 0017's 城市代码 (null without EF 0017). */
  cityCode: string | null;
  /** CU issuer code (hex); null for T-Union. */
  issuerCode: string | null;
  enabled: boolean;
  blocked: boolean;
  issueDate: string | null;
  expiryDate: string | null;
  /** CU: EF 0015 byte 28 (city-specific sub-type); T-Union: EF 0017's 卡种类型 (0 without EF 0017). */
  cardType: number;
  /** Null when a blocked card refuses GET BALANCE. */
  balanceFen: number | null;
  log: LogRecord[];
  /** Raw EF 0015 (hex) for the ledger. */
  ef0015: string;
  /**
   * The T-Union application: a T-Union card's own; on a City Union card that also carries one
   * (a dual card) its second application, read only with the log (a full read); else null.
   */
  tunion: TUnionApp | null;
  /**
   * The concession file SFI 0x1C (年审, devices/cpu/concession-file.ts), read only from a City
   * Union card whose EF 0015 byte 28 names a concession type; null otherwise or when it has none.
   */
  concession: ConcessionFile | null;
}

/** A concession card's file, or null (a 普通卡, a blocked card, a card without the file): one READ BINARY, only where it can matter. */
async function concessionOf(client: CpuClient, cardType: number, blocked: boolean): Promise<ConcessionFile | null> {
  if (cardType === 0 || blocked) return null;
  const raw = await client.readConcessionFileRaw();
  return raw === null ? null : parseConcessionFile(raw);
}

async function selectTUnion(channel: CardChannel): Promise<{ sw: number; fci: Fci | null }> {
  const res = await exchange(channel, { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: TU_AID, le: 0 }, 'SELECT T-Union');
  if (res.sw !== SW.OK) return { sw: res.sw, fci: null };
  return { sw: res.sw, fci: res.data.length > 0 ? parseFci(res.data, 'SELECT T-Union') : null };
}

/** EF 0017 of the selected T-Union application, or null when the card has no such file. */
async function readTUnionEf0017(channel: CardChannel): Promise<Uint8Array | null> {
  const res = await exchange(channel, { cla: 0x00, ins: 0xb0, p1: 0x80 | 0x17, p2: 0x00, le: TU_EF0017_BYTES }, 'READ BINARY 0017 (T-Union)');
  if (res.sw === SW.FILE_NOT_FOUND) return null;
  return Uint8Array.from(expectData(res, 'READ BINARY 0017 (T-Union)', TU_EF0017_BYTES));
}

/** The selected T-Union application: EF 0015 (from the FCI when it carries it), EF 0017, balance. */
async function readTUnionApp(channel: CardChannel, client: CpuClient, fci: Fci | null, onIdentified?: ReadCpuCardOptions['onIdentified']): Promise<TUnionApp> {
  let ef0015 = fci?.discretionary?.length === EF0015_BYTES ? fci.discretionary : null;
  if (ef0015 === null) ef0015 = await client.readBinary(0x15, EF0015_BYTES, 'READ BINARY 0015 (T-Union)');
  const info = parseTUnionEf0015(ef0015);
  onIdentified?.('tunion', info.cardNumber);
  const ef0017 = await readTUnionEf0017(channel);
  return {
    cardNumber: info.cardNumber, issuerId: info.issuerId, appType: info.appType,
    management: ef0017 === null ? null : parseTUnionEf0017(ef0017),
    balanceFen: await client.getBalance(), issueDate: info.issueDate, expiryDate: info.expiryDate,
    ef0015: toHex(ef0015), ef0017: ef0017 === null ? null : toHex(ef0017),
  };
}

/**
 * A City Union card's second application, if it has one: SELECT the T-Union AID (one APDU on a
 * card without it), read it, then SELECT City Union again so the card is left as the CU read
 * left it (the money commands that may follow expect the CU application selected).
 */
async function secondTUnionApp(channel: CardChannel, client: CpuClient): Promise<TUnionApp | null> {
  const tu = await selectTUnion(channel);
  if (tu.sw !== SW.OK) return null;
  const app = await readTUnionApp(channel, client, tu.fci);
  await exchange(channel, { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: CU_AID, le: 0 }, 'SELECT City Union');
  return app;
}

/** 'cu' when the City Union AID answers (also when blocked), else 'tunion' when the TU AID does. */
export async function detectCardApplication(channel: CardChannel): Promise<CardApplication> {
  const cu = await exchange(channel, { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: CU_AID, le: 0 }, 'SELECT City Union');
  if (cu.sw === SW.OK || BLOCKED_SELECT_SWS.includes(cu.sw)) return 'cu';
  const tu = await exchange(channel, { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: TU_AID, le: 0 }, 'SELECT T-Union');
  return tu.sw === SW.OK ? 'tunion' : 'none';
}

/** Balance, or null when a blocked application refuses it (a read must still show the card). */
async function balanceOrNull(client: CpuClient, blocked: boolean): Promise<number | null> {
  try {
    return await client.getBalance();
  } catch (err) {
    if (blocked && err instanceof CardStatusError) return null;
    throw err;
  }
}

async function logOrEmpty(client: CpuClient, blocked: boolean): Promise<LogRecord[]> {
  try {
    return await client.readLog();
  } catch (err) {
    if (blocked && err instanceof CardStatusError) return [];
    throw err;
  }
}

export interface ReadCpuCardOptions {
  /** false skips the transaction log (10 READ RECORDs on a used card) when the caller has no use for it. */
  log?: boolean;
  /**
   * Called once the card's identity is known (after SELECT, before GET BALANCE): the caller can
   * start its own lookups of that card (the station's registry) while the remaining APDUs run.
   */
  onIdentified?: (kind: 'cpu' | 'tunion', id: string) => void;
}

export async function readCpuCard(channel: CardChannel, opts: ReadCpuCardOptions = {}): Promise<CpuCardSnapshot> {
  const client = new CpuClient(channel);
  const cuRes = await exchange(channel, { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: CU_AID, le: 0 }, 'SELECT City Union');
  if (cuRes.sw === SW.OK || BLOCKED_SELECT_SWS.includes(cuRes.sw)) {
    const blocked = cuRes.sw !== SW.OK;
    const fci = cuRes.data.length > 0 ? parseFci(cuRes.data, 'SELECT City Union') : null;
    if (!blocked && fci === null) expectData(cuRes, 'SELECT City Union', 1); // 9000 without FCI is malformed
    let ef0015 = fci?.discretionary?.length === EF0015_BYTES ? fci.discretionary : null;
    if (ef0015 === null) {
      try {
        ef0015 = await client.readEf0015Raw();
      } catch (err) {
        // A blocked card that will not even show its public file cannot be identified.
        if (blocked && err instanceof CardStatusError) throw new CardStatusError('SELECT City Union', cuRes.sw, swMeaning(cuRes.sw));
        throw err;
      }
    }
    const info = parseEf0015(ef0015);
    opts.onIdentified?.('cpu', info.asn);
    const balanceFen = await balanceOrNull(client, blocked);
    const concession = await concessionOf(client, info.cardSubtype, blocked);
    const log = opts.log === false ? [] : await logOrEmpty(client, blocked);
    const tunion = opts.log === false ? null : await secondTUnionApp(channel, client);
    return {
      kind: 'cpu', asn: info.asn, cityCode: info.cityCode, issuerCode: info.issuerCode, enabled: info.enabled, blocked,
      issueDate: info.issueDate, expiryDate: info.expiryDate, cardType: info.cardSubtype, balanceFen, log, ef0015: toHex(ef0015), tunion, concession,
    };
  }
  const tu = await selectTUnion(channel);
  if (tu.sw === SW.OK) {
    const app = await readTUnionApp(channel, client, tu.fci, opts.onIdentified);
    const log = await client.readLog();
    return {
      kind: 'tunion', asn: app.cardNumber, cityCode: app.management?.cityCode ?? null, issuerCode: null, enabled: true, blocked: false,
      issueDate: app.issueDate, expiryDate: app.expiryDate, cardType: app.management?.cardType ?? 0, balanceFen: app.balanceFen, log, ef0015: app.ef0015,
      tunion: app, concession: null,
    };
  }
  throw new CardUnsupportedError(
    `not a City Union or T-Union card (SELECT answered ${cuRes.sw.toString(16).toUpperCase()} / ${tu.sw.toString(16).toUpperCase()})`,
    'This card has no City Union application; check it is a transit card',
  );
}
