import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StationError } from '../../common/errors.ts';
import type { FaultKind } from '../../devices/emulator/virtual-card.ts';
import type { M1Card, M1Fault } from '../../devices/emulator/m1-card.ts';
import { encodeValueBlock } from '../../devices/m1/value-block.ts';
import {
  debitM1Purse, normaliseM1Card, readM1Card, zeroAndBlacklist, type M1OperationOptions, type M1Snapshot,
} from '../../devices/m1/operations.ts';
import { AT, channel, clone, keys, layout, makeCard, UID } from './m1-fixtures.ts';

const FAULTS: (FaultKind | 'partial-write')[] = ['tear-before-commit', 'tear-after-commit', 'response-lost', 'remove', 'garbage', 'partial-write'];
const MODES: M1OperationOptions[] = [{ valueMode: 'acs' }, { valueMode: 'update', authCommand: 'obsolete' }];
const TERMINAL = '0000ABCD';

function fault(kind: FaultKind | 'partial-write', atApdu: number): M1Fault {
  return kind === 'garbage' ? { kind, atApdu, garbage: Uint8Array.from([0x90]) } : { kind, atApdu };
}

/** APDUs the operation sends on a fault-free run of a copy of `card`. */
async function apduCount(card: M1Card, op: (c: M1Card) => Promise<unknown>): Promise<number> {
  const probe = clone(card);
  const ch = channel(probe);
  let n = 0;
  const orig = probe.process.bind(probe);
  probe.process = (apdu) => {
    n++;
    return orig(apdu);
  };
  await op(probe);
  assert.ok(ch.present);
  return n;
}

test('readM1Card: snapshot through the in-process channel', async () => {
  const card = makeCard({
    balanceFen: 12345, txCount: 7,
    records: [
      { type: 0x02, amountFen: 10000, terminal: '00000001', at: AT },
      { type: 0x06, amountFen: 200, terminal: '00000002', at: new Date(AT.getTime() + 60_000) },
    ],
  });
  const s = await readM1Card(channel(card), layout, keys);
  assert.equal(s.kind, 'm1');
  assert.equal(s.uid, UID);
  assert.equal(s.cardNo, '20150001');
  assert.equal(s.cityCode, '2150');
  assert.equal(s.cardType, '01');
  assert.equal(s.issueDate, '2020-01-02');
  assert.equal(s.expiryDate, '2030-01-01');
  assert.equal(s.balanceFen, 12345);
  assert.deepEqual(s.purse, { primaryFen: 12345, backupFen: 12345, consistent: true });
  assert.equal(s.inProgress, false);
  assert.equal(s.blacklisted, false);
  assert.equal(s.txCount, 7);
  assert.equal(s.pointer, 2);
  assert.deepEqual(s.log.map((r) => [r.seq, r.typeName, r.amountFen, r.terminal, r.at]), [
    [2, 'purchase', 200, '00000002', '2026-11-20T11:05:05+08:00'],
    [1, 'load', 10000, '00000001', '2026-11-20T11:04:05+08:00'],
  ]);
  assert.equal(s.migratedOut, null);
  assert.equal(s.image['9'], '39300000C6CFFFFF3930000009F609F6');
  const bl = await readM1Card(channel(makeCard({ blacklisted: true, inProgress: true, backupFen: 6000 })), layout, keys);
  assert.equal(bl.blacklisted, true);
  assert.equal(bl.inProgress, true);
  assert.deepEqual(bl.purse, { primaryFen: 5000, backupFen: 6000, consistent: false });
  assert.equal(bl.balanceFen, 5000, 'the smaller copy wins');
});

test('readM1Card: the ring wraps, newest first', async () => {
  const records = Array.from({ length: 11 }, (_, i) => ({ type: 0x06, amountFen: i + 1, terminal: TERMINAL, at: AT }));
  const s = await readM1Card(channel(makeCard({ records })), layout, keys);
  assert.equal(s.pointer, 2);
  assert.deepEqual(s.log.map((r) => r.amountFen), [11, 10, 9, 8, 7, 6, 5, 4, 3]);
  assert.deepEqual(s.log.map((r) => r.seq), [2, 1, 9, 8, 7, 6, 5, 4, 3]);
});

