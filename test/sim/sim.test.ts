// The simulation in CI: an exhaustive sweep (every fault kind at every APDU index of every
// workflow, process death before every database write), a sweep of the lost-card, replacement
// and M1-upgrade workflows and of a full disk under every workflow, a quick random seed set,
// and proof that the auditor does catch a station that loses or invents an entry.
// `npm run sim -- --runs 10000` runs the big one; SIM_SWEEP=full makes the second sweep
// exhaustive too (every kind at every index of the M1 card as well, a few minutes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Json } from '../../common/canonical-json.ts';
import { StationError } from '../../common/errors.ts';
import { credit, debit, readEntries } from '../../db/ledger.ts';
import { getOp, openOps, updateOp } from '../../db/intents.ts';
import { record } from '../../core/record.ts';
import { ACTIONS, migrateAction, topupAction, type SimAction } from './actions.ts';
import { emptyStats, measuredReach, runOnce } from './run.ts';
import { SAMPLE_PAYLOADS } from '../harness/ledger-samples.ts';
import { FAULT_KINDS, M1_FAULT_KINDS } from './world.ts';

/** Workflows of the second sweep (and not sweepable the first way: they need a set-up first). */
const LATER = ['lost', 'lost-card-use', 'replace', 'replace-pickup', 'migrate', 'concession'];
const SWEPT = ACTIONS.filter((a) => a.name !== 'present' && !LATER.includes(a.name));

// The first sweep is one test per workflow (each with the runner's whole 10-minute budget) and a
// last test over their summed figures: as one test it took 428 s on WASM at load 40 (a chroot
// with Node alone, issue 19), and every workflow added to ACTIONS makes it longer.
const sweep1 = emptyStats();

test('sweep: clean measuring runs of every workflow', async () => {
  // Clean runs first, to measure how many APDUs and writes each workflow makes.
  for (let s = 0; s < 12; s++) await runOnce({ seed: 900 + s, faultRate: 0, crashRate: 0, diskFullRate: 0 }, sweep1);
  assert.deepEqual(sweep1.violations, []);
});

for (const [i, action] of SWEPT.entries()) {
  test(`sweep: ${action.name}, every fault kind at every APDU index and a process death before every write`, async (t) => {
    const { apdus, writes, clean } = measuredReach(action.name);
    assert.ok(clean > 0 && writes > 0, `${action.name} ran cleanly in the measuring runs`);
    t.diagnostic(`${action.name}: ${apdus} APDUs, ${writes} writes`);
    // Seeds by workflow, 1,000 apart: a workflow's runs keep their seeds when another is added.
    let seed = 10_000 + i * 1_000;
    // This workflow's own violations: a finding in an earlier workflow fails that test alone.
    const violationsBefore = sweep1.violations.length;
    for (const [k, kind] of (apdus > 0 ? FAULT_KINDS : []).entries()) {
      for (let at = 0; at < apdus; at++) {
        await runOnce({ seed: seed++, forced: { action: action.name, fault: { kind, atApdu: at } } }, sweep1);
        // Every other index: the same fault, then a process death before one of the writes (a different one each time).
        if (at % 2 === 1) await runOnce({ seed: seed++, steps: 3, forced: { action: action.name, fault: { kind, atApdu: at }, crashAtWrite: (at * 3 + k) % (writes + 1) } }, sweep1);
      }
    }
    for (let w = 0; w < writes; w++) await runOnce({ seed: seed++, forced: { action: action.name, crashAtWrite: w } }, sweep1);
    assert.deepEqual(sweep1.violations.slice(violationsBefore), []);
  });
}

test('sweep: the workflows together saw every card change, card faults and process deaths', async (t) => {
  const stats = sweep1;
  t.diagnostic(`sweep: ${stats.runs} runs, card faults ${stats.faultsFired}, process deaths ${stats.crashesFired}; card changes ${JSON.stringify(stats.byMovement)}`);
  for (const kind of ['load', 'sale', 'refund', 'damaged_block', 'exchange_issue']) assert.ok((stats.byMovement[kind] ?? 0) > 0, `the sweep saw a ${kind}`);
  assert.deepEqual(stats.violations, []);
  assert.ok(stats.faultsFired > 100, `faults fired: ${stats.faultsFired}`);
  assert.ok(stats.crashesFired > 30, `process deaths: ${stats.crashesFired}`);
});

