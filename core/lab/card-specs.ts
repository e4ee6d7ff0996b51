/**
 * Cards for the training lab and tests, described in a few words ("cpu city=2000 balance=5000")
 * and personalised with the shipped training keys, so the station's software security module
 * and the emulated card agree. Every card is returned as a VirtualCard; its JSON (toJSON)
 * is what the vpcd card server takes.
 */
import { randomBytes } from 'node:crypto';
import { BadInputError } from '../../common/errors.ts';
import { isHex, toHex } from '../../common/hex.ts';
import { createCpuCard } from '../../devices/emulator/cpu-card-factory.ts';
import { createTUnionCard, type TUnionCard } from '../../devices/emulator/tunion-card.ts';
import { DualCard } from '../../devices/emulator/dual-card.ts';
import { DamagedCard } from '../../devices/emulator/damaged-card.ts';
import type { LogRecordFields } from '../../devices/emulator/cpu-files.ts';
import type { VirtualCard } from '../../devices/emulator/virtual-card.ts';
import { createM1Card } from '../../devices/emulator/m1-personalise.ts';
import { loadTrainingKeys } from '../../devices/sam/index.ts';
import { TRAINING_CITY_CODE } from '../station-home.ts';

export interface LabCardSpec {
  /** dual: a City Union CPU card that also carries a T-Union application; damaged: a chip that answers nothing useful (devices/emulator/damaged-card.ts). */
  kind: 'cpu' | 'm1' | 'tunion' | 'dual' | 'damaged';
  /** City Union (cpu, m1, dual): the CU city code; T-Union: its EF 0017 city code (GB/T 13497-1992). */
  city?: string;
  balanceFen?: number;
  /** dual: the T-Union application's city code (default 宁波 3320) and balance. */
  tuCity?: string;
  tuBalanceFen?: number;
  /** CPU: 16 hex digits; M1: UID, 8 hex digits; T-Union: 20 hex digits. Random when absent. */
  id?: string;
  /** CPU: false = fresh stock awaiting activation (售卡). Default true. */
  enabled?: boolean;
  expiry?: string;
  blacklisted?: boolean;
  inProgress?: boolean;
  /** CPU: how many earlier rides and loads its log holds (0–10), so a customer's card has a history. */
  logRecords?: number;
}

const KEYS = ['kind', 'city', 'balance', 'id', 'enabled', 'expiry', 'blacklisted', 'in-progress', 'tu-city', 'tu-balance', 'log'];
const KINDS = ['cpu', 'm1', 'tunion', 'dual', 'damaged'] as const;
/** The T-Union city code of 宁波 (the training home city), GB/T 13497-1992. */
export const TRAINING_TUNION_CITY_CODE = '3320';
/** 省级代码 of the provinces of the T-Union codes the lab uses (GB/T 2260 prefix + 00). */
const LAB_PROVINCES: Readonly<Record<string, string>> = { '3320': '3300', '2900': '3100', '5840': '4400', '1000': '1100' };

function fen(k: string, v: string): number {
  if (!/^[0-9]{1,9}$/.test(v)) throw new BadInputError(`${k} is in fen, a whole number: "${v}"`);
  return Number(v);
}

/** Parses "cpu city=2000 balance=5000 enabled=false" (the `station sim` syntax). */
export function parseLabCardSpec(text: string): LabCardSpec {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const kind = words.shift();
  if (!(KINDS as readonly (string | undefined)[]).includes(kind)) throw new BadInputError(`card kind must be cpu, m1, tunion, dual or damaged, got "${kind ?? ''}"`);
  const spec: LabCardSpec = { kind: kind as LabCardSpec['kind'] };
  for (const w of words) {
    const [k, v] = w.split('=', 2);
    if (k === undefined || v === undefined || !KEYS.includes(k)) throw new BadInputError(`"${w}" is not one of ${KEYS.slice(1).map((x) => `${x}=…`).join(' ')}`);
    switch (k) {
      case 'city': spec.city = v; break;
      case 'balance': spec.balanceFen = fen(k, v); break;
      case 'tu-city': spec.tuCity = v; break;
      case 'tu-balance': spec.tuBalanceFen = fen(k, v); break;
      case 'id': spec.id = v; break;
      case 'enabled': spec.enabled = v !== 'false'; break;
      case 'expiry': spec.expiry = v; break;
      case 'blacklisted': spec.blacklisted = v !== 'false'; break;
      case 'in-progress': spec.inProgress = v !== 'false'; break;
      case 'log': spec.logRecords = Math.min(10, fen(k, v)); break;
    }
  }
  return spec;
}

