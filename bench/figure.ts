/**
 * One measured figure of a bench, in a form `npm run bench` can gather into its report table.
 *
 * Every bench prints its human-readable lines as before; for each headline figure it also prints
 * one `BENCH_FIGURE {json}` line, and its one-line summary stays last. The report
 * (scripts/bench.ts) reads the JSON lines, so nobody has to parse prose.
 */
export interface BenchFigure {
  /** What was measured, e.g. "top-up (quickack PC/SC lab)". */
  readonly name: string;
  /** The figure, in `unit`. */
  readonly value: number;
  readonly unit: string;
  /** What the figure is compared against, measured in the same run. */
  readonly baselineName: string;
  readonly baseline: number;
  readonly baselineUnit: string;
  /** value / baseline when higher is better, as the bench defines it; stated in `ratioMeaning`. */
  readonly ratio: number;
  readonly ratioMeaning: string;
  /** The target from the issue, in words ("ratio ≤ 1.3"), and whether this run met it (null = no target). */
  readonly target: string | null;
  readonly met: boolean | null;
}

const PREFIX = 'BENCH_FIGURE ';

export function printFigure(f: BenchFigure): void {
  if (!Number.isFinite(f.value) || !Number.isFinite(f.baseline) || !Number.isFinite(f.ratio)) {
    throw new Error(`bench figure "${f.name}" is not a finite number: ${JSON.stringify(f)}`);
  }
  process.stdout.write(`${PREFIX}${JSON.stringify(f)}\n`);
}

/** Figures printed by a bench's stdout, in order; lines that are not figures are ignored. */
export function parseFigures(stdout: string): BenchFigure[] {
  const out: BenchFigure[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(PREFIX)) out.push(JSON.parse(line.slice(PREFIX.length)) as BenchFigure);
  }
  return out;
}
