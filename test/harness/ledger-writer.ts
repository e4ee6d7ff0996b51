// A child process for the kill -9 test: appends balanced ledger entries as fast as it can and
// prints the seq of each entry only after its transaction committed (durable at FULL sync).
// The parent kills it at random moments and checks that every printed seq survived.
import { newId } from '../../common/ids.ts';
import { appendEntry, credit, debit } from '../../db/ledger.ts';
import { openStationDb } from '../../db/station-db.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: ledger-writer.ts DBFILE');
const db = await openStationDb(file);
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const amountFen = 100 + (i % 50) * 10;
  const next = {
    entryId: newId(), kind: 'topup', at: new Date().toISOString(), stationId: 'A1B2C3D4E5F6', operatorId: 'op1', shiftId: null,
    cardRef: `cpu:${(i % 7).toString().padStart(16, '0')}`, amountFen, payload: { i },
    postings: [debit('cash_drawer', amountFen), credit('card_float', amountFen)],
  };
  // Both durable paths the station uses: an event alone as one autocommit statement (with its
  // audit line), and an event inside a BEGIN IMMEDIATE … COMMIT with another write.
  const stored = i % 2 === 0
    ? await appendEntry(db, next, { audit: { action: 'topup', details: {} } })
    : await db.transaction(async (tx) => {
      const e = await appendEntry(tx, next);
      await tx.run("INSERT INTO audit (at, actor, action, outcome, details) VALUES (?, 'op1', 'topup', 'ok', '{}')", [e.at]);
      return e;
    });
  process.stdout.write(`${stored.seq}\n`);
}
