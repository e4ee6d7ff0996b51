/**
 * A tiny ISO 7816-4 card for the PC/SC path's own tests (the real CPU/T-Union/M1 emulators
 * live in devices/emulator and are tested by their owners). It answers just enough to
 * exercise the transport:
 *
 * - `FF CA 00 00 00`           GET UID → UID + 9000
 * - `00 A4 04 00 Lc AID`       SELECT → 61xx (T=0 style), then `00 C0 00 00 xx` GET RESPONSE → FCI + 9000
 * - `00 B0 00 00 Le`           READ BINARY of a 16-byte file; a wrong Le gets 6C10 (re-issue with Le=10)
 * - `80 32 00 00 04`           INCREMENT: persistent counter + 1, answers the new counter (4 bytes) + 9000
 * - `80 33 00 00 00`           ECHO COUNT: answers how many APDUs the card processed since power-up
 * - `80 34 P1 00`              SLOW: the card thinks for P1 × 10 ms before 9000 (it blocks the
 *                              process serving it, exactly like a card that does not answer)
 * - anything else              6D00
 *
 * Faults (VirtualCard.armFault) behave as devices/emulator/virtual-card.ts describes.
 * JSON: `{ kind: 'test', hist: hex, uid: hex, file: hex, counter: n }`; `kind` is 'test' in
 * JSON, and the VirtualCard kind is 'cpu' (it is an ISO 14443-4 card as far as a reader knows).
 */
import { fromHex, toHex, uintBE } from '../../common/hex.ts';
import type { CardAnswer, Fault, VirtualCard } from '../../devices/emulator/virtual-card.ts';

export interface TestCardJSON {
  kind: 'test';
  /** Historical bytes of the ATR (hex). */
  hist: string;
  uid: string;
  /** 16-byte transparent file (hex). */
  file: string;
  counter: number;
}

export const TEST_AID = 'A00000000386980701';

/** `3B 8n 80 01 <hist> TCK` with TCK = XOR of T0..last historical byte (CARD-PROTOCOL.md §2.2). */
export function contactlessAtr(hist: Uint8Array): Uint8Array {
  if (hist.length > 15) throw new RangeError('at most 15 historical bytes');
  const body = Uint8Array.from([0x80 | hist.length, 0x80, 0x01, ...hist]);
  let tck = 0;
  for (const b of body) tck ^= b;
  return Uint8Array.from([0x3b, ...body, tck]);
}

export class TestCard implements VirtualCard {
  readonly kind = 'cpu' as const;
  hist: Uint8Array;
  uid: Uint8Array;
  file: Uint8Array;
  counter: number;
  #fault: Fault | null = null;
  #sinceArm = 0;
  #pending: Uint8Array | null = null;
  #apdus = 0;

  constructor(json: Partial<TestCardJSON> = {}) {
    this.hist = fromHex(json.hist ?? '8650434F554E54'); // "PCOUNT" after a category byte
    this.uid = fromHex(json.uid ?? '04A1B2C3');
    this.file = fromHex(json.file ?? '00112233445566778899AABBCCDDEEFF');
    if (this.file.length !== 16) throw new RangeError('test card file must be 16 bytes');
    this.counter = json.counter ?? 0;
  }

  static fromJSON(json: unknown): TestCard {
    return new TestCard(json as Partial<TestCardJSON>);
  }

  atr(): Uint8Array {
    return contactlessAtr(this.hist);
  }

  reset(): void {
    this.#pending = null;
    this.#apdus = 0;
  }

  armFault(fault: Fault | null): void {
    this.#fault = fault;
    this.#sinceArm = 0;
  }

  process(apdu: Uint8Array): CardAnswer {
    const fault = this.#fault;
    const index = this.#sinceArm++;
    if (fault !== null && index === fault.atApdu) {
      this.#fault = null;
      switch (fault.kind) {
        case 'remove':
        case 'tear-before-commit':
          return { response: null, removed: true };
        case 'tear-after-commit':
          this.#answer(apdu);
          return { response: null, removed: true };
        case 'response-lost':
          this.#answer(apdu);
          return { response: null, removed: false };
        case 'garbage':
          return { response: fault.garbage ?? Uint8Array.of(0x6f), removed: false };
      }
    }
    return { response: this.#answer(apdu), removed: false };
  }

  #answer(apdu: Uint8Array): Uint8Array {
    this.#apdus++;
    const sw = (v: number) => Uint8Array.of(v >> 8, v & 0xff);
    const ok = (data: Uint8Array) => Uint8Array.from([...data, 0x90, 0x00]);
    if (apdu.length < 4) return sw(0x6700);
    const [cla, ins, p1, p2] = apdu as unknown as [number, number, number, number];
    const le = apdu.length === 5 ? (apdu[4] as number) : undefined;
    if (ins !== 0xc0) this.#pending = null;

    if (cla === 0xff && ins === 0xca && p1 === 0 && p2 === 0) return ok(this.uid);
    if (cla === 0x00 && ins === 0xa4 && p1 === 0x04) {
      const lc = apdu[4] ?? 0;
      const aid = apdu.subarray(5, 5 + lc);
      if (toHex(aid) !== TEST_AID) return sw(0x6a82);
      // FCI: 6F { 84 AID, A5 { 9F0C <counter> } } — 61xx tells the reader to fetch it.
      const fci = Uint8Array.from([0x6f, 4 + aid.length + 7, 0x84, aid.length, ...aid, 0xa5, 5, 0x9f, 0x0c, 2, this.counter >> 8 & 0xff, this.counter & 0xff]);
      this.#pending = fci;
      return sw(0x6100 | fci.length);
    }
    if (cla === 0x00 && ins === 0xc0) {
      const pending = this.#pending;
      if (pending === null) return sw(0x6985);
      const n = le === undefined || le === 0 ? 256 : le;
      const chunk = pending.subarray(0, Math.min(n, pending.length));
      const rest = pending.subarray(chunk.length);
      this.#pending = rest.length > 0 ? rest : null;
      return rest.length > 0 ? Uint8Array.from([...chunk, 0x61, Math.min(rest.length, 255)]) : ok(chunk);
    }
    if (cla === 0x00 && ins === 0xb0) {
      if (le !== this.file.length) return sw(0x6c00 | this.file.length);
      return ok(this.file);
    }
    if (cla === 0x80 && ins === 0x32) {
      this.counter++;
      return ok(uintBE(this.counter, 4));
    }
    if (cla === 0x80 && ins === 0x33) return ok(uintBE(this.#apdus, 4));
    if (cla === 0x80 && ins === 0x34) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, p1 * 10);
      return sw(0x9000);
    }
    return sw(0x6d00);
  }

  toJSON(): TestCardJSON {
    return { kind: 'test', hist: toHex(this.hist), uid: toHex(this.uid), file: toHex(this.file), counter: this.counter };
  }
}

/**
 * Card-server plug-in hook (devices/emulator/card-server.ts `--cards <module>`): builds the
 * test card from its JSON, or returns undefined so the server falls back to cardFromJSON.
 */
export function cardFromJSON(json: unknown): VirtualCard | undefined {
  const kind = typeof json === 'object' && json !== null ? (json as { kind?: unknown }).kind : undefined;
  return kind === 'test' ? TestCard.fromJSON(json) : undefined;
}

export function testCardJSON(overrides: Partial<TestCardJSON> = {}): TestCardJSON {
  return { ...new TestCard(overrides).toJSON() };
}
