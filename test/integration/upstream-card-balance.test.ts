// The clearing host trusts only what it can check (issue 14 item 6). The adversarial pass had a
// registered station set any card's host balance — the amount a replacement pays out — through
// `payload.balanceAfterFen` of an entry it uploaded. Here a real station (SQLite ledger,
// emulated card, training keys) tops a card up and uploads its ledger to the host on a real
// PostgreSQL; then the same station uploads forged entries that continue its chain correctly.
// The host accepts them into the chain (they balance), but the card's balance stays the one
// the card's own TAC proves.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { PATHS, type CardBalanceAnswer, type EntryBatchAnswer, type WireEntry } from '../../common/upstream-protocol.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { TRAINING_KEYS_SOURCE } from '../../core/station-home.ts';
import { topup } from '../../core/workflows/topup.ts';
import { readEntries } from '../../db/ledger.ts';
import { buildHost } from '../../upstream/app.ts';
import { IssuerKeys } from '../../upstream/issuer-keys.ts';
import { registerStation } from '../../upstream/stations.ts';
import { openPostgres, type Database } from '../../upstream/store/database.ts';
import { migrate } from '../../upstream/store/migrate.ts';
import { startPgLab, type PgLab } from '../harness/pg-lab.ts';
import { READER, stationFixture, type Fixture } from '../harness/station-fixture.ts';
import { ChainMaker, StationClient } from '../harness/upstream-client.ts';
import { POSTGRES, suiteNeeding } from '../harness/system-needs.ts';

// Without POSTGRES on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(POSTGRES);

const ASN = '3100000000000901';
let lab: PgLab;
let db: Database;
let app: FastifyInstance;
let base: string;
let fx: Fixture;

before(async () => {
  lab = await startPgLab();
  db = openPostgres({ connectionString: await lab.createDatabase('card_balance') });
  await migrate(db);
  // The host holds the training issuer keys, as the sync lab's host does (UPSTREAM_KEYS).
  app = buildHost({ db, keys: IssuerKeys.load(TRAINING_KEYS_SOURCE), now: Date.now, adminToken: 'test-admin-token' });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  fx = await stationFixture();
});

after(async () => {
  await fx?.cleanup();
  await app?.close();
  await db?.close();
  await lab?.stop();
});

test('a station cannot set a card\'s host balance by an uploaded entry; the card\'s verified TAC decides', async () => {
  const { secret } = await registerStation(db, { stationId: fx.station.config.stationId, name: 'counter under test' });
  const client = new StationClient(base, fx.station.config.stationId, secret);
  const upload = async (entries: WireEntry[]): Promise<EntryBatchAnswer> => {
    const r = await client.post<EntryBatchAnswer>(PATHS.entries(client.stationId), { stationId: client.stationId, entries });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const balance = async (): Promise<CardBalanceAnswer> => (await client.get<CardBalanceAnswer>(PATHS.cardBalance(ASN))).body;

  // Genuine: two top-ups on the emulated card (¥5 on it before), uploaded as the relay does.
  fx.cards.insert(READER, makeLabCard({ kind: 'cpu', id: ASN, balanceFen: 500 }));
  await topup(fx.station, fx.operator, { amount: '2000', pay: 'cash', tendered: '2000' });
  const second = await topup(fx.station, fx.operator, { amount: '3000', pay: 'cash', tendered: '3000' });
  assert.equal(second.balanceAfterFen, 5500);
  const genuine = (await readEntries(fx.station.db, 'seq > ?', [0], 100)) as WireEntry[];
  const head = genuine.at(-1)!;
  assert.equal((await upload(genuine)).ackSeq, head.seq);
  const verified = await balance();
  assert.deepEqual([verified.balanceFen, verified.basis, verified.asOf?.entryId], [5500, 'verified', second.entryId]);

  // Forged, by the same registered station, continuing its chain: the report's entry (a bare
  // balanceAfterFen), a "load" with every field but a made-up TAC and a higher counter, and the
  // genuine TAC replayed under a higher counter and balance.
  const chain = new ChainMaker(client.stationId);
  chain.seq = head.seq;
  chain.head = head.hash;
  const money = (fen: number) => [{ account: 'cash_drawer', debitFen: fen, creditFen: 0 }, { account: 'card_float', debitFen: 0, creditFen: fen }];
  const realLoad = head.payload as Record<string, unknown>;
  assert.equal(typeof realLoad.hostDate, 'string', 'a load entry carries what its TAC covers');
  const forged = [
    chain.next({ kind: 'topup', cardRef: `cpu:${ASN}`, amountFen: 100, payload: { asn: ASN, balanceAfterFen: 9_999_900 }, postings: money(100) }),
    chain.next({ kind: 'topup', cardRef: `cpu:${ASN}`, amountFen: 100, postings: money(100),
      payload: { ...realLoad, tac: '0BADC0DE', onlineAtc: Number(realLoad.onlineAtc) + 1, balanceBeforeFen: 5500, balanceAfterFen: 5600 } }),
    chain.next({ kind: 'topup', cardRef: `cpu:${ASN}`, amountFen: 100, postings: money(100),
      payload: { ...realLoad, onlineAtc: Number(realLoad.onlineAtc) + 5, balanceBeforeFen: 9_999_800, balanceAfterFen: 9_999_900 } }),
  ];
  const answer = await upload(forged);
  assert.equal(answer.ackSeq, head.seq + 3, 'the host holds them in the chain (they balance) …');
  const after = await balance();
  assert.deepEqual([after.balanceFen, after.basis, after.asOf?.entryId, after.entries], [5500, 'verified', second.entryId, 5],
    '… but none of them moves the card\'s balance');

  // A card with only a station's word has no balance at the host.
  const other = chain.next({ kind: 'topup', cardRef: 'cpu:3100000000000902', amountFen: 100, payload: { asn: '3100000000000902', balanceAfterFen: 100 }, postings: money(100) });
  await upload([other]);
  const none = (await client.get<CardBalanceAnswer>(PATHS.cardBalance('3100000000000902'))).body;
  assert.deepEqual([none.balanceFen, none.basis], [null, 'none']);
});
