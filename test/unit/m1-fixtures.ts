// Shared set-up for the m1-*.test.ts files: a personalised card with the default layout and
// the training key scheme, and raw-APDU helpers for poking at the emulator directly.
import { fromHex } from '../../common/hex.ts';
import { InProcessChannel } from '../../devices/emulator/in-process.ts';
import { M1Card } from '../../devices/emulator/m1-card.ts';
import { DefaultM1Layout } from '../../devices/m1/default-layout.ts';
import { DefaultM1KeyScheme } from '../../devices/m1/keys.ts';
import { createM1Card, type CreateM1CardInput } from '../../devices/emulator/m1-personalise.ts';

export const layout = new DefaultM1Layout();
export const keys = new DefaultM1KeyScheme();
export const UID = '1A2B3C4D';
export const AT = new Date('2026-11-20T03:04:05Z'); // 11:04:05 in China

export function makeCard(over: Partial<CreateM1CardInput> = {}): M1Card {
  return createM1Card({ uid: UID, cardNo: '20150001', cityCode: '2150', balanceFen: 5000, issueDate: '2020-01-02', expiryDate: '2030-01-01', ...over });
}

export function clone(card: M1Card): M1Card {
  return M1Card.fromJSON(JSON.parse(JSON.stringify(card.toJSON())));
}

/** Sends one raw APDU (hex) to the card and returns the answer as hex ('' when none). */
export function raw(card: M1Card, hex: string): string {
  const a = card.process(fromHex(hex));
  return a.response === null ? '' : Buffer.from(a.response).toString('hex').toUpperCase();
}

export function sectorKeys(sector: number): { a: string; b: string } {
  const k = keys.sectorKeys(fromHex(UID), sector);
  return { a: Buffer.from(k.keyA).toString('hex'), b: Buffer.from(k.keyB).toString('hex') };
}

/** LOAD KEY into slot 0 + GENERAL AUTHENTICATE; returns the authenticate SW. */
export function login(card: M1Card, block: number, keyType: 'A' | 'B', keyHex?: string): string {
  const sector = Math.floor(block / 4);
  const key = keyHex ?? (keyType === 'A' ? sectorKeys(sector).a : sectorKeys(sector).b);
  const load = raw(card, `FF82000006${key}`);
  if (load !== '9000') return load;
  const b = block.toString(16).padStart(2, '0');
  return raw(card, `FF860000050100${b}${keyType === 'A' ? '60' : '61'}00`);
}

export function channel(card: M1Card): InProcessChannel {
  return new InProcessChannel(card);
}
