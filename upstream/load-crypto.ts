/**
 * The host's half of a City Union load (CARD-PROTOCOL.md §5.2–§5.4): diversify the issuer's
 * DLK master key by the card's ASN, derive the session key, check the card's MAC1, issue MAC2.
 *
 * Written here (not imported from devices/crypto) because upstream/ may import only common/.
 * DES through node:crypto `des-ede3-cbc` with a zero IV over exactly one block, which is ECB:
 * OpenSSL 3 keeps `des-ecb`/`des-ede` in the legacy provider. Single DES = 3DES with K‖K‖K;
 * 2-key 3DES = K1‖K2‖K1.
 */
import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';

const BLOCK = 8;
const ZERO_IV = Buffer.alloc(BLOCK);

function ede3Key(key: Uint8Array): Buffer {
  if (key.length === 8) return Buffer.concat([key, key, key]);
  if (key.length === 16) return Buffer.concat([key, key.subarray(0, 8)]);
  throw new RangeError(`DES key must be 8 or 16 bytes, got ${key.length}`);
}

function oneBlock(decrypt: boolean, key: Uint8Array, block: Uint8Array): Buffer {
  if (block.length !== BLOCK) throw new RangeError(`DES block must be 8 bytes, got ${block.length}`);
  const k = ede3Key(key);
  const c = decrypt ? createDecipheriv('des-ede3-cbc', k, ZERO_IV) : createCipheriv('des-ede3-cbc', k, ZERO_IV);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

export const encryptBlock = (key: Uint8Array, block: Uint8Array): Buffer => oneBlock(false, key, block);
export const decryptBlock = (key: Uint8Array, block: Uint8Array): Buffer => oneBlock(true, key, block);

/**
 * PBOC MAC (§5.2): pad 80 00…, DES-CBC under the left 8 key bytes; with a 16-byte key the last
 * block is then D_K2 / E_K1 (ISO 9797-1 algorithm 3). Leftmost 4 bytes.
 */
export function pbocMac(key: Uint8Array, data: Uint8Array): Buffer {
  const padded = Buffer.alloc(Math.floor(data.length / BLOCK + 1) * BLOCK);
  padded.set(data);
  padded[data.length] = 0x80;
  const k1 = key.subarray(0, 8);
  let chain: Buffer = Buffer.alloc(BLOCK);
  for (let i = 0; i < padded.length; i += BLOCK) {
    const x = Buffer.alloc(BLOCK);
    for (let j = 0; j < BLOCK; j++) x[j] = chain[j]! ^ padded[i + j]!;
    chain = encryptBlock(k1, x);
  }
  if (key.length === 16) chain = encryptBlock(k1, decryptBlock(key.subarray(8, 16), chain));
  else if (key.length !== 8) throw new RangeError(`MAC key must be 8 or 16 bytes, got ${key.length}`);
  return chain.subarray(0, 4);
}

/** §5.3: K_card = 3DES(MK, F) ‖ 3DES(MK, ¬F), F = the 8-byte ASN. */
export function diversify(masterKey: Uint8Array, factor: Uint8Array): Buffer {
  if (masterKey.length !== 16) throw new RangeError('a master key is 16 bytes');
  if (factor.length !== 8) throw new RangeError('a diversification factor is 8 bytes');
  const inverted = Buffer.from(factor.map((b) => b ^ 0xff));
  return Buffer.concat([encryptBlock(masterKey, factor), encryptBlock(masterKey, inverted)]);
}

/** §5.4: SESLK = 3DES(DLK, random4 ‖ onlineATC2 ‖ 80 00). */
export function loadSessionKey(dlk: Uint8Array, random: Uint8Array, onlineAtc: number): Buffer {
  if (random.length !== 4) throw new RangeError('the card random is 4 bytes');
  const input = Buffer.alloc(8);
  input.set(random, 0);
  input.writeUInt16BE(onlineAtc, 4);
  input[6] = 0x80;
  return encryptBlock(dlk, input);
}

export interface LoadFields {
  oldBalanceFen: number;
  amountFen: number;
  txType: number;
  terminalId: Uint8Array;
}

/** §5.4: MAC1 = MAC(SESLK; oldBalance4 ‖ amount4 ‖ txType1 ‖ terminalId6). */
export function loadMac1(seslk: Uint8Array, f: LoadFields): Buffer {
  const data = Buffer.alloc(15);
  data.writeUInt32BE(f.oldBalanceFen, 0);
  data.writeUInt32BE(f.amountFen, 4);
  data[8] = f.txType;
  data.set(f.terminalId, 9);
  return pbocMac(seslk, data);
}

/** §5.4: MAC2 = MAC(SESLK; amount4 ‖ txType1 ‖ terminalId6 ‖ hostDate4 ‖ hostTime3), date/time BCD. */
export function loadMac2(seslk: Uint8Array, f: Omit<LoadFields, 'oldBalanceFen'> & { hostDate: string; hostTime: string }): Buffer {
  if (!/^\d{8}$/.test(f.hostDate) || !/^\d{6}$/.test(f.hostTime)) throw new RangeError('host date YYYYMMDD and time HHMMSS');
  const data = Buffer.concat([Buffer.alloc(11), Buffer.from(f.hostDate + f.hostTime, 'hex')]);
  data.writeUInt32BE(f.amountFen, 0);
  data[4] = f.txType;
  data.set(f.terminalId, 5);
  return pbocMac(seslk, data);
}

export function macEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * §5.4: TAC = MAC(DTK_L ⊕ DTK_R; newBalance4 ‖ onlineATC2 (before the load) ‖ amount4 ‖ type1 ‖
 * terminal6 ‖ date4 ‖ time3), DTK the card's (the issuer's DTK diversified by the ASN).
 */
export function loadTac(cardDtk: Uint8Array, f: { newBalanceFen: number; onlineAtc: number; amountFen: number; txType: number; terminalId: Uint8Array; hostDate: string; hostTime: string }): Buffer {
  if (cardDtk.length !== 16) throw new RangeError('a DTK is 16 bytes');
  const k = Buffer.alloc(8);
  for (let i = 0; i < 8; i++) k[i] = cardDtk[i]! ^ cardDtk[i + 8]!;
  const data = Buffer.alloc(4 + 2 + 4 + 1 + 6 + 4 + 3);
  data.writeUInt32BE(f.newBalanceFen, 0);
  data.writeUInt16BE(f.onlineAtc, 4);
  data.writeUInt32BE(f.amountFen, 6);
  data[10] = f.txType;
  Buffer.from(f.terminalId).copy(data, 11);
  Buffer.from(f.hostDate, 'hex').copy(data, 17);
  Buffer.from(f.hostTime, 'hex').copy(data, 21);
  try {
    return pbocMac(k, data);
  } finally {
    k.fill(0);
  }
}
