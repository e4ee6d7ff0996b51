import { formatYuan } from '../../common/money.ts';
import { watchCards, type CardPanelEvent } from '../../core/card-watch.ts';
import { PcscCardAccess } from '../../core/pcsc-access.ts';
import { type CliCommand } from '../command.ts';
import { withStation } from '../session.ts';

function line(e: CardPanelEvent): string {
  switch (e.type) {
    case 'card': {
      const v = e.view;
      const who = v.kind === 'm1' ? `M1 ${v.uid}` : `${v.kind === 'tunion' ? 'T-Union' : 'CPU'} ${v.asn ?? v.cardNo}`;
      const settled = e.settled.map((s) => `\n    ↳ settled ${s.workflow}: ${s.detail}`).join('');
      const incomplete = v.incomplete.map((o) => `\n    ⚠ incomplete ${o.workflow} ¥${formatYuan(o.amountFen)}`).join('');
      return `▶ ${e.reader}: ${who}  ${v.city ?? v.cityCode ?? ''}${v.otherCity ? ' (other city)' : ''}  ${v.status}  ` +
        `${v.balanceFen === null ? '' : `¥${formatYuan(v.balanceFen)}`}${settled}${incomplete}`;
    }
    case 'card-error':
      return `✖ ${e.reader}: ${e.error.message}${e.error.hint ? ` → ${e.error.hint}` : ''}`;
    case 'cleared':
      return `◻ ${e.reader}: card removed`;
    case 'service':
      return e.up ? '● PC/SC service up' : `○ PC/SC service down: ${e.error?.message ?? ''}`;
  }
}

export const watchCommand: CliCommand = {
  path: ['watch'],
  summary: 'the card panel in a terminal: show every card placed (and settle its incomplete transactions)',
  async run(input, io) {
    return withStation(io, async (station) => {
      const access = station.cards as PcscCardAccess;
      const stop = watchCards(station, access, (e) => io.stdout(input.json ? `${JSON.stringify(e)}\n` : `${line(e)}\n`));
      try {
        await access.start().catch((err: Error) => io.stdout(`○ ${err.message} — waiting for it\n`));
        io.stdout(input.json ? `${JSON.stringify({ type: 'ready', readers: access.service.readers().map((r) => r.name) })}\n`
          : `Watching ${access.service.readers().map((r) => r.name).join(', ') || 'no reader yet'} — place a card (Ctrl-C to stop)\n`);
        // Cards already on a reader arrive as card-inserted events when the service comes up.
        await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
        return 0;
      } finally {
        stop();
      }
    });
  },
};
