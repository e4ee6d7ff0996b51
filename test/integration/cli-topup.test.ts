// `station topup` as a person runs it, through the real stack (station CLI → smartcard →
// pcscd → vpcd → emulated card): a cash and an other-payment load, then bad input — amount 0,
// negative, non-numeric, over the limit, a wrong PIN five times (account locked) — each a
// clear message with nothing written but the audit line; a T-Union card likewise.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { Database } from '../../db/sqlite.ts';
import { runStation, type StationRun } from '../harness/cli.ts';
import { startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB);

let lab: PcscLab;
let home: string;
let reader: string;

function station(args: string[], pin = '2468'): Promise<StationRun> {
  return runStation(args, { ...process.env, ...lab.env, STATION_HOME: home, STATION_PIN: pin }, { timeoutMs: 60_000 });
}

/** Rows the station wrote: ledger entries, card ops, and audit lines by outcome. */
async function counts(): Promise<{ entries: number; ops: number; refused: number; audit: number }> {
  const db = await Database.open(path.join(home, 'training.sqlite'));
  try {
    const n = async (sql: string) => (await db.get<{ n: number }>(sql))!.n;
    return {
      entries: await n('SELECT COUNT(*) AS n FROM ledger_entries'),
      ops: await n('SELECT COUNT(*) AS n FROM card_ops'),
      refused: await n("SELECT COUNT(*) AS n FROM audit WHERE outcome = 'refused'"),
      // Every command's successful login is audited too (docs/SECURITY.md); count the other lines.
      audit: await n("SELECT COUNT(*) AS n FROM audit WHERE NOT (action = 'login' AND outcome = 'ok')"),
    };
  } finally {
    await db.close();
  }
}

before(async () => {
  lab = await startPcscLab({ slots: 1 });
  reader = lab.readerNames[0]!;
  home = mkdtempSync(path.join(os.tmpdir(), 'station-topup-'));
  const init = await station(['init', '--training', '--admin-pin', '2468']);
  assert.equal(init.code, 0, init.stderr);
  const shift = await station(['shift', 'open', '--operator', 'admin', '--float', '50000', '--json']);
  assert.equal(shift.code, 0, shift.stderr);
  await lab.insert(0, makeLabCard({ kind: 'cpu', balanceFen: 1200, id: '0000000000054321' }).toJSON());
});
after(async () => {
  await lab?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('cash top-up through pcscd: JSON with the entry, balances, TAC; the card holds the money', async () => {
  const r = await station(['topup', '--amount', '5000', '--tendered', '10000', '--reader', reader, '--operator', 'admin', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.match(v.entryId, /^[0-9A-Z]{26}$/);
  assert.equal(v.balanceBeforeFen, 1200);
  assert.equal(v.balanceAfterFen, 6200);
  assert.match(v.tac, /^[0-9A-F]{8}$/);
  assert.equal(v.tacVerified, true);
  assert.equal(v.changeFen, 5000);
  assert.match(v.receipt, new RegExp(`receipts/\\d{4}-\\d{2}-\\d{2}/${v.entryId}\\.pdf$`), 'receipt path');
  assert.ok(existsSync(v.receipt), 'receipt saved');
  assert.equal((await lab.cardState(0) as { balanceFen: number }).balanceFen, 6200);
  const other = await station(['topup', '--amount', '1000', '--pay', 'other', '--reference', 'POS-42', '--reader', reader, '--operator', 'admin']);
  assert.equal(other.code, 0, other.stderr);
  assert.match(other.stdout, /¥62\.00 → ¥72\.00/);
  const verify = await station(['ledger', 'verify', '--json']);
  assert.equal(JSON.parse(verify.stdout).ok, true);
});

for (const [label, amount, pattern] of [
  ['amount 0', '0', /more than 0 fen/],
  ['negative amount', '-500', /whole number of fen/],
  ['non-numeric amount', 'ten', /whole number of fen/],
  ['over the balance limit', '95000', /above the limit/],
  ['above the limit outright', '100001', /exceeds the balance limit/],
] as const) {
  test(`bad input (${label}): clear message, non-zero exit, only the audit line written`, async () => {
    const before = await counts();
    const r = await station(['topup', `--amount=${amount}`, '--reader', reader, '--operator', 'admin', '--json']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, pattern);
    const err = JSON.parse(r.stdout).error;
    assert.ok(['BAD_INPUT', 'POLICY'].includes(err.code), err.code);
    const now = await counts();
    assert.equal(now.entries, before.entries, 'no ledger entry');
    assert.equal(now.ops, before.ops, 'no card operation');
    assert.equal(now.refused, before.refused + 1, 'one refusal in the audit trail');
    assert.equal(now.audit, before.audit + 1, 'nothing else in the audit trail');
    assert.equal((await lab.cardState(0) as { balanceFen: number }).balanceFen, 7200, 'card untouched');
  });
}

test('a T-Union card is refused with a clear message; only the audit line is written', async () => {
  const cpu = await lab.cardState(0);
  await lab.insert(0, makeLabCard({ kind: 'tunion', city: '2000', balanceFen: 800 }).toJSON());
  try {
    const before = await counts();
    const r = await station(['topup', '--amount', '1000', '--reader', reader, '--operator', 'admin', '--json']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /T-Union/);
    const now = await counts();
    assert.equal(now.entries, before.entries);
    assert.equal(now.ops, before.ops);
    assert.equal(now.audit, before.audit + 1);
  } finally {
    await lab.insert(0, cpu);
  }
});

test('a wrong PIN five times locks the account; each refusal is audited, nothing else written', async () => {
  const before = await counts();
  for (let i = 1; i <= 5; i++) {
    const r = await station(['topup', '--amount', '1000', '--reader', reader, '--operator', 'admin', '--json'], '9999');
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).error.code, 'AUTH');
    // One wording for every refused login: it never tells a stranger the id exists or how many tries are left.
    assert.match(r.stderr, /Wrong staff ID or PIN, or the account cannot be used now/);
    assert.doesNotMatch(r.stderr, /tries left|locked until|admin/);
  }
  // The right PIN no longer helps while the lock lasts; the audit line keeps the reason.
  const locked = await station(['topup', '--amount', '1000', '--reader', reader, '--operator', 'admin', '--json']);
  assert.equal(locked.code, 1);
  assert.match(locked.stderr, /Wrong staff ID or PIN, or the account cannot be used now/);
  const now = await counts();
  assert.equal(now.entries, before.entries);
  assert.equal(now.ops, before.ops);
  assert.equal(now.refused, before.refused + 6);
  assert.equal(now.audit, before.audit + 6);
  assert.equal((await lab.cardState(0) as { balanceFen: number }).balanceFen, 7200);
});
