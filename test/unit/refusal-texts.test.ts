// Every refusal a clerk can get from the counter's money workflows carries a message id
// (common/say.ts), so the screen says it in zh-CN or English with a next step instead of the
// core's folded English (issue 16 item 1, gap 2). The refusal sites are found in the source —
// each `new StationError('POLICY' | 'BAD_INPUT', …)` and `new BadInputError(…)` call — and each
// must pass a say(…); station-texts.test.ts holds every id to its two texts. The same refusals
// read back through errorWords: Chinese words, the figures, the clerk's next step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BadInputError, StationError } from '../../common/errors.ts';
import { say } from '../../common/say.ts';
import { errorWords } from '../../renderer/src/station-texts.ts';

const root = path.resolve(import.meta.dirname, '../..');
/** The workflows behind the counter's card screens (售卡, 充值, 退卡, 升级换卡) and their shared checks. */
const FILES = ['core/workflows/validate.ts', 'core/workflows/topup.ts', 'core/workflows/issue.ts', 'core/workflows/refund.ts', 'core/workflows/card-steps.ts', 'core/workflows/migrate.ts'];

/** Each refusal construction in `src` with its line and full argument text (to the matching parenthesis). */
function refusalSites(src: string): Array<{ line: number; call: string }> {
  const out: Array<{ line: number; call: string }> = [];
  const start = /new (?:StationError\('(?:POLICY|BAD_INPUT)'|BadInputError\()/g;
  for (let m = start.exec(src); m !== null; m = start.exec(src)) {
    let depth = 0;
    let i = src.indexOf('(', m.index);
    for (; i < src.length; i++) {
      if (src[i] === '(') depth++;
      else if (src[i] === ')' && --depth === 0) break;
    }
    out.push({ line: src.slice(0, m.index).split('\n').length, call: src.slice(m.index, i + 1) });
  }
  return out;
}

test('every POLICY / BAD_INPUT refusal of the card workflows has a message id', () => {
  const missing: string[] = [];
  let sites = 0;
  for (const file of FILES) {
    for (const s of refusalSites(readFileSync(path.join(root, file), 'utf8'))) {
      sites++;
      // The shared helpers pass the id they are given (their callers are checked by type: a Say is required).
      if (!/\bsay\(|say: said|, said\)/.test(s.call)) missing.push(`${file}:${s.line} ${s.call.slice(0, 120)}`);
    }
  }
  assert.ok(sites >= 25, `the scan finds the refusal sites (${sites})`);
  assert.deepEqual(missing, [], `refusals without a message id:\n${missing.join('\n')}`);
});

test('the refusals read in Chinese with their figures and a next step', () => {
  const cases = [
    new StationError('POLICY', 'Top-up refused: the card is reported lost', 'A found card can be returned by a supervisor', { say: say('cardLost', { card: '3100000000000001' }) }),
    new StationError('POLICY', 'balance would be ¥1,020.00, above the limit of ¥1,000.00', 'At most ¥10.00 can be loaded', { say: say('balanceAboveLimit', { balance: '¥1,020.00', max: '¥1,000.00', room: '¥10.00' }) }),
    new BadInputError('cash tendered (1000 fen) is less than the amount due (2000 fen)', undefined, say('tenderedTooLittle', { tendered: '¥10.00', due: '¥20.00' })),
    new StationError('POLICY', 'Upgrade refused: M1 card 79283544 is blacklisted', 'x', { say: say('m1Blacklisted', { card: '79283544' }) }),
  ];
  const expected = [/卡号 3100000000000001 已挂失/, /¥1,020\.00.*¥1,000\.00/, /实收现金 ¥10\.00 少于应收 ¥20\.00/, /M1 卡 79283544 在黑名单中/];
  cases.forEach((e, i) => {
    const zh = errorWords('zh', e.toJSON());
    assert.match(zh.text ?? '', expected[i]!);
    assert.doesNotMatch(`${zh.text} ${zh.next}`, /refused|fen|supervisor|station /, 'no English on the Chinese screen');
    assert.notEqual(zh.next, errorWords('zh', { code: e.code, message: '' }).next, 'its own next step, not the generic one');
  });
});
