// The UI simulation in CI (test/sim/ui-actions.ts, ui-concurrent.ts): `station serve`'s server
// driven over its WebSocket as the counter screens do. A sweep of every clerk fault at every
// step (panel read, confirmation, commit in flight) of every workflow that commits, a share of
// seeded concurrent runs (parallel clients, the CLI beside the server), and proof that the
// auditor catches money going to a card the clerk did not confirm, one request booked twice, and
// an answer of "nothing reached a card" (outcome none) after which the card changed.
// `npm run sim -- --ui --runs 2000` and `npm run sim -- --concurrent --runs 2000` run the big ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CardViewDto } from '../../common/api.ts';
import { READER, type SimCard, type World } from './world.ts';
import type { SimAction } from './actions.ts';
import { emptyStats, runOnce } from './run.ts';
import { CLERK_FAULTS, FLOW_STEPS, UI_ACTIONS, UI_SWEPT, bound, randomKey, readPanel, uiTopupAction } from './ui-actions.ts';
import { CONCURRENT_ACTIONS } from './ui-concurrent.ts';

// One test per workflow and one over their sums, so each has the runner's whole 10-minute budget:
// on WASM under load (a chroot with Node alone, issue 19) the single test ran past it.
const uiSweep = emptyStats();

for (const [i, action] of UI_SWEPT.entries()) {
  test(`sweep: every clerk fault at every step of ${action}, 0 violations`, async () => {
    // Seeds by workflow, 100 apart: a workflow's runs keep their seeds when another is added.
    let seed = 30_000 + i * 100;
    // This workflow's own violations: a finding in an earlier workflow fails that test alone.
    const violationsBefore = uiSweep.violations.length;
    for (const kind of CLERK_FAULTS) {
      for (const at of FLOW_STEPS) {
        await runOnce({ seed: seed++, ui: true, steps: 2, faultRate: 0, crashRate: 0.1, diskFullRate: 0, forced: { action, clerk: { kind, at } } }, uiSweep);
      }
    }
    assert.deepEqual(uiSweep.violations.slice(violationsBefore), []);
  });
}

test('sweep: every clerk fault fired at every step, and the workflows moved money', async (t) => {
  const stats = uiSweep;
  t.diagnostic(`UI sweep: ${stats.runs} runs, clerk faults ${JSON.stringify(stats.byClerk)}, card changes ${JSON.stringify(stats.byMovement)}`);
  assert.deepEqual(stats.violations, []);
  // Every fault fired at every step (the card faults in the card workflows only).
  for (const kind of CLERK_FAULTS) for (const at of FLOW_STEPS) assert.ok((stats.byClerk[`${kind}@${at}`] ?? 0) >= 2, `${kind}@${at} fired: ${stats.byClerk[`${kind}@${at}`] ?? 0}`);
  for (const kind of ['load', 'sale', 'refund']) assert.ok((stats.byMovement[kind] ?? 0) > 0, `the sweep saw a ${kind}`);
});

// Found by the 2,000-run sweep (seeds 22 and 648): a sale whose first load met another card (a
// silent swap at APDU 11) answers CARD_CHANGED with outcome 'partial'; the clerk's side took the
// code alone for "nothing done", confirmed the other card and lost the partial answer.
test('a sale whose first load meets another card is a partial sale, never "nothing done" (seed 22)', async () => {
  const stats = emptyStats();
  await runOnce({ seed: 22, ui: true, steps: 1, forced: { action: 'issue', fault: { kind: 'swap', atApdu: 11 }, clerk: { kind: 'lock', at: 'read' } } }, stats);
  assert.equal(stats.faultsFired, 1, 'the swap fired');
  assert.equal(stats.byMovement['sale'] ?? 0, 1, 'the stock card was sold');
  assert.deepEqual(stats.violations, []);
});

test('concurrent: 24 seeded runs with parallel clients and the CLI beside the server, 0 violations', async (t) => {
  const stats = emptyStats();
  for (let seed = 1; seed <= 24; seed++) await runOnce({ seed, concurrent: true }, stats);
  t.diagnostic(`concurrent: ${stats.runs} runs, patterns ${JSON.stringify(stats.byClerk)}`);
  assert.deepEqual(stats.violations, []);
  for (const p of ['topup-same-card', 'topup-two-cards', 'close-parallel', 'topup-vs-close']) assert.ok((stats.byClerk[p] ?? 0) > 0, `${p} ran`);
});

