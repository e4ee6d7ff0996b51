import { formatYuan } from '../../common/money.ts';
import { refundCard } from '../../core/workflows/refund.ts';
import { cliBinding, CARD_BINDING_OPTIONS } from '../card-binding.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { ACTOR_OPTIONS, cliActor, cliOnce, cliSupervisor, cliWaiver, withStation, IDEMPOTENCY_OPTIONS, WAIVER_OPTIONS } from '../session.ts';
import { feeText } from './fee-text.ts';
import { attachReceipt, PRINT_OPTIONS, receiptLines } from '../receipt-output.ts';

export const refundCommand: CliCommand = {
  path: ['refund'],
  summary: 'refund the card in the reader: balance + deposit in cash, card blocked and kept (退卡)',
  usage: 'station refund [--reader NAME] [--card ASN] [--supervisor ID] [--waiver ID --waive-reason TEXT] [--print|--no-print] [--idempotency-key KEY] --operator ID\n'
    + '  (PINs in STATION_PIN, STATION_SUPERVISOR_PIN, STATION_WAIVER_PIN)\n'
    + '  A balance above the counter limit needs a supervisor (acting, or approving with --supervisor).\n'
    + '  The refund fee (5 % of a balance of ¥10 or more by default) is kept from the cash paid out; a supervisor other than the operator waives it with --waiver and a reason.',
  options: { ...ACTOR_OPTIONS, ...PRINT_OPTIONS, ...IDEMPOTENCY_OPTIONS, ...WAIVER_OPTIONS, reader: { type: 'string' }, card: CARD_BINDING_OPTIONS.card, supervisor: { type: 'string' } },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const supervisor = await cliSupervisor(station, input, io);
      const waiver = await cliWaiver(station, input, io);
      const r = await cliOnce(station, input, actor, 'refund', async () => attachReceipt(station, io, input, await refundCard(station, actor, { reader: stringOpt(input, 'reader'), supervisor, waiver, confirmedCard: cliBinding(input, 'card', stringOpt(input, 'reader')) })));
      emit(io, input.json, r, [
        `Refunded card ${r.asn}: pay out ¥${formatYuan(r.totalFen)} in cash (balance ¥${formatYuan(r.balanceFen)} + deposit ¥${formatYuan(r.depositFen)}${r.depositSource === 'policy' ? ', deposit per policy' : ''}${r.fee !== null && r.fee.chargedFen > 0 ? ` − fee ¥${formatYuan(r.fee.chargedFen)}` : ''})`,
        ...feeText(r.fee),
        `  card blocked — keep it; entry ${r.entryId}${r.approvedBy ? `, approved by ${r.approvedBy}` : ''}`,
        ...r.settled.map((s) => `  earlier incomplete ${s.workflow} ${s.opId}: ${s.outcome} — ${s.detail}`),
        ...receiptLines(io, r, input.json),
      ].join('\n'));
      return 0;
    });
  },
};
