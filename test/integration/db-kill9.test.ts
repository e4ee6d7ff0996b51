// Real process death: a child appends ledger entries and is killed with SIGKILL at random
// moments, KILLS times (test/campaign/kill9.ts; `npm run campaign:kill9 -- --kills 200` is the
// full campaign). After each kill the file must pass integrity_check, the chain must verify,
// and every entry the child reported as committed must still be there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLedgerKill9 } from '../campaign/kill9.ts';

const KILLS = Number(process.env.KILL9_ROUNDS ?? 40);

test(`ledger survives ${KILLS} kill -9 during writes`, async (t) => {
  const r = await runLedgerKill9({ kills: KILLS }); // throws on a violation, naming the kill
  assert.equal(r.kills, KILLS);
  assert.ok(r.entries > 0 && r.reported > 0, 'the writer committed something');
  assert.ok(r.entries >= r.reported, 'every reported commit is in the file');
  t.diagnostic(`${r.kills} kills, ${r.entries} entries, ${r.reported} reported, ${r.unreportedCommits} kills between a commit and its report, ${(r.ms / 1000).toFixed(1)} s`);
});
