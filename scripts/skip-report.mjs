#!/usr/bin/env node
// Which test files skipped, how many tests each, and why: read from a TAP log of `npm test`.
// Node 20's TAP names a skipped test but not its file, so each name is looked up in the test
// files' text (its literal part, up to a template's first `${`, or a run of its words after one). For scripts/fresh-machine.sh's
// report. Usage: node scripts/skip-report.mjs TEST-LOG [REPO]
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const [logFile, repo = path.resolve(import.meta.dirname, '..')] = process.argv.slice(2);
if (logFile === undefined) {
  process.stderr.write('usage: node scripts/skip-report.mjs TEST-LOG [REPO]\n');
  process.exit(2);
}

function testFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'fixtures') continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) testFiles(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const sources = testFiles(path.join(repo, 'test')).map((file) => ({ file: path.relative(repo, file), text: readFileSync(file, 'utf8') }));
// The literal head of a test's name as it stands in a source file (quotes escaped as written).
const heads = (name) => {
  const head = name.slice(0, 60);
  return [head, head.replaceAll("'", "\\'")];
};

const byFile = new Map();
for (const line of readFileSync(logFile, 'utf8').split('\n')) {
  const m = /^\s*ok \d+ - (.*) # SKIP (.*)$/.exec(line);
  if (m === null) continue;
  const [, name, reason] = m;
  // The longest literal prefix found wins (a template's name matches up to its first `${`).
  let found = '(file not found)';
  for (let n = Math.min(name.length, 60); n >= 8 && found === '(file not found)'; n--) {
    const hit = sources.find((s) => heads(name.slice(0, n)).some((h) => s.text.includes(h)));
    if (hit) found = hit.file;
  }
  // A name that starts with a template (`${FRAMES} random …`): a run of its words further on.
  for (let at = name.indexOf(' '); at > 0 && found === '(file not found)'; at = name.indexOf(' ', at + 1)) {
    const run = name.slice(at + 1, at + 41);
    const hit = run.length >= 20 ? sources.find((s) => heads(run).some((h) => s.text.includes(h))) : undefined;
    if (hit) found = hit.file;
  }
  if (process.env.SKIP_REPORT_DEBUG && found.startsWith("(")) process.stderr.write(`not found: ${name}\n`);
  const key = `${found}\u0000${reason.replace(/^SKIPPED: /, '')}`;
  byFile.set(key, (byFile.get(key) ?? 0) + 1);
}

let total = 0;
for (const [key, count] of [...byFile].sort()) {
  const [file, reason] = key.split('\u0000');
  total += count;
  process.stdout.write(`${file}: ${count} skipped — ${reason}\n`);
}
process.stdout.write(`${total} skipped tests in ${new Set([...byFile.keys()].map((k) => k.split('\u0000')[0])).size} files\n`);
