/**
 * An emulated card carrying both applications: City Union (the PBOC e-purse of cpu-card.ts) and
 * T-Union (交通联合, tunion-card.ts), as the cards some cities issue for both schemes. Each
 * application keeps its own files and purse; SELECT by AID (or by the directory name each one
 * answers: 1PAY.SYS.DDF01 for City Union, PPSE 2PAY.SYS.DDF01 for T-Union) decides which one
 * the following commands reach. Selecting one application clears the other's volatile state
 * (selection, pending transaction, challenge), as leaving an ADF does on a card. A SELECT
 * neither application knows goes to the current one, which refuses it and keeps its selection.
 *
 * Faults (tearing tests) are armed on the City Union application: the money commands reach it.
 */
import { BadInputError } from '../../common/errors.ts';
import { bytesEqual } from '../../common/hex.ts';
import { parseCommandApdu } from './command-apdu.ts';
import { CpuCard } from './cpu-card.ts';
import type { CpuCardJSON } from './cpu-card-state.ts';
import { CU_AID, PSE_NAME } from './cpu-files.ts';
import { PPSE_NAME, TU_AID, TUnionCard, type TUnionCardJSON } from './tunion-card.ts';
import type { CardAnswer, Fault, VirtualCard } from './virtual-card.ts';

export interface DualCardJSON {
  kind: 'dual';
  version: 1;
  cu: CpuCardJSON;
  tunion: TUnionCardJSON;
}

type App = 'cu' | 'tunion';

export class DualCard implements VirtualCard {
  readonly kind = 'dual' as const;
  readonly cu: CpuCard;
  readonly tunion: TUnionCard;
  #current: App = 'cu';

  constructor(cu: CpuCard, tunion: TUnionCard) {
    this.cu = cu;
    this.tunion = tunion;
  }

  static fromJSON(json: unknown): DualCard {
    const o = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
    if (o.kind !== 'dual' || o.version !== 1) throw new BadInputError('saved dual card: kind must be "dual", version 1');
    return new DualCard(CpuCard.fromJSON(o.cu), TUnionCard.fromJSON(o.tunion));
  }

  toJSON(): DualCardJSON {
    return { kind: 'dual', version: 1, cu: this.cu.toJSON(), tunion: this.tunion.toJSON() };
  }

  /** The City Union application's ATR: one chip, one answer to reset. */
  atr(): Uint8Array {
    return this.cu.atr();
  }

  reset(): void {
    this.cu.reset();
    this.tunion.reset();
    this.#current = 'cu';
  }

  armFault(fault: Fault | null): void {
    this.cu.armFault(fault);
  }

  process(apdu: Uint8Array): CardAnswer {
    const target = this.#selects(apdu);
    if (target !== null && target !== this.#current) {
      (this.#current === 'cu' ? this.cu : this.tunion).reset();
      this.#current = target;
    }
    return (this.#current === 'cu' ? this.cu : this.tunion).process(apdu);
  }

  /** The application a SELECT by name names, or null (not such a SELECT, or a name neither knows). */
  #selects(apdu: Uint8Array): App | null {
    const c = parseCommandApdu(apdu);
    if (c === null || c.cla !== 0x00 || c.ins !== 0xa4 || c.p1 !== 0x04) return null;
    if (bytesEqual(c.data, CU_AID) || bytesEqual(c.data, PSE_NAME)) return 'cu';
    if (bytesEqual(c.data, TU_AID) || bytesEqual(c.data, PPSE_NAME)) return 'tunion';
    return null;
  }
}
