/**
 * 年审 over the API (common/api-concession.ts): the read through core/workflows/concession.ts
 * concessionCheck, the commit through verifyConcession for the confirmed card; the panel reads the
 * card again after the answer (the new date shows there, read from the card).
 */
import { concessionCheck, verifyConcession } from '../../workflows/concession.ts';
import { phase } from '../../request-timing.ts';
import type { ApiContext, Handlers } from '../context.ts';

export function concessionHandlers(ctx: ApiContext): Handlers<'concessionCheck' | 'concessionVerify'> {
  const { station, sessions, panel } = ctx;
  return {
    async concessionCheck(p, conn) {
      return concessionCheck(station, sessions.actorOf(conn), { ...(p.reader === undefined ? {} : { reader: p.reader }) });
    },
    async concessionVerify(p, conn) {
      const actor = sessions.actorOf(conn);
      const reader = p.reader ?? p.confirmedCard.reader;
      try {
        const r = await phase('workflow', () => verifyConcession(station, actor, { reader, confirmedCard: p.confirmedCard, evidence: p.evidence }));
        // No receipt layout for 年审 yet (docs/COUNTER-RULES.md "Status"): the ledger entry is the record.
        return { ...r, receipt: null, receiptEntryId: null };
      } finally {
        panel.refreshAfterWork([reader]);
      }
    },
  };
}
