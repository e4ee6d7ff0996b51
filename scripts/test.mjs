#!/usr/bin/env node
// `npm test`: type check, lint (including the layer rules), then every *.test.ts file under
// node's test runner. Node 20's runner takes neither globs nor .ts discovery (TOOLCHAIN.md §1:
// `--test test/` finds 0 tests and exits 0), so the files are listed here explicitly, and a
// run that finds no test file fails instead of passing empty.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const skipStatic = args.includes('--no-static');

function run(cmd, cmdArgs, label) {
  process.stdout.write(`\n== ${label}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    process.stdout.write(`\n${label} failed (exit ${r.status ?? r.signal})\n0 passed, 1 failed\n`);
    process.exit(r.status || 1);
  }
}

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'fixtures') continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts')) out.push(path.relative(root, p));
  }
  return out;
}

if (!skipStatic) {
  run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.'], 'type check (tsc --noEmit)');
  run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'renderer'], 'type check of the renderer (DOM, JSX; tsc --noEmit -p renderer)');
  run(process.execPath, [path.join(root, 'node_modules/eslint/bin/eslint.js'), '.'], 'lint (eslint, layer rules)');
}

let files = findTests(path.join(root, 'test')).sort();
if (only.length > 0) files = files.filter((f) => only.some((o) => f.includes(o)));
if (files.length === 0) {
  process.stdout.write('no test files found\n0 passed, 1 failed\n');
  process.exit(1);
}
process.stdout.write(`\n== tests (${files.length} files)\n`);
// Each file is one test of the runner and gets the timeout whole: clean-shutdown's 50 serve
// starts take 2–3 min on an idle 2-core machine and twice that under load, so 10 min.
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=600000', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});
process.exit(r.status ?? 1);
