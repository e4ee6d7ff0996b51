import { formatYuan } from '../../common/money.ts';
import { replaceLostCard } from '../../core/workflows/replace.ts';
import { cliBinding, CARD_BINDING_OPTIONS } from '../card-binding.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { ACTOR_OPTIONS, cliActor, cliOnce, cliWaiver, withStation, IDEMPOTENCY_OPTIONS, WAIVER_OPTIONS } from '../session.ts';
import { feeText } from './fee-text.ts';
import { attachReceipt, PRINT_OPTIONS, receiptLines } from '../receipt-output.ts';
import { slipText } from './exchange.ts';
import { ID_NUMBER_OPTIONS, ID_NUMBER_USAGE, idNumberInput } from '../id-number.ts';

export const replaceCommand: CliCommand = {
  path: ['replace'],
  summary: 'replace a lost card after the waiting period with the balance the host confirms (补卡)',
  usage: 'station replace [--card ASN] [--reader NAME] [--pay cash|other] [--tendered FEN] [--reference REF] [--waiver ID --waive-reason TEXT] [--idempotency-key KEY] --operator ID   (PIN in STATION_PIN)\n'
    + 'station replace --request ID [--reader NAME] --operator ID     (fulfil a queued request)\n'
    + '  --new-card ASN: only that stock card is used (any other is refused before anything is written).\n'
    + '  The new stock card goes on --reader. Offline, the request is queued and a pickup slip is printed.\n'
    + '  The 工本费 (¥10 by default) is paid when the new card is issued; a supervisor other than the operator waives it with --waiver and a reason (PIN in STATION_WAIVER_PIN).\n'
    + ID_NUMBER_USAGE,
  options: { ...ACTOR_OPTIONS, ...PRINT_OPTIONS, ...IDEMPOTENCY_OPTIONS, ...ID_NUMBER_OPTIONS, ...WAIVER_OPTIONS, card: { type: 'string' }, request: { type: 'string' }, reader: { type: 'string' }, 'new-card': CARD_BINDING_OPTIONS['new-card'],
    pay: { type: 'string' }, tendered: { type: 'string' }, reference: { type: 'string' },
  },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const request = stringOpt(input, 'request');
      const idNumber = await idNumberInput(input, io);
      const waiver = await cliWaiver(station, input, io);
      const r = await cliOnce(station, input, actor, 'replace', async () => attachReceipt(station, io, input, await replaceLostCard(station, actor, {
        idNumber, card: stringOpt(input, 'card'), reader: stringOpt(input, 'reader'), confirmedCard: cliBinding(input, 'new-card', stringOpt(input, 'reader')), ...(request !== undefined ? { request } : {}),
        pay: stringOpt(input, 'pay'), tendered: stringOpt(input, 'tendered'), reference: stringOpt(input, 'reference'), waiver,
      })));
      emit(io, input.json, r, r.state === 'queued'
        ? [`Replacement of ${r.oldCardRef} queued: the clearing host has not confirmed the balance yet`, slipText(r.slip), ...receiptLines(io, r, input.json)].join('\n')
        : [`Replaced ${r.oldCardRef} with card ${r.asn}: balance ¥${formatYuan(r.balanceFen)} loaded${r.tac ? ` (TAC ${r.tac})` : ''}, deposit ¥${formatYuan(r.depositFen)} moved`,
          ...feeText(r.fee), ...(r.pay === 'cash' && r.changeFen > 0 ? [`  change ¥${formatYuan(r.changeFen)}`] : []),
          `  request ${r.requestId} done`, ...receiptLines(io, r, input.json)].join('\n'));
      return 0;
    });
  },
};
