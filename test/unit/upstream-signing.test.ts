// Request signing shared by station and host: a known-answer vector (so a change to the string
// to sign is noticed), tampering with any signed part, the time window, header parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSignatureHeaders, signRequest, signature, stringToSign, verifySignature } from '../../common/upstream-signing.ts';

const SECRET = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const T = 1_795_000_000_000;

test('string to sign and a fixed signature', () => {
  const input = { method: 'post', target: '/v1/blacklist?since=4', body: '{"a":1}', stationId: 'A1B2C3D4E5F6', timestamp: 1795000000, nonce: '0'.repeat(32) };
  assert.equal(
    stringToSign(input),
    'CU1-HMAC-SHA256\nPOST\n/v1/blacklist?since=4\n015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862\n1795000000\nA1B2C3D4E5F6\n' + '0'.repeat(32),
  );
  assert.match(signature(SECRET, input), /^[0-9a-f]{64}$/);
  assert.equal(signature(SECRET, input), signature(SECRET, { ...input }));
});

test('verify: good, tampered, stale, malformed', () => {
  const req = { method: 'POST', target: '/v1/stations/A1B2C3D4E5F6/entries', body: '{"x":1}', stationId: 'A1B2C3D4E5F6' };
  const headers = signRequest(SECRET, req, { nowMs: T });
  const got = readSignatureHeaders(headers);
  assert.ok(typeof got === 'object');
  assert.equal(verifySignature(SECRET, req, got, { nowMs: T + 299_000 }), null);
  assert.equal(verifySignature(SECRET, { ...req, body: '{"x":2}' }, got, { nowMs: T }), 'BAD_SIGNATURE');
  assert.equal(verifySignature(SECRET, { ...req, target: req.target + '?a=1' }, got, { nowMs: T }), 'BAD_SIGNATURE');
  assert.equal(verifySignature(SECRET, { ...req, method: 'PUT' }, got, { nowMs: T }), 'BAD_SIGNATURE');
  assert.equal(verifySignature(SECRET.replace('00', '01'), req, got, { nowMs: T }), 'BAD_SIGNATURE');
  assert.equal(verifySignature(SECRET, req, { ...got, stationId: 'A1B2C3D4E5F7' }, { nowMs: T }), 'BAD_SIGNATURE');
  assert.equal(verifySignature(SECRET, req, got, { nowMs: T + 301_000 }), 'STALE');
  assert.equal(verifySignature(SECRET, req, got, { nowMs: T - 301_000 }), 'STALE');
  assert.equal(readSignatureHeaders({}), 'MISSING');
  assert.equal(readSignatureHeaders({ ...headers, 'x-cu-nonce': 'xyz' }), 'MALFORMED');
});
