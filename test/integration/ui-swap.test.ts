// One-reader counters through the station API (core/api/handlers/card-services.ts over the UI server's
// WebSocket, the real PC/SC lab with one reader): the M1 upgrade and the damaged-card exchange
// do the old card, push a 'swap' event to the screen that asked, wait until the reader has been
// empty and holds the new card, and finish on it — with the receipt saved.
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { loadConfig } from '../../core/config.ts';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { PcscCardAccess } from '../../core/pcsc-access.ts';
import { createFirstAdmin, initStationHome } from '../../core/station-home.ts';
import { openStation, type Station } from '../../core/station.ts';
import { startUiServer, type UiServer } from '../../core/api/server.ts';
import { startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB);

let lab: PcscLab;
let home: string;
let dist: string;
let station: Station;
let access: PcscCardAccess;
let server: UiServer;

before(async () => {
  lab = await startPcscLab({ slots: 1 });
  home = mkdtempSync(path.join(os.tmpdir(), 'station-swap-'));
  dist = mkdtempSync(path.join(os.tmpdir(), 'ui-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>t</title>');
  const config = initStationHome({ home, training: true, cityCode: '3100', terminalId: '010000000001', now: new Date() });
  await createFirstAdmin(home, config, '1111');
  access = new PcscCardAccess({ socketPath: lab.env.PCSCLITE_CSOCK_NAME });
  station = await openStation({ home, env: { ...process.env, STATION_KEYS: '' }, cards: access, config: loadConfig(home) });
  server = await startUiServer({ station, access, staticDir: dist, idleLockMs: 600_000 });
});
after(async () => {
  await server?.close();
  await access?.close();
  await station?.db.close().catch(() => undefined);
  await lab?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
  if (dist) rmSync(dist, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answers are read field by field in the assertions
type Msg = any;

async function client() {
  const ws = await new Promise<WebSocket>((resolve, reject) => {
    const w = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    w.once('open', () => resolve(w));
    w.once('error', reject);
  });
  const answers = new Map<number, (m: Msg) => void>();
  const events: Msg[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as Msg;
    if ('event' in m) events.push(m);
    else answers.get(m.id as number)?.(m);
  });
  let next = 1;
  const call = (method: string, params: unknown = {}): Promise<Msg> => {
    const id = next++;
    return new Promise((resolve) => { answers.set(id, resolve); ws.send(JSON.stringify({ id, method, params })); });
  };
  return { ws, call, events };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** What the operator does when the screen says so: old card off, new card on. */
async function swapTo(c: Awaited<ReturnType<typeof client>>, swapsBefore: number, reader: string, card: unknown, call: Promise<Msg>): Promise<void> {
  let answered: Msg = null;
  void call.then((m) => { answered = m; });
  await until('the swap prompt', () => {
    if (answered !== null) throw new Error(`answered before the swap: ${JSON.stringify(answered)}`);
    return c.events.filter((e) => e.event === 'swap').length > swapsBefore;
  });
  const prompt = c.events.filter((e) => e.event === 'swap').at(-1);
  assert.equal(prompt.reader, reader);
  assert.ok(prompt.timeoutMs > 0);
  await lab.remove(0);
  await until('the reader to be empty', async () => !(await station.cards.readers()).find((r) => r.name === reader)?.cardPresent);
  await lab.insert(0, card);
}

test('one reader: the upgrade and the exchange ask the screen for the swap and finish on the new card', async () => {
  const R0 = lab.readerNames[0]!;
  const c = await client();
  assert.ok((await c.call('login', { staffId: 'admin', pin: '1111' })).result);
  assert.ok((await c.call('shiftOpen', { idempotencyKey: randomUUID(), floatFen: 10_000 })).result);

  // M1 → CPU on one reader: ¥8.00 + the ¥20.00 deposit carried onto the new card.
  await lab.insert(0, makeLabCard({ kind: 'm1', id: '0A0B0C0E', balanceFen: 800 }).toJSON());
  await until('the panel to show the M1 card', () => c.events.some((e) => e.event === 'card' && e.view.kind === 'm1'));
  const upgrade = c.call('migrate', { idempotencyKey: randomUUID(), oldReader: R0, newReader: R0, print: 'never', confirmedCard: { reader: R0, uid: '0A0B0C0E' } });
  await swapTo(c, 0, R0, makeLabCard({ kind: 'cpu', id: '3100000000000701', enabled: false }).toJSON(), upgrade);
  const m = await upgrade;
  assert.equal(m.error, undefined, JSON.stringify(m.error));
  assert.equal(m.result.new.asn, '3100000000000701');
  assert.equal(m.result.loadedFen, 2800);
  // The PDF is saved right after the answer (issue 16 gap 1); the preview waits for it.
  assert.equal((await c.call('receiptPreview', { entryId: m.result.receiptEntryId })).result.file, m.result.receipt);
  assert.ok(existsSync(m.result.receipt), 'the receipt is saved');
  assert.equal((await lab.cardState(0) as { balanceFen: number }).balanceFen, 2800);

  // The new card, damaged (quality fault), exchanged on the same reader: its ¥28.00 moves.
  await until('the panel to show the new card', () => c.events.some((e) => e.event === 'card' && e.view.asn === '3100000000000701' && e.view.balanceFen === 2800));
  const exchange = c.call('exchange', { idempotencyKey: randomUUID(), fault: 'quality', reader: R0, newReader: R0, print: 'never', confirmedCard: { reader: R0, asn: '3100000000000701' } });
  await swapTo(c, 1, R0, makeLabCard({ kind: 'cpu', id: '3100000000000702', enabled: false }).toJSON(), exchange);
  const x = await exchange;
  assert.equal(x.error, undefined, JSON.stringify(x.error));
  assert.equal(x.result.state, 'done');
  assert.equal(x.result.asn, '3100000000000702');
  assert.equal(x.result.balanceFen, 2800);
  assert.equal((await c.call('receiptPreview', { entryId: x.result.receiptEntryId })).result.file, x.result.receipt);
  assert.ok(existsSync(x.result.receipt));
  assert.equal((await lab.cardState(0) as { balanceFen: number }).balanceFen, 2800);

  // A refusal before any card changed comes back as an error with its next step.
  const again = await c.call('refund', { idempotencyKey: randomUUID(), reader: R0, confirmedCard: { reader: R0, asn: '3100000000000702' }, supervisor: { staffId: 'admin', pin: '0000' } });
  assert.equal(again.error.code, 'AUTH');
  c.ws.close();
});
