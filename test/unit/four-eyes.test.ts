// Four eyes in the core (issue 16 item 5; seen on 2026-12-07: admin approved admin's own ¥10
// shortage): a sign-off — a cash difference at shift close, a refund above the counter's limit —
// needs a supervisor other than the operator whatever the operator's role, admin included; a
// clerk's account is no approver; nothing is booked by a refused sign-off and each refusal is
// audited. The rule (requireSignOff) and both workflows, on a real SQLite file, in-process cards.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { StationError } from '../../common/errors.ts';
import { requireSignOff } from '../../core/auth.ts';
import { refundCard } from '../../core/workflows/refund.ts';
import { closeShift, openShift } from '../../core/workflows/shift.ts';
import { count, entryCount, liveCard } from '../harness/card-faults.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
beforeEach(async () => { fx = await stationFixture({ openShiftFloatFen: null }); });
afterEach(async () => { await fx.cleanup(); });

const refused = (code: string, message: RegExp) => (e: unknown): boolean => e instanceof StationError && e.code === code && message.test(e.message);
const entries = (): Promise<number> => entryCount(fx.station.db);
const refusals = (action: string): Promise<number> => count(fx.station.db, `SELECT COUNT(*) AS n FROM audit WHERE action = '${action}' AND outcome = 'refused'`);

test('the rule: no approver, one\'s own approval (an admin\'s too) and a clerk\'s are refused; another supervisor or admin is the approver', async () => {
  await assert.rejects(requireSignOff(fx.station.db, fx.admin, null, 'sign-off'), refused('FORBIDDEN', /needs the sign-off of a supervisor other than admin/));
  await assert.rejects(requireSignOff(fx.station.db, fx.admin, fx.admin, 'sign-off'), refused('FORBIDDEN', /admin cannot sign off their own/));
  await assert.rejects(requireSignOff(fx.station.db, fx.supervisor, fx.supervisor, 'sign-off'), refused('FORBIDDEN', /sup1 cannot sign off their own/));
  await assert.rejects(requireSignOff(fx.station.db, fx.admin, fx.operator, 'sign-off'), refused('FORBIDDEN', /needs the supervisor role/));
  assert.equal((await requireSignOff(fx.station.db, fx.admin, fx.supervisor, 'sign-off')).staffId, 'sup1');
  assert.equal((await requireSignOff(fx.station.db, fx.operator, fx.admin, 'sign-off')).staffId, 'admin');
  assert.equal(await refusals('sign-off'), 4, 'each refusal audited');
});

test('shift close: admin\'s own ¥10 shortage is refused and nothing booked; a supervisor signs it off', async () => {
  await openShift(fx.station, fx.admin, 10_000);
  const before = await entries();
  // ¥90 counted of ¥100 expected.
  await assert.rejects(closeShift(fx.station, fx.admin, '5000x1,2000x2', fx.admin), refused('FORBIDDEN', /own transaction/));
  await assert.rejects(closeShift(fx.station, fx.admin, '5000x1,2000x2', null), refused('POLICY', /differs from expected/));
  assert.equal(await entries(), before, 'nothing booked by the refused closes');
  const r = await closeShift(fx.station, fx.admin, '5000x1,2000x2', fx.supervisor);
  assert.equal(r.differenceFen, -1000);
  assert.equal(r.signedOffBy, 'sup1');
});

test('refund above the limit: admin approving their own is refused; another supervisor approves', async () => {
  await openShift(fx.station, fx.admin, 0);
  fx.cards.insert(READER, liveCard('3100000000000161', 50_000));
  const before = await entries();
  await assert.rejects(refundCard(fx.station, fx.admin, { supervisor: fx.admin }), refused('FORBIDDEN', /own transaction/));
  await assert.rejects(refundCard(fx.station, fx.admin, { supervisor: fx.operator }), refused('FORBIDDEN', /supervisor role/));
  assert.equal(await entries(), before, 'nothing booked by the refused approvals');
  const r = await refundCard(fx.station, fx.admin, { supervisor: fx.supervisor });
  assert.equal(r.approvedBy, 'sup1');
});
