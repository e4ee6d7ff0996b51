// Issue 14 item 7: every money field, over the CLI and over the API, refuses hostile numbers —
// huge, past the safe integers, negative, fractional, full-width and other non-ASCII digits, NaN,
// Infinity, hex, exponents — as BAD_INPUT with its next step (a figure above a policy limit names
// the limit), never INTERNAL, and books nothing. The real CLI (`station`'s main on a real station
// home) and the real WebSocket server of `station serve`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { UiServer } from '../../core/api/server.ts';
import { connectApi, type ApiAnswer, type ApiClient } from '../harness/api-client.ts';
import { count, liveCard } from '../harness/card-faults.ts';
import { runStationInProcess } from '../harness/cli.ts';
import { READER, type Fixture } from '../harness/station-fixture.ts';
import { startUiInProcess, type UiInProcess } from '../harness/ui-in-process.ts';

let fx: Fixture;
let cards: UiInProcess['cards'];
let server: UiServer;
let ui: UiInProcess;
const ASN = '3100000000000951';

before(async () => {
  ui = await startUiInProcess();
  ({ fx, cards, server } = ui);
  cards.insert(READER, liveCard(ASN, 1000));
});
after(async () => { await ui?.stop(); });

/** Typed amounts no clerk means: each must be refused with BAD_INPUT. */
const HOSTILE_TEXT = [
  '99999999999999999999', '1e18', '9007199254740993', '-1', '-0', '0', '0.5', '50.00', '1/2', '５０００', '٥٠٠٠', '５0', 'NaN', 'Infinity', '0x1388', '1_000', '5 000', ' ', '', '+5000',
];
/** Numbers in the API's JSON (the contract takes integer fen only). Raw text: NaN and 1e999 are not JSON numbers a client can send otherwise. */
const HOSTILE_JSON = ['1e18', '9007199254740993', '-1', '0.5', '1e-7', '1e999', '-1e999', 'NaN', '"５０００"', '"5000"', 'null', 'true', '[5000]', '{}'];

/** Past each policy limit while a valid whole number: refused BAD_INPUT naming the limit. */
const LIMITS = { float: '100000001', tendered: '999999999999999', counted: '10000x10001' };

const STATE = "SELECT (SELECT COUNT(*) FROM ledger_entries) * 1000 + (SELECT COUNT(*) FROM card_ops) AS n";

function cli(args: string[], pin = '2222') {
  return runStationInProcess([...args, '--json'], { ...process.env, STATION_HOME: fx.home, STATION_KEYS: '', STATION_PIN: pin, STATION_SUPERVISOR_PIN: '3333' });
}

/** What is wrong with a refusal (null: a BAD_INPUT with a message, a next step and, past a limit, the limit named). All are collected, then listed. */
function refusalProblem(what: string, code: string | undefined, message: string, hint: string | undefined, limit?: RegExp): string | null {
  if (code !== 'BAD_INPUT') return `${what}: ${code} ${message}`;
  if (message.length === 0 || hint === undefined || hint.length === 0) return `${what}: no next step (${message})`;
  if (limit && !limit.test(message)) return `${what}: the limit is not named (${message})`;
  return null;
}

test('CLI: every money option refuses hostile numbers with BAD_INPUT and books nothing', async () => {
  const before = await count(fx.station.db, STATE);
  const problems: string[] = [];
  const options: Array<[string, (v: string) => string[], string]> = [
    ['topup --amount', (v) => ['topup', `--amount=${v}`, '--operator', 'op1'], '2222'],
    ['topup --tendered', (v) => ['topup', '--amount=5000', `--tendered=${v}`, '--operator', 'op1'], '2222'],
    ['issue --load', (v) => ['issue', `--load=${v}`, '--operator', 'op1'], '2222'],
    ['issue --tendered', (v) => ['issue', `--tendered=${v}`, '--operator', 'op1'], '2222'],
    // The supervisor has no shift open: the float is what is refused.
    ['shift open --float', (v) => ['shift', 'open', `--float=${v}`, '--operator', 'sup1'], '3333'],
    ['shift close --counted (pieces)', (v) => ['shift', 'close', `--counted=10000x${v}`, '--operator', 'op1'], '2222'],
    ['shift close --counted (denomination)', (v) => ['shift', 'close', `--counted=${v}x1`, '--operator', 'op1'], '2222'],
  ];
  for (const [what, args, pin] of options) {
    for (const v of HOSTILE_TEXT) {
      // Valid where they mean nothing: 0 pieces of a denomination, a float of 0, no first load.
      if (v === '0' && (what.endsWith('(pieces)') || what.includes('--float') || what.includes('--load'))) continue;
      if (v === '' && what.includes('--load')) continue;
      const r = await cli(args(v), pin);
      const e = (r.json as { error?: { code: string; message: string; hint?: string } } | null)?.error;
      const problem = r.code === 0 ? `${what} ${JSON.stringify(v)} was accepted` : refusalProblem(`${what} ${JSON.stringify(v)}`, e?.code, e?.message ?? r.stderr, e?.hint);
      if (problem !== null) problems.push(problem);
    }
  }
  const limits: Array<[string, string[], string, RegExp]> = [
    ['shift open --float', ['shift', 'open', `--float=${LIMITS.float}`, '--operator', 'sup1'], '3333', /limit of 1000000 fen/],
    ['topup --amount', ['topup', '--amount=100001', '--operator', 'op1'], '2222', /balance limit of ¥1000\.00/],
    ['topup --amount (minimum)', ['topup', '--amount=1', '--operator', 'op1'], '2222', /at least ¥/],
    ['issue --load', ['issue', '--load=100001', '--operator', 'op1'], '2222', /balance limit of ¥1000\.00/],
    ['topup --tendered', ['topup', '--amount=5000', `--tendered=${LIMITS.tendered}`, '--operator', 'op1'], '2222', /limit of 1000000 fen/],
    ['shift close --counted', ['shift', 'close', `--counted=${LIMITS.counted}`, '--operator', 'op1'], '2222', /limit of 10000 pieces/],
    ['shift close --counted (repeated)', ['shift', 'close', '--counted=10000x6000,10000x6000', '--operator', 'op1'], '2222', /limit of 10000 pieces/],
  ];
  for (const [what, args, pin, limit] of limits) {
    const r = await cli(args, pin);
    const e = (r.json as { error?: { code: string; message: string; hint?: string } } | null)?.error;
    const problem = refusalProblem(what, e?.code, e?.message ?? r.stderr, e?.hint, limit);
    if (problem !== null) problems.push(problem);
  }
  assert.deepEqual(problems, []);
  assert.equal(await count(fx.station.db, STATE), before, 'nothing booked, no card op begun');
});

