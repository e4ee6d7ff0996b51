import { formatYuan } from '../../common/money.ts';
import { reportLost } from '../../core/workflows/lost.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { ACTOR_OPTIONS, cliActor, cliOnce, withStation, IDEMPOTENCY_OPTIONS } from '../session.ts';
import { attachReceipt, PRINT_OPTIONS, receiptLines } from '../receipt-output.ts';
import { ID_NUMBER_OPTIONS, ID_NUMBER_USAGE, idNumberInput } from '../id-number.ts';

export const lostCommand: CliCommand = {
  path: ['lost'],
  summary: 'report a registered card lost: blacklisted here and upstream (挂失)',
  usage: 'station lost [--card ASN] [--pay cash|other] [--tendered FEN] [--reference REF] [--print|--no-print] [--idempotency-key KEY] --operator ID   (PIN in STATION_PIN)\n'
    + '  The holder\'s ID number (STATION_ID_NUMBER) finds the card (or --card ASN) and must match the registration.\n'
    + ID_NUMBER_USAGE,
  options: { ...ACTOR_OPTIONS, ...PRINT_OPTIONS, ...IDEMPOTENCY_OPTIONS, ...ID_NUMBER_OPTIONS, card: { type: 'string' }, pay: { type: 'string' }, tendered: { type: 'string' }, reference: { type: 'string' } },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const idNumber = await idNumberInput(input, io);
      const r = await cliOnce(station, input, actor, 'lost', async () => attachReceipt(station, io, input, await reportLost(station, actor, {
        idNumber, card: stringOpt(input, 'card'), pay: stringOpt(input, 'pay'), tendered: stringOpt(input, 'tendered'), reference: stringOpt(input, 'reference'),
      })));
      emit(io, input.json, r, [
        `Card ${r.asn} of ${r.holderName ?? '?'} (${r.idNumberMasked ?? '?'}) reported lost and blacklisted; entry ${r.entryId}`,
        `  a replacement can be issued from ${r.replacementFrom}`,
        r.feeFen > 0 ? `  fee ¥${formatYuan(r.feeFen)}${r.changeFen > 0 ? `, change ¥${formatYuan(r.changeFen)}` : ''}` : '',
        ...receiptLines(io, r, input.json),
      ].filter(Boolean).join('\n'));
      return 0;
    });
  },
};