test('sweep: lost report, replacement (host answer and pickup), M1 upgrade at every APDU index and write; a full disk under every workflow', async (t) => {
  const stats = emptyStats();
  const full = process.env.SIM_SWEEP === 'full';
  for (const name of ['lost', 'replace', 'replace-pickup', 'migrate']) {
    for (let s = 0; s < 2; s++) await runOnce({ seed: 950 + s, steps: 1, forced: { action: name }, faultRate: 0, crashRate: 0, diskFullRate: 0 }, stats);
  }
  assert.deepEqual(stats.violations, []);
  let seed = 20_000;
  const quick = { steps: 2 } as const;
  for (const name of ['lost', 'replace', 'replace-pickup', 'migrate']) {
    const { apdus, newApdus, writes, clean } = measuredReach(name);
    assert.ok(clean > 0 && writes > 0, `${name} ran cleanly in the measuring runs`);
    t.diagnostic(`${name}: ${apdus} APDUs (+${newApdus} on the card swapped in), ${writes} writes`);
    // The card in the reader: every kind at every index (the M1 card's many reads: one kind per index, rotating, unless SIM_SWEEP=full).
    for (let at = 0; at < apdus; at++) {
      const all = name === 'migrate' ? M1_FAULT_KINDS : FAULT_KINDS;
      const kinds = full || apdus <= 20 ? all : [all[at % all.length]!];
      for (const kind of kinds) await runOnce({ seed: seed++, ...quick, forced: { action: name, fault: { kind, atApdu: at } } }, stats);
    }
    // The CPU card placed after the one-reader swap (upgrade): every kind at every index.
    for (let at = 0; at < newApdus; at++) {
      for (const kind of FAULT_KINDS) await runOnce({ seed: seed++, ...quick, forced: { action: name, newCardFault: { kind, atApdu: at } } }, stats);
    }
    for (let w = 0; w < writes; w++) await runOnce({ seed: seed++, ...quick, forced: { action: name, crashAtWrite: w } }, stats);
  }
  // A full disk (SQLite may not grow the file at all, or by one page) under every workflow.
  for (const action of [...SWEPT, ...ACTIONS.filter((a) => ['lost', 'replace', 'replace-pickup', 'migrate'].includes(a.name))]) {
    for (const pages of [0, 1]) await runOnce({ seed: seed++, ...quick, forced: { action: action.name, diskFullPages: pages } }, stats);
  }
  t.diagnostic(`sweep 2: ${stats.runs} runs, faults ${JSON.stringify(stats.byFault)}; card changes ${JSON.stringify(stats.byMovement)}`);
  assert.deepEqual(stats.violations, []);
  for (const kind of ['m1_zero', 'migrate_issue', 'replacement_issue', 'replacement_out']) assert.ok((stats.byMovement[kind] ?? 0) > 0, `the sweep saw a ${kind}`);
  assert.ok((stats.byFault['disk-full'] ?? 0) > 5, `full disk hit a write: ${stats.byFault['disk-full'] ?? 0}`);
  assert.ok((stats.byFault['upstream-down'] ?? 0) > 0, 'the host was down for a replacement');
  assert.ok((stats.byFault['process-death'] ?? 0) > 20, `process deaths: ${stats.byFault['process-death'] ?? 0}`);
  for (const kind of FAULT_KINDS) assert.ok((stats.byFault[`new-card:${kind}`] ?? 0) > 0, `a ${kind} on the upgrade's CPU card`);
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
    // The same load's payload again (same counter), as a station that records it twice would.
    const [first] = await readEntries(world.station.db, 'entry_id = ?', [r.entryId], 1);
    await record(world.station, { kind: 'topup', operatorId: 'op1', shiftId: o.shiftId, cardRef: o.cardRef, amountFen: o.amountFen, payload: { ...(first!.payload as { [key: string]: Json }), duplicate: true }, postings: [debit('cash_drawer', o.amountFen), credit('card_float', o.amountFen)] });
    return r;
  },
};

test('the auditor catches a station that drops a torn load', async () => {
  const stats = emptyStats();
  const v = await runOnce({ seed: 7, actions: [forgetsInDoubt, ...ACTIONS.filter((a) => a !== topupAction)], forced: { action: forgetsInDoubt.name, fault: { kind: 'tear-after-commit', atApdu: 3 } }, steps: 1, walkAwayRate: 0 }, stats);
  assert.ok(v.some((x) => /no ledger entry/.test(x)), v.join('\n'));
  assert.ok(v.some((x) => /^seed 7\b.*\b(cash_drawer|other_payment_clearing|card_float): ledger/.test(x)), v.join('\n'));
});

test('the auditor catches a second entry for one card change', async () => {
  const stats = emptyStats();
  const v = await runOnce({ seed: 8, actions: [recordsTwice, ...ACTIONS.filter((a) => a !== topupAction)], forced: { action: recordsTwice.name }, steps: 1 }, stats);
  assert.ok(v.some((x) => /2 ledger entries/.test(x)), v.join('\n'));
});

// The same for the upgrade: a station that books the M1 purse twice.
const upgradesTwice: SimAction = {
  ...migrateAction,
  name: 'migrate-twice',
  async perform(world, auditor, card, ask) {
    const r = await migrateAction.perform(world, auditor, card, ask);
    const m1 = card!;
    const [zeroed] = await readEntries(world.station.db, "kind = 'migrate_out' AND card_ref = ?", [m1.ref], 1);
    await record(world.station, { kind: 'migrate_out', operatorId: 'op1', shiftId: null, cardRef: m1.ref, amountFen: 0, payload: { ...((zeroed?.payload ?? SAMPLE_PAYLOADS.migrate_out) as { [key: string]: Json }), duplicate: true }, postings: [] });
    return r;
  },
};

test('the auditor catches a second entry for an M1 purse zeroed once', async () => {
  const stats = emptyStats();
  const v = await runOnce({ seed: 9, actions: [upgradesTwice, ...ACTIONS.filter((a) => a !== migrateAction)], forced: { action: upgradesTwice.name }, steps: 1 }, stats);
  assert.ok(v.some((x) => /m1-0: m1_zero has 2 ledger entries/.test(x)), v.join('\n'));
});
