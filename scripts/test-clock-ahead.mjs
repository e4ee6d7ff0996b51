#!/usr/bin/env node
// `npm run test:clock-ahead`: the tests again with the machine's calendar moved years ahead
// (issue 13: no test may depend on today's date). Debian's faketime (libfaketime) moves the wall
// clock that Date sees; FAKETIME_DONT_FAKE_MONOTONIC keeps timers and performance.now() real, so
// timeouts and elapsed-time code behave as usual (docs/ARCHITECTURE.md "Tests").
//
// Runs the unit tests and the CLI workflows (ledger, receipts, day export — where dates are cut):
// they start pcscd and CUPS as children, which inherit the moved clock. Chromium and PostgreSQL
// are left out: libfaketime inside them is untried (TOOLCHAIN.md §10).
//   npm run test:clock-ahead                  # +1500 days
//   STATION_CLOCK_AHEAD=+4000d npm run test:clock-ahead
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const ahead = process.env.STATION_CLOCK_AHEAD ?? '+1500d';
if (!/^\+\d{1,5}d$/.test(ahead)) {
  process.stderr.write(`STATION_CLOCK_AHEAD must look like +1500d, got ${ahead}\n0 passed, 1 failed\n`);
  process.exit(1);
}
const probe = spawnSync('faketime', ['-f', ahead, process.execPath, '-e', 'process.stdout.write(String(new Date().getFullYear()))'], {
  env: { ...process.env, FAKETIME_DONT_FAKE_MONOTONIC: '1' },
  encoding: 'utf8',
});
const year = Number(probe.stdout);
if (probe.status !== 0 || !(year > new Date().getFullYear())) {
  // Without faketime this run proves nothing: fail under CI, explain elsewhere.
  process.stderr.write(`faketime is not working here (${probe.error?.message ?? probe.stderr ?? 'no output'}); install Debian's faketime package\n`);
  process.exit(process.env.CI ? 1 : 0);
}
process.stdout.write(`\n== tests with the clock moved ${ahead} (the machine's year is ${year} for them)\n`);
const r = spawnSync('faketime', ['-f', ahead, process.execPath, path.join(root, 'scripts/test.mjs'), '--no-static', 'test/unit', 'cli-workflows', 'cli-receipts', 'cli-ledger'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FAKETIME_DONT_FAKE_MONOTONIC: '1' },
});
process.exit(r.status ?? 1);
