import { formatYuan } from '../../common/money.ts';
import { issueCard } from '../../core/workflows/issue.ts';
import { cliBinding, CARD_BINDING_OPTIONS } from '../card-binding.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { ACTOR_OPTIONS, cliActor, cliOnce, withStation, IDEMPOTENCY_OPTIONS } from '../session.ts';
import { attachReceipt, PRINT_OPTIONS, receiptLines } from '../receipt-output.ts';
import { ID_NUMBER_OPTIONS, ID_NUMBER_USAGE, idNumberInput } from '../id-number.ts';

export const issueCommand: CliCommand = {
  path: ['issue'],
  summary: 'sell a new CPU card from stock: deposit, optional registration and first load (售卡)',
  usage: 'station issue [--name NAME [--phone MOBILE]] [--load FEN] [--card-type 00|01|02|03 --eligibility TEXT] [--pay cash|other] [--tendered FEN] [--reference REF] [--reader NAME] [--card ASN] [--print|--no-print] [--idempotency-key KEY] --operator ID   (PIN in STATION_PIN)\n'
    + '  --tendered is the cash for the whole sale (deposit + first load). A registered sale needs --name and the holder\'s ID number.\n'
    + '  --card-type: 00 普通卡 (default), 01 学生卡, 02 老年卡, 03 爱心卡; a concession card is registered and --eligibility says what proof was checked.\n'
    + ID_NUMBER_USAGE,
  options: {
    ...ACTOR_OPTIONS, ...PRINT_OPTIONS, ...IDEMPOTENCY_OPTIONS, pay: { type: 'string' }, tendered: { type: 'string' }, reference: { type: 'string' }, reader: { type: 'string' }, card: CARD_BINDING_OPTIONS.card,
    ...ID_NUMBER_OPTIONS, name: { type: 'string' }, phone: { type: 'string' }, load: { type: 'string' },
    'card-type': { type: 'string' }, eligibility: { type: 'string' },
  },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const name = stringOpt(input, 'name');
      const idNumber = await idNumberInput(input, io);
      const registration = name !== undefined || idNumber !== undefined ? { name, idNumber, phone: stringOpt(input, 'phone') } : null;
      const r = await cliOnce(station, input, actor, 'issue', async () => attachReceipt(station, io, input, await issueCard(station, actor, {
        pay: stringOpt(input, 'pay'), tendered: stringOpt(input, 'tendered'), reference: stringOpt(input, 'reference'), reader: stringOpt(input, 'reader'),
        registration, firstLoad: stringOpt(input, 'load'), cardType: stringOpt(input, 'card-type'), eligibility: stringOpt(input, 'eligibility'), confirmedCard: cliBinding(input, 'card', stringOpt(input, 'reader')),
      })));
      emit(io, input.json, r, [
        `Sold card ${r.asn} (issued ${r.issueDate}), deposit ¥${formatYuan(r.depositFen)}, entry ${r.entryId}`,
        r.verifiedUntil !== null ? `  card type ${r.cardType}, 年审 verified until ${r.verifiedUntil} (read back from the card)` : '',
        r.registered ? `  registered to ${r.holderName} ${r.idNumberMasked}${r.phoneMasked ? ` ${r.phoneMasked}` : ''}` : '  anonymous (not registered)',
        r.firstLoad ? `  first load ¥${formatYuan(r.firstLoad.amountFen)} → balance ¥${formatYuan(r.firstLoad.balanceAfterFen)}, TAC ${r.firstLoad.tac}` : '',
        r.pay === 'cash' ? `  due ¥${formatYuan(r.totalFen)}, cash ¥${formatYuan(r.tenderedFen)}, change ¥${formatYuan(r.changeFen)}` : `  due ¥${formatYuan(r.totalFen)}, paid by other means`,
        ...r.settled.map((s) => `  earlier incomplete ${s.workflow} ${s.opId}: ${s.outcome} — ${s.detail}`),
        ...receiptLines(io, r, input.json),
      ].filter(Boolean).join('\n'));
      return 0;
    });
  },
};
