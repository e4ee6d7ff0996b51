// `station fare` as a child process (node --import tsx cli/station.ts fare): stdin, FILE,
// --explain, and exit 1 with a message on invalid input (plus {"error"} under --json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

function station(args: string[], stdin = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/station.ts', ...args], { cwd: root, input: stdin, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const NINGBO = JSON.stringify({
  city: '宁波', card: { issuer: '宁波', type: 'regular' }, metro_spent_this_month: 0,
  rides: [{ at: '2019-11-05T08:00:00+08:00', mode: 'bus', fare: 200 }, { at: '2019-11-05T08:30:00+08:00', mode: 'metro', km: 3.5 }],
});
const EXPECTED = '{"rides":[{"charged":120,"transfer":false},{"charged":70,"transfer":true}],"total":190}\n';

test('station fare reads FARES.md JSON on stdin and prints the specified result', () => {
  const r = station(['fare'], NINGBO);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.equal(r.stdout, EXPECTED);
  assert.equal(station(['fare', '-'], NINGBO).stdout, EXPECTED);
});

test('station fare FILE reads the file; --explain adds the explanation', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fare-cli-'));
  const file = path.join(dir, 'rides.json');
  writeFileSync(file, NINGBO);
  const r = station(['fare', file]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, EXPECTED);
  const e = station(['fare', file, '--explain']);
  assert.equal(e.status, 0);
  const out = JSON.parse(e.stdout) as { total: number; explain: Array<{ transfer: { formula: string } | null }> };
  assert.equal(out.total, 190);
  assert.equal(out.explain[1]!.transfer!.formula, 'max(0, 190 − 120) = 70');
});

test('invalid input: exit 1 and a message on stderr; under --json also {"error"} on stdout', () => {
  const bad = NINGBO.replace('"fare":200', '"fare":-200');
  const r = station(['fare'], bad);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /rides\[0\]: negative fare -200/);
  assert.equal(r.stdout, '');
  const j = station(['fare', '--json'], NINGBO.replace('"mode":"bus","fare":200', '"mode":"bus","km":2'));
  assert.equal(j.status, 1);
  const err = JSON.parse(j.stdout) as { error: { code: string; message: string } };
  assert.equal(err.error.code, 'BAD_INPUT');
  assert.match(err.error.message, /"km" is only for metro rides, not bus/);
  for (const [stdin, re] of [['{not json', /not valid JSON/], ['', /no fare input/], [NINGBO.replace('宁波', '北京'), /unknown city "北京"/]] as const) {
    const x = station(['fare'], stdin);
    assert.equal(x.status, 1, stdin);
    assert.match(x.stderr, re);
  }
  const missing = station(['fare', path.join(tmpdir(), 'no-such-dir-fare', 'x.json')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read .*x\.json: ENOENT/);
});
