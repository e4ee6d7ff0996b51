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
import { createTUnionCard } from '../../devices/emulator/tunion-card.ts';
import type { VirtualCard } from '../../devices/emulator/virtual-card.ts';
import { createM1Card } from '../../devices/m1/index.ts';
import { loadTrainingKeys } from '../../devices/sam/index.ts';
import { TRAINING_CITY_CODE } from '../station-home.ts';

export interface LabCardSpec {
  kind: 'cpu' | 'm1' | 'tunion';
  city?: string;
  balanceFen?: number;
  /** CPU: 16 hex digits; M1: UID, 8 hex digits; T-Union: 20 hex digits. Random when absent. */
  id?: string;
  /** CPU: false = fresh stock awaiting activation (售卡). Default true. */
  enabled?: boolean;
  expiry?: string;
  blacklisted?: boolean;
  inProgress?: boolean;
}

const KEYS = ['kind', 'city', 'balance', 'id', 'enabled', 'expiry', 'blacklisted', 'in-progress'];

/** Parses "cpu city=2000 balance=5000 enabled=false" (the `station sim` syntax). */
export function parseLabCardSpec(text: string): LabCardSpec {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const kind = words.shift();
  if (kind !== 'cpu' && kind !== 'm1' && kind !== 'tunion') throw new BadInputError(`card kind must be cpu, m1 or tunion, got "${kind ?? ''}"`);
  const spec: LabCardSpec = { kind };
  for (const w of words) {
    const [k, v] = w.split('=', 2);
    if (k === undefined || v === undefined || !KEYS.includes(k)) throw new BadInputError(`"${w}" is not one of ${KEYS.slice(1).map((x) => `${x}=…`).join(' ')}`);
    switch (k) {
      case 'city': spec.city = v; break;
      case 'balance': {
        if (!/^[0-9]{1,9}$/.test(v)) throw new BadInputError(`balance is in fen, a whole number: "${v}"`);
        spec.balanceFen = Number(v);
        break;
      }
      case 'id': spec.id = v; break;
      case 'enabled': spec.enabled = v !== 'false'; break;
      case 'expiry': spec.expiry = v; break;
      case 'blacklisted': spec.blacklisted = v !== 'false'; break;
      case 'in-progress': spec.inProgress = v !== 'false'; break;
    }
  }
  return spec;
}

function idOf(spec: LabCardSpec, bytes: number): string {
  if (spec.id !== undefined) {
    if (!isHex(spec.id, bytes)) throw new BadInputError(`id must be ${bytes * 2} hex digits for a ${spec.kind} card`);
    return spec.id.toUpperCase();
  }
  return toHex(randomBytes(bytes));
}

export function makeLabCard(spec: LabCardSpec): VirtualCard {
  const city = (spec.city ?? TRAINING_CITY_CODE).toUpperCase();
  const expiry = spec.expiry ?? '2035-12-31';
  switch (spec.kind) {
    case 'cpu': {
      const keySet = loadTrainingKeys();
      if (!keySet.has(city)) throw new BadInputError(`the training keys have no issuer ${city}; use one of ${keySet.cityCodes().join(', ')}`);
      return createCpuCard({ asn: idOf(spec, 8), cityCode: city, balanceFen: spec.balanceFen ?? 0, enabled: spec.enabled ?? true, issueDate: '2024-01-01', expiryDate: expiry, keySet });
    }
    case 'tunion':
      return createTUnionCard({ cardNumber: idOf(spec, 10), cityCode: city, balanceFen: spec.balanceFen ?? 0, issueDate: '2024-01-01', expiryDate: expiry });
    case 'm1': {
      const uid = idOf(spec, 4);
      return createM1Card({ uid, cardNo: String(parseInt(uid.slice(0, 7), 16)).padStart(8, '0').slice(-8), cityCode: city, balanceFen: spec.balanceFen ?? 0,
        blacklisted: spec.blacklisted ?? false, inProgress: spec.inProgress ?? false, issueDate: '2015-06-01', expiryDate: expiry });
    }
  }
}
