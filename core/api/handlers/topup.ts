/**
 * The top-up (common/api.ts topup): the load through core/workflows/topup.ts, then the panel
 * reads the card again and this screen gets its drawer, both after the answer; the receipt is
 * made as the CLI makes it (saved; printed per `print`), and its faults never undo the load.
 */
import { withReceipt } from '../../receipts.ts';
import { phase } from '../../request-timing.ts';
import { topup } from '../../workflows/topup.ts';
import { later } from '../../after-answer.ts';
import type { ApiContext, Handlers } from '../context.ts';
import { pushShift } from './shift-day.ts';

export function topupHandlers(ctx: ApiContext): Handlers<'topup'> {
  const { station, env, panel } = ctx;
  return {
    async topup(p, conn, ws) {
      const actor = ctx.sessions.actorOf(conn);
      const reader = p.reader ?? p.confirmedCard.reader;
      let r: Awaited<ReturnType<typeof topup>>;
      try {
        r = await phase('workflow', () => topup(station, actor, { amount: p.amountFen, pay: p.pay, tendered: p.tenderedFen, reference: p.reference, reader, confirmedCard: p.confirmedCard }));
      } catch (err) {
        // A torn load whose card stayed on the reader (its answer lost) is settled by this read.
        if (panel.cardPresent(reader)) panel.refreshCard(reader, true);
        throw err;
      }
      panel.refreshCard(reader);
      const shift = () => void pushShift(station, ws, actor.staffId).catch(() => undefined);
      if (!later(shift)) shift();
      return phase('receipt', () => withReceipt(station, r!, p.print ?? 'auto', env));
    },
  };
}
