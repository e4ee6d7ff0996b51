// `station fare` as a child process (node --import tsx cli/station.ts fare): stdin, FILE,
// --explain, and exit 1 with a message on invalid input (plus {"error"} under --json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runStation, type StationRun } from '../harness/cli.ts';

function station(args: string[], stdin = ''): Promise<StationRun> {
  return runStation(args, process.env, { input: stdin });
}

const NINGBO = JSON.stringify({
  city: '宁波', card: { issuer: '宁波', type: 'regular' }, metro_spent_this_month: 0,
  rides: [{ at: '2019-11-05T08:00:00+08:00', mode: 'bus', fare: 200 }, { at: '2019-11-05T08:30:00+08:00', mode: 'metro', km: 3.5 }],
});
const EXPECTED = '{"rides":[{"charged":120,"transfer":false},{"charged":70,"transfer":true}],"total":190}\n';

test('station fare reads FARES.md JSON on stdin and prints the specified result', async () => {
  const r = await station(['fare'], NINGBO);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, EXPECTED);
  assert.equal((await station(['fare', '-'], NINGBO)).stdout, EXPECTED);
});

test('the README\'s example: station fare < examples/ride.json prints FARES.md\'s result', async () => {
  const example = readFileSync(path.resolve(import.meta.dirname, '../../examples/ride.json'), 'utf8');
  assert.deepEqual(JSON.parse(example), JSON.parse(NINGBO), 'examples/ride.json is FARES.md\'s input example');
  const r = await station(['fare'], example);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, EXPECTED);
});

test('station fare FILE reads the file; --explain adds the explanation', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fare-cli-'));
  const file = path.join(dir, 'rides.json');
  writeFileSync(file, NINGBO);
  const r = await station(['fare', file]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, EXPECTED);
  const e = await station(['fare', file, '--explain']);
  assert.equal(e.code, 0);
  const out = JSON.parse(e.stdout) as { total: number; explain: Array<{ transfer: { formula: string } | null }> };
  assert.equal(out.total, 190);
  assert.equal(out.explain[1]!.transfer!.formula, 'max(0, 190 − 120) = 70');
});

test('invalid input: exit 1 and a message on stderr; under --json also {"error"} on stdout', async () => {
  const bad = NINGBO.replace('"fare":200', '"fare":-200');
  const r = await station(['fare'], bad);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /rides\[0\]: negative fare -200/);
  assert.equal(r.stdout, '');
  const j = await station(['fare', '--json'], NINGBO.replace('"mode":"bus","fare":200', '"mode":"bus","km":2'));
  assert.equal(j.code, 1);
  const err = JSON.parse(j.stdout) as { error: { code: string; message: string } };
  assert.equal(err.error.code, 'BAD_INPUT');
  assert.match(err.error.message, /"km" is only for metro rides, not bus/);
  for (const [stdin, re] of [['{not json', /not valid JSON/], ['', /no fare input/], [NINGBO.replace('宁波', '北京'), /unknown city "北京"/]] as const) {
    const x = await station(['fare'], stdin);
    assert.equal(x.code, 1, stdin);
    assert.match(x.stderr, re);
  }
  const missing = await station(['fare', path.join(tmpdir(), 'no-such-dir-fare', 'x.json')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read .*x\.json: ENOENT/);
});
