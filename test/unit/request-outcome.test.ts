// Certain outcomes (issue 13 item 2, core/card-ops.ts requestOutcome, core/request-failure.ts):
// a failed card-changing request says whether it did nothing to any card ('none' — the screen
// says 未充值，未收款), left an operation open ('in-doubt' — the screen waits for the same card),
// or had part of it recorded ('partial'); and no exception reaches the screen raw.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { StationError } from '../../common/errors.ts';
import { trackCardOps } from '../../core/card-ops.ts';
import { presentCard } from '../../core/card-watch.ts';
import { once, requestDigest } from '../../core/idempotency.ts';
import { failureAnswer } from '../../core/request-failure.ts';
import { topup } from '../../core/workflows/topup.ts';
import { faultAt, IS_CREDIT_FOR_LOAD, liveCard } from '../harness/card-faults.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';

const ASN = '3100000000000301';
const IS_INITIALIZE_FOR_LOAD = (apdu: Uint8Array): boolean => apdu[0] === 0x80 && apdu[1] === 0x50 && apdu[2] === 0x00;

let fx: Fixture;
let logged: string[];
beforeEach(async () => { fx = await stationFixture(); logged = []; });
afterEach(async () => { await fx.cleanup(); });

/** A top-up of ¥20 through the tracking the UI server wraps every request in; answers as the screen gets it. */
async function failedTopup() {
  const tracked = trackCardOps(() => topup(fx.station, fx.operator, { amount: 2000, pay: 'cash', reader: READER, confirmedCard: { reader: READER, asn: ASN } }));
  const err = await tracked.done.then(() => assert.fail('the top-up should fail'), (e: unknown) => e);
  return { ops: tracked.ops, answer: await failureAnswer(fx.station, 'topup', err, tracked.ops, (l) => logged.push(l)) };
}

test('no card on the reader (taken off at the confirmation): none, no operation, a typed error', async () => {
  const { ops, answer } = await failedTopup();
  assert.deepEqual(ops, []);
  assert.equal(answer.outcome, 'none');
  assert.equal(answer.opIds, undefined);
  assert.notEqual(answer.code, 'INTERNAL');
});

test('card gone at INITIALIZE FOR LOAD, before the intent: none — nothing was sent that changes the card', async () => {
  const card = liveCard(ASN, 5000);
  fx.cards.insert(READER, faultAt(card, IS_INITIALIZE_FOR_LOAD, 'tear-after-commit'));
  const { ops, answer } = await failedTopup();
  assert.deepEqual(ops, []);
  assert.equal(answer.outcome, 'none');
  assert.equal((card as unknown as { balanceFen: number }).balanceFen, 5000);
});

for (const c of [
  { fault: 'tear-after-commit', settled: 'recorded', outcome: 'partial', balance: 7000 },
  { fault: 'tear-before-commit', settled: 'aborted', outcome: 'none', balance: 5000 },
] as const) {
  test(`torn at CREDIT FOR LOAD (${c.fault}): in-doubt with its operation; once the card settles it, ${c.outcome}`, async () => {
    const card = liveCard(ASN, 5000);
    fx.cards.insert(READER, faultAt(card, IS_CREDIT_FOR_LOAD, c.fault));
    const { ops, answer } = await failedTopup();
    assert.equal(ops.length, 1, 'the intent was written before CREDIT FOR LOAD');
    assert.equal(answer.outcome, 'in-doubt');
    assert.deepEqual(answer.opIds, ops);

    // The same card placed again: the panel's read settles the operation the answer named.
    fx.cards.remove(READER);
    fx.cards.insert(READER, card);
    const { settled } = await presentCard(fx.station, READER);
    assert.deepEqual(settled.map((s) => [s.opId, s.outcome]), [[ops[0], c.settled]]);
    assert.equal((card as unknown as { balanceFen: number }).balanceFen, c.balance);
    const again = await failureAnswer(fx.station, 'topup', new StationError('CARD_REMOVED', 'x'), ops, () => undefined);
    assert.equal(again.outcome, c.outcome);
  });
}

test('an unexpected exception becomes a typed error with a next step; the raw text is only logged', async () => {
  const raw = new TypeError("Cannot read properties of null (reading 'reader')");
  const answer = await failureAnswer(fx.station, 'topup', raw, [], (l) => logged.push(l));
  assert.equal(answer.code, 'INTERNAL');
  assert.ok(answer.hint && answer.hint.length > 0, 'a next step');
  assert.doesNotMatch(answer.message, /Cannot read properties/);
  assert.equal(answer.outcome, 'none');
  assert.match(logged.join('\n'), /Cannot read properties of null/);
  // Not a card-changing method: no outcome field at all.
  const other = await failureAnswer(fx.station, 'status', raw, [], () => undefined);
  assert.equal(other.code, 'INTERNAL');
  assert.equal(other.outcome, undefined);
});

test('an operation the journal does not know is not taken for an open one: none', async () => {
  const answer = await failureAnswer(fx.station, 'topup', new StationError('CARD_REMOVED', 'x'), ['no-such-op'], () => undefined);
  assert.equal(answer.outcome, 'none');
});

test('a repeat of a request whose station process died mid-way is never "nothing done": in-doubt, for every repeat', async () => {
  const key = randomBytes(16).toString('hex');
  const params = { amountFen: 500 };
  // The claim a killed process left behind (its pid is gone).
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  await fx.station.db.run("INSERT INTO idempotency_keys (key, method, actor, request_digest, state, answer, created_at, updated_at) VALUES (?, 'topup', 'op1', ?, 'pending', ?, 'x', 'x')",
    [key, requestDigest('topup', params), `pid:${dead}`]);
  for (let i = 0; i < 2; i++) {
    const err = await once(fx.station, { key, method: 'topup', actor: 'op1', params }, async () => 'booked').then(() => assert.fail('not run again'), (e: unknown) => e);
    const answer = await failureAnswer(fx.station, 'topup', err, [], () => undefined);
    assert.equal(answer.code, 'INCOMPLETE');
    assert.equal(answer.outcome, 'in-doubt', `repeat ${i + 1}: the first run may have changed the card`);
  }
});
