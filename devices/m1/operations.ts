/**
 * M1 operations built on a city layout and a key scheme: read a snapshot, normalise an
 * interrupted transaction (§9.5), zero and blacklist for migration (§9.6 step 2), and the
 * validator-style debit used by the simulator and tests.
 *
 * Every function re-reads what it needs from the card, changes at most one block per APDU,
 * and verifies by reading back; after any failure the card is in a state that
 * normaliseM1Card + a re-run finishes (tested with a tear at every APDU).
 */
import { CardMalformedError, StationError } from '../../common/errors.ts';
import { bytesEqual, toHex } from '../../common/hex.ts';
import type { CardChannel } from '../channel.ts';
import { M1Client, type AuthCommand } from './client.ts';
import type { M1KeyScheme } from './keys.ts';
import type { M1CityLayout, M1PublicInfo, M1PublicInfoRead, M1Record } from './layout.ts';
import { M1Session, type M1ValueMode } from './session.ts';
import { encodeValueBlock, tryDecodeValueBlock } from './value-block.ts';

export interface M1OperationOptions {
  /** 'acs': FF D7 decrement/restore (card-side atomic); 'update': full value blocks with FF D6. */
  valueMode?: M1ValueMode;
  authCommand?: AuthCommand;
}

export interface M1LogEntry extends M1Record {
  /** Ring slot (1-based) the record was read from. */
  seq: number;
  typeName: 'purchase' | 'load' | 'migrated-out' | 'unknown';
}

export interface M1PurseState {
  /** Null when that copy is not a valid, non-negative value block (e.g. torn). */
  primaryFen: number | null;
  backupFen: number | null;
  /** Both copies valid and equal. */
  consistent: boolean;
}

export interface M1Snapshot {
  kind: 'm1';
  uid: string;
  cardNo: string;
  cityCode: string;
  cardType: string;
  issueDate: string | null;
  expiryDate: string | null;
  /** The purse value to trust: the smaller valid copy (§9.5). */
  balanceFen: number;
  purse: M1PurseState;
  inProgress: boolean;
  blacklisted: boolean;
  txCount: number;
  /** Ring slot of the newest record (0 = none). */
  pointer: number;
  publicInfo: { source: 'primary' | 'backup'; backupMatches: boolean };
  /** Decoded records, newest first. */
  log: M1LogEntry[];
  /** The newest record if it is a migrated-out record: proof the purse went to a new card. */
  migratedOut: { amountFen: number; terminal: string; at: string | null } | null;
  /** Every block read, hex by absolute block number (the ledger's card image). */
  image: Record<string, string>;
}

function nextSlot(pointer: number, slots: number): number {
  return pointer >= slots ? 1 : pointer + 1;
}

function typeName(layout: M1CityLayout, type: number): M1LogEntry['typeName'] {
  if (type === layout.recordTypes.purchase) return 'purchase';
  if (type === layout.recordTypes.load) return 'load';
  if (type === layout.recordTypes.migratedOut) return 'migrated-out';
  return 'unknown';
}

function purseCopy(block: Uint8Array): number | null {
  const v = tryDecodeValueBlock(block);
  return v === null || v.value < 0 ? null : v.value;
}

async function openSession(channel: CardChannel, keys: M1KeyScheme, options: M1OperationOptions): Promise<M1Session> {
  const client = new M1Client(channel, { authCommand: options.authCommand ?? 'general' });
  const uid = await client.uid();
  return new M1Session(client, uid, keys);
}

interface CardState {
  snapshot: M1Snapshot;
  publicInfo: M1PublicInfoRead;
}

