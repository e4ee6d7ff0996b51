// `station card read --json` as a person runs it, through the real stack:
// station CLI → smartcard → libpcsclite → private pcscd → vpcd → emulated card.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { runStation, type StationRun } from '../harness/cli.ts';
import { startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB);

let lab: PcscLab;
let home: string;

function station(args: string[]): Promise<StationRun> {
  return runStation(args, { ...process.env, ...lab.env, STATION_HOME: home }, { timeoutMs: 60_000 });
}

before(async () => {
  lab = await startPcscLab({ slots: 2 });
  home = mkdtempSync(path.join(os.tmpdir(), 'station-home-'));
  const init = await station(['init', '--training', '--admin-pin', '2468']);
  assert.equal(init.code, 0, init.stderr);
});
after(async () => {
  await lab?.stop();
  rmSync(home, { recursive: true, force: true });
});

test('a City Union CPU card: kind, ASN, city, balance and decoded log', async () => {
  const card = makeLabCard({ kind: 'cpu', city: '3100', balanceFen: 12345, id: '0000000000012345' });
  await lab.insert(0, card.toJSON());
  const r = await station(['card', 'read', '--json', '--reader', lab.readerNames[0]!]);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.equal(v.kind, 'cpu');
  assert.equal(v.asn, '0000000000012345');
  assert.equal(v.cityCode, '3100');
  assert.equal(v.city, '宁波');
  assert.equal(v.balanceFen, 12345);
  assert.equal(v.status, 'enabled');
  assert.ok(Array.isArray(v.log));
});

test('a CPU card of another member city is labelled as such', async () => {
  await lab.insert(1, makeLabCard({ kind: 'cpu', city: '2000', balanceFen: 500 }).toJSON());
  const r = await station(['card', 'read', '--json', '--reader', lab.readerNames[1]!]);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.equal(v.city, '上海');
  assert.equal(v.otherCity, true);
  await lab.remove(1);
});

test('an M1 card: UID, balance and flags', async () => {
  await lab.insert(0, makeLabCard({ kind: 'm1', id: 'A1B2C3D4', balanceFen: 3456, inProgress: true }).toJSON());
  const r = await station(['card', 'read', '--json', '--reader', lab.readerNames[0]!]);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.equal(v.kind, 'm1');
  assert.equal(v.uid, 'A1B2C3D4');
  assert.equal(v.balanceFen, 3456);
  assert.ok(v.flags.includes('in-progress'), JSON.stringify(v.flags));
});

test('a T-Union card of a known city: 交通联合, its city and province from EF 0017 (JT/T 978), no City Union top-up', async () => {
  await lab.insert(0, makeLabCard({ kind: 'tunion', city: '2900', balanceFen: 800, id: '31049000000000123456' }).toJSON());
  const r = await station(['card', 'read', '--json', '--reader', lab.readerNames[0]!]);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.equal(v.kind, 'tunion');
  assert.equal(v.cardNo, '31049000000000123456');
  assert.equal(v.cityCode, '2900');
  assert.equal(v.city, '上海');
  assert.equal(v.balanceFen, 800);
  assert.equal(v.topupLoads, null);
  assert.deepEqual(v.tunion, {
    cardNo: '31049000000000123456', cityCode: '2900', city: '上海', member: true, provinceCode: '3100', province: '上海',
    cardType: '01', interoperable: true, balanceFen: 800,
  });
  const h = await station(['card', 'read', '--reader', lab.readerNames[0]!]);
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /T-Union \(交通联合\) card on/);
  assert.match(h.stdout, /T-Union {2}31049000000000123456 {2}issued in 上海 \(2900\), 上海/);
});

test('a dual card (City Union + T-Union): both balances, and the top-up loads the City Union purse', async () => {
  await lab.insert(0, makeLabCard({ kind: 'dual', city: '3100', balanceFen: 4200, id: '0000000000054321', tuCity: '3320', tuBalanceFen: 1300 }).toJSON());
  const r = await station(['card', 'read', '--json', '--reader', lab.readerNames[0]!]);
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.deepEqual([v.kind, v.asn, v.city, v.balanceFen, v.topupLoads], ['cpu', '0000000000054321', '宁波', 4200, 'cu']);
  assert.deepEqual([v.tunion.cardNo, v.tunion.city, v.tunion.balanceFen], ['00000000000000054321', '宁波', 1300]);
  const h = await station(['card', 'read', '--reader', lab.readerNames[0]!]);
  assert.match(h.stdout, /purses {3}City Union ¥42\.00 \(a top-up here loads this one\) · T-Union ¥13\.00/);
});

test('a card pulled mid-read gives a clear error, and the next card reads normally', async () => {
  await lab.insert(0, makeLabCard({ kind: 'cpu', balanceFen: 100 }).toJSON());
  await lab.fault(0, { kind: 'remove', atApdu: 2 });
  const r = await station(['card', 'read', '--json', '--reader', lab.readerNames[0]!]);
  assert.notEqual(r.code, 0);
  const err = JSON.parse(r.stdout).error;
  assert.equal(err.code, 'CARD_REMOVED', r.stdout);
  assert.match(r.stderr, /left the field/);
  assert.match(r.stderr, /Place the same card/);
  await lab.insert(0, makeLabCard({ kind: 'cpu', balanceFen: 777 }).toJSON());
  const again = await station(['card', 'read', '--json', '--reader', lab.readerNames[0]!]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).balanceFen, 777);
});

test('no pcscd: a clear PC/SC error with a next step', async () => {
  const r = await runStation(['card', 'read', '--json'], { ...process.env, PCSCLITE_CSOCK_NAME: path.join(home, 'no-such.comm'), STATION_HOME: home });
  assert.notEqual(r.code, 0, 'the command failed');
  assert.equal(r.json.error.code, 'PCSC_UNAVAILABLE');
});
