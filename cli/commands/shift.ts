import { BadInputError } from '../../common/errors.ts';
import { formatYuan, parseFen } from '../../common/money.ts';
import { closeShift, openShift } from '../../core/workflows/shift.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { ACTOR_OPTIONS, cliActor, cliOnce, cliSupervisor, withStation, IDEMPOTENCY_OPTIONS } from '../session.ts';
import { attachReceipt, PRINT_OPTIONS, receiptLines } from '../receipt-output.ts';

export const shiftOpenCommand: CliCommand = {
  path: ['shift', 'open'],
  summary: 'open a shift with a cash float (fen)',
  usage: 'station shift open --operator ID --float FEN [--idempotency-key KEY]   (PIN in STATION_PIN)',
  options: { ...ACTOR_OPTIONS, ...IDEMPOTENCY_OPTIONS, float: { type: 'string' } },
  async run(input, io) {
    const floatText = stringOpt(input, 'float') ?? '0';
    const floatFen = parseFen(floatText);
    if (floatFen === null) throw new BadInputError(`--float must be a whole number of fen, got "${floatText}"`, 'Amounts are in fen: 500 yuan is 50000');
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const r = await cliOnce(station, input, actor, 'shiftOpen', () => openShift(station, actor, floatFen));
      emit(io, input.json, r, `Shift ${r.shiftId} open, float ¥${formatYuan(r.floatFen)}`);
      return 0;
    });
  },
};

export const shiftCloseCommand: CliCommand = {
  path: ['shift', 'close'],
  summary: 'close the shift with the drawer counted by denomination',
  usage: 'station shift close --operator ID --counted "10000x2,5000x1" [--cards 00=17,01=3] [--supervisor ID] [--idempotency-key KEY]   (PINs in STATION_PIN, STATION_SUPERVISOR_PIN)\n'
    + '  --cards: the blank cards counted per card type, shown beside the station\'s stock (docs/COUNTER-RULES.md §3)',
  options: { ...ACTOR_OPTIONS, ...PRINT_OPTIONS, ...IDEMPOTENCY_OPTIONS, counted: { type: 'string' }, supervisor: { type: 'string' }, cards: { type: 'string' } },
  async run(input, io) {
    const counted = stringOpt(input, 'counted');
    if (counted === undefined) throw new BadInputError('--counted is required, e.g. --counted "10000x2,5000x1"');
    const cardsText = stringOpt(input, 'cards');
    const cards = cardsText === undefined ? null : Object.fromEntries(cardsText.split(',').map((part) => {
      const [type, n] = part.split('=', 2);
      if (type === undefined || n === undefined) throw new BadInputError(`--cards "${part.slice(0, 20)}" is not TYPE=COUNT (e.g. 00=17)`);
      return [type.trim(), n.trim()];
    }));
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const supervisor = await cliSupervisor(station, input, io);
      const r = await cliOnce(station, input, actor, 'shiftClose', async () => attachReceipt(station, io, input, await closeShift(station, actor, counted, supervisor, cards)));
      emit(io, input.json, r, [
        `Shift ${r.shiftId} closed`,
        `  expected ¥${formatYuan(r.expectedFen)}  counted ¥${formatYuan(r.countedFen)}  difference ¥${formatYuan(r.differenceFen)}${r.signedOffBy ? ` (signed off by ${r.signedOffBy})` : ''}`,
        r.incompleteOps > 0 ? `  ${r.incompleteOps} incomplete transaction(s) — see station doctor` : '',
        ...(r.blankCards ?? []).map((b) => `  blank cards ${b.cardType}: counted ${b.counted}, in stock ${b.expected}, difference ${b.difference}`),
        ...receiptLines(io, r, input.json),
      ].filter(Boolean).join('\n'));
      return 0;
    });
  },
};
