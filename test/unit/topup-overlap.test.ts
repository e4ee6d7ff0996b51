// The top-up's overlaps (docs/RELIABILITY.md "Top-up timing"): the card's database facts are
// looked up while the card answers GET BALANCE, and the TAC check prepared before CREDIT FOR
// LOAD answers exactly what verifyLoadTac answers after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadInputError } from '../../common/errors.ts';
import { toHex } from '../../common/hex.ts';
import type { CardChannel } from '../../devices/channel.ts';
import { CpuClient, authorizeLoad, creditLoad, initLoad, prepareLoadTacCheck, readCpuCard, verifyLoadTac } from '../../devices/cpu/index.ts';
import { InProcessChannel } from '../../devices/emulator/in-process.ts';
import { SoftwareSam } from '../../devices/sam/software-sam.ts';
import type { SecurityModule } from '../../devices/sam/security-module.ts';
import type { Queryable } from '../../db/sqlite.ts';
import { readCard } from '../../core/workflows/read-card.ts';
import { TERMINAL, trainingCard, trainingKeys } from './cpu-helpers.ts';

const sam = new SoftwareSam(trainingKeys);
const GET_BALANCE = '805C000204';

/** The channel, logging each command and how many database reads had been issued when it went out. */
function logged(inner: CardChannel, reads: () => number): { channel: CardChannel; log: { apdu: string; readsIssued: number }[] } {
  const log: { apdu: string; readsIssued: number }[] = [];
  return {
    log,
    channel: {
      get readerName() { return inner.readerName; },
      get atr() { return inner.atr; },
      transmit: (apdu) => { log.push({ apdu: toHex(apdu), readsIssued: reads() }); return inner.transmit(apdu); },
    },
  };
}

test('readCard issues the card-facts query once SELECT identified the card, before GET BALANCE goes out', async () => {
  const sql: string[] = [];
  const db: Queryable = {
    run: () => Promise.reject(new Error('a read writes nothing')),
    get: async <T>(q: string, p?: unknown) => {
      sql.push(q);
      assert.deepEqual(p, ['cpu:3100000000000042']);
      return { listed: 1, status: 'active', deposit_fen: 2000, ops: '[]' } as T;
    },
    all: () => Promise.reject(new Error('not expected')),
  };
  const { channel, log } = logged(new InProcessChannel(trainingCard()), () => sql.length);
  const view = await readCard(db, channel, '3100', new Date('2026-03-01T02:00:00Z'), { log: false });
  assert.equal(sql.length, 1, 'one facts query');
  const getBalance = log.find((l) => l.apdu.startsWith(GET_BALANCE));
  assert.ok(getBalance !== undefined, 'GET BALANCE was sent');
  assert.equal(getBalance.readsIssued, 1, 'the facts query was already on its way when GET BALANCE went out');
  assert.equal(log[0]!.readsIssued, 0, 'nothing was asked before SELECT identified the card');
  // The early answer is the one the view shows.
  assert.equal(view.depositFen, 2000);
  assert.ok(view.flags.includes('blacklisted'));
  assert.equal(view.balanceFen, 1000);
});

test('readCpuCard reports the identity before GET BALANCE, once', async () => {
  const seen: string[] = [];
  const inner = new InProcessChannel(trainingCard());
  const channel: CardChannel = { readerName: inner.readerName, atr: inner.atr, transmit: (a) => { seen.push(toHex(a).slice(0, 10)); return inner.transmit(a); } };
  await readCpuCard(channel, { log: false, onIdentified: (kind, id) => seen.push(`id ${kind} ${id}`) });
  assert.deepEqual(seen.filter((s) => s.startsWith('id ')), ['id cpu 3100000000000042']);
  assert.ok(seen.indexOf('id cpu 3100000000000042') < seen.findIndex((s) => s.startsWith(GET_BALANCE)));
});

test('the TAC check prepared before CREDIT FOR LOAD agrees with verifyLoadTac', async () => {
  const channel = new InProcessChannel(trainingCard());
  const client = new CpuClient(channel);
  await client.select();
  const pending = await authorizeLoad(sam, await initLoad(client, { asn: '3100000000000042', cityCode: '3100', amountFen: 700, terminalId: TERMINAL }), new Date('2026-03-01T02:03:04Z'));
  const check = await prepareLoadTacCheck(sam, pending);
  assert.ok(check !== null, 'the software SAM computes the TAC ahead');
  const tac = await creditLoad(client, pending);
  assert.equal(check(tac), true);
  assert.equal(await verifyLoadTac(sam, pending, tac), true);
  const wrong = tac === '00000000' ? '00000001' : '00000000';
  assert.equal(check(wrong), false);
  assert.equal(await verifyLoadTac(sam, pending, wrong), false);
  assert.equal(check(tac.toLowerCase()), true);
  assert.throws(() => check('XYZ'), BadInputError);
  await assert.rejects(verifyLoadTac(sam, pending, 'XYZ'), BadInputError);
  // Another balance, another TAC: the check is bound to this load.
  const other = await prepareLoadTacCheck(sam, { ...pending, amountFen: 701 });
  assert.equal(other!(tac), false);
});

test('a module that cannot compute the TAC ahead leaves the check to verifyLoadTac', async () => {
  const noAhead: SecurityModule = {
    name: 'no-ahead',
    canServe: (c) => sam.canServe(c),
    verifyLoadMac1: (r) => sam.verifyLoadMac1(r),
    authorizeLoad: (r, d) => sam.authorizeLoad(r, d),
    verifyLoadTac: (c) => sam.verifyLoadTac(c),
    secureMessagingMac: (r) => sam.secureMessagingMac(r),
  };
  const client = new CpuClient(new InProcessChannel(trainingCard()));
  await client.select();
  const pending = await authorizeLoad(sam, await initLoad(client, { asn: '3100000000000042', cityCode: '3100', amountFen: 700, terminalId: TERMINAL }), new Date());
  assert.equal(await prepareLoadTacCheck(noAhead, pending), null);
  const nullAhead: SecurityModule = { ...noAhead, expectedLoadTac: async () => null };
  assert.equal(await prepareLoadTacCheck(nullAhead, pending), null);
});