async function readState(session: M1Session, layout: M1CityLayout): Promise<CardState> {
  const image: Record<string, string> = {};
  const read = async (block: number): Promise<Uint8Array> => {
    const data = await session.read(block, layout.keys.read);
    image[String(block)] = toHex(data);
    return data;
  };
  const issuance = layout.decodeIssuance(await read(layout.issuanceBlock));
  const publicInfo = layout.decodePublicInfo(await read(layout.publicInfo.primaryBlock), await read(layout.publicInfo.backupBlock));
  const primaryFen = purseCopy(await read(layout.purse.primaryBlock));
  const backupFen = purseCopy(await read(layout.purse.backupBlock));
  if (primaryFen === null && backupFen === null) throw new CardMalformedError('M1 purse: neither copy is a valid value block');
  const balanceFen = Math.min(primaryFen ?? Number.MAX_SAFE_INTEGER, backupFen ?? Number.MAX_SAFE_INTEGER);
  const info = publicInfo.info;
  const slots = layout.recordBlocks.length;
  const log: M1LogEntry[] = [];
  if (info.pointer > slots) throw new CardMalformedError(`M1 record pointer ${info.pointer} beyond ring of ${slots}`);
  // Newest first: walk back from the pointer around the ring.
  for (let i = 0; i < slots && info.pointer > 0; i++) {
    const slot = ((info.pointer - 1 - i + slots) % slots) + 1;
    const record = layout.decodeRecord(await read(layout.recordBlocks[slot - 1]!));
    if (record !== null) log.push({ ...record, seq: slot, typeName: typeName(layout, record.type) });
  }
  const newest = info.pointer > 0 ? log.find((e) => e.seq === info.pointer) : undefined;
  return {
    publicInfo,
    snapshot: {
      kind: 'm1',
      uid: toHex(session.uid),
      ...issuance,
      balanceFen,
      purse: { primaryFen, backupFen, consistent: primaryFen !== null && primaryFen === backupFen },
      inProgress: info.progress === 'in-progress',
      blacklisted: info.blacklisted,
      txCount: info.txCount,
      pointer: info.pointer,
      publicInfo: { source: publicInfo.source, backupMatches: publicInfo.backupMatches },
      log,
      migratedOut: newest !== undefined && newest.typeName === 'migrated-out'
        ? { amountFen: newest.amountFen, terminal: newest.terminal, at: newest.at }
        : null,
      image,
    },
  };
}

/** Reads the card without changing it. */
export async function readM1Card(channel: CardChannel, layout: M1CityLayout, keys: M1KeyScheme, options: M1OperationOptions = {}): Promise<M1Snapshot> {
  const session = await openSession(channel, keys, options);
  return (await readState(session, layout)).snapshot;
}

/** Sets a purse copy from `fromFen` (null = corrupt) to `toFen`, copying from `goodBlock` when corrupt. */
async function setPurseCopy(
  session: M1Session, layout: M1CityLayout, mode: M1ValueMode,
  block: number, fromFen: number | null, toFen: number, goodBlock: number,
): Promise<void> {
  if (fromFen === toFen) return;
  if (mode === 'acs') {
    if (fromFen !== null && fromFen > toFen) await session.decrement(block, fromFen - toFen, layout.keys.debit);
    else await session.restoreTransfer(goodBlock, block, layout.keys.debit);
  } else {
    await session.write(block, encodeValueBlock(toFen, block), layout.keys.write);
  }
}

async function verifyPurseCopy(session: M1Session, layout: M1CityLayout, block: number, expectFen: number): Promise<void> {
  const got = purseCopy(await session.read(block, layout.keys.read));
  if (got !== expectFen) throw new StationError('CARD_MISMATCH', `M1 purse block ${block} reads ${String(got)} fen after the update, expected ${expectFen}`);
}

async function writePublicInfo(session: M1Session, layout: M1CityLayout, info: M1PublicInfo, parts: 'primary' | 'both'): Promise<void> {
  const { primary, backup } = layout.encodePublicInfo(info);
  await session.write(layout.publicInfo.primaryBlock, primary, layout.keys.write);
  if (parts === 'both') await session.write(layout.publicInfo.backupBlock, backup, layout.keys.write);
}

export type M1NormaliseAction =
  | { action: 'purse-copy-lowered'; block: number; fromFen: number; toFen: number }
  | { action: 'purse-copy-restored'; block: number; toFen: number }
  | { action: 'public-info-primary-restored' }
  | { action: 'progress-flag-cleared' }
  | { action: 'public-info-backup-rewritten' };

