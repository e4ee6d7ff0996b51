/** The customer display's confirmation step: the amount for the customer to check (core/api/customer-feed.ts). */
import type { ApiContext, Handlers } from '../context.ts';

export function customerHandlers(ctx: ApiContext): Handlers<'customerShow'> {
  return {
    async customerShow(p, conn) {
      ctx.sessions.actorOf(conn);
      ctx.customer.show(p.pending);
      return { ok: true };
    },
  };
}
