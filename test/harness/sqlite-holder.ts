// A second process on the station's SQLite file (test/unit/db-drivers.test.ts): opens it with
// the binding STATION_SQLITE names, takes the write lock (BEGIN IMMEDIATE), appends one entry
// inside it and says `holding`; on the line `commit` it commits and says `committed SEQ`.
// Killed while holding, it leaves what a crashed station leaves (a hot journal; on the WASM
// binding also its lock directory).
import readline from 'node:readline';
import { newId } from '../../common/ids.ts';
import { appendEntry, credit, debit } from '../../db/ledger.ts';
import { openStationDb } from '../../db/station-db.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: sqlite-holder.ts DBFILE');
const lines = readline.createInterface({ input: process.stdin });
const commit = new Promise<void>((resolve) => lines.on('line', (l) => { if (l.trim() === 'commit') resolve(); }));
const db = await openStationDb(file);
const e = await db.transaction(async (tx) => {
  const stored = await appendEntry(tx, {
    entryId: newId(), kind: 'topup', at: '2026-01-02T03:04:05.000Z', stationId: 'A1B2C3D4E5F6', operatorId: 'holder', shiftId: null,
    cardRef: 'cpu:0000000000000042', amountFen: 4200, payload: {}, postings: [debit('cash_drawer', 4200), credit('card_float', 4200)],
  });
  process.stdout.write(`holding ${db.driver}\n`);
  await commit;
  return stored;
});
process.stdout.write(`committed ${e.seq}\n`);
await db.close();
lines.close();
