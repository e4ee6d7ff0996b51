import { BadInputError } from '../../common/errors.ts';
import { formatYuan } from '../../common/money.ts';
import type { PickupSlip } from '../../core/workflows/card-steps.ts';
import { exchangeDamagedCard } from '../../core/workflows/damaged.ts';
import { cliBinding, CARD_BINDING_OPTIONS } from '../card-binding.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { ACTOR_OPTIONS, cliActor, cliOnce, cliWaiver, withStation, IDEMPOTENCY_OPTIONS, WAIVER_OPTIONS } from '../session.ts';
import { feeText } from './fee-text.ts';
import { attachReceipt, PRINT_OPTIONS, receiptLines } from '../receipt-output.ts';
import { parseSwapTimeout, waitForSwap } from '../swap.ts';

export function slipText(s: PickupSlip): string {
  return [
    `  pickup slip ${s.requestId} (${s.kind}) — card ${s.cardNumber}${s.holderName ? `, ${s.holderName}` : ''}${s.idNumberMasked ? ` ${s.idNumberMasked}` : ''}`,
    `  ready from ${s.readyFrom} at station ${s.stationId}`,
    `  ${s.instructions}`,
  ].join('\n');
}

export const exchangeCommand: CliCommand = {
  path: ['exchange'],
  summary: 'exchange a damaged card for a new one, moving its balance (换卡)',
  usage: 'station exchange --fault quality|customer --reader OLD --new-reader NEW [--pay cash|other] [--tendered FEN] [--reference REF] [--waiver ID --waive-reason TEXT] [--swap-timeout SECONDS] [--idempotency-key KEY] --operator ID\n'
    + 'station exchange --fault quality|customer --unreadable --card ASN --operator ID      (queued; pickup slip)\n'
    + 'station exchange --request ID --new-reader NEW [--pay …] --operator ID             (fulfil a queued request)\n'
    + '  --card ASN / --new-card ASN: only those cards are used (the old card, the stock card); another is refused before anything is written.\n'
    + '  One reader: give the same name to --reader and --new-reader; after the old card the command waits for the swap. PIN in STATION_PIN.\n'
    + '  Customer damage pays the 工本费 (¥10 by default) with the new deposit; a supervisor other than the operator waives it with --waiver and a reason.',
  options: {
    ...ACTOR_OPTIONS, ...PRINT_OPTIONS, ...IDEMPOTENCY_OPTIONS, ...WAIVER_OPTIONS, fault: { type: 'string' }, reader: { type: 'string' }, 'new-reader': { type: 'string' }, unreadable: { type: 'boolean' }, ...CARD_BINDING_OPTIONS,
    request: { type: 'string' }, pay: { type: 'string' }, tendered: { type: 'string' }, reference: { type: 'string' }, 'swap-timeout': { type: 'string' },
  },
  async run(input, io) {
    const request = stringOpt(input, 'request');
    const unreadable = input.values.unreadable === true;
    const newReader = stringOpt(input, 'new-reader');
    const reader = stringOpt(input, 'reader');
    if (request === undefined && !unreadable && (reader === undefined || newReader === undefined)) {
      throw new BadInputError('station exchange of a readable card needs --reader OLD and --new-reader NEW',
        'Name both readers (station readers lists them); on a one-reader counter give the same name twice and swap the cards when asked');
    }
    const swapTimeoutMs = parseSwapTimeout(stringOpt(input, 'swap-timeout'));
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const waiver = await cliWaiver(station, input, io);
      const r = await cliOnce(station, input, actor, 'exchange', async () => attachReceipt(station, io, input, await exchangeDamagedCard(station, actor, {
        fault: stringOpt(input, 'fault'), reader, newReader, unreadable, card: stringOpt(input, 'card'),
        // --card binds the old card on --reader, --new-card the stock card (the card collecting a queued request).
        ...(unreadable ? {} : request !== undefined
          ? { confirmedCard: cliBinding(input, 'new-card', newReader ?? reader) }
          : { confirmedCard: cliBinding(input, 'card', reader), confirmedNewCard: cliBinding(input, 'new-card', newReader) }),
        pay: stringOpt(input, 'pay'), tendered: stringOpt(input, 'tendered'), reference: stringOpt(input, 'reference'), waiver, ...(request !== undefined ? { request } : {}),
        ...(reader !== undefined && reader === newReader ? { swapCards: waitForSwap(station, io, swapTimeoutMs, 'The old card is blocked and its balance held for the customer: finish with station exchange --request ID (see station card read of the old card)') } : {}),
      })));
      emit(io, input.json, r, r.state === 'queued'
        ? [`Damaged card ${r.oldCardRef} taken in and blacklisted; the new card follows`, slipText(r.slip), ...receiptLines(io, r, input.json)].join('\n')
        : [
          `Exchanged ${r.oldCardRef} for card ${r.asn}: balance ¥${formatYuan(r.balanceFen)} moved${r.tac ? ` (TAC ${r.tac})` : ''}, deposit ¥${formatYuan(r.depositFen)}`,
          r.newDepositChargedFen > 0 ? `  new deposit charged ¥${formatYuan(r.newDepositChargedFen)} (old deposit ¥${formatYuan(r.forfeitedDepositFen)} kept with the damaged card)${r.pay === 'cash' ? `, change ¥${formatYuan(r.changeFen)}` : ''}` : '',
          ...feeText(r.fee),
          `  request ${r.requestId} done`,
          ...receiptLines(io, r, input.json),
        ].filter(Boolean).join('\n'));
      return 0;
    });
  },
};