test('API: every money field refuses hostile numbers with BAD_INPUT and books nothing', async () => {
  const op = await connectApi(server.port, server.token);
  const sup = await connectApi(server.port, server.token);
  try {
    assert.ok((await op.call('login', { staffId: 'op1', pin: '2222' })).result);
    assert.ok((await sup.call('login', { staffId: 'sup1', pin: '3333' })).result);
    const before = await count(fx.station.db, STATE);
    const problems: string[] = [];
    let key = 0;
    const idem = () => `hostile-key-${String(++key).padStart(6, '0')}`;
    const card = { reader: READER, asn: ASN };
    // Each request as raw JSON text with the hostile value spliced in at VALUE.
    const fields: Array<[string, ApiClient, string, (k: string) => string]> = [
      ['topup.amountFen', op, 'topup', (k) => `{"idempotencyKey":"${k}","amountFen":VALUE,"pay":"cash","confirmedCard":${JSON.stringify(card)}}`],
      ['topup.tenderedFen', op, 'topup', (k) => `{"idempotencyKey":"${k}","amountFen":5000,"pay":"cash","tenderedFen":VALUE,"confirmedCard":${JSON.stringify(card)}}`],
      ['issue.firstLoadFen', op, 'issue', (k) => `{"idempotencyKey":"${k}","firstLoadFen":VALUE,"confirmedCard":${JSON.stringify(card)}}`],
      ['issue.tenderedFen', op, 'issue', (k) => `{"idempotencyKey":"${k}","tenderedFen":VALUE,"confirmedCard":${JSON.stringify(card)}}`],
      ['shiftOpen.floatFen', sup, 'shiftOpen', (k) => `{"idempotencyKey":"${k}","floatFen":VALUE}`],
      ['shiftClose.counted', op, 'shiftClose', (k) => `{"idempotencyKey":"${k}","counted":{"10000":VALUE}}`],
    ];
    let id = 1000;
    for (const [what, client, method, template] of fields) {
      for (const v of HOSTILE_JSON) {
        const raw = `{"id":${++id},"method":"${method}","params":${template(idem()).replace('VALUE', v)}}`;
        const answer = await rawCall(client, raw, id);
        // Outside the contract: the screen shows its own words for BAD_INPUT, so the contract's refusal needs no hint.
        const problem = answer.error ? refusalProblem(`${what} = ${v}`, answer.error.code, answer.error.message, answer.error.hint ?? 'contract') : `${what} = ${v} was accepted`;
        if (problem !== null) problems.push(problem);
      }
    }
    const limits: Array<[string, ApiClient, string, unknown, RegExp]> = [
      ['shiftOpen.floatFen', sup, 'shiftOpen', { floatFen: Number(LIMITS.float) }, /limit of 1000000 fen/],
      ['topup.amountFen', op, 'topup', { amountFen: 100_001, pay: 'cash', confirmedCard: card }, /balance limit of ¥1000\.00/],
      ['issue.firstLoadFen', op, 'issue', { firstLoadFen: 100_001, confirmedCard: card }, /balance limit of ¥1000\.00/],
      ['topup.tenderedFen', op, 'topup', { amountFen: 5000, pay: 'cash', tenderedFen: Number(LIMITS.tendered), confirmedCard: card }, /limit of 1000000 fen/],
      ['shiftClose.counted', op, 'shiftClose', { counted: { 10000: 10_001 } }, /limit of 10000 pieces/],
      ['shiftClose.counted total', op, 'shiftClose', { counted: { 10000: 9_000, 5000: 9_000, 2000: 9_000 } }, /limit of 20000 pieces/],
    ];
    for (const [what, client, method, params, limit] of limits) {
      const answer = await client.call(method, { ...(params as object), idempotencyKey: idem() });
      const problem = answer.error ? refusalProblem(what, answer.error.code, answer.error.message, answer.error.hint, limit) : `${what} was accepted`;
      if (problem !== null) problems.push(problem);
    }
    assert.deepEqual(problems, []);
    assert.equal(await count(fx.station.db, STATE), before, 'nothing booked, no card op begun');
  } finally {
    op.ws.close();
    sup.ws.close();
  }
});

/** Sends one raw text frame and waits for the answer with `id`. */
async function rawCall(client: ApiClient, raw: string, id: number): Promise<ApiAnswer> {
  const seen = client.received.length;
  client.ws.send(raw);
  for (;;) {
    for (const text of client.received.slice(seen)) {
      const m = JSON.parse(text) as ApiAnswer & { id?: number };
      if (m.id === id || (m.id === 0 && m.error)) return m;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
