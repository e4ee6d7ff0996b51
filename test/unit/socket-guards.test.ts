// The pieces `station serve` uses against hostile peers, on an injected clock: the PIN-check
// token buckets (core/login-throttle.ts) and the aggregated refusal audit (core/refusal-tally.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle } from '../../core/login-throttle.ts';
import { RefusalTally, type RefusalRow } from '../../core/refusal-tally.ts';

const rules = { perStaff: { burst: 3, refillMs: 1000 }, perConnection: { burst: 5, refillMs: 1000 }, perSource: { burst: 8, refillMs: 500 } };
const limited = (e: unknown) => (e as { code?: string }).code === 'RATE_LIMITED';

test('login throttle: per staff id, per connection and per source, refilled over time; a refusal takes nothing', () => {
  let now = 0;
  const t = new LoginThrottle(rules, () => now);
  for (let i = 0; i < 3; i++) t.attempt({ staffId: 'a', connection: 'c1', source: 's' });
  assert.throws(() => t.attempt({ staffId: 'a', connection: 'c2', source: 's' }), limited, 'the id is spent on any connection');
  t.attempt({ staffId: 'b', connection: 'c1', source: 's' });
  t.attempt({ staffId: 'c', connection: 'c1', source: 's' });
  assert.throws(() => t.attempt({ staffId: 'd', connection: 'c1', source: 's' }), limited, 'the connection is spent on any id');
  t.attempt({ staffId: 'd', connection: 'c2', source: 's' });
  t.attempt({ staffId: 'e', connection: 'c3', source: 's' });
  t.attempt({ staffId: 'f', connection: 'c4', source: 's' });
  assert.throws(() => t.attempt({ staffId: 'g', connection: 'c5', source: 's' }), (e: unknown) => limited(e) && /try again in 1 s/.test((e as Error).message), 'the source is spent');
  t.attempt({ staffId: 'g', connection: 'c5', source: 'other' });
  // Refused attempts did not extend the wait: one refill later the source has one attempt.
  for (let i = 0; i < 20; i++) assert.throws(() => t.attempt({ staffId: 'h', connection: 'c6', source: 's' }), limited);
  now = 500;
  t.attempt({ staffId: 'h', connection: 'c6', source: 's' });
  assert.throws(() => t.attempt({ staffId: 'i', connection: 'c7', source: 's' }), limited);
  // A right PIN gives its attempt back: logging in all day never runs out.
  now = 50_000;
  for (let i = 0; i < 50; i++) t.attempt({ staffId: 'clerk', connection: 'c9', source: 'desk' }).succeeded();
  t.attempt({ staffId: 'clerk', connection: 'c9', source: 'desk' });
  // Full refill is capped at the burst.
  now = 100_000;
  for (let i = 0; i < 3; i++) t.attempt({ staffId: 'a', connection: `x${i}`, source: `y${i}` });
  assert.throws(() => t.attempt({ staffId: 'a', connection: 'x9', source: 'y9' }), limited);
});

test('refusal tally: one row per source, actor, action and reason with its count and connections; flushed periodically and at close', async () => {
  const rows: RefusalRow[] = [];
  let at = 0;
  const tally = new RefusalTally({ now: () => new Date(Date.UTC(2030, 0, 1) + at), flushMs: 3_600_000, write: async (r) => { rows.push(r); } });
  for (let i = 0; i < 1000; i++) {
    at = i;
    // A flood that reconnects after every frame is still one counter per kind.
    tally.count({ source: '127.0.0.1', connection: `c${i}`, actor: null }, 'readers', 'not logged in');
    tally.count({ source: '127.0.0.1', connection: 'c1', actor: null }, 'api-request', 'not JSON');
    tally.count({ source: '127.0.0.1', connection: 'c2', actor: 'op1' }, 'login', 'rate limited');
  }
  await tally.flush();
  assert.deepEqual(rows.map((r) => [r.actor, r.action, r.count, r.connections]), [[null, 'readers', 1000, 1000], [null, 'api-request', 1000, 1], ['op1', 'login', 1000, 1]]);
  assert.equal(rows[0]!.lastAt.getTime() - rows[0]!.firstAt.getTime(), 999);
  tally.count({ source: '127.0.0.1', connection: 'c1', actor: null }, 'readers', 'not logged in');
  await tally.close();
  assert.deepEqual(rows.slice(3).map((r) => [r.action, r.count]), [['readers', 1]]);
  await tally.close();
  assert.equal(rows.length, 4, 'nothing is written twice');
});

test('refusal tally: past maxKeys counters it flushes early, and a failing write loses only that row', async () => {
  const rows: RefusalRow[] = [];
  const tally = new RefusalTally({
    now: () => new Date(0), flushMs: 3_600_000, maxKeys: 4,
    write: async (r) => { if (r.action === 'bad') throw new Error('disk'); rows.push(r); },
  });
  const who = { source: 's', connection: 'c', actor: null };
  tally.count(who, 'bad', 'x');
  for (let i = 0; i < 3; i++) tally.count(who, `a${i}`, 'x');
  await tally.flush();
  assert.deepEqual(rows.map((r) => r.action), ['a0', 'a1', 'a2']);
  await tally.close();
});
