/** Money at the edge: integer fen in, text for people out (common/money.ts does the arithmetic). */
import { formatYuan } from '../../common/money.ts';

/** Amount in Chinese financial capitals (大写): common/money.ts, shared with the paper receipt. */
export { capitals } from '../../common/money.ts';

export function yuan(fen: number): string {
  return `¥${formatYuan(fen)}`;
}