test('concurrent: each pattern forced once, 0 violations', async () => {
  const stats = emptyStats();
  let seed = 40_000;
  for (const a of CONCURRENT_ACTIONS) {
    await runOnce({ seed: seed++, concurrent: true, steps: 1, faultRate: 0, crashRate: 0, diskFullRate: 0, forced: { action: a.name } }, stats);
  }
  assert.deepEqual(stats.violations, []);
  for (const a of CONCURRENT_ACTIONS) assert.ok((stats.byClerk[a.name] ?? 0) > 0, `${a.name} ran`);
});

/**
 * A broken screen's top-up of ¥10 in cash: it confirms the customer's card on the panel, then
 * `send` decides what reaches the station.
 */
function brokenTopup(name: string, send: (world: World, card: SimCard, view: CardViewDto, p: () => Record<string, unknown>) => Promise<unknown>): SimAction {
  return {
    ...uiTopupAction,
    name,
    async perform(world, _auditor, card, ask) {
      const { view } = await readPanel(world);
      ask.confirmed = [card!.name];
      ask.load = { amountFen: 1000, pay: 'cash' };
      return send(world, card!, view, () => ({ amountFen: 1000, pay: 'cash', tenderedFen: 1000, reader: view.reader, print: 'never' }));
    },
  };
}

// The card is swapped after the confirmation and the screen sends the commit for the card now on
// the reader. The auditor must see the money go elsewhere.
const unboundTopup = brokenTopup('topup-unbound', async (world, card, _view, p) => {
  const other = world.customers.find((c) => c !== card && c.kind === 'cpu' && !c.gone && !c.stock && !c.lost)!;
  world.cards.insert(READER, other.card);
  const now = await readPanel(world);
  return (await world.ui!.tab()).call('topup', bound('topup', p(), now.view, randomKey(world)));
});

// One confirmation's top-up sent as two requests (a new key each time): two loads for one ask.
const twiceTopup = brokenTopup('topup-sent-as-two', async (world, _card, view, p) => {
  const tab = await world.ui!.tab();
  await tab.call('topup', bound('topup', p(), view, randomKey(world)));
  return tab.call('topup', bound('topup', p(), view, randomKey(world)));
});

/** One clean UI run whose only action is a broken screen's top-up in place of the real one: its violations. */
function withBrokenTopup(seed: number, broken: SimAction): Promise<string[]> {
  return runOnce({ seed, ui: true, actions: [broken, ...UI_ACTIONS.filter((a) => a.name !== 'topup')], forced: { action: broken.name }, steps: 1, faultRate: 0, crashRate: 0, diskFullRate: 0 }, emptyStats());
}

test('the auditor catches money going to a card the clerk did not confirm', async () => {
  const v = await withBrokenTopup(5, unboundTopup);
  assert.ok(v.some((x) => /changed \(balance \d+→\d+\) but the clerk confirmed card\d/.test(x)), v.join('\n'));
});

test('the auditor catches one confirmation booked twice', async () => {
  const v = await withBrokenTopup(6, twiceTopup);
  assert.ok(v.some((x) => /balance \d+→\d+, counter \d+→\d+ during/.test(x)), v.join('\n'));
});

// The station's answer says nothing reached a card (outcome none, 未充值，未收款) although the load
// went through: the auditor must hold the answer to its word (docs/RELIABILITY.md "Certain outcomes").
const loadingTopup = brokenTopup('topup-said-nothing', async (world, _card, view, p) => (await world.ui!.tab()).call('topup', bound('topup', p(), view, randomKey(world))));
const saidNothing: SimAction = {
  ...loadingTopup,
  async perform(world, auditor, card, ask) {
    const r = await loadingTopup.perform(world, auditor, card, ask);
    ask.nothingDone = true;
    return r;
  },
};

test('the auditor catches an answer of "nothing reached a card" after which the card changed', async () => {
  const v = await withBrokenTopup(7, saidNothing);
  assert.ok(v.some((x) => /answered that nothing reached a card \(outcome none\), but card\d changed/.test(x)), v.join('\n'));
});
