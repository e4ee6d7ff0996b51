/**
 * bench/fares — prices 1,000,000 rides through the fare engine, and through the `station fare`
 * path with one large input file, and reports rides per second as a ratio against a baseline
 * measured in the same run: a bare loop that only parses the same JSON and sums the rides'
 * given base amounts. Not a timed test: it prints figures, it asserts only correctness.
 *
 *   node --import tsx bench/fares.ts [--rides N]
 */
import { chinaIso } from '../common/china-time.ts';
import { printFigure } from './figure.ts';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { calculateFares, FARE_RULES } from '../core/fares/index.ts';
import { seededRandom as prng } from '../test/harness/seeded-random.ts';

const argRides = process.argv.indexOf('--rides');
const TOTAL = argRides > 0 ? Number(process.argv[argRides + 1]) : 1_000_000;
const PER_INPUT = 100;
const REPEATS = 3;


const rnd = prng(20191105);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const CITIES = FARE_RULES.map((r) => r.city);
const GUESTS = ['上海', '兰州', '泰州', '龙岩', '绍兴'];
const TYPES = ['regular', 'regular', 'regular', 'discount', 'student', 'senior'];

interface RideDoc { at: string; mode: string; fare?: number; km?: number; zone?: string }

function makeRides(n: number, startMs: number, city: string, guest: boolean): RideDoc[] {
  const rides: RideDoc[] = [];
  let t = startMs;
  for (let i = 0; i < n; i++) {
    t += Math.floor(rnd() * 100 + 1) * 60_000;
    const at = chinaIso(t);
    const metro = rnd() < 0.4 && city !== '龙岩' && city !== '绍兴';
    const ride: RideDoc = metro
      ? (rnd() < 0.5 && CITIES.includes(city) ? { at, mode: 'metro', km: Math.round(rnd() * 400 + 5) / 10 } : { at, mode: 'metro', fare: pick([200, 300, 400, 500, 600]) })
      : { at, mode: pick(['bus', 'bus', 'bus', 'tram', 'ferry']), fare: pick([100, 150, 200, 200, 200, 300, 400, 700]) };
    if (guest && city === '龙岩' && !metro) ride.zone = pick(['中心城区', '县城']);
    rides.push(ride);
  }
  return rides;
}

function makeInputs(total: number): string[] {
  const texts: string[] = [];
  for (let done = 0; done < total; done += PER_INPUT) {
    const n = Math.min(PER_INPUT, total - done);
    const guest = rnd() < 0.2;
    const city = guest ? pick(GUESTS) : pick(CITIES);
    const issuer = guest ? pick(CITIES) : city;
    texts.push(JSON.stringify({
      city, card: { issuer, type: pick(TYPES) }, metro_spent_this_month: Math.floor(rnd() * 35_000),
      rides: makeRides(n, Date.UTC(2019, 10, 1), city, guest),
    }));
  }
  return texts;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => number): { ms: number; check: number } {
  const t0 = performance.now();
  const check = fn();
  return { ms: performance.now() - t0, check };
}

const texts = makeInputs(TOTAL);
const rides = texts.reduce((n, t) => n + (JSON.parse(t) as { rides: unknown[] }).rides.length, 0);

/** Baseline: parse and sum the rides' given amounts (fare, or km) — no rules. */
function baseline(): number {
  let sum = 0;
  for (const t of texts) {
    const doc = JSON.parse(t) as { rides: RideDoc[] };
    for (const r of doc.rides) sum += r.fare ?? r.km ?? 0;
  }
  return sum;
}

/** The engine: parse, validate, price. */
function engine(): number {
  let sum = 0;
  for (const t of texts) sum += calculateFares(JSON.parse(t)).total;
  return sum;
}

// Warm up both paths, then alternate measurements so drift hits both alike.
baseline();
engine();
const base: number[] = [];
const eng: number[] = [];
let total = 0;
for (let i = 0; i < REPEATS; i++) {
  base.push(time(baseline).ms);
  const e = time(engine);
  eng.push(e.ms);
  total = e.check;
}
const baseRate = rides / (median(base) / 1000);
const engRate = rides / (median(eng) / 1000);
process.stdout.write(`baseline (JSON.parse + sum of given amounts): ${Math.round(baseRate)} rides/s (median of ${REPEATS})\n`);
process.stdout.write(`engine   (JSON.parse + validate + price):      ${Math.round(engRate)} rides/s, ${(engRate / baseRate).toFixed(2)} of baseline; total ${total} fen\n`);

// The `station fare` path: one input file with all rides in one city, a child process.
const dir = mkdtempSync(path.join(tmpdir(), 'bench-fares-'));
try {
  const file = path.join(dir, 'rides.json');
  const doc = { city: '宁波', card: { issuer: '宁波', type: 'regular' }, metro_spent_this_month: 0, rides: makeRides(TOTAL, Date.UTC(2019, 0, 1), '宁波', false) };
  writeFileSync(file, JSON.stringify(doc));
  const expected = calculateFares(doc).total;
  const outFile = path.join(dir, 'out.json');
  const fd = openSync(outFile, 'w');
  const root = path.resolve(import.meta.dirname, '..');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/station.ts', 'fare', file], { cwd: root, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
  const cliMs = performance.now() - t0;
  closeSync(fd);
  if (r.status !== 0) throw new Error(`station fare failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(readFileSync(outFile, 'utf8')) as { rides: unknown[]; total: number };
  if (out.rides.length !== TOTAL || out.total !== expected) throw new Error(`station fare output differs: ${out.rides.length} rides, total ${out.total} ≠ ${expected}`);
  const cliRate = TOTAL / (cliMs / 1000);
  process.stdout.write(`station fare FILE (${(statSync(file).size / 1e6).toFixed(1)} MB, one process incl. start-up): ${Math.round(cliRate)} rides/s, ${(cliRate / baseRate).toFixed(2)} of baseline\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

printFigure({
  name: 'fare engine pricing', value: Math.round(engRate), unit: 'rides/s',
  baselineName: 'JSON.parse + sum of given amounts', baseline: Math.round(baseRate), baselineUnit: 'rides/s',
  ratio: engRate / baseRate, ratioMeaning: 'engine / baseline (higher is better)', target: null, met: null,
});
process.stdout.write(`fares: ${rides} rides, ${Math.round(engRate)} rides/s, ${(engRate / baseRate).toFixed(2)} of baseline\n`);
