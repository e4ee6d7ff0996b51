/**
 * The teller's cash box from the command line (issue 17 item 4, core/workflows/cash-box.ts):
 * `station cash handover` (交款, with a supervisor other than the teller), `station cash transfer`
 * (to another teller's open shift), `station cash accept` (take a transfer), `station cash
 * waiting` (the transfers waiting for this teller). Every money command runs once per
 * idempotency key (one per run, or --idempotency-key); `--json` answers as the API does.
 */
import { BadInputError } from '../../common/errors.ts';
import { formatYuan, parseFen } from '../../common/money.ts';
import { acceptTransfer, handOver, sendTransfer, transfersWaiting } from '../../core/workflows/cash-box.ts';
import { emit, stringOpt, type CliCommand, type CommandInput } from '../command.ts';
import { ACTOR_OPTIONS, cliActor, cliOnce, cliSupervisor, IDEMPOTENCY_OPTIONS, withStation } from '../session.ts';

function amountOpt(input: CommandInput): number {
  const text = stringOpt(input, 'amount');
  const fen = text === undefined ? null : parseFen(text);
  if (fen === null) throw new BadInputError(`--amount must be a whole number of fen, got "${text ?? ''}"`, 'Amounts are in fen: 500 yuan is 50000');
  return fen;
}

export const cashHandoverCommand: CliCommand = {
  path: ['cash', 'handover'],
  summary: '交款: hand cash from the drawer to the safe or the bank (a supervisor signs)',
  usage: 'station cash handover --operator ID --amount FEN [--to safe|bank] --supervisor ID [--idempotency-key KEY] [--json]   (PINs in STATION_PIN, STATION_SUPERVISOR_PIN)',
  options: { ...ACTOR_OPTIONS, ...IDEMPOTENCY_OPTIONS, amount: { type: 'string' }, to: { type: 'string' }, supervisor: { type: 'string' } },
  async run(input, io) {
    const amount = amountOpt(input);
    const to = stringOpt(input, 'to') ?? 'safe';
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const supervisor = await cliSupervisor(station, input, io);
      const r = await cliOnce(station, input, actor, 'cashHandover', () => handOver(station, actor, amount, to, supervisor));
      emit(io, input.json, r, `交款 ¥${formatYuan(r.amountFen)} to the ${r.to}, signed by ${r.supervisorId} (entry ${r.entryId}); the drawer should hold ¥${formatYuan(r.drawerFen)}`);
      return 0;
    });
  },
};

export const cashTransferCommand: CliCommand = {
  path: ['cash', 'transfer'],
  summary: 'send cash from this shift to another teller\'s open shift (they accept it)',
  usage: 'station cash transfer --operator ID --amount FEN --to-operator ID [--idempotency-key KEY] [--json]   (PIN in STATION_PIN)',
  options: { ...ACTOR_OPTIONS, ...IDEMPOTENCY_OPTIONS, amount: { type: 'string' }, 'to-operator': { type: 'string' } },
  async run(input, io) {
    const amount = amountOpt(input);
    const toOperator = stringOpt(input, 'to-operator');
    if (toOperator === undefined) throw new BadInputError('--to-operator is required: the staff ID of the teller who takes the cash');
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const r = await cliOnce(station, input, actor, 'cashTransferSend', () => sendTransfer(station, actor, amount, toOperator));
      emit(io, input.json, r, `Transfer ${r.transferId}: ¥${formatYuan(r.amountFen)} to ${r.toOperatorId} (shift ${r.toShiftId}), in transit until they accept it; the drawer should hold ¥${formatYuan(r.drawerFen)}`);
      return 0;
    });
  },
};

export const cashAcceptCommand: CliCommand = {
  path: ['cash', 'accept'],
  summary: 'take a transfer sent to this teller into their open shift',
  usage: 'station cash accept --operator ID --transfer ID [--idempotency-key KEY] [--json]   (PIN in STATION_PIN)',
  options: { ...ACTOR_OPTIONS, ...IDEMPOTENCY_OPTIONS, transfer: { type: 'string' } },
  async run(input, io) {
    const transfer = stringOpt(input, 'transfer');
    if (transfer === undefined) throw new BadInputError('--transfer is required: see station cash waiting');
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const r = await cliOnce(station, input, actor, 'cashTransferAccept', () => acceptTransfer(station, actor, transfer));
      emit(io, input.json, r, `Took ¥${formatYuan(r.amountFen)} from ${r.fromOperatorId} (transfer ${r.transferId}); the drawer should hold ¥${formatYuan(r.drawerFen)}`);
      return 0;
    });
  },
};

export const cashWaitingCommand: CliCommand = {
  path: ['cash', 'waiting'],
  summary: 'the transfers waiting for this teller to accept',
  usage: 'station cash waiting --operator ID [--json]   (PIN in STATION_PIN)',
  options: { ...ACTOR_OPTIONS },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const list = await transfersWaiting(station, actor);
      emit(io, input.json, { transfers: list }, list.length === 0 ? 'No transfer is waiting for you'
        : list.map((t) => `${t.transferId}  ¥${formatYuan(t.amountFen)} from ${t.fromOperatorId}  (station cash accept --transfer ${t.transferId})`).join('\n'));
      return 0;
    });
  },
};
