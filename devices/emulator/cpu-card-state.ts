/**
 * Persistent state of an emulated City Union CPU card (CARD-PROTOCOL.md §7) and its JSON
 * form (kind 'cpu', bytes as hex strings). `cpuStateFromJSON` validates everything: a saved
 * card that does not load cleanly is a BadInputError naming the field, never a half card.
 */
import { BadInputError } from '../../common/errors.ts';
import { fromHex, isHex, toHex } from '../../common/hex.ts';
import { MAX_CARD_FEN } from '../../common/money.ts';
import { EF0015_BYTES, EF0016_BYTES, EF001C_BYTES, LOG_RECORD_BYTES, LOG_RECORD_COUNT } from './cpu-files.ts';

export const CPU_STATE_VERSION = 1;
export const CARD_KEY_BYTES = 16;
/** Default purse ceiling: 1000 yuan, a common City Union limit (configurable per card). */
export const DEFAULT_MAX_BALANCE_FEN = 100_000;

export type LockState = 'none' | 'temporary' | 'permanent';

export interface CardKey {
  version: number;
  algorithmId: number;
  /** Card (already diversified) key, 16 bytes. */
  key: Uint8Array;
}

export interface TransactionProof {
  /** Counter value the transaction used (the one returned by its INITIALIZE). */
  atcUsed: number;
  /** Load: MAC2 as received; purchase: MAC2 as returned. */
  mac: Uint8Array;
  tac: Uint8Array;
}

export interface CpuCardOptions {
  maxBalanceFen: number;
  /** SW that SELECT answers for a temporarily blocked application (6A81 default; 6283 alt). */
  blockedSelectSw: number;
  /** SW for a permanently blocked application. */
  permanentBlockSelectSw: number;
  /** Also accept GET TRANSACTION PROVE with the counter the transaction used (§4.10 flag). */
  proveAcceptsUsedAtc: boolean;
  atrHistorical: Uint8Array;
  /** 9F08 in the FCI (§3.2 emulator recommendation: 02). */
  fciAppVersion: number;
}

export interface CpuCardState {
  ef0015: Uint8Array;
  ef0016: Uint8Array;
  /** The concession file SFI 0x1C (16 bytes), or null on a card personalised without it. */
  ef001c: Uint8Array | null;
  balanceFen: number;
  onlineAtc: number;
  offlineAtc: number;
  /** EF 0018 records, newest first, at most LOG_RECORD_COUNT. */
  log: Uint8Array[];
  lock: LockState;
  loadKeys: Map<number, CardKey>;
  purchaseKeys: Map<number, CardKey>;
  dtk: Uint8Array;
  damk: Uint8Array;
  /** Last-transaction proofs by transaction type id (§4.10). */
  proofs: Map<number, TransactionProof>;
  options: CpuCardOptions;
}

export interface CpuCardJSON {
  kind: 'cpu';
  version: number;
  ef0015: string;
  ef0016: string;
  /** Absent on cards saved before the concession file existed: such a card has no file. */
  ef001c?: string;
  balanceFen: number;
  onlineAtc: number;
  offlineAtc: number;
  log: string[];
  lock: LockState;
  keys: {
    load: Array<{ index: number; version: number; algorithmId: number; key: string }>;
    purchase: Array<{ index: number; version: number; algorithmId: number; key: string }>;
    dtk: string;
    damk: string;
  };
  proofs: Array<{ type: number; atcUsed: number; mac: string; tac: string }>;
  options: {
    maxBalanceFen: number;
    blockedSelectSw: number;
    permanentBlockSelectSw: number;
    proveAcceptsUsedAtc: boolean;
    atrHistorical: string;
    fciAppVersion: number;
  };
}

function keysToJSON(m: Map<number, CardKey>): CpuCardJSON['keys']['load'] {
  return [...m.entries()].sort(([a], [b]) => a - b).map(([index, k]) => ({ index, version: k.version, algorithmId: k.algorithmId, key: toHex(k.key) }));
}

export function cpuStateToJSON(s: CpuCardState): CpuCardJSON {
  return {
    kind: 'cpu',
    version: CPU_STATE_VERSION,
    ef0015: toHex(s.ef0015),
    ef0016: toHex(s.ef0016),
    ...(s.ef001c === null ? {} : { ef001c: toHex(s.ef001c) }),
    balanceFen: s.balanceFen,
    onlineAtc: s.onlineAtc,
    offlineAtc: s.offlineAtc,
    log: s.log.map((r) => toHex(r)),
    lock: s.lock,
    keys: { load: keysToJSON(s.loadKeys), purchase: keysToJSON(s.purchaseKeys), dtk: toHex(s.dtk), damk: toHex(s.damk) },
    proofs: [...s.proofs.entries()].sort(([a], [b]) => a - b).map(([type, p]) => ({ type, atcUsed: p.atcUsed, mac: toHex(p.mac), tac: toHex(p.tac) })),
    options: {
      maxBalanceFen: s.options.maxBalanceFen,
      blockedSelectSw: s.options.blockedSelectSw,
      permanentBlockSelectSw: s.options.permanentBlockSelectSw,
      proveAcceptsUsedAtc: s.options.proveAcceptsUsedAtc,
      atrHistorical: toHex(s.options.atrHistorical),
      fciAppVersion: s.options.fciAppVersion,
    },
  };
}

