// `npm run sim` is a door too: bad arguments get the usage line and exit 2, never a stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

const main = path.join(import.meta.dirname, 'main.ts');
const sim = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8', timeout: 60_000 });

test('--help prints the usage and exits 0', () => {
  const r = sim('--help');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^usage: npm run sim -- /);
});

for (const [args, why] of [[['--bogus'], /Unknown option '--bogus'/], [['--runs', 'x'], /whole numbers/], [['--jobs', '99'], /--jobs 1\.\.32/], [['--forced', '{'], /--forced takes the JSON/]] as const) {
  test(`${args.join(' ')}: the reason and the usage, exit 2, no stack trace`, () => {
    const r = sim(...args);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, why);
    assert.match(r.stderr, /usage: npm run sim -- /);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}
