// docs/SECURITY.md §9 (issue 14): ≥ 100,000 random and malformed frames at a real `station
// serve` — on the API socket (before and after login) and on the customer display's — then a
// real top-up through the same server on the PC/SC lab's card, and the audit trail grew by a
// few counter rows, not one row per refusal. Seeded (FUZZ_SEED), loopback only, paced by the
// answers (each batch waits for its replies) so it is bounded by the machine, not by a timer.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { makeLabCard } from '../../core/lab/card-specs.ts';
import { API_MAX_PAYLOAD, CUSTOMER_MAX_PAYLOAD } from '../../core/api/socket-guard.ts';
import { readAudit, type AuditRecord } from '../../db/audit.ts';
import { openStationDb } from '../../db/station-db.ts';
import { runStationOk } from '../harness/cli.ts';
import { startPcscLab, type PcscLab } from '../harness/pcsc-lab.ts';
import { seededRandom } from '../harness/seeded-random.ts';
import { startServe, type Serve } from '../harness/ui-serve.ts';
import { connectApi, type ApiClient } from '../harness/api-client.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, before, test } = suiteNeeding(PCSC_LAB);

const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const FRAMES = Number(process.env.FUZZ_FRAMES ?? 100_000);
const BATCH = 400;
const CARD_ASN = '3100000000099999';

let lab: PcscLab;
let home: string;
let serve: Serve;

