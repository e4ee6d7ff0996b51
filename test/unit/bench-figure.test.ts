import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { parseFigures, printFigure, type BenchFigure } from '../../bench/figure.ts';

const figure: BenchFigure = {
  name: 'x', value: 1.5, unit: 'ms', baselineName: 'y', baseline: 3, baselineUnit: 'ms',
  ratio: 0.5, ratioMeaning: 'x / y', target: '≤ 1', met: true,
};

test('a printed figure is read back by the report, prose lines ignored', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
    const { printFigure } = await import(${JSON.stringify(new URL('../../bench/figure.ts', import.meta.url).href)});
    console.log('some prose');
    printFigure(${JSON.stringify(figure)});
    console.log('summary: last line');`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(parseFigures(r.stdout), [figure]);
  assert.equal(r.stdout.trim().split('\n').at(-1), 'summary: last line');
});

test('a figure that is not a finite number is refused, not reported', () => {
  assert.throws(() => printFigure({ ...figure, ratio: Number.NaN }), /not a finite number/);
  assert.throws(() => printFigure({ ...figure, baseline: Number.POSITIVE_INFINITY }), /not a finite number/);
});
