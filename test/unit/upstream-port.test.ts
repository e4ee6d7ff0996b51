// The UpstreamPort over the host client: a balance counts only once the host has the card
// blacklisted and knows a balance; an unreachable host is "offline" (null), a misconfigured one throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpstreamError } from '../../common/upstream-client.ts';
import type { CardBalanceAnswer } from '../../common/upstream-protocol.ts';
import { OfflineUpstream, upstreamFromClient } from '../../core/upstream-port.ts';

const answer = (over: Partial<CardBalanceAnswer>): CardBalanceAnswer => ({
  asn: '3100000000000001', balanceFen: 4200, basis: 'recorded', asOf: null, entries: 3, blacklisted: true, blacklistedAt: '2026-11-20T00:00:00Z', ...over,
});

test('confirmed balance of a blacklisted card', async () => {
  const port = upstreamFromClient({ cardBalance: async () => answer({}) });
  assert.deepEqual(await port.lostCardBalance('3100000000000001'), { balanceFen: 4200 });
});

test('not blacklisted at the host yet, or no balance known: no answer yet', async () => {
  assert.equal(await upstreamFromClient({ cardBalance: async () => answer({ blacklisted: false }) }).lostCardBalance('x'), null);
  assert.equal(await upstreamFromClient({ cardBalance: async () => answer({ balanceFen: null, basis: 'none' }) }).lostCardBalance('x'), null);
});

test('unreachable host is offline; a non-retryable failure is thrown', async () => {
  const down = upstreamFromClient({ cardBalance: async () => { throw new UpstreamError('network', 'connect ECONNREFUSED', { retryable: true }); } });
  assert.equal(await down.lostCardBalance('x'), null);
  const bad = upstreamFromClient({ cardBalance: async () => { throw new UpstreamError('http', 'AUTH', { status: 401, retryable: false }); } });
  await assert.rejects(bad.lostCardBalance('x'), (e: unknown) => e instanceof UpstreamError);
  assert.equal(await new OfflineUpstream().lostCardBalance(), null);
});