before(async () => {
  lab = await startPcscLab({ slots: 1 });
  home = mkdtempSync(path.join(os.tmpdir(), 'ui-socket-fuzz-'));
  const env = { ...process.env, ...lab.env, STATION_HOME: home, STATION_KEYS: '' };
  await runStationOk(['init', '--training', '--admin-pin', '2468'], env);
  await runStationOk(['shift', 'open', '--operator', 'admin', '--float', '10000'], { ...env, STATION_PIN: '2468' });
  await lab.insert(0, makeLabCard({ kind: 'cpu', balanceFen: 5000, id: CARD_ASN }).toJSON());
  serve = await startServe(env, ['--idle-lock', '3600']);
});
after(async () => {
  await serve?.stop();
  await lab?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

async function auditAll(): Promise<AuditRecord[]> {
  const db = await openStationDb(path.join(home, 'training.sqlite'));
  try {
    return await readAudit(db, 1_000_000);
  } finally {
    await db.close();
  }
}

/** The rows written after the first `count` (readAudit lists newest first). */
async function auditSince(count: number): Promise<AuditRecord[]> {
  const rows = await auditAll();
  return rows.slice(0, rows.length - count);
}

type Frame = { data: string | Buffer; binary: boolean; closes?: 1007 | 1009 };

/** The malformed-frame generator: each kind the issue names, chosen by the seeded PRNG. */
function frameMaker(rand: () => number, maxPayload: number) {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const methods = ['topup', 'login', 'shiftOpen', 'shiftClose', 'card', 'readers', 'issue', 'refund', 'lost', 'customerShow', 'status', 'resume', 'logout', 'lock', 'doctor'];
  const junk = (): unknown => pick<() => unknown>([
    () => int(1e9) - 5e8, () => rand(), () => -0.5, () => 1e308, () => 'x'.repeat(int(300)), () => null, () => true,
    () => [int(9), 'a', null], () => ({ ['__proto__']: { admin: true } }), () => ({ amountFen: '100' }), () => '\u0000\uffff\ud800',
  ])();
  const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  // 1 frame in 100 each is invalid UTF-8 or oversized (they end the connection: a reconnect each);
  // any other frame that came out over the limit is marked so too.
  const sized = (f: Frame): Frame => (f.closes === undefined && Buffer.byteLength(f.data) > maxPayload ? { ...f, closes: 1009 } : f);
  return (): Frame => sized(make());
  function make(): Frame {
    const roll = int(100);
    switch (roll < 2 ? roll + 1 : [0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12][roll % 11]) {
      case 0: return { data: randomBytes(1 + int(200)), binary: true };
      case 1: return { data: Buffer.concat([Buffer.from('{"id":1,"method":"'), Buffer.from([0xc0 + int(0x20), 0x28 + int(8)]), Buffer.from('"}')]), binary: false, closes: 1007 };
      case 2: return { data: 'y'.repeat(maxPayload + 1 + int(1000)), binary: false, closes: 1009 };
      case 3: return { data: JSON.stringify({ id: 1, method: 'topup', params: { amountFen: 1, pad: 'z'.repeat(Math.max(0, maxPayload - 200 - int(1000))) } }), binary: false };
      case 4: { const d = 1 + int(Math.floor(maxPayload / 2) - 10); return { data: '['.repeat(d) + ']'.repeat(d), binary: false }; }
      case 5: return { data: JSON.stringify({ id: pick([-1, 1.5, '7', 2 ** 60, null, {}]), method: pick(methods), params: {} }), binary: false };
      case 6: return { data: JSON.stringify({ id: int(1e6), method: `m${int(1e6)}`, params: junk() }), binary: false };
      case 7: return { data: JSON.stringify({ id: int(1e6), method: pick(methods), params: { [pick(['amountFen', 'pay', 'staffId', 'pin', 'floatFen', 'counted', 'x'])]: junk(), extra: junk() } }), binary: false };
      case 8: return { data: JSON.stringify({ id: int(1e6), method: 'login', params: { staffId: pick(['op1', 'sup9', `s${int(1e4)}`]), pin: String(int(10_000)).padStart(4, '0') } }), binary: false };
      case 9: return { data: randomBytes(1 + int(64)).toString('latin1'), binary: false };
      case 10: return { data: JSON.stringify(junk()), binary: false };
      case 11: return { data: JSON.stringify(Array.from({ length: 1 + int(2000) }, () => junk())), binary: false };
      default: return { data: JSON.stringify({ id: int(1e6), method: pick(methods), params: {} }), binary: false };
    }
  }
}

/** Sends `frames` frames on reconnecting clients of one socket; returns what it saw. */
async function fuzzSocket(open: () => Promise<ApiClient>, frames: number, next: () => Frame, answered: boolean) {
  const closes: Record<string, number> = {};
  let sent = 0;
  let client = await open();
  while (sent < frames) {
    const before = client.received.length;
    let expected = 0;
    let closing: Frame['closes'];
    for (let i = 0; i < BATCH && sent < frames; i++) {
      const f = next();
      client.ws.send(f.data, { binary: f.binary });
      sent++;
      if (f.closes) {
        closing = f.closes;
        break; // the server closes this connection: open another
      }
      expected++;
    }
    if (closing !== undefined) {
      const code = await client.closed;
      closes[code] = (closes[code] ?? 0) + 1;
      assert.equal(code, closing, `a ${closing === 1007 ? 'invalid UTF-8' : 'oversized'} frame closes with ${closing}`);
      client = await open();
      continue;
    }
    if (answered) {
      // Every frame the API keeps the connection for gets exactly one answer (rate-limited or refused).
      while (client.received.filter((m, i) => i >= before && m.startsWith('{"id"')).length < expected) {
        assert.equal(client.ws.readyState, WebSocket.OPEN, 'the API kept the connection');
        await new Promise((r) => setTimeout(r, 5));
      }
    } else {
      // The customer display answers nothing: a ping's pong says the batch was read.
      await new Promise<void>((resolve) => { client.ws.once('pong', () => resolve()); client.ws.ping(); });
    }
    client.received.length = 0;
  }
  client.ws.close();
  return { sent, closes, closes1007: closes[1007] ?? 0, closes1009: closes[1009] ?? 0 };
}

test(`${FRAMES} random and malformed frames at both sockets, then a real top-up; the audit grows by counters, not per refusal`, async () => {
  const rand = seededRandom(SEED);
  const auditBefore = (await auditAll()).length;
  const customerToken = new URL(serve.customerUrl).searchParams.get('token')!;
  const apiFrames = Math.ceil(FRAMES * 0.8);
  const t0 = performance.now();
  const [api, customer] = await Promise.all([
    fuzzSocket(() => connectApi(serve.port, serve.token), apiFrames, frameMaker(rand, API_MAX_PAYLOAD), true),
    fuzzSocket(() => connectApi(serve.port, customerToken, '/customer-api'), FRAMES - apiFrames, frameMaker(seededRandom(SEED + 1), CUSTOMER_MAX_PAYLOAD), false),
  ]);
  const seconds = (performance.now() - t0) / 1000;
  assert.ok(api.sent + customer.sent >= FRAMES);
  assert.ok((api.closes[1007] ?? 0) > 0 && (api.closes[1009] ?? 0) > 0, `the API saw both faults: ${JSON.stringify(api.closes)}`);
  assert.ok((customer.closes[1007] ?? 0) > 0 && (customer.closes[1009] ?? 0) > 0, `the display saw both faults: ${JSON.stringify(customer.closes)}`);
  assert.equal(serve.child.exitCode, null, `station serve is still running:\n${serve.output()}`);
  process.stdout.write(`# fuzz: ${api.sent} API frames (closes ${JSON.stringify(api.closes)}), ${customer.sent} customer frames (closes ${JSON.stringify(customer.closes)}) in ${seconds.toFixed(1)} s, ${Math.round((api.sent + customer.sent) / seconds)} frames/s\n`);

  // The counter still works: log in (after the flood's throttle refills), read the card, top up.
  const clerk = await connectApi(serve.port, serve.token);
  let login;
  for (let i = 0; i < 60; i++) {
    login = await clerk.call('login', { staffId: 'admin', pin: '2468' });
    if (login.error?.code !== 'RATE_LIMITED') break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.ok(login?.result, `login after the fuzz: ${JSON.stringify(login)}`);
  let slots: Array<{ state: string; reader: string }> = [];
  for (let i = 0; i < 100 && !slots.some((s) => s.state === 'card'); i++) {
    slots = (await clerk.call('card')).result as typeof slots;
    if (!slots.some((s) => s.state === 'card')) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(slots.some((s) => s.state === 'card'), `the panel read the card: ${JSON.stringify(slots)}`);
  const reader = slots.find((s) => s.state === 'card')!.reader;
  const topup = await clerk.call('topup', { idempotencyKey: 'fuzz-final-topup-0001', amountFen: 1000, pay: 'cash', tenderedFen: 1000, print: 'never', confirmedCard: { reader, asn: CARD_ASN } });
  assert.ok(topup.result, `top-up after the fuzz: ${JSON.stringify(topup)}`);
  assert.equal((topup.result as { balanceAfterFen: number }).balanceAfterFen, 6000);
  assert.equal((await lab.cardState(0) as { balanceFen: number }).balanceFen, 6000, 'the card holds the money');
  clerk.ws.close();
  await clerk.closed;

  // The audit trail: stopping the server writes the last counters (core/refusal-tally.ts); then
  // the refusals are all there, as a few counter rows (per source, kind and 10 s interval) plus
  // one row per PIN that actually reached the staff table (the throttle lets few through).
  await serve.stop();
  assert.notEqual(serve.child.signalCode, 'SIGKILL', `station serve stopped on SIGTERM:\n${serve.output()}`);
  const added = await auditSince(auditBefore);
  const counted = added.filter((a) => a.outcome === 'refused' && typeof (a.details as { count?: unknown }).count === 'number')
    .reduce((n, a) => n + (a.details as { count: number }).count, 0);
  const refusedApiFrames = api.sent - api.closes1007 - api.closes1009;
  assert.ok(counted >= refusedApiFrames / 2, `the refusals are counted in the audit trail: ${counted} of ${refusedApiFrames} frames`);
  // The rows follow the time (counter kinds × 10 s intervals, PIN checks the throttle let
  // through), not the frames: 83 for 100,000 frames in 40 s, 33–41 for 5,000; 332 when a loaded
  // machine took 263 s. One per refusal was 78,000. So the bound grows with the time taken
  // (≤ 15 counter rows per 10 s interval), never with the frames.
  const intervals = Math.ceil((performance.now() - t0) / 10_000);
  const bound = 200 + 15 * intervals;
  assert.ok(added.length <= bound, `${refusedApiFrames} refused API frames grew the audit by ${added.length} rows (bound ${bound} for ${intervals} intervals of 10 s)`);
  assert.ok(added.length * 50 < refusedApiFrames, `far fewer rows than refusals: ${added.length} rows for ${refusedApiFrames}`);
  process.stdout.write(`# audit rows added: ${added.length} (counting ${counted} refusals) for ${refusedApiFrames} refused API frames\n`);
});