// ---- validation helpers ----

function bad(path: string, what: string): never {
  throw new BadInputError(`saved CPU card: ${path} ${what}`);
}
function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'must be an object');
  return v as Record<string, unknown>;
}
function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(path, `must be an integer ${min}..${max}`);
  return v;
}
function hex(v: unknown, path: string, bytes?: number, maxBytes?: number): Uint8Array {
  if (typeof v !== 'string' || !isHex(v, bytes)) bad(path, bytes === undefined ? 'must be hex' : `must be ${bytes * 2} hex digits`);
  if (maxBytes !== undefined && v.length / 2 > maxBytes) bad(path, `must be at most ${maxBytes} bytes`);
  return fromHex(v);
}
function arr(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) bad(path, 'must be an array');
  if (v.length > max) bad(path, `must have at most ${max} entries`);
  return v;
}
function keyMap(v: unknown, path: string): Map<number, CardKey> {
  const m = new Map<number, CardKey>();
  arr(v, path, 255).forEach((e, i) => {
    const o = obj(e, `${path}[${i}]`);
    const index = int(o.index, `${path}[${i}].index`, 1, 255);
    if (m.has(index)) bad(`${path}[${i}].index`, 'repeats');
    m.set(index, {
      version: int(o.version, `${path}[${i}].version`, 0, 255),
      algorithmId: int(o.algorithmId, `${path}[${i}].algorithmId`, 0, 255),
      key: hex(o.key, `${path}[${i}].key`, CARD_KEY_BYTES),
    });
  });
  return m;
}

export function cpuStateFromJSON(json: unknown): CpuCardState {
  const o = obj(json, '(top)');
  if (o.kind !== 'cpu') bad('kind', 'must be "cpu"');
  if (o.version !== CPU_STATE_VERSION) bad('version', `must be ${CPU_STATE_VERSION}`);
  const lock = o.lock;
  if (lock !== 'none' && lock !== 'temporary' && lock !== 'permanent') bad('lock', 'must be none, temporary or permanent');
  const keys = obj(o.keys, 'keys');
  const opts = obj(o.options, 'options');
  const proofs = new Map<number, TransactionProof>();
  arr(o.proofs, 'proofs', 255).forEach((e, i) => {
    const p = obj(e, `proofs[${i}]`);
    const type = int(p.type, `proofs[${i}].type`, 0, 255);
    if (proofs.has(type)) bad(`proofs[${i}].type`, 'repeats');
    proofs.set(type, { atcUsed: int(p.atcUsed, `proofs[${i}].atcUsed`, 0, 0xffff), mac: hex(p.mac, `proofs[${i}].mac`, 4), tac: hex(p.tac, `proofs[${i}].tac`, 4) });
  });
  const state: CpuCardState = {
    ef0015: hex(o.ef0015, 'ef0015', EF0015_BYTES),
    ef0016: hex(o.ef0016, 'ef0016', EF0016_BYTES),
    ef001c: o.ef001c === undefined ? null : hex(o.ef001c, 'ef001c', EF001C_BYTES),
    balanceFen: 0,
    onlineAtc: int(o.onlineAtc, 'onlineAtc', 0, 0xffff),
    offlineAtc: int(o.offlineAtc, 'offlineAtc', 0, 0xffff),
    log: arr(o.log, 'log', LOG_RECORD_COUNT).map((r, i) => hex(r, `log[${i}]`, LOG_RECORD_BYTES)),
    lock,
    loadKeys: keyMap(keys.load, 'keys.load'),
    purchaseKeys: keyMap(keys.purchase, 'keys.purchase'),
    dtk: hex(keys.dtk, 'keys.dtk', CARD_KEY_BYTES),
    damk: hex(keys.damk, 'keys.damk', CARD_KEY_BYTES),
    proofs,
    options: {
      maxBalanceFen: int(opts.maxBalanceFen, 'options.maxBalanceFen', 0, MAX_CARD_FEN),
      blockedSelectSw: int(opts.blockedSelectSw, 'options.blockedSelectSw', 0x6000, 0x9fff),
      permanentBlockSelectSw: int(opts.permanentBlockSelectSw, 'options.permanentBlockSelectSw', 0x6000, 0x9fff),
      proveAcceptsUsedAtc: typeof opts.proveAcceptsUsedAtc === 'boolean' ? opts.proveAcceptsUsedAtc : bad('options.proveAcceptsUsedAtc', 'must be a boolean'),
      atrHistorical: hex(opts.atrHistorical, 'options.atrHistorical', undefined, 15),
      fciAppVersion: int(opts.fciAppVersion, 'options.fciAppVersion', 0, 255),
    },
  };
  state.balanceFen = int(o.balanceFen, 'balanceFen', 0, state.options.maxBalanceFen);
  return state;
}
