/**
 * Card factory by saved state: every emulated card serialises to JSON with a top-level
 * `kind`, and `cardFromJSON` brings it back. Used by `station sim`, the card server that the
 * test harness runs beside pcscd, and tests that save/restore card state.
 */
import { BadInputError } from '../../common/errors.ts';
import { M1Card } from './m1-card.ts';
import { CpuCard } from './cpu-card.ts';
import { TUnionCard } from './tunion-card.ts';
import { DualCard } from './dual-card.ts';
import { DamagedCard } from './damaged-card.ts';
import type { VirtualCard } from './virtual-card.ts';

export function cardFromJSON(json: unknown): VirtualCard {
  const kind = typeof json === 'object' && json !== null ? (json as { kind?: unknown }).kind : undefined;
  switch (kind) {
    // Each card module adds its case here: case 'cpu': return CpuCard.fromJSON(json);
    case 'm1': return M1Card.fromJSON(json);
    case 'cpu': return CpuCard.fromJSON(json);
    case 'tunion': return TUnionCard.fromJSON(json);
    case 'dual': return DualCard.fromJSON(json);
    // The training lab's unreadable card (damaged-card.ts).
    case 'damaged': return DamagedCard.fromJSON(json);
    default:
      throw new BadInputError(`unknown emulated card kind: ${String(kind)}`);
  }
}
