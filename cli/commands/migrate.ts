import { setTimeout as sleep } from 'node:timers/promises';
import { BadInputError, StationError } from '../../common/errors.ts';
import { formatYuan } from '../../common/money.ts';
import type { Station } from '../../core/station.ts';
import { migrate } from '../../core/workflows/migrate.ts';
import { cliBinding, CARD_BINDING_OPTIONS } from '../card-binding.ts';
import { emit, stringOpt, type CliCommand, type CliIO } from '../command.ts';
import { ACTOR_OPTIONS, cliActor, cliOnce, withStation, IDEMPOTENCY_OPTIONS } from '../session.ts';
import { attachReceipt, PRINT_OPTIONS, receiptLines } from '../receipt-output.ts';

/**
 * One-reader counters (--old-reader and --new-reader name the same reader): after the old
 * card's part, the command asks on stderr for the swap and waits until the reader has been
 * empty and then holds a card again, for at most --swap-timeout seconds (default 120).
 */
function swapWaiter(station: Station, io: CliIO, timeoutMs: number): (reader: string) => Promise<void> {
  return async (reader) => {
    io.stderr(`The old card is done. Take it off ${reader} and place the new CPU card (waiting up to ${Math.round(timeoutMs / 1000)} s)…\n`);
    const deadline = performance.now() + timeoutMs;
    const present = async (): Promise<boolean> => (await station.cards.readers()).find((r) => r.name === reader)?.cardPresent === true;
    let sawEmpty = false;
    while (performance.now() < deadline) {
      if (io.signal.aborted) throw new StationError('BAD_INPUT', 'Interrupted while waiting for the new card', 'Run station migrate again with the same old card: it carries on');
      const here = await present();
      if (!here) sawEmpty = true;
      else if (sawEmpty) return;
      await sleep(200);
    }
    throw new StationError('NO_CARD', `No new card was placed on ${reader} within ${Math.round(timeoutMs / 1000)} s`,
      'The old card is already zeroed and the money is owed to the customer: run station migrate again with the old card, then swap');
  };
}

export const migrateCommand: CliCommand = {
  path: ['migrate'],
  summary: 'upgrade an old M1 card to a new CPU card (升级换卡)',
  usage: 'station migrate --old-reader NAME --new-reader NAME [--pay cash|other] [--tendered FEN] [--reference REF] [--swap-timeout SECONDS] [--card UID] [--new-card ASN] [--idempotency-key KEY] --operator ID   (PIN in STATION_PIN)\n'
    + '  Two readers: the old M1 card on --old-reader, a stock CPU card on --new-reader.\n'
    + '  One reader: give the same name twice; after the old card the command waits for the swap.\n'
    + '  An interrupted upgrade is finished by running the same command again with the same old card.',
  options: {
    ...ACTOR_OPTIONS, ...PRINT_OPTIONS, ...IDEMPOTENCY_OPTIONS, 'old-reader': { type: 'string' }, 'new-reader': { type: 'string' }, pay: { type: 'string' }, tendered: { type: 'string' },
    reference: { type: 'string' }, 'swap-timeout': { type: 'string' }, ...CARD_BINDING_OPTIONS,
  },
  async run(input, io) {
    const oldReader = stringOpt(input, 'old-reader');
    const newReader = stringOpt(input, 'new-reader');
    if (oldReader === undefined || newReader === undefined) {
      throw new BadInputError('station migrate needs --old-reader NAME and --new-reader NAME',
        'Name both readers (station readers lists them); on a one-reader counter give the same name twice and swap the cards when asked');
    }
    const timeoutText = stringOpt(input, 'swap-timeout') ?? '120';
    if (!/^[0-9]{1,4}$/.test(timeoutText) || Number(timeoutText) < 1) throw new BadInputError(`--swap-timeout must be whole seconds (1–9999), got "${timeoutText}"`);
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const r = await cliOnce(station, input, actor, 'migrate', async () => attachReceipt(station, io, input, await migrate(station, actor, {
        oldReader, newReader, pay: stringOpt(input, 'pay'), tendered: stringOpt(input, 'tendered'), reference: stringOpt(input, 'reference'),
        confirmedCard: cliBinding(input, 'card', oldReader), confirmedNewCard: cliBinding(input, 'new-card', newReader),
        ...(oldReader === newReader ? { swapCards: swapWaiter(station, io, Number(timeoutText) * 1000) } : {}),
      })));
      emit(io, input.json, r, [
        `Upgraded M1 ${r.old.uid}${r.old.cardNo ? ` (${r.old.cardNo})` : ''} → CPU ${r.new.asn}${r.resumed ? ' (finished an interrupted upgrade)' : ''}`,
        `  moved ¥${formatYuan(r.migratedFen)}${r.carriedDepositFen > 0 ? ` + deposit ¥${formatYuan(r.carriedDepositFen)}` : ''} → loaded ¥${formatYuan(r.loadedFen)}${r.new.tac ? `, TAC ${r.new.tac}${r.new.tacVerified ? '' : ' (NOT verified)'}` : ''}`,
        r.refundedDepositFen > 0 ? `  deposit refunded in cash: ¥${formatYuan(r.refundedDepositFen)}` : '',
        r.feeFen > 0 ? `  fee ¥${formatYuan(r.feeFen)} (${r.pay}${r.pay === 'cash' ? `, change ¥${formatYuan(r.changeFen)}` : ''})` : '',
        `  old card zeroed and blacklisted; entry ${r.entryId}`,
        ...r.settled.map((s) => `  earlier incomplete ${s.workflow} ${s.opId}: ${s.outcome} — ${s.detail}`),
        ...receiptLines(io, r, input.json),
      ].filter(Boolean).join('\n'));
      return 0;
    });
  },
};
