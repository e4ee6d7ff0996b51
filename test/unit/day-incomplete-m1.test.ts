// The day-end's "incomplete" list names an unfinished M1 upgrade by the number the city prints on
// the card (the one the screen and the receipt show, issue 16 item 8), never by its UID: its
// zeroing step (whose own record has only the UID) is named through the upgrade's intent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dayReportData } from '../../core/day-report.ts';
import { loadReceiptSettings } from '../../core/receipt-settings.ts';
import { writeIntent } from '../../db/intents.ts';
import { chinaDate } from '../../common/china-time.ts';
import { stationFixture, type Fixture } from '../harness/station-fixture.ts';

let fx: Fixture;
before(async () => { fx = await stationFixture(); });
after(async () => { await fx?.cleanup(); });

test('an unfinished upgrade and its zeroing step: named by the M1 card\'s printed number', async () => {
  const at = fx.station.now().toISOString();
  const base = { workflow: 'migrate', cardRef: 'm1:0A0B0C31', amountFen: 900, operatorId: 'op1', shiftId: null, createdAt: at };
  // As core/workflows/migrate.ts writes them: the upgrade (its entry carries the printed number), then the zeroing of the M1 card.
  await writeIntent(fx.station.db, { ...base, opId: 'OP-MIGRATION', request: { step: { step: 'migration', uid: '0A0B0C31', balanceFen: 900, txCount: 3, depositFen: 2000, deposit: 'carry', loadFen: 2900, feeFen: 0 }, event: { kind: 'migrate_done', cardRef: 'm1:0A0B0C31', amountFen: 900, payload: { uid: '0A0B0C31', cardNo: '79283544' }, postings: [] } } });
  await writeIntent(fx.station.db, { ...base, opId: 'OP-ZERO', request: { step: { step: 'm1-zero', uid: '0A0B0C31', balanceFen: 900, txCount: 3, terminal: '00000001', at }, event: { kind: 'migrate_out', cardRef: 'm1:0A0B0C31', amountFen: 900, payload: { migrationId: 'OP-MIGRATION', uid: '0A0B0C31' }, postings: [] } } });
  const data = await dayReportData(fx.station.db, fx.station.config, loadReceiptSettings(fx.station.home), chinaDate(fx.station.now()), fx.station.now());
  const named = data.incomplete.map((i) => [i.opId, i.cardNumber]).sort();
  assert.deepEqual(named, [['OP-MIGRATION', '79283544'], ['OP-ZERO', '79283544']]);
});

test('a CPU card\'s unfinished operation: its ASN, as before', async () => {
  const at = fx.station.now().toISOString();
  await writeIntent(fx.station.db, { opId: 'OP-LOAD', workflow: 'topup', cardRef: 'cpu:3100000000000777', amountFen: 500, operatorId: 'op1', shiftId: null, createdAt: at, request: { step: { step: 'load', asn: '3100000000000777', cityCode: '3100', amountFen: 500, terminalId: '010000000001', keyIndex: 1 }, event: { kind: 'topup', cardRef: 'cpu:3100000000000777', amountFen: 500, payload: {}, postings: [] } } });
  const data = await dayReportData(fx.station.db, fx.station.config, loadReceiptSettings(fx.station.home), chinaDate(fx.station.now()), fx.station.now());
  assert.equal(data.incomplete.find((i) => i.opId === 'OP-LOAD')?.cardNumber, '3100000000000777');
});
