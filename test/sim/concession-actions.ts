// 年审 in the simulation (issue 17 item 2): concession cards come into the world through the sale
// (a registered sale sells a 学生卡, 老年卡 or 爱心卡 one time in two, issueAction), the 年审 is an
// action, and the auditor checks from the cards themselves: no top-up of a concession card whose
// verified-until date had passed, and the date a 年审 answers is the one the card's file holds.
import { chinaDate } from '../../common/china-time.ts';
import { DEFAULT_CONCESSION_SCHEDULE, verificationState, type CardTypeCode } from '../../core/concession.ts';
import { verifyConcession } from '../../core/workflows/concession.ts';
import type { ActionRun, SimAction } from './actions.ts';
import { READER, type SimCard, type World } from './world.ts';

/** The concession file of a card as its saved JSON holds it: type and verified-until (null: none or never). */
export function concessionOf(json: string): { cardType: string; verifiedUntil: string | null } | null {
  const saved = JSON.parse(json) as { kind?: string; ef0015?: string; ef001c?: string };
  if (saved.kind !== 'cpu' || saved.ef0015 === undefined) return null;
  const cardType = saved.ef0015.slice(56, 58);
  if (cardType === '00' || saved.ef001c === undefined) return null;
  const d = saved.ef001c.slice(2, 10);
  return { cardType, verifiedUntil: /^0+$/.test(d) ? null : `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` };
}

/** What the sale sells a registered customer: a concession card one time in two. */
export function pickCardType(world: World, registered: boolean): { cardType: CardTypeCode; eligibility?: string } {
  if (!registered || !world.rng.chance(1 / 2)) return { cardType: '00' };
  const cardType = world.rng.pick(['01', '02', '03'] as const);
  return { cardType, eligibility: { '01': '学生证 checked', '02': '老年证 checked', '03': '残疾人证 checked' }[cardType] };
}

const concessionCards = (w: World): SimCard[] => w.customers.filter((c) => !c.gone && c.kind === 'cpu' && concessionOf(JSON.stringify(c.card.toJSON())) !== null);

/** 年审: the card's next verified-until date written and read back. */
export const concessionAction: SimAction = {
  name: 'concession',
  weight: (w, a) => (a.shiftOpen && concessionCards(w).length > 0 ? 2 : 0),
  pickCard: (w) => (concessionCards(w).length > 0 ? w.rng.pick(concessionCards(w)) : undefined),
  async perform(world) {
    return verifyConcession(world.station, world.operator, { reader: READER, evidence: '学生证 checked' });
  },
  async check(run) {
    if (run.error !== undefined) return;
    const r = run.result as { cardRef: string; verifiedUntil: string };
    const card = run.world.customers.find((c) => c.ref === r.cardRef);
    const file = card === undefined ? null : concessionOf(run.after.get(card.name)!.json);
    if (file?.verifiedUntil !== r.verifiedUntil) run.auditor.violation(`年审 of ${r.cardRef} answered ${r.verifiedUntil}, the card's file holds ${file?.verifiedUntil ?? 'nothing'}`);
  },
};

/** The top-up's 年审 check, from the card as it was before the load: an overdue concession card must not have been loaded. */
export function checkNoOverdueTopup(run: ActionRun, target: SimCard): void {
  const file = concessionOf(run.before.get(target.name)!.json);
  if (file === null) return;
  const today = chinaDate(run.world.station.now());
  const state = verificationState(file.cardType as CardTypeCode, file.verifiedUntil, today, DEFAULT_CONCESSION_SCHEDULE);
  if (state.state === 'overdue') run.auditor.violation(`${target.name}: a concession card overdue since ${state.refusedFrom} was topped up on ${today}`);
}

/** True when two saved card states differ in the concession file (SFI 0x1C) alone. */
export function onlyConcessionFileChanged(before: string, after: string): boolean {
  const b = JSON.parse(before) as { ef001c?: string };
  const a = JSON.parse(after) as { ef001c?: string };
  if (b.ef001c === a.ef001c) return false;
  return JSON.stringify({ ...b, ef001c: null }) === JSON.stringify({ ...a, ef001c: null });
}
