// Power loss (test/campaign/powerloss.ts; `npm run campaign:powerloss` is the full campaign):
// the database file plus a WAL cut at a frame boundary, inside a frame (torn) or followed by
// junk opens clean — integrity_check, chain and trial balance — and holds exactly the entries
// whose commit frame lies wholly before the cut. CI runs POWERLOSS_ROUNDS (default 3) rounds.
import assert from 'node:assert/strict';
import { runPowerLoss } from '../campaign/powerloss.ts';
import { NATIVE_SQLITE, testsNeeding } from '../harness/system-needs.ts';

// WAL cuts need the native binding's WAL (the WASM build keeps a rollback journal): without it the
// test skips, saying why (under CI it runs).
const test = testsNeeding(NATIVE_SQLITE);

const ROUNDS = Number(process.env.POWERLOSS_ROUNDS ?? 3);

test(`power loss: ${ROUNDS} rounds of WAL cuts open clean and hold exactly the durable prefix`, async (t) => {
  const r = await runPowerLoss({ rounds: ROUNDS, cuts: 12, seed: 7 }); // throws on a violation, naming round and cut
  assert.equal(r.cuts, ROUNDS * 12);
  assert.ok(r.entriesDropped > 0, 'some cuts dropped committed-but-unsynced entries (else nothing was tested)');
  assert.ok(r.lossless >= ROUNDS, 'the whole WAL loses nothing');
  assert.ok(r.tornCuts > 0, 'some cuts tore a frame');
  t.diagnostic(`${r.cuts} copies, ${r.tornCuts} torn, ${r.junkTails} junk tails, ${r.checkpointRounds} checkpoint rounds, ${r.entriesDropped} entries dropped, ${(r.ms / 1000).toFixed(1)} s`);
});
