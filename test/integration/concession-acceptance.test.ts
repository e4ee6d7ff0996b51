// Issue 17 acceptance, 年审 (docs/COUNTER-RULES.md §2), through the real PC/SC path: smartcard →
// libpcsclite → pcscd → vpcd → the emulated card (test/harness/pcsc-lab.ts), and the station API
// over its real WebSocket, called the way the renderer calls it (read, confirm with the card
// bound, commit with an idempotency key). The station's one injected clock is moved: a 学生卡 sold
// (its first 年审 date written and read back), topped up, overdue after its month and refused
// for top-up with the way out, 年审 done, topped up again — the verified-until date read back
// from the card, by the workflow, by the card panel, and from the emulated card's own file.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startUiServer, type UiServer } from '../../core/api/server.ts';
import { loadConfig } from '../../core/config.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { PcscCardAccess } from '../../core/pcsc-access.ts';
import { addStaff } from '../../core/staff-admin.ts';
import { authenticate } from '../../core/auth.ts';
import { createFirstAdmin, initStationHome } from '../../core/station-home.ts';
import { openStation, type Station } from '../../core/station.ts';
import { connectApi, type ApiClient } from '../harness/api-client.ts';
import { startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

const { after, before, test } = suiteNeeding(PCSC_LAB);

const ASN = '3100000000007001';
const key = (): string => randomUUID().replaceAll('-', '');
const clock = { now: new Date('2026-03-15T02:00:00Z') }; // 10:00 China time, 2026-03-15
let lab: PcscLab;
let home: string;
let dist: string;
let station: Station;
let server: UiServer;
let api: ApiClient;
let reader: string;

before(async () => {
  lab = await startPcscLab({ slots: 1 });
  reader = lab.readerNames[0]!;
  home = mkdtempSync(path.join(os.tmpdir(), 'concession-acc-'));
  dist = mkdtempSync(path.join(os.tmpdir(), 'concession-ui-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>t</title>');
  const config = initStationHome({ home, training: true, cityCode: '3100', terminalId: '010000000001', now: clock.now });
  await createFirstAdmin(home, config, '1111');
  const cards = new PcscCardAccess({ socketPath: lab.socketPath });
  station = await openStation({ home, env: { ...process.env, STATION_KEYS: '' }, cards, config: loadConfig(home), now: () => new Date(clock.now.getTime()) });
  await addStaff(station, await authenticate(station.db, 'admin', '1111'), { staffId: 'op1', name: '张三', role: 'operator', pin: '2222' });
  server = await startUiServer({ station, access: cards, staticDir: dist, idleLockMs: 3_600_000 });
  api = await connectApi(server.port, server.token);
  assert.ok((await api.call('login', { staffId: 'op1', pin: '2222' })).result);
  assert.ok((await api.call('shiftOpen', { floatFen: 10_000, idempotencyKey: key() })).result);
});
after(async () => {
  api?.ws.close();
  await server?.close();
  await station?.close().catch(() => undefined);
  await lab?.stop();
  for (const dir of [home, dist]) if (dir) rmSync(dir, { recursive: true, force: true });
});

type Answer = { result?: Record<string, unknown>; error?: { code: string; message: string; hint?: string; say?: { id: string; vars?: Record<string, string> } } };
const call = async (method: string, params: unknown = {}): Promise<Answer> => (await api.call(method, params)) as Answer;
const ok = async (method: string, params: unknown = {}): Promise<Record<string, unknown>> => {
  const a = await call(method, params);
  assert.ok(a.result, `${method}: ${JSON.stringify(a.error)}`);
  return a.result;
};

/** The card panel's view of the card on the reader (the renderer's `card` call), once it shows `asn` (and `until`, read again after a change). */
async function panelView(asn: string, until: (v: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
  const started = Date.now();
  while (Date.now() - started < 20_000) {
    const slots = (await ok('card')) as unknown as Array<{ state: string; reader: string; view?: Record<string, unknown> }>;
    const slot = slots.find((s) => s.reader === reader && s.state === 'card' && s.view?.asn === asn);
    if (slot?.view && until(slot.view)) return slot.view;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the panel never showed ${asn} as expected`);
}

/** The concession file's verified-until date as the emulated card itself holds it (bytes 1–4, BCD). */
async function cardFileDate(): Promise<string> {
  const state = (await lab.cardState(0)) as { ef001c?: string };
  const d = state.ef001c!.slice(2, 10);
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
}

const topupParams = (amountFen: number) => ({ amountFen, pay: 'cash', tenderedFen: amountFen, confirmedCard: { reader, asn: ASN }, print: 'never', idempotencyKey: key() });

test('a 学生卡 sold, topped up, overdue after its month and refused, 年审 done, topped up again — the date read back from the card', async () => {
  await lab.insert(0, makeLabCard({ kind: 'cpu', id: ASN, enabled: false }).toJSON());
  await panelView(ASN);
  const sale = await ok('issue', {
    confirmedCard: { reader, asn: ASN }, pay: 'cash', tenderedFen: 7000, firstLoadFen: 5000, print: 'never', idempotencyKey: key(),
    cardType: '01', eligibility: '学生证 checked, 第一中学', registration: { name: '李小明', idNumber: '11010519491231002X' },
  });
  assert.deepEqual([sale.cardType, sale.verifiedUntil], ['01', '2026-09-30']);
  assert.equal(await cardFileDate(), '2026-09-30');
  const sold = await panelView(ASN, (v) => v.cardType !== '00');
  assert.deepEqual([sold.cardType, sold.verifiedUntil], ['01', '2026-09-30']);

  const first = await ok('topup', topupParams(1000));
  assert.equal(first.balanceAfterFen, 6000);
  assert.equal(first.concessionDue, undefined);

  // The clock moves past September: overdue from 2026-10-01. Refused inside the top-up, with the way out.
  clock.now = new Date('2026-10-01T02:00:00Z');
  const refused = await call('topup', topupParams(1000));
  assert.equal(refused.error?.code, 'POLICY');
  assert.equal(refused.error?.say?.id, 'concessionOverdue');
  assert.deepEqual(refused.error?.say?.vars, { card: ASN, date: '2026-09-30' });
  assert.match(refused.error?.hint ?? '', /年审/);

  // 年审: read, then commit for the card the clerk confirmed.
  const check = await ok('concessionCheck', { reader });
  assert.deepEqual([check.state, check.verifiedUntil, check.newVerifiedUntil], ['overdue', '2026-09-30', '2027-09-30']);
  const verified = await ok('concessionVerify', { reader, confirmedCard: { reader, asn: ASN }, evidence: '学生证 checked, 第一中学', idempotencyKey: key() });
  assert.deepEqual([verified.previousUntil, verified.verifiedUntil, verified.verifiedOn], ['2026-09-30', '2027-09-30', '2026-10-01']);
  assert.equal(await cardFileDate(), '2027-09-30');
  assert.equal((await panelView(ASN, (v) => v.verifiedUntil !== '2026-09-30')).verifiedUntil, '2027-09-30');

  const again = await ok('topup', topupParams(1000));
  assert.equal(again.balanceAfterFen, 7000);
});