export interface M1NormaliseResult {
  /** Empty when the card needed nothing. */
  actions: M1NormaliseAction[];
  before: M1Snapshot;
  after: M1Snapshot;
}

/**
 * Finishes an interrupted transaction (§9.5): when the purse copies disagree the smaller valid
 * copy wins and the other is brought in line (a corrupt copy is restored from the good one);
 * then the public info is rewritten with flag 02 (primary, then its complement as backup).
 * The transaction count is left as found: a debit counts only when its step 7 completed.
 */
export async function normaliseM1Card(channel: CardChannel, layout: M1CityLayout, keys: M1KeyScheme, options: M1OperationOptions = {}): Promise<M1NormaliseResult> {
  const mode = options.valueMode ?? 'acs';
  const session = await openSession(channel, keys, options);
  const state = await readState(session, layout);
  const before = state.snapshot;
  const actions: M1NormaliseAction[] = [];
  const { primaryBlock, backupBlock } = layout.purse;
  const truth = before.balanceFen;
  if (!before.purse.consistent) {
    const goodBlock = before.purse.primaryFen === truth ? primaryBlock : backupBlock;
    for (const [block, fen] of [[primaryBlock, before.purse.primaryFen], [backupBlock, before.purse.backupFen]] as const) {
      if (fen === truth) continue;
      await setPurseCopy(session, layout, mode, block, fen, truth, goodBlock);
      await verifyPurseCopy(session, layout, block, truth);
      actions.push(fen === null ? { action: 'purse-copy-restored', block, toFen: truth } : { action: 'purse-copy-lowered', block, fromFen: fen, toFen: truth });
    }
  }
  const info = state.publicInfo.info;
  const primaryBad = state.publicInfo.source === 'backup';
  const inProgress = info.progress === 'in-progress';
  if (primaryBad || inProgress || !state.publicInfo.backupMatches) {
    if (primaryBad) actions.push({ action: 'public-info-primary-restored' });
    if (inProgress) actions.push({ action: 'progress-flag-cleared' });
    const fixed: M1PublicInfo = { ...info, progress: inProgress ? 'complete' : info.progress };
    const { primary } = layout.encodePublicInfo(fixed);
    const primaryNow = fromImage(before.image, layout.publicInfo.primaryBlock);
    if (primaryNow === null || !bytesEqual(primaryNow, primary)) {
      await writePublicInfo(session, layout, fixed, 'both');
    } else {
      await session.write(layout.publicInfo.backupBlock, layout.encodePublicInfo(fixed).backup, layout.keys.write);
    }
    if (!primaryBad && !inProgress) actions.push({ action: 'public-info-backup-rewritten' });
  }
  const after = actions.length === 0 ? before : (await readState(session, layout)).snapshot;
  if (!after.purse.consistent || after.inProgress || after.publicInfo.source !== 'primary' || !after.publicInfo.backupMatches) {
    throw new StationError('CARD_MISMATCH', 'M1 card did not hold the normalised state on read-back', 'Place the card again and retry');
  }
  return { actions, before, after };
}

function fromImage(image: Record<string, string>, block: number): Uint8Array | null {
  const hex = image[String(block)];
  return hex === undefined ? null : Uint8Array.from(Buffer.from(hex, 'hex'));
}

export interface ZeroAndBlacklistInput {
  /** UID (hex) of the card the ledger intent names: refuses any other card. */
  uid: string;
  /** Balance B recorded in the ledger intent (after normalisation, before zeroing). */
  balanceFen: number;
  /** Transaction count recorded with B; tells our own half-done zeroing from other use. */
  txCount: number;
  /** Terminal id for the migrated-out record (layout's terminal format, hex). */
  terminal: string;
  at: Date;
}

export interface ZeroAndBlacklistResult {
  /** 'zeroed': this call finished the procedure; 'already-done': an earlier call had. */
  outcome: 'zeroed' | 'already-done';
  /** B: the amount taken off the card, to be loaded onto the new one. */
  migratedFen: number;
  /**
   * True when this call found the purse already at 0 with the count unchanged: an earlier
   * interrupted call had zeroed it (the caller's ledger intent is the proof of B).
   */
  purseWasAlreadyZero: boolean;
  /** The verified read-back (step e). */
  image: M1Snapshot;
}