test('normaliseM1Card: reports what it did and leaves a clean card', async () => {
  const card = makeCard({ inProgress: true, backupFen: 5300 });
  const r = await normaliseM1Card(channel(card), layout, keys);
  assert.deepEqual(r.actions, [
    { action: 'purse-copy-lowered', block: 10, fromFen: 5300, toFen: 5000 },
    { action: 'progress-flag-cleared' },
  ]);
  assert.equal(r.before.inProgress, true);
  assert.deepEqual(r.after.purse, { primaryFen: 5000, backupFen: 5000, consistent: true });
  assert.equal(r.after.inProgress, false);
  assert.equal(r.after.publicInfo.backupMatches, true);
  const again = await normaliseM1Card(channel(card), layout, keys);
  assert.deepEqual(again.actions, [], 'a clean card needs nothing');

  const torn = makeCard();
  torn.pokeBlock(9, Uint8Array.from([...encodeValueBlock(1, 9).subarray(0, 8), ...encodeValueBlock(5000, 9).subarray(8)]));
  const t = await normaliseM1Card(channel(torn), layout, keys);
  assert.deepEqual(t.actions, [{ action: 'purse-copy-restored', block: 9, toFen: 5000 }]);
  assert.equal(t.after.balanceFen, 5000);
});

for (const mode of MODES) {
  test(`debit torn at every APDU (${mode.valueMode}) → normalise leaves the old or the new balance, consistent`, async () => {
    const base = makeCard({ balanceFen: 5000, txCount: 3 });
    const debit = (c: M1Card): Promise<M1Snapshot> => debitM1Purse(channel(c), layout, keys, { amountFen: 730, terminal: TERMINAL, at: AT }, mode);
    const n = await apduCount(base, debit);
    assert.ok(n > 20, `a debit takes many APDUs (${n})`);
    const outcomes = new Set<number>();
    for (let k = 0; k < n; k++) {
      for (const kind of FAULTS) {
        const card = clone(base);
        card.armFault(fault(kind, k));
        await assert.rejects(debit(card), (e: unknown) => e instanceof StationError, `${kind}@${k} must fail typed`);
        const r = await normaliseM1Card(channel(card), layout, keys, mode);
        const s = r.after;
        assert.ok(s.balanceFen === 5000 || s.balanceFen === 4270, `${kind}@${k}: balance ${s.balanceFen}`);
        assert.equal(s.purse.consistent, true, `${kind}@${k}`);
        assert.equal(s.inProgress, false, `${kind}@${k}`);
        assert.equal(s.publicInfo.source, 'primary');
        assert.equal(s.publicInfo.backupMatches, true);
        assert.ok(s.txCount === 3 || (s.txCount === 4 && s.balanceFen === 4270), `${kind}@${k}: count ${s.txCount} with ${s.balanceFen}`);
        outcomes.add(s.balanceFen);
      }
    }
    assert.deepEqual([...outcomes].sort(), [4270, 5000], 'tears hit both before and after the purse commit');
  });
}

