/**
 * The M1 (MIFARE Classic 1K) stack's public surface, for core/ workflows (read card, M1 → CPU
 * upgrade), `station sim` and the training lab. Making an emulated M1 card is the emulator's
 * business (devices/emulator/m1-personalise.ts): production code never loads the emulator.
 */
export { encodeValueBlock, decodeValueBlock, tryDecodeValueBlock, type ValueBlock, M1_BLOCK_BYTES, VALUE_MIN, VALUE_MAX } from './value-block.ts';
export {
  encodeAccessBits, decodeAccessBits, tryDecodeAccessBits, dataBlockAllows, trailerAllows, keyBReadable, TRANSPORT_CONDITIONS, transportTrailer,
  type AccessConditions, type M1KeyType, type DataOp, type TrailerPart,
} from './access-bits.ts';
export { M1Client, type AuthCommand } from './client.ts';
export { DefaultM1KeyScheme, TRAINING_ONLY_M1_MASTER_KEY_HEX, type M1KeyScheme, type M1SectorKeys } from './keys.ts';
export type { M1CityLayout, M1Issuance, M1PublicInfo, M1PublicInfoRead, M1Progress, M1Record, M1RecordTypes } from './layout.ts';
export { DefaultM1Layout, DEFAULT_SECTORS, DEFAULT_RECORD_TYPES } from './default-layout.ts';
export { M1Session, type M1ValueMode } from './session.ts';
export {
  readM1Card, normaliseM1Card, zeroAndBlacklist, debitM1Purse,
  type M1Snapshot, type M1LogEntry, type M1PurseState, type M1OperationOptions, type M1NormaliseAction, type M1NormaliseResult,
  type ZeroAndBlacklistInput, type ZeroAndBlacklistResult, type M1DebitInput,
} from './operations.ts';
export { M1CardTransaction, type M1ZeroVerdict } from './card-tx.ts';
