/**
 * `npm run bench [-- NAME…] [--out DIR]`: runs every bench/*.ts in turn (or those whose file name
 * contains one of the given words), each in its own process, and writes one report of their
 * figures — markdown and JSON — describing the machine it ran on.
 *
 * Each bench prints `BENCH_FIGURE {json}` lines (bench/figure.ts) for its headline figures, each
 * a value with the baseline measured in the same run and their ratio, and ends with a one-line
 * summary. The report is written to bench/results/report-<time>.{md,json} and copied to
 * bench/results/latest.{md,json} (bench/results/ is not committed: figures belong to a machine).
 * Exit 1 if any bench failed to run or printed no figure.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseFigures, type BenchFigure } from '../bench/figure.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BENCH_TIMEOUT_MS = 20 * 60_000;

interface BenchRun {
  readonly bench: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly loadBefore: number;
  readonly summary: string;
  readonly figures: readonly BenchFigure[];
}

function args(): { words: string[]; outDir: string } {
  const argv = process.argv.slice(2);
  const words: string[] = [];
  let outDir = path.join(ROOT, 'bench', 'results');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') outDir = path.resolve(argv[++i] ?? '');
    else if (!a.startsWith('--')) words.push(a);
  }
  return { words, outDir };
}

function toolVersion(cmd: string, argv: string[]): string {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 10_000 });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
  return r.status === 0 || text ? text : 'absent';
}

/** What the figures depend on: CPU, cores, memory, kernel, runtime, the temp filesystem, load. */
function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  const tmp = os.tmpdir();
  let tmpFs = 'unknown';
  try {
    const st = statfsSync(tmp);
    tmpFs = `type 0x${st.type.toString(16)}, ${Math.round((st.bavail * st.bsize) / 2 ** 30)} GiB free`;
  } catch { /* statfs unsupported: leave unknown */ }
  return {
    hostname: os.hostname(),
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    sqlite3: toolVersion('sqlite3', ['--version']).split(' ')[0] ?? 'absent',
    pcscd: toolVersion('pcscd', ['--version']),
    postgres: toolVersion('sh', ['-c', 'ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1']),
    chromium: toolVersion('sh', ['-c', 'chromium --version 2>/dev/null || echo absent']),
    tmpdir: `${tmp} (${tmpFs})`,
    loadAverageAtStart: Number(os.loadavg()[0]!.toFixed(2)),
  };
}

function runBench(file: string): BenchRun {
  process.stdout.write(`\n== bench/${file}\n`);
  const loadBefore = Number(os.loadavg()[0]!.toFixed(2));
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('bench', file)], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: BENCH_TIMEOUT_MS, maxBuffer: 64 * 2 ** 20,
  });
  const seconds = Number(((Date.now() - t0) / 1000).toFixed(1));
  const stdout = r.stdout ?? '';
  process.stdout.write(stdout.split('\n').filter((l) => !l.startsWith('BENCH_FIGURE ')).join('\n'));
  const lines = stdout.trim().split('\n').filter((l) => l && !l.startsWith('BENCH_FIGURE '));
  const figures = parseFigures(stdout);
  const ok = r.status === 0 && figures.length > 0;
  const why = r.status !== 0 ? `FAILED (exit ${r.status ?? r.signal})` : 'FAILED (no BENCH_FIGURE line)';
  return { bench: file.replace(/\.ts$/, ''), ok, seconds, loadBefore, summary: ok ? (lines.at(-1) ?? '') : why, figures };
}

const num = (x: number): string => (Math.abs(x) >= 100 ? String(Math.round(x)) : String(Number(x.toPrecision(3))));

function markdown(m: Record<string, string | number>, runs: readonly BenchRun[], when: string): string {
  const out: string[] = [`# Bench report — ${when}`, '', '## Machine', ''];
  for (const [k, v] of Object.entries(m)) out.push(`- ${k}: ${v}`);
  out.push('', '## Figures', '', '| bench | figure | value | baseline (same run) | ratio | target | met |', '|---|---|---|---|---|---|---|');
  for (const r of runs) {
    if (!r.ok) { out.push(`| ${r.bench} | — | ${r.summary} | | | | no |`); continue; }
    for (const f of r.figures) {
      const met = f.met === null ? '—' : f.met ? 'yes' : '**no**';
      out.push(`| ${r.bench} | ${f.name} | ${num(f.value)} ${f.unit} | ${f.baselineName}: ${num(f.baseline)} ${f.baselineUnit} | ${num(f.ratio)} (${f.ratioMeaning}) | ${f.target ?? '—'} | ${met} |`);
    }
  }
  out.push('', '## Runs', '', '| bench | seconds | load before | summary (last line) |', '|---|---|---|---|');
  for (const r of runs) out.push(`| ${r.bench} | ${r.seconds} | ${r.loadBefore} | ${r.summary.replaceAll('|', '\\|')} |`);
  return `${out.join('\n')}\n`;
}

function main(): void {
  const { words, outDir } = args();
  let files = readdirSync(path.join(ROOT, 'bench')).filter((f) => f.endsWith('.ts') && f !== 'figure.ts').sort();
  if (words.length > 0) files = files.filter((f) => words.some((w) => f.includes(w)));
  if (files.length === 0) {
    process.stderr.write('no bench files found\n');
    process.exit(1);
  }
  const m = machine();
  const runs = files.map(runBench);
  m.loadAverageAtEnd = Number(os.loadavg()[0]!.toFixed(2));
  const when = new Date().toISOString();
  mkdirSync(outDir, { recursive: true });
  const stamp = when.replace(/[:.]/g, '-');
  const md = markdown(m, runs, when);
  const mdFile = path.join(outDir, `report-${stamp}.md`);
  const jsonFile = path.join(outDir, `report-${stamp}.json`);
  writeFileSync(mdFile, md);
  writeFileSync(jsonFile, `${JSON.stringify({ when, machine: m, runs }, null, 2)}\n`);
  copyFileSync(mdFile, path.join(outDir, 'latest.md'));
  copyFileSync(jsonFile, path.join(outDir, 'latest.json'));
  process.stdout.write(`\n${md}\nreport: ${mdFile}\n        ${jsonFile}\n`);
  process.exit(runs.every((r) => r.ok) ? 0 : 1);
}

main();
