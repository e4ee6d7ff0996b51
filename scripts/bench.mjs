#!/usr/bin/env node
// `npm run bench [-- NAME…]`: runs every bench/*.ts in turn (or those whose name contains one
// of the given words), each in its own process, and prints a table of their summary lines
// (each bench prints its figure as a ratio against a baseline measured in the same run, and
// ends with one summary line). Exit 1 if any bench failed to run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const words = process.argv.slice(2).filter((a) => !a.startsWith('--'));
let files = readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts')).sort();
if (words.length > 0) files = files.filter((f) => words.some((w) => f.includes(w)));
if (files.length === 0) {
  process.stderr.write('no bench files found\n');
  process.exit(1);
}

const rows = [];
for (const file of files) {
  process.stdout.write(`\n== bench/${file}\n`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('bench', file)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 20 * 60_000 });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  process.stdout.write(r.stdout ?? '');
  const lines = (r.stdout ?? '').trim().split('\n').filter(Boolean);
  const ok = r.status === 0;
  rows.push({ name: file.replace(/\.ts$/, ''), ok, secs, summary: ok ? (lines.at(-1) ?? '') : `FAILED (exit ${r.status ?? r.signal})` });
}

const w = Math.max(5, ...rows.map((r) => r.name.length));
process.stdout.write(`\n${'bench'.padEnd(w)}  ${'time'.padStart(7)}  summary\n${'-'.repeat(w)}  ${'-'.repeat(7)}  ${'-'.repeat(60)}\n`);
for (const r of rows) process.stdout.write(`${r.name.padEnd(w)}  ${`${r.secs}s`.padStart(7)}  ${r.summary}\n`);
process.exit(rows.every((r) => r.ok) ? 0 : 1);