function mismatch(message: string): StationError {
  return new StationError('CARD_MISMATCH', message, 'Check the card against the ledger intent; do not load the new card');
}

/**
 * §9.6 step 2 a–e: flag 01 → purse primary to 0 (verified) → backup to 0 → migrated-out
 * record → blacklist flag + pointer/count+1 + flag 02 + complemented backup → read back and
 * verify. Requires a normalised card (run normaliseM1Card first; a re-run after any tear is
 * normalise + this again). Idempotent: a card already zeroed by this procedure for the same
 * B and count returns 'already-done'.
 */
export async function zeroAndBlacklist(
  channel: CardChannel, layout: M1CityLayout, keys: M1KeyScheme, input: ZeroAndBlacklistInput, options: M1OperationOptions = {},
): Promise<ZeroAndBlacklistResult> {
  const mode = options.valueMode ?? 'acs';
  const B = input.balanceFen;
  if (!Number.isSafeInteger(B) || B < 0) throw mismatch(`balance must be whole fen >= 0, got ${String(B)}`);
  const session = await openSession(channel, keys, options);
  const state = await readState(session, layout);
  const s = state.snapshot;
  const wrapCount = (n: number): number => n & 0xffff;
  if (s.uid !== input.uid.toUpperCase()) throw mismatch(`this is card ${s.uid}, the intent names ${input.uid}`);
  if (s.inProgress || !s.purse.consistent || s.publicInfo.source !== 'primary' || !s.publicInfo.backupMatches) {
    throw mismatch('M1 card has an unfinished transaction: normalise it first');
  }
  if (s.blacklisted) {
    const done = s.balanceFen === 0 && s.txCount === wrapCount(input.txCount + 1)
      && s.migratedOut !== null && s.migratedOut.amountFen === B;
    if (done) return { outcome: 'already-done', migratedFen: B, purseWasAlreadyZero: true, image: s };
    throw mismatch('M1 card is blacklisted');
  }
  if (s.txCount !== input.txCount) throw mismatch(`M1 tx count is ${s.txCount}, the intent recorded ${input.txCount}: the card was used since`);
  let purseWasAlreadyZero: boolean;
  if (s.balanceFen === B) purseWasAlreadyZero = false;
  else if (s.balanceFen === 0) purseWasAlreadyZero = true;
  else throw mismatch(`M1 balance is ${s.balanceFen} fen, the intent recorded ${B}`);

  const info = state.publicInfo.info;
  const { primaryBlock, backupBlock } = layout.purse;
  // a. flag 01 on the primary only (the backup keeps the last complete state).
  await writePublicInfo(session, layout, { ...info, progress: 'in-progress' }, 'primary');
  // b. primary to 0 and verify, then the backup.
  await setPurseCopy(session, layout, mode, primaryBlock, s.balanceFen, 0, primaryBlock);
  await verifyPurseCopy(session, layout, primaryBlock, 0);
  await setPurseCopy(session, layout, mode, backupBlock, s.balanceFen, 0, primaryBlock);
  await verifyPurseCopy(session, layout, backupBlock, 0);
  // c. the migrated-out record, into the slot after the pointer (idempotent on a re-run: the
  //    pointer moves only in step d).
  const slot = nextSlot(info.pointer, layout.recordBlocks.length);
  const record = layout.encodeRecord({ type: layout.recordTypes.migratedOut, amountFen: B, terminal: input.terminal, at: input.at });
  await session.write(layout.recordBlocks[slot - 1]!, record, layout.keys.write);
  // d. blacklist + pointer/count + flag 02, then the complemented backup.
  const final: M1PublicInfo = { ...info, pointer: slot, txCount: wrapCount(info.txCount + 1), progress: 'complete', blacklisted: true };
  await writePublicInfo(session, layout, final, 'both');
  // e. read back everything and verify.
  const image = (await readState(session, layout)).snapshot;
  const ok = image.balanceFen === 0 && image.purse.consistent && image.blacklisted && !image.inProgress
    && image.publicInfo.source === 'primary' && image.publicInfo.backupMatches
    && image.pointer === slot && image.txCount === final.txCount
    && image.migratedOut !== null && image.migratedOut.amountFen === B;
  if (!ok) throw mismatch('M1 card read-back after zeroing does not match what was written');
  return { outcome: 'zeroed', migratedFen: B, purseWasAlreadyZero, image };
}

