/**
 * The city layout plug-in: where a city keeps issuance data, the purse copies, the
 * public-info block pair and the record ring on an M1 card, and how those 16-byte blocks are
 * coded (CARD-PROTOCOL.md §9.4: "deployments differ"). Operations (operations.ts) speak only
 * this interface; DefaultM1Layout (default-layout.ts) is one concrete plug-in.
 */
import type { AccessConditions, M1KeyType } from './access-bits.ts';

export interface M1Issuance {
  /** Card number as printed: decimal digits. */
  cardNo: string;
  /** City code, 4 hex digits (e.g. "2150"). */
  cityCode: string;
  /** Card type, 2 hex digits. */
  cardType: string;
  /** 'YYYY-MM-DD', or null when the card holds no valid date. */
  issueDate: string | null;
  expiryDate: string | null;
}

/** Transaction-in-progress flag of the public-info block (§9.4 byte 3). */
export type M1Progress = 'none' | 'in-progress' | 'complete';

export interface M1PublicInfo {
  /** Ring slot (1..ring size) of the newest record; 0 = no record written yet. */
  pointer: number;
  /** Purse transaction count (16-bit, wraps). */
  txCount: number;
  progress: M1Progress;
  blacklisted: boolean;
  monthlyCount: number;
  fileFlag: number;
}

export interface M1PublicInfoRead {
  info: M1PublicInfo;
  /** Which copy `info` came from: the primary, or the complemented backup (primary torn). */
  source: 'primary' | 'backup';
  /** True when the backup is exactly the complement of the primary. */
  backupMatches: boolean;
}

export interface M1Record {
  /** Record type byte (see layout.recordTypes). */
  type: number;
  amountFen: number;
  /** Terminal id, hex. */
  terminal: string;
  /** Local date-time 'YYYY-MM-DDThh:mm:ss+08:00', or null when the stored BCD is invalid. */
  at: string | null;
}

export interface M1RecordTypes {
  purchase: number;
  load: number;
  migratedOut: number;
}

export interface M1CityLayout {
  readonly name: string;
  /** Absolute block numbers (0..63). */
  readonly issuanceBlock: number;
  readonly purse: { readonly primaryBlock: number; readonly backupBlock: number };
  readonly publicInfo: { readonly primaryBlock: number; readonly backupBlock: number };
  /** Ring slot p (1-based, as in the public-info pointer) lives in recordBlocks[p - 1]. */
  readonly recordBlocks: readonly number[];
  readonly recordTypes: M1RecordTypes;
  /** Key used for reads; for writes; for decrement/restore/transfer (value-op mode). */
  readonly keys: { readonly read: M1KeyType; readonly write: M1KeyType; readonly debit: M1KeyType };

  /** Access conditions to personalise a sector with; null = leave it factory-fresh. */
  sectorAccess(sector: number): AccessConditions | null;
  /** Fixed content personalised outside the application blocks (e.g. a directory in sector 0). */
  staticBlocks(): ReadonlyMap<number, Uint8Array>;

  encodeIssuance(issuance: M1Issuance): Uint8Array;
  /** Throws CardMalformedError when the identity fields are not decodable. */
  decodeIssuance(block: Uint8Array): M1Issuance;

  encodePublicInfo(info: M1PublicInfo): { primary: Uint8Array; backup: Uint8Array };
  /** Throws CardMalformedError when neither copy is usable. */
  decodePublicInfo(primary: Uint8Array, backup: Uint8Array): M1PublicInfoRead;

  encodeRecord(record: { type: number; amountFen: number; terminal: string; at: Date }): Uint8Array;
  /** Null for an empty (never written) slot. Never throws for content; fields it cannot decode become null. */
  decodeRecord(block: Uint8Array): M1Record | null;
}
