/** The readers and the card panel's slots (common/api.ts readers, card): what the panel shows. */
import type { ApiContext, Handlers } from '../context.ts';

export function cardHandlers(ctx: ApiContext): Handlers<'readers' | 'card'> {
  return {
    async readers(_p, conn) {
      ctx.sessions.actorOf(conn);
      return ctx.panel.readersNow();
    },
    async card(_p, conn) {
      ctx.sessions.actorOf(conn);
      return [...ctx.panel.slots.values()];
    },
  };
}