export interface M1DebitInput {
  amountFen: number;
  terminal: string;
  at: Date;
}

/**
 * A validator's debit in MZT order (§9.5), for the simulator, the training lab and tear tests.
 * The counter station itself never debits M1 purses.
 */
export async function debitM1Purse(
  channel: CardChannel, layout: M1CityLayout, keys: M1KeyScheme, input: M1DebitInput, options: M1OperationOptions = {},
): Promise<M1Snapshot> {
  const mode = options.valueMode ?? 'acs';
  const amount = input.amountFen;
  if (!Number.isSafeInteger(amount) || amount <= 0) throw mismatch(`debit amount must be whole fen > 0, got ${String(amount)}`);
  const session = await openSession(channel, keys, options);
  // 1. public info; reject blacklisted.
  const pi = layout.decodePublicInfo(
    await session.read(layout.publicInfo.primaryBlock, layout.keys.read),
    await session.read(layout.publicInfo.backupBlock, layout.keys.read),
  );
  if (pi.info.blacklisted) throw mismatch('M1 card is blacklisted');
  const { primaryBlock, backupBlock } = layout.purse;
  const readPurse = async (): Promise<{ srcBlock: number; srcFen: number; otherBlock: number; otherFen: number | null }> => {
    const p = purseCopy(await session.read(primaryBlock, layout.keys.read));
    const b = purseCopy(await session.read(backupBlock, layout.keys.read));
    if (b !== null && (p === null || b < p)) return { srcBlock: backupBlock, srcFen: b, otherBlock: primaryBlock, otherFen: p };
    if (p !== null) return { srcBlock: primaryBlock, srcFen: p, otherBlock: backupBlock, otherFen: b };
    throw new CardMalformedError('M1 purse: neither copy is a valid value block');
  };
  // Funds are checked before anything is written, so a refusal leaves no flag behind.
  const funds = (await readPurse()).srcFen;
  if (funds < amount) throw new StationError('CARD_STATUS', `insufficient M1 balance: ${funds} fen < ${amount} fen`);
  // 2. flag 01 on the primary.
  await writePublicInfo(session, layout, { ...pi.info, progress: 'in-progress' }, 'primary');
  // 3. purse copies again (as the validator order has it); the smaller valid one is the truth.
  const { srcBlock, srcFen, otherBlock, otherFen } = await readPurse();
  if (srcFen < amount) throw new StationError('CARD_STATUS', `insufficient M1 balance: ${srcFen} fen < ${amount} fen`);
  const expected = srcFen - amount;
  // 4. debit the source copy and verify.
  await setPurseCopy(session, layout, mode, srcBlock, srcFen, expected, srcBlock);
  await verifyPurseCopy(session, layout, srcBlock, expected);
  // 5. bring the other copy in line.
  await setPurseCopy(session, layout, mode, otherBlock, otherFen, expected, srcBlock);
  await verifyPurseCopy(session, layout, otherBlock, expected);
  // 6. the record.
  const slot = nextSlot(pi.info.pointer, layout.recordBlocks.length);
  await session.write(layout.recordBlocks[slot - 1]!, layout.encodeRecord({ type: layout.recordTypes.purchase, amountFen: amount, terminal: input.terminal, at: input.at }), layout.keys.write);
  // 7. pointer, count, flag 02; then the complemented backup.
  await writePublicInfo(session, layout, { ...pi.info, pointer: slot, txCount: (pi.info.txCount + 1) & 0xffff, progress: 'complete' }, 'both');
  return (await readState(session, layout)).snapshot;
}
