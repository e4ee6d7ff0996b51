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
import { LedgerEventError } from '../../common/ledger-events.ts';
import { errorWords } from '../../renderer/src/station-texts.ts';

const root = path.resolve(import.meta.dirname, '../..');
/** The workflows behind the counter's card screens (售卡, 充值, 退卡, 升级换卡) and their shared checks. */
const FILES = [
  'core/workflows/validate.ts', 'core/workflows/topup.ts', 'core/workflows/issue.ts', 'core/workflows/refund.ts', 'core/workflows/card-steps.ts', 'core/workflows/migrate.ts',
  // 换卡, 挂失, 补卡, 开班/交班, 员工管理 and PINs, registration, 查询/重印 and receipts, the two-card services' binding.
  'core/workflows/damaged.ts', 'core/workflows/lost.ts', 'core/workflows/replace.ts', 'core/workflows/shift.ts', 'core/staff-admin.ts', 'core/auth.ts',
  'core/registration.ts', 'core/receipts.ts', 'core/api/handlers/receipts.ts', 'core/api/handlers/card-services.ts',
  // 交款 and transfers between shifts (issue 17 item 4).
  'core/workflows/cash-box.ts',
  // 卡库存 (issue 17 item 3).
  'core/stock.ts',
];

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

test('every POLICY / BAD_INPUT refusal of the counter\'s workflows has a message id', () => {
  const missing: string[] = [];
  let sites = 0;
  for (const file of FILES) {
    for (const s of refusalSites(readFileSync(path.join(root, file), 'utf8'))) {
      sites++;
      // The shared helpers pass the id they are given (their callers are checked by type: a Say is required).
      if (!/\bsay\(|say: said|, said\)/.test(s.call)) missing.push(`${file}:${s.line} ${s.call.slice(0, 120)}`);
    }
  }
  assert.ok(sites >= 70, `the scan finds the refusal sites (${sites})`);
  assert.deepEqual(missing, [], `refusals without a message id:\n${missing.join('\n')}`);
});

test('the refusals read in Chinese with their figures and a next step', () => {
  const cases = [
    new StationError('POLICY', 'Top-up refused: the card is reported lost', 'A found card can be returned by a supervisor', { say: say('cardLost', { card: '3100000000000001' }) }),
    new StationError('POLICY', 'balance would be ¥1,020.00, above the limit of ¥1,000.00', 'At most ¥10.00 can be loaded', { say: say('balanceAboveLimit', { balance: '¥1,020.00', max: '¥1,000.00', room: '¥10.00' }) }),
    new BadInputError('cash tendered (1000 fen) is less than the amount due (2000 fen)', undefined, say('tenderedTooLittle', { tendered: '¥10.00', due: '¥20.00' })),
    new StationError('POLICY', 'Upgrade refused: M1 card 79283544 is blacklisted', 'x', { say: say('m1Blacklisted', { card: '79283544' }) }),
    new StationError('POLICY', 'Drawer differs from expected by -10.00 yuan', 'Recount, or have a supervisor sign the difference off (--supervisor ID with STATION_SUPERVISOR_PIN)',
      { say: say('cashDifference', { kind: 'cashShort', amount: '¥10.00', expected: '¥510.00', counted: '¥500.00' }) }),
    new StationError('POLICY', 'Damaged-card request R1 is ready from 2026-12-10 09:00', 'Ask the customer to come back then', { say: say('damagedNotReady', { request: 'R1', from: '12月10日 09:00' }) }),
    new StationError('FORBIDDEN', 'Only an admin may deactivate the account of a supervisor', 'Ask an admin to do it', { say: say('staffNeedsAdmin') }),
    new BadInputError('card number must be the 16 hex digits of the card (ASN), got "12"', 'Read it from the card\'s receipt', say('asnInvalid')),
  ];
  const expected = [/卡号 3100000000000001 已挂失/, /¥1,020\.00.*¥1,000\.00/, /实收现金 ¥10\.00 少于应收 ¥20\.00/, /M1 卡 79283544 在黑名单中/, /短款 ¥10\.00（应有 ¥510\.00，清点 ¥500\.00）/, /R1 自 12月10日 09:00 起才能领卡/, /只有管理员/, /16 位卡号/];
  cases.forEach((e, i) => {
    const zh = errorWords('zh', e.toJSON());
    assert.match(zh.text ?? '', expected[i]!);
    assert.doesNotMatch(`${zh.text} ${zh.next}`, /refused|fen|supervisor|station |--/, 'no English or command on the Chinese screen');
    assert.notEqual(zh.next, errorWords('zh', { code: e.code, message: '' }).next, 'its own next step, not the generic one');
  });
});

test('a fault\'s own text (a schema\'s complaint, a SQL error) is never the screen\'s words, in either language', () => {
  const broken = new LedgerEventError({ kind: 'topup', fields: [{ field: 'amountFen', problem: 'Invalid input: expected number, received string' }], message: 'topup: amountFen: Invalid input: expected number, received string' }, { seq: 12, entryId: 'E12' });
  const faults = [broken, new StationError('INTERNAL', 'TypeError: Cannot read properties of undefined (reading \'x\')'), new StationError('STORAGE', 'Database error: SQLITE_BUSY')];
  for (const e of faults) {
    for (const lang of ['zh', 'en'] as const) {
      const w = errorWords(lang, e.toJSON());
      assert.doesNotMatch(`${w.title} ${w.text ?? ''} ${w.next}`, /Invalid input|TypeError|SQLITE|station ledger/, `${lang}: ${e.code}`);
      assert.match(w.technical, /./, 'the fault stays under the technical details');
    }
  }
  assert.match(errorWords('zh', broken.toJSON()).text ?? '', /账本第 12 笔（流水号 E12）无法读取/);
  assert.match(errorWords('en', broken.toJSON()).text ?? '', /Ledger entry 12 \(E12\) cannot be read/);
});
