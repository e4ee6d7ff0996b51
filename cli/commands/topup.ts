import { formatYuan } from '../../common/money.ts';
import { topup } from '../../core/workflows/topup.ts';
import { cliBinding, CARD_BINDING_OPTIONS } from '../card-binding.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { ACTOR_OPTIONS, cliActor, cliOnce, withStation, IDEMPOTENCY_OPTIONS } from '../session.ts';
import { attachReceipt, PRINT_OPTIONS, receiptLines } from '../receipt-output.ts';

export const topupCommand: CliCommand = {
  path: ['topup'],
  summary: 'load money onto the CPU card in the reader (充值)',
  usage: 'station topup --amount FEN [--pay cash|other] [--tendered FEN] [--reference REF] [--reader NAME] [--card ASN] [--print|--no-print] [--idempotency-key KEY] --operator ID   (PIN in STATION_PIN)',
  options: { ...ACTOR_OPTIONS, ...PRINT_OPTIONS, ...IDEMPOTENCY_OPTIONS, amount: { type: 'string' }, pay: { type: 'string' }, tendered: { type: 'string' }, reference: { type: 'string' }, reader: { type: 'string' }, card: CARD_BINDING_OPTIONS.card },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const r = await cliOnce(station, input, actor, 'topup', async () => attachReceipt(station, io, input, await topup(station, actor, {
        amount: stringOpt(input, 'amount') ?? '', pay: stringOpt(input, 'pay'), tendered: stringOpt(input, 'tendered'),
        reference: stringOpt(input, 'reference'), reader: stringOpt(input, 'reader'), confirmedCard: cliBinding(input, 'card', stringOpt(input, 'reader')),
      })));
      emit(io, input.json, r, [
        `Loaded ¥${formatYuan(r.amountFen)} onto ${r.asn}: ¥${formatYuan(r.balanceBeforeFen)} → ¥${formatYuan(r.balanceAfterFen)}`,
        `  entry ${r.entryId}, TAC ${r.tac}${r.tacVerified ? '' : ' (NOT verified)'}`,
        r.pay === 'cash' ? `  cash ¥${formatYuan(r.tenderedFen)}, change ¥${formatYuan(r.changeFen)}` : '  paid by other means',
        ...r.settled.map((s) => `  earlier incomplete ${s.workflow} ${s.opId}: ${s.outcome} — ${s.detail}`),
        ...receiptLines(io, r, input.json),
      ].join('\n'));
      return 0;
    });
  },
};
