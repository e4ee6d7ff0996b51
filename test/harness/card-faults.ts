// Helpers for workflow tests: stock and live lab cards, a card wrapper that arms a fault at
// the first APDU matching a predicate (the committing APDU of a card step), and ledger counts.
import type { CpuCard } from '../../devices/emulator/cpu-card.ts';
import type { CardAnswer, Fault, FaultKind, VirtualCard } from '../../devices/emulator/virtual-card.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import type { Database } from '../../db/sqlite.ts';

export function stockCard(id: string): CpuCard {
  return makeLabCard({ kind: 'cpu', id, enabled: false }) as CpuCard;
}

export function liveCard(id: string, balanceFen = 0, extra: { expiry?: string; city?: string } = {}): CpuCard {
  return makeLabCard({ kind: 'cpu', id, balanceFen, enabled: true, ...extra }) as CpuCard;
}

/** The committing APDUs of the card steps. */
export const IS_UPDATE_BINARY_SM = (apdu: Uint8Array): boolean => apdu[0] === 0x04 && apdu[1] === 0xd6;
export const IS_APPLICATION_BLOCK = (apdu: Uint8Array): boolean => apdu[0] === 0x84 && apdu[1] === 0x1e;
export const IS_CREDIT_FOR_LOAD = (apdu: Uint8Array): boolean => apdu[0] === 0x80 && apdu[1] === 0x52;

/** `card` as seen through a reader where `kind` strikes at the first APDU matching `match`. */
export function faultAt(card: VirtualCard, match: (apdu: Uint8Array) => boolean, kind: FaultKind): VirtualCard & { fired: boolean } {
  const wrapper = {
    kind: card.kind,
    fired: false,
    atr: () => card.atr(),
    reset: () => card.reset(),
    armFault: (f: Fault | null) => card.armFault(f),
    toJSON: () => card.toJSON(),
    process(apdu: Uint8Array): CardAnswer {
      if (!wrapper.fired && match(apdu)) {
        wrapper.fired = true;
        card.armFault({ kind, atApdu: 0 });
      }
      return card.process(apdu);
    },
  };
  return wrapper;
}

export async function count(db: Database, sql: string, params: (string | number)[] = []): Promise<number> {
  const row = await db.get<{ n: number }>(sql, params);
  return row?.n ?? 0;
}

export const entryCount = (db: Database): Promise<number> => count(db, 'SELECT COUNT(*) AS n FROM ledger_entries');
export const refusalCount = (db: Database): Promise<number> => count(db, "SELECT COUNT(*) AS n FROM audit WHERE outcome = 'refused'");
