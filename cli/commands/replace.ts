import { formatYuan } from '../../common/money.ts';
import { replaceLostCard } from '../../core/workflows/replace.ts';
import { cliBinding, CARD_BINDING_OPTIONS } from '../card-binding.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { ACTOR_OPTIONS, cliActor, cliOnce, withStation, IDEMPOTENCY_OPTIONS } from '../session.ts';
import { attachReceipt, PRINT_OPTIONS, receiptLines } from '../receipt-output.ts';
import { slipText } from './exchange.ts';
import { ID_NUMBER_OPTIONS, ID_NUMBER_USAGE, idNumberInput } from '../id-number.ts';

export const replaceCommand: CliCommand = {
  path: ['replace'],
  summary: 'replace a lost card after the waiting period with the balance the host confirms (补卡)',
  usage: 'station replace [--card ASN] [--reader NAME] [--idempotency-key KEY] --operator ID   (PIN in STATION_PIN)\n'
    + 'station replace --request ID [--reader NAME] --operator ID     (fulfil a queued request)\n'
    + '  --new-card ASN: only that stock card is used (any other is refused before anything is written).\n'
    + '  The new stock card goes on --reader. Offline, the request is queued and a pickup slip is printed.\n'
    + ID_NUMBER_USAGE,
  options: { ...ACTOR_OPTIONS, ...PRINT_OPTIONS, ...IDEMPOTENCY_OPTIONS, ...ID_NUMBER_OPTIONS, card: { type: 'string' }, request: { type: 'string' }, reader: { type: 'string' }, 'new-card': CARD_BINDING_OPTIONS['new-card'] },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const request = stringOpt(input, 'request');
      const idNumber = await idNumberInput(input, io);
      const r = await cliOnce(station, input, actor, 'replace', async () => attachReceipt(station, io, input, await replaceLostCard(station, actor, {
        idNumber, card: stringOpt(input, 'card'), reader: stringOpt(input, 'reader'), confirmedCard: cliBinding(input, 'new-card', stringOpt(input, 'reader')), ...(request !== undefined ? { request } : {}),
      })));
      emit(io, input.json, r, r.state === 'queued'
        ? [`Replacement of ${r.oldCardRef} queued: the clearing host has not confirmed the balance yet`, slipText(r.slip), ...receiptLines(io, r, input.json)].join('\n')
        : [`Replaced ${r.oldCardRef} with card ${r.asn}: balance ¥${formatYuan(r.balanceFen)} loaded${r.tac ? ` (TAC ${r.tac})` : ''}, deposit ¥${formatYuan(r.depositFen)} moved`,
          `  request ${r.requestId} done`, ...receiptLines(io, r, input.json)].join('\n'));
      return 0;
    });
  },
};
