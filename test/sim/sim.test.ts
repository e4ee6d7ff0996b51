// The simulation in CI: an exhaustive sweep (every fault kind at every APDU index of every
// workflow, process death before every database write), a quick random seed set, and proof
// that the auditor does catch a station that loses or invents an entry.
// `npm run sim -- --runs 10000` runs the big one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StationError } from '../../common/errors.ts';
import { credit, debit } from '../../db/ledger.ts';
import { getOp, openOps, updateOp } from '../../db/intents.ts';
import { record } from '../../core/record.ts';
import { ACTIONS, topupAction, type SimAction } from './actions.ts';
import { emptyStats, measuredReach, runOnce } from './run.ts';
import { FAULT_KINDS } from './world.ts';

const SWEPT = ACTIONS.filter((a) => a.name !== 'present');

test('sweep: every fault kind at every APDU index, and a process death before every write, of every workflow', async (t) => {
  const stats = emptyStats();
  // Clean runs first, to measure how many APDUs and writes each workflow makes.
  for (let s = 0; s < 12; s++) await runOnce({ seed: 900 + s, faultRate: 0, crashRate: 0 }, stats);
  assert.deepEqual(stats.violations, []);
  let seed = 10_000;
  for (const action of SWEPT) {
    const { apdus, writes, clean } = measuredReach(action.name);
    assert.ok(clean > 0 && writes > 0, `${action.name} ran cleanly in the measuring runs`);
    t.diagnostic(`${action.name}: ${apdus} APDUs, ${writes} writes`);
    for (const [k, kind] of (apdus > 0 ? FAULT_KINDS : []).entries()) {
      for (let at = 0; at < apdus; at++) {
        await runOnce({ seed: seed++, forced: { action: action.name, fault: { kind, atApdu: at } } }, stats);
        // Every other index: the same fault, then a process death before one of the writes (a different one each time).
        if (at % 2 === 1) await runOnce({ seed: seed++, steps: 3, forced: { action: action.name, fault: { kind, atApdu: at }, crashAtWrite: (at * 3 + k) % (writes + 1) } }, stats);
      }
    }
    for (let w = 0; w < writes; w++) await runOnce({ seed: seed++, forced: { action: action.name, crashAtWrite: w } }, stats);
  }
  t.diagnostic(`sweep: ${stats.runs} runs, card faults ${stats.faultsFired}, process deaths ${stats.crashesFired}; card changes ${JSON.stringify(stats.byMovement)}`);
  for (const kind of ['load', 'sale', 'refund', 'damaged_block', 'exchange_issue']) assert.ok((stats.byMovement[kind] ?? 0) > 0, `the sweep saw a ${kind}`);
  assert.deepEqual(stats.violations, []);
  assert.ok(stats.faultsFired > 100, `faults fired: ${stats.faultsFired}`);
  assert.ok(stats.crashesFired > 30, `process deaths: ${stats.crashesFired}`);
});

test('quick seed set: 60 random runs, 0 violations', async () => {
  const stats = emptyStats();
  for (let seed = 1; seed <= 60; seed++) await runOnce({ seed }, stats);
  assert.deepEqual(stats.violations, []);
  assert.equal(stats.runs, 60);
  assert.ok(stats.faultsFired + stats.crashesFired > 60, JSON.stringify(stats));
  assert.ok(stats.cardsNeverReturned > 0);
});

// A broken station must be caught: these plug-ins sabotage the ledger as a bug would.
// (A top-up on a fresh card: SELECT, GET BALANCE, INITIALIZE, CREDIT — index 3 is CREDIT.)
const forgetsInDoubt: SimAction = {
  ...topupAction,
  name: 'topup-that-forgets',
  async perform(world, auditor, card, ask) {
    try {
      return await topupAction.perform(world, auditor, card, ask);
    } catch (err) {
      // The bug: an unknown outcome is treated as "nothing happened".
      if (err instanceof StationError && err.code === 'INCOMPLETE') {
        for (const op of await openOps(world.station.db)) await updateOp(world.station.db, op.opId, 'aborted');
      }
      throw err;
    }
  },
};

const recordsTwice: SimAction = {
  ...topupAction,
  name: 'topup-twice',
  async perform(world, auditor, card, ask) {
    const r = await topupAction.perform(world, auditor, card, ask) as { entryId: string };
    const op = (await world.station.db.get<{ op_id: string }>('SELECT op_id FROM card_ops WHERE entry_id = ?', [r.entryId]))!;
    const o = (await getOp(world.station.db, op.op_id))!;
    const ev = (o.evidence as { init: { onlineAtc: number } });
    await record(world.station, { kind: 'topup', operatorId: 'op1', shiftId: o.shiftId, cardRef: o.cardRef, amountFen: o.amountFen, payload: { onlineAtc: ev.init.onlineAtc, duplicate: true }, postings: [debit('cash_drawer', o.amountFen), credit('card_float', o.amountFen)] });
    return r;
  },
};

test('the auditor catches a station that drops a torn load', async () => {
  const stats = emptyStats();
  const v = await runOnce({ seed: 7, actions: [forgetsInDoubt, ...ACTIONS.filter((a) => a !== topupAction)], forced: { action: forgetsInDoubt.name, fault: { kind: 'tear-after-commit', atApdu: 3 } }, steps: 1 }, stats);
  assert.ok(v.some((x) => /no ledger entry/.test(x)), v.join('\n'));
  assert.ok(v.some((x) => /^seed 7: (cash_drawer|other_payment_clearing|card_float): ledger/.test(x)), v.join('\n'));
});

test('the auditor catches a second entry for one card change', async () => {
  const stats = emptyStats();
  const v = await runOnce({ seed: 8, actions: [recordsTwice, ...ACTIONS.filter((a) => a !== topupAction)], forced: { action: recordsTwice.name }, steps: 1 }, stats);
  assert.ok(v.some((x) => /2 ledger entries/.test(x)), v.join('\n'));
});
