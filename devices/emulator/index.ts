/**
 * Card factory by saved state: every emulated card serialises to JSON with a top-level
 * `kind`, and `cardFromJSON` brings it back. Used by `station sim`, the card server that the
 * test harness runs beside pcscd, and tests that save/restore card state.
 */
import { BadInputError } from '../../common/errors.ts';
import type { VirtualCard } from './virtual-card.ts';

export function cardFromJSON(json: unknown): VirtualCard {
  const kind = typeof json === 'object' && json !== null ? (json as { kind?: unknown }).kind : undefined;
  switch (kind) {
    // Each card module adds its case here: case 'cpu': return CpuCard.fromJSON(json);
    default:
      throw new BadInputError(`unknown emulated card kind: ${String(kind)}`);
  }
}
