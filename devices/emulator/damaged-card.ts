/**
 * A damaged card for the training lab (换卡 of an unreadable card, PRODUCT.md workflow 7): the
 * chip still powers up and gives its ATR, but its file system is gone — every APDU is answered
 * 6F00 ("no precise diagnosis"), so the station can read neither number nor balance. The card
 * number printed on its face (`printedAsn`) is what the clerk types for the exchange request.
 */
import { BadInputError } from '../../common/errors.ts';
import { fromHex, isHex } from '../../common/hex.ts';
import { contactlessAtr } from './atr.ts';
import { DEFAULT_CPU_ATR_HISTORICAL } from './cpu-card-factory.ts';
import type { CardAnswer, Fault, VirtualCard } from './virtual-card.ts';

export interface DamagedCardJSON {
  kind: 'damaged';
  /** The ASN printed on the card (16 hex digits), unreadable from the chip. */
  printedAsn: string;
}

const NO_DIAGNOSIS = Uint8Array.from([0x6f, 0x00]);

export class DamagedCard implements VirtualCard {
  readonly kind = 'cpu' as const;
  readonly printedAsn: string;

  constructor(printedAsn: string) {
    if (!isHex(printedAsn, 8)) throw new BadInputError(`printedAsn must be 16 hex digits, got "${printedAsn}"`);
    this.printedAsn = printedAsn.toUpperCase();
  }

  static fromJSON(json: unknown): DamagedCard {
    return new DamagedCard(String((json as Partial<DamagedCardJSON>).printedAsn ?? ''));
  }

  atr(): Uint8Array {
    return contactlessAtr(fromHex(DEFAULT_CPU_ATR_HISTORICAL));
  }
  reset(): void { /* nothing volatile: the chip answers nothing useful either way */ }
  process(_apdu: Uint8Array): CardAnswer {
    return { response: NO_DIAGNOSIS.slice(), removed: false };
  }
  armFault(_fault: Fault | null): void { /* a dead chip has nothing left to tear */ }
  toJSON(): DamagedCardJSON {
    return { kind: 'damaged', printedAsn: this.printedAsn };
  }
}
