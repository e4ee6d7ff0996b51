/**
 * 年审 at the command line (issue 17 item 2, core/workflows/concession.ts): `station concession
 * check` reads the card on the reader and says what a 年审 today would write (nothing changes);
 * `station concession verify` writes it with secure messaging and prints the date read back.
 */
import { concessionCheck, verifyConcession } from '../../core/workflows/concession.ts';
import { cliBinding, CARD_BINDING_OPTIONS } from '../card-binding.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { ACTOR_OPTIONS, cliActor, cliOnce, withStation, IDEMPOTENCY_OPTIONS } from '../session.ts';

const TYPE_NAMES: Record<string, string> = { '00': '普通卡', '01': '学生卡', '02': '老年卡', '03': '爱心卡' };

export const concessionCheckCommand: CliCommand = {
  path: ['concession', 'check'],
  summary: 'read a concession card\'s 年审 date and what a 年审 today would write (no change)',
  usage: 'station concession check [--reader NAME] --operator ID   (PIN in STATION_PIN)',
  options: { ...ACTOR_OPTIONS, reader: { type: 'string' } },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const r = await concessionCheck(station, actor, { reader: stringOpt(input, 'reader') });
      emit(io, input.json, r, [
        `Card ${r.asn}: ${TYPE_NAMES[r.cardType] ?? r.cardType}, verified until ${r.verifiedUntil ?? '(never verified)'} — ${r.state}`,
        `  a 年审 today writes ${r.newVerifiedUntil} (schedule ${r.scheduleVersion})`,
      ].join('\n'));
      return 0;
    });
  },
};

export const concessionVerifyCommand: CliCommand = {
  path: ['concession', 'verify'],
  summary: '年审: write a concession card\'s next verified-until date and read it back',
  usage: 'station concession verify --evidence TEXT [--reader NAME] [--card ASN] [--idempotency-key KEY] --operator ID   (PIN in STATION_PIN)\n'
    + '  --evidence says what eligibility proof was checked (e.g. "学生证 checked, 第一中学"); never a document number.',
  options: { ...ACTOR_OPTIONS, ...IDEMPOTENCY_OPTIONS, evidence: { type: 'string' }, reader: { type: 'string' }, card: CARD_BINDING_OPTIONS.card },
  async run(input, io) {
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const r = await cliOnce(station, input, actor, 'concession-verify', () => verifyConcession(station, actor, {
        evidence: stringOpt(input, 'evidence') ?? '', reader: stringOpt(input, 'reader'), confirmedCard: cliBinding(input, 'card', stringOpt(input, 'reader')),
      }));
      emit(io, input.json, r, [
        `年审 of ${r.asn} (${TYPE_NAMES[r.cardType] ?? r.cardType}): verified until ${r.verifiedUntil} (read back from the card; was ${r.previousUntil ?? 'never verified'}), entry ${r.entryId}`,
        ...r.settled.map((s) => `  earlier incomplete ${s.workflow} ${s.opId}: ${s.outcome} — ${s.detail}`),
      ].join('\n'));
      return 0;
    });
  },
};
