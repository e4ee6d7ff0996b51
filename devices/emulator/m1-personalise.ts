/**
 * Personalisation of an emulated M1 card with a city layout and key scheme: used by tests,
 * `station sim` and the training lab. It writes the card image directly (no APDUs): real
 * cards arrive personalised from the issuer, the station never personalises M1 cards.
 */
import { BadInputError } from '../../common/errors.ts';
import { fromHex, isHex } from '../../common/hex.ts';
import { MAX_CARD_FEN } from '../../common/money.ts';
import { BLOCKS_PER_SECTOR, TRAILER_INDEX, encodeAccessBits, transportTrailer } from '../m1/access-bits.ts';
import { DefaultM1Layout } from '../m1/default-layout.ts';
import { DefaultM1KeyScheme, M1_SECTOR_COUNT, type M1KeyScheme } from '../m1/keys.ts';
import type { M1CityLayout } from '../m1/layout.ts';
import { VALUE_MAX, encodeValueBlock } from '../m1/value-block.ts';
import { M1Card } from './m1-card.ts';

export interface CreateM1CardInput {
  /** 8 hex digits. */
  uid: string;
  cardNo: string;
  cityCode: string;
  balanceFen: number;
  cardType?: string;
  issueDate?: string | null;
  expiryDate?: string | null;
  blacklisted?: boolean;
  /** Leaves the progress flag at 01, as a validator torn after its step 2 would. */
  inProgress?: boolean;
  /** Makes the backup purse copy differ (a torn debit between steps 4 and 5). Default: = balance. */
  backupFen?: number;
  txCount?: number;
  /** Records to pre-fill the ring with, oldest first. */
  records?: readonly { type: number; amountFen: number; terminal: string; at: Date }[];
  layout?: M1CityLayout;
  keys?: M1KeyScheme;
  acsValueOps?: boolean;
}

function assertPurseFen(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0 || v > Math.min(MAX_CARD_FEN, VALUE_MAX)) throw new BadInputError(`${what} must be 0..${VALUE_MAX} fen, got ${String(v)}`);
}

export function createM1Card(input: CreateM1CardInput): M1Card {
  if (!isHex(input.uid, 4)) throw new BadInputError(`uid must be 8 hex digits, got ${input.uid}`);
  assertPurseFen(input.balanceFen, 'balance');
  const backupFen = input.backupFen ?? input.balanceFen;
  assertPurseFen(backupFen, 'backup balance');
  const layout = input.layout ?? new DefaultM1Layout();
  const keys = input.keys ?? new DefaultM1KeyScheme();
  const uid = fromHex(input.uid);
  const card = new M1Card({ uid, acsValueOps: input.acsValueOps ?? true });

  for (const [block, data] of layout.staticBlocks()) card.pokeBlock(block, data);
  card.pokeBlock(layout.issuanceBlock, layout.encodeIssuance({
    cardNo: input.cardNo,
    cityCode: input.cityCode,
    cardType: input.cardType ?? '01',
    issueDate: input.issueDate ?? null,
    expiryDate: input.expiryDate ?? null,
  }));
  card.pokeBlock(layout.purse.primaryBlock, encodeValueBlock(input.balanceFen, layout.purse.primaryBlock));
  card.pokeBlock(layout.purse.backupBlock, encodeValueBlock(backupFen, layout.purse.backupBlock));

  const records = input.records ?? [];
  const slots = layout.recordBlocks.length;
  records.forEach((r, i) => card.pokeBlock(layout.recordBlocks[i % slots]!, layout.encodeRecord(r)));
  const pointer = records.length === 0 ? 0 : ((records.length - 1) % slots) + 1;
  const { primary, backup } = layout.encodePublicInfo({
    pointer,
    txCount: input.txCount ?? records.length,
    progress: 'complete',
    blacklisted: input.blacklisted ?? false,
    monthlyCount: 0,
    fileFlag: 0,
  });
  if (input.inProgress === true) {
    // Only the primary carries flag 01 (§9.5 step 2), the backup keeps the complete state.
    card.pokeBlock(layout.publicInfo.primaryBlock, layout.encodePublicInfo({
      pointer, txCount: input.txCount ?? records.length, progress: 'in-progress', blacklisted: input.blacklisted ?? false, monthlyCount: 0, fileFlag: 0,
    }).primary);
  } else {
    card.pokeBlock(layout.publicInfo.primaryBlock, primary);
  }
  card.pokeBlock(layout.publicInfo.backupBlock, backup);

  for (let sector = 0; sector < M1_SECTOR_COUNT; sector++) {
    const access = layout.sectorAccess(sector);
    if (access === null) continue;
    const { keyA, keyB } = keys.sectorKeys(uid, sector);
    const trailer = transportTrailer();
    trailer.set(keyA, 0);
    trailer.set(encodeAccessBits(access), 6);
    trailer.set(keyB, 10);
    card.pokeBlock(sector * BLOCKS_PER_SECTOR + TRAILER_INDEX, trailer);
  }
  return card;
}
