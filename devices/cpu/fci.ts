/**
 * The SELECT answer (FCI, CARD-PROTOCOL.md §3.2):
 * 6F { 84 DF name, A5 { 9F08 app version, 9F0C issuer discretionary data (= EF 0015) } }.
 */
import { CardMalformedError } from '../../common/errors.ts';
import { findOne, parseTlv } from './tlv.ts';

export interface Fci {
  dfName: Uint8Array;
  appVersion: number | null;
  /** 9F0C: for CU and TU cards a copy of EF 0015. */
  discretionary: Uint8Array | null;
}

export function parseFci(data: Uint8Array, what = 'SELECT'): Fci {
  const top = parseTlv(data, `${what} FCI`);
  if (top.length !== 1 || top[0]!.tag !== 0x6f) throw new CardMalformedError(`${what}: FCI is not a single 6F template`);
  const fci = top[0]!.children;
  const name = findOne(fci, 0x84, what);
  if (name === null || name.value.length < 5 || name.value.length > 16) throw new CardMalformedError(`${what}: FCI has no valid DF name (84)`);
  const prop = findOne(fci, 0xa5, what);
  let appVersion: number | null = null;
  let discretionary: Uint8Array | null = null;
  if (prop !== null) {
    const ver = findOne(prop.children, 0x9f08, what);
    if (ver !== null) {
      if (ver.value.length !== 1) throw new CardMalformedError(`${what}: 9F08 must be 1 byte, got ${ver.value.length}`);
      appVersion = ver.value[0]!;
    }
    const dd = findOne(prop.children, 0x9f0c, what);
    if (dd !== null) discretionary = Uint8Array.from(dd.value);
  }
  return { dfName: Uint8Array.from(name.value), appVersion, discretionary };
}
