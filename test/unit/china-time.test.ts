// common/china-time.ts: China's calendar (UTC+8) at its edges — the day boundary at 16:00 UTC,
// year end, leap days — and the rules that no other file adds eight hours by hand and that
// production code reads the machine's clock only through common/clock.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  addChinaDays, addWorkingDays, chinaDate, chinaDateTime, chinaDayRange, chinaDayStart, chinaHms, chinaIso, chinaMinute, chinaParts,
  chinaTimeOfDay, chinaWeekday, chinaYmd, clerkTime, isChinaDate, parseInstant,
} from '../../common/china-time.ts';

test('the China day turns at 16:00 UTC, not at UTC midnight', () => {
  assert.equal(chinaDate(new Date('2026-11-23T15:59:59.999Z')), '2026-11-23');
  assert.equal(chinaDate(new Date('2026-11-23T16:00:00.000Z')), '2026-11-24');
  assert.equal(chinaDate('2026-11-23T23:30:00Z'), '2026-11-24', 'an ISO string is an instant too');
  assert.equal(chinaDate(Date.parse('2026-11-24T00:00:00+08:00')), '2026-11-24');
  assert.equal(chinaDayStart('2026-11-24').toISOString(), '2026-11-23T16:00:00.000Z');
  const { start, end } = chinaDayRange('2026-11-24');
  assert.equal(start.toISOString(), '2026-11-23T16:00:00.000Z');
  assert.equal(end.toISOString(), '2026-11-24T16:00:00.000Z');
  assert.equal(chinaDateTime('2026-11-23T15:59:59Z'), '2026-11-23 23:59:59');
  assert.equal(chinaDateTime('2026-11-23T16:00:00Z'), '2026-11-24 00:00:00');
  assert.equal(chinaTimeOfDay('2026-11-23T02:05:09Z'), '10:05:09');
  assert.equal(chinaMinute('2026-11-23T02:05:59Z'), '2026-11-23 10:05');
  assert.equal(chinaIso('2026-11-23T02:05:09.500Z'), '2026-11-23T10:05:09+08:00');
  assert.equal(Date.parse(chinaIso(Date.parse('2026-11-23T02:05:09Z'))), Date.parse('2026-11-23T02:05:09Z'), 'round trip');
});

test('year end and new year: 31 Dec 16:00 UTC is already 1 January in China', () => {
  const eve = new Date('2026-12-31T16:00:00Z');
  assert.equal(chinaDate(eve), '2027-01-01');
  assert.equal(chinaYmd(eve), '20270101');
  assert.equal(chinaHms(eve), '000000');
  assert.deepEqual(chinaParts(eve), { year: 2027, month: 1, day: 1, hour: 0, minute: 0, second: 0, weekday: 5 });
  assert.equal(chinaYmd(new Date('2026-12-31T15:59:59Z')), '20261231');
  assert.equal(addChinaDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addChinaDays('2027-01-01', -1), '2026-12-31');
  assert.equal(addChinaDays('2026-12-25', 30), '2027-01-24');
});

test('leap days: 29 February exists in 2028, not in 2027', () => {
  assert.equal(addChinaDays('2028-02-28', 1), '2028-02-29');
  assert.equal(addChinaDays('2028-02-29', 1), '2028-03-01');
  assert.equal(addChinaDays('2027-02-28', 1), '2027-03-01');
  assert.equal(isChinaDate('2028-02-29'), true);
  assert.equal(isChinaDate('2027-02-29'), false);
  assert.equal(isChinaDate('2026-13-01'), false);
  assert.equal(isChinaDate('2026-1-01'), false);
  assert.equal(chinaDate(new Date('2028-02-28T16:00:00Z')), '2028-02-29');
  assert.equal(chinaDayStart('2028-03-01').toISOString(), '2028-02-29T16:00:00.000Z');
  assert.equal(chinaParts(new Date('2028-02-29T04:00:00Z')).weekday, 2, '2028-02-29 is a Tuesday');
});

test('working days skip Saturday and Sunday, across the month and the year', () => {
  assert.equal(chinaWeekday('2026-11-23'), 1);
  assert.equal(addWorkingDays('2026-11-27', 1), '2026-11-30'); // Friday → Monday
  assert.equal(addWorkingDays('2026-12-30', 3), '2027-01-04'); // Wednesday → Monday, past New Year
  assert.equal(addWorkingDays('2028-02-25', 2), '2028-02-29'); // Friday → Tuesday (leap day)
  assert.equal(addWorkingDays('2026-11-23', 0), '2026-11-23');
});