for (const mode of MODES) {
  test(`zeroAndBlacklist torn at every APDU (${mode.valueMode}) → normalise + re-run ends zero, blacklisted, B accounted`, async () => {
    const B = 4321;
    const base = makeCard({ balanceFen: B, txCount: 12, records: [{ type: 0x02, amountFen: B, terminal: '00000001', at: AT }] });
    const intent = { uid: UID, balanceFen: B, txCount: 12, terminal: TERMINAL, at: AT };
    const zero = (c: M1Card): ReturnType<typeof zeroAndBlacklist> => zeroAndBlacklist(channel(c), layout, keys, intent, mode);
    const n = await apduCount(base, zero);
    let sawAlreadyZero = false;
    let sawAlreadyDone = false;
    for (let k = 0; k < n; k++) {
      for (const kind of FAULTS) {
        const card = clone(base);
        card.armFault(fault(kind, k));
        await assert.rejects(zero(card), (e: unknown) => e instanceof StationError, `${kind}@${k}`);
        const norm = await normaliseM1Card(channel(card), layout, keys, mode);
        const mid = norm.after;
        assert.ok(mid.balanceFen === B || mid.balanceFen === 0, `${kind}@${k}: ${mid.balanceFen}`);
        const res = await zero(card);
        assert.equal(res.migratedFen, B);
        assert.equal(res.purseWasAlreadyZero, mid.balanceFen === 0 && B > 0, `${kind}@${k}`);
        sawAlreadyZero ||= res.purseWasAlreadyZero && res.outcome === 'zeroed';
        sawAlreadyDone ||= res.outcome === 'already-done';
        const img = res.image;
        assert.equal(img.balanceFen, 0, `${kind}@${k}`);
        assert.deepEqual(img.purse, { primaryFen: 0, backupFen: 0, consistent: true });
        assert.equal(img.blacklisted, true);
        assert.equal(img.inProgress, false);
        assert.equal(img.txCount, 13);
        assert.equal(img.pointer, 2);
        assert.deepEqual(img.migratedOut, { amountFen: B, terminal: TERMINAL, at: '2026-11-20T11:04:05+08:00' });
        assert.deepEqual(img.log.map((r) => r.typeName), ['migrated-out', 'load']);
        // and the card agrees with the returned image
        const check = await readM1Card(channel(card), layout, keys);
        assert.deepEqual({ ...check, image: {} }, { ...img, image: {} });
      }
    }
    assert.ok(sawAlreadyZero, 'some tears left the purse zeroed before the record');
    assert.ok(sawAlreadyDone, 'some tears came after the blacklist write');
  });
}

test('zeroAndBlacklist refuses a card that does not match the intent', async () => {
  const intent = { uid: UID, balanceFen: 5000, txCount: 0, terminal: TERMINAL, at: AT };
  const code = (e: unknown): boolean => e instanceof StationError && e.code === 'CARD_MISMATCH';
  await assert.rejects(zeroAndBlacklist(channel(makeCard()), layout, keys, { ...intent, uid: '01020304' }), code);
  await assert.rejects(zeroAndBlacklist(channel(makeCard()), layout, keys, { ...intent, balanceFen: 4999 }), code);
  await assert.rejects(zeroAndBlacklist(channel(makeCard()), layout, keys, { ...intent, txCount: 1 }), code);
  await assert.rejects(zeroAndBlacklist(channel(makeCard({ inProgress: true })), layout, keys, intent), code, 'normalise first');
  await assert.rejects(zeroAndBlacklist(channel(makeCard({ backupFen: 5100 })), layout, keys, intent), code, 'normalise first');
  await assert.rejects(zeroAndBlacklist(channel(makeCard({ blacklisted: true })), layout, keys, intent), code);
  const card = makeCard();
  const first = await zeroAndBlacklist(channel(card), layout, keys, intent);
  assert.equal(first.outcome, 'zeroed');
  assert.equal(first.purseWasAlreadyZero, false);
  const second = await zeroAndBlacklist(channel(card), layout, keys, intent);
  assert.equal(second.outcome, 'already-done');
  await assert.rejects(zeroAndBlacklist(channel(card), layout, keys, { ...intent, balanceFen: 4000 }), code, 'done for another amount');
});

test('debit refuses blacklisted cards and insufficient funds without touching the purse', async () => {
  const bl = makeCard({ blacklisted: true });
  await assert.rejects(debitM1Purse(channel(bl), layout, keys, { amountFen: 1, terminal: TERMINAL, at: AT }), StationError);
  const poor = makeCard({ balanceFen: 100 });
  await assert.rejects(debitM1Purse(channel(poor), layout, keys, { amountFen: 101, terminal: TERMINAL, at: AT }), StationError);
  const s = await readM1Card(channel(poor), layout, keys);
  assert.equal(s.balanceFen, 100);
  assert.equal(s.inProgress, false, 'a refused debit leaves no in-progress flag');
});