/**
 * A lab stock card of the training city without an id gets the next serial of the training
 * station's stock (core/station-home.ts TRAINING_STOCK, 5000 and up), so a sale in training takes
 * a card that is in stock. Serials below 5000 are left to cards given an id (tests name theirs).
 */
let nextLabSerial = 5000 + Math.floor(Math.random() * 4000);

function idOf(spec: LabCardSpec, bytes: number): string {
  if (spec.id !== undefined) {
    if (!isHex(spec.id, bytes)) throw new BadInputError(`id must be ${bytes * 2} hex digits for a ${spec.kind} card`);
    return spec.id.toUpperCase();
  }
  if ((spec.kind === 'cpu' || spec.kind === 'dual') && spec.enabled === false && (spec.city ?? TRAINING_CITY_CODE) === TRAINING_CITY_CODE) {
    // Sequential, from a random start: two processes making stock cards for one station rarely meet.
    const serial = nextLabSerial;
    nextLabSerial = nextLabSerial >= 9999 ? 5000 : nextLabSerial + 1;
    return `310000000000${String(serial).padStart(4, '0')}`;
  }
  return toHex(randomBytes(bytes));
}

function labTUnionCard(id: string, cityCode: string, balanceFen: number, expiry: string): TUnionCard {
  return createTUnionCard({ cardNumber: id, cityCode, provinceCode: LAB_PROVINCES[cityCode] ?? '0000', balanceFen, issueDate: '2024-01-01', expiryDate: expiry });
}

/** A customer's history, newest first: metro and bus rides (ep-purchase) and one load (ep-load) at other terminals in 2026. */
function sampleLog(n: number): LogRecordFields[] {
  const kinds: Array<Pick<LogRecordFields, 'amountFen' | 'type'>> = [
    { amountFen: 300, type: 0x06 }, { amountFen: 200, type: 0x06 }, { amountFen: 5000, type: 0x02 }, { amountFen: 400, type: 0x06 }, { amountFen: 100, type: 0x06 },
  ];
  return Array.from({ length: n }, (_, i) => ({
    seq: n - i, ...kinds[i % kinds.length]!, terminal: '310000000042', date: `202611${String(28 - i).padStart(2, '0')}`, time: `0${8 + (i % 2)}1530`,
  }));
}

/** The number the city prints on a lab M1 card (8 digits, from its UID): what the card panel shows. */
export function m1PrintedNumber(uid: string): string {
  return String(parseInt(uid.slice(0, 7), 16)).padStart(8, '0').slice(-8);
}

export function makeLabCard(spec: LabCardSpec): VirtualCard {
  const city = (spec.city ?? (spec.kind === 'tunion' ? TRAINING_TUNION_CITY_CODE : TRAINING_CITY_CODE)).toUpperCase();
  const expiry = spec.expiry ?? '2035-12-31';
  switch (spec.kind) {
    case 'cpu':
    case 'dual': {
      const keySet = loadTrainingKeys();
      if (!keySet.has(city)) throw new BadInputError(`the training keys have no issuer ${city}; use one of ${keySet.cityCodes().join(', ')}`);
      const asn = idOf(spec, 8);
      const cu = createCpuCard({ asn, cityCode: city, balanceFen: spec.balanceFen ?? 0, enabled: spec.enabled ?? true, issueDate: '2024-01-01', expiryDate: expiry, keySet, log: sampleLog(spec.logRecords ?? 0) });
      if (spec.kind === 'cpu') return cu;
      // The T-Union number of a dual card: its ASN behind two zero bytes (one chip, one number to print).
      return new DualCard(cu, labTUnionCard(`0000${asn}`, spec.tuCity ?? TRAINING_TUNION_CITY_CODE, spec.tuBalanceFen ?? 0, expiry));
    }
    case 'damaged':
      return new DamagedCard(idOf(spec, 8));
    case 'tunion':
      return labTUnionCard(idOf(spec, 10), city, spec.balanceFen ?? 0, expiry);
    case 'm1': {
      const uid = idOf(spec, 4);
      return createM1Card({ uid, cardNo: m1PrintedNumber(uid), cityCode: city, balanceFen: spec.balanceFen ?? 0,
        blacklisted: spec.blacklisted ?? false, inProgress: spec.inProgress ?? false, issueDate: '2015-06-01', expiryDate: expiry });
    }
  }
}