test('a clerk reads "HH:mm" for today and the date too for another day, in China time', () => {
  const now = new Date('2026-11-23T02:00:00Z'); // 10:00 on the 23rd in China
  assert.equal(clerkTime(new Date('2026-11-23T07:30:00Z'), now), '15:30');
  assert.equal(clerkTime(new Date('2026-11-23T16:10:00Z'), now), '2026-11-24 00:10', 'after 16:00 UTC it is tomorrow in China');
  assert.equal(clerkTime(new Date('2026-11-22T15:59:00Z'), now), '2026-11-22 23:59');
  assert.doesNotMatch(clerkTime('2026-11-24T01:00:00Z', now), /T|Z/);
});

test('a time that is not one is a RangeError naming it, never a made-up date', () => {
  assert.throws(() => parseInstant('yesterday', 'receipt time'), (e: Error) => e instanceof RangeError && /receipt time is not an ISO 8601 time: yesterday/.test(e.message));
  assert.throws(() => chinaDate('not a time'), RangeError);
  assert.throws(() => chinaDateTime(''), RangeError);
});

// ---- the rule: China time is computed in common/china-time.ts only ------------------------------

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Hand-written UTC+8: 8 * 3600(_000), 8 * 60 * 60, 28800(000), 480 minutes. */
const HAND_OFFSET = /\b8\s*\*\s*3_?600(?!\d)|\b8\s*\*\s*60\s*\*\s*60(?!\d)|\b28_?800(?!\d)|\b480\s*\*\s*60(?!\d)/;
const ALLOWED = new Set(['common/china-time.ts']);
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'release', 'test-artifacts', 'fixtures']);

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.isDirectory()) {
      if (!SKIP_DIRS.has(d.name) && !d.name.startsWith('.')) sourceFiles(path.join(dir, d.name), out);
    } else if (/\.(ts|tsx|mts|js|mjs|cjs)$/.test(d.name)) out.push(path.join(dir, d.name));
  }
  return out;
}

test('the offset pattern catches the hand-written forms (so the rule below can fail)', () => {
  for (const bad of ['t + 8 * 3600_000', 'ms + 8*3600*1000', 'x + 8 * 60 * 60 * 1000', 'offset = 28800', 'offset = 28_800_000', 'm + 480 * 60']) assert.match(bad, HAND_OFFSET, bad);
  for (const ok of ['18 * 3600_000', '8 * 36000', '128800', 'chinaDate(at)', 'const eightHours = 1']) assert.doesNotMatch(ok, HAND_OFFSET, ok);
});

test('no file but common/china-time.ts adds eight hours by hand, and no other China/local-time module exists', () => {
  const files = sourceFiles(ROOT).map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
  assert.ok(files.length > 100 && files.includes('core/station.ts'), `read ${files.length} files`);
  const offenders = files.filter((f) => !ALLOWED.has(f) && f !== 'test/unit/china-time.test.ts')
    .flatMap((f) => readFileSync(path.join(ROOT, f), 'utf8').split('\n').map((line, i) => ({ f, i, line })))
    .filter(({ line }) => HAND_OFFSET.test(line))
    .map(({ f, i, line }) => `${f}:${i + 1}: ${line.trim()}`);
  assert.deepEqual(offenders, [], 'use common/china-time.ts instead');
  const twins = files.filter((f) => /(^|\/)(china-time|local-time|china-date|chinese-time)\.[a-z]+$/.test(f) && !ALLOWED.has(f));
  assert.deepEqual(twins, [], 'one module for China time');
});

/** Reading the machine's clock directly (instead of the injected Clock or performance.now()). */
const WALL_CLOCK = /\bDate\.now\(\)|\bnew Date\(\)/;
const PRODUCTION = ['common/', 'core/', 'cli/', 'db/', 'devices/', 'receipts/', 'sync/', 'upstream/', 'main/', 'renderer/'];

test('production code reads the clock through common/clock.ts only (timing uses performance.now())', () => {
  assert.match('const t = Date.now();', WALL_CLOCK);
  assert.match('at = new Date()', WALL_CLOCK);
  assert.doesNotMatch('new Date(iso)', WALL_CLOCK);
  const files = sourceFiles(ROOT).map((f) => path.relative(ROOT, f).split(path.sep).join('/'))
    .filter((f) => PRODUCTION.some((d) => f.startsWith(d)) && f !== 'common/clock.ts');
  assert.ok(files.includes('core/station.ts') && files.includes('sync/relay.ts'), `read ${files.length} files`);
  const offenders = files.flatMap((f) => readFileSync(path.join(ROOT, f), 'utf8').split('\n').map((line, i) => ({ f, i, line })))
    .filter(({ line }) => WALL_CLOCK.test(line) && !/^\s*(\*|\/\/)/.test(line))
    .map(({ f, i, line }) => `${f}:${i + 1}: ${line.trim()}`);
  assert.deepEqual(offenders, [], 'take the station\'s clock (Station.now), systemClock() where the machine\'s clock is meant, or performance.now() for elapsed time');
});
