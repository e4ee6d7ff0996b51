// Issue 16 item 1: every word a clerk sees is in the clerk's language. The tables of
// renderer/src/station-texts.ts against the closed sets they translate (every StationError code,
// every message id of common/say.ts, every 自检 check), and the concrete reports as the screen
// would word them: a zod refusal, the login refusal, the printer's next step, a replacement's time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequest } from '../../common/api.ts';
import { ERROR_CODES, StationError } from '../../common/errors.ts';
import { say, SAY_KEYS } from '../../common/say.ts';
import { LOGIN_REFUSED } from '../../core/auth.ts';
import { checkWords, errorWords, fieldName, sayText } from '../../renderer/src/station-texts.ts';

const LATIN_WORD = /[A-Za-z]{2,}/g;
/** Words a Chinese screen may show as they are (the walk's allow-list, test/integration/ui-walk-e2e.test.ts). */
const ALLOWED = new Set(['CPU', 'PIN', 'IC', 'Enter', 'Esc', 'Tab', 'PgUp', 'PgDn', 'TAC', 'QR', 'ID']);
const foreign = (text: string): string[] => (text.match(LATIN_WORD) ?? []).filter((w) => !ALLOWED.has(w));
const CJK = /[\u4e00-\u9fff]/;

test('every StationError code has a zh-CN and an English title and next step', () => {
  for (const code of ERROR_CODES) {
    const e = { code, message: 'Some English message from the core', hint: 'station something --flag' };
    const zh = errorWords('zh', e);
    const en = errorWords('en', e);
    assert.match(zh.title, CJK, `${code}: zh title`);
    assert.match(zh.next, CJK, `${code}: zh next step`);
    assert.deepEqual(foreign(`${zh.title} ${zh.next}`), [], `${code}: zh words only`);
    assert.equal(zh.text, null, `${code}: the core's English message is not the zh text`);
    assert.doesNotMatch(`${en.title} ${en.next}`, CJK, `${code}: en has no Chinese`);
    assert.ok(en.title.length > 0 && en.next.length > 0, `${code}: en title and next`);
    // The core's hint may be a shell command: it is never the next step on screen, in either language.
    assert.doesNotMatch(`${zh.next} ${en.next}`, /`|\bstation (printer|upstream|init|sim|staff|doctor|keys|receipt)\b|--[a-z]/, `${code}: no shell command as a next step`);
    assert.match(zh.technical, /station something --flag/, 'kept folded for support');
  }
});

test('every message id has zh-CN and English text with the same figures', () => {
  for (const key of SAY_KEYS) {
    const vars = { card: '3100000000000001', first: '3100000000100001', last: '3100000000100020', count: 20, field: 'cardNo', n: 2, cards: '31000000000000A1', status: 'lost', lostOn: '2026-12-01', days: 7, from: '2026-12-08 09:00', request: 'R-1', state: 'done', mode: 'training', city: '3100', terminal: '000000310001', seq: 4, tries: 5, minutes: 15, limit: '¥5,000.00', tendered: '¥10.00', due: '¥20.00', min: '¥10.00', max: '¥1,000.00', balance: '¥990.00', room: '¥10.00', date: '2026-12-01', amount: '¥28.00', denom: '¥0.30', entry: 'E-1', staff: '1002', since: '08:00', expected: '¥510.00', counted: '¥500.00', total: '¥600.00', kind: 'cashShort' };
    const zh = sayText('zh', say(key, vars));
    const en = sayText('en', say(key, vars));
    assert.match(zh.text, CJK, `${key}: zh`);
    assert.deepEqual(foreign(`${zh.text} ${zh.next ?? ''}`), [], `${key}: zh words only: ${zh.text} ${zh.next ?? ''}`);
    assert.doesNotMatch(`${en.text} ${en.next ?? ''}`, CJK, `${key}: en has no Chinese`);
    assert.doesNotMatch(`${zh.text}${zh.next ?? ''}${en.text}${en.next ?? ''}`, /\{\w+\}/, `${key}: every figure filled`);
    assert.equal(zh.next === undefined, en.next === undefined, `${key}: both or neither have their own next step`);
  }
});

test('a zod refusal reaches the screen as the field\'s name, never raw (shiftClose supervisor, entrySearch card number)', () => {
  const cases: Array<[unknown, string, string]> = [
    [{ id: 1, method: 'shiftClose', params: { counted: {}, print: 'never', idempotencyKey: 'k-0123456789abcdef', supervisor: { staffId: '', pin: '1234' } } }, '值班长工号', 'Supervisor ID'],
    [{ id: 2, method: 'entrySearch', params: { cardNo: '12' } }, '卡号', 'Card number'],
  ];
  for (const [raw, zhField, enField] of cases) {
    const r = parseRequest(raw);
    assert.equal(r.ok, false);
    if (r.ok) continue;
    assert.equal(r.error.say?.id, 'badField');
    const zh = errorWords('zh', r.error);
    const en = errorWords('en', r.error);
    assert.equal(zh.title, '输入有误');
    assert.ok(zh.text?.includes(zhField), zh.text ?? '');
    assert.deepEqual(foreign(`${zh.title} ${zh.text} ${zh.next}`), []);
    assert.doesNotMatch(`${zh.text} ${en.text}`, /Too small|expected|4 to 20 digits|shiftClose|entrySearch/, 'no zod message on screen');
    assert.ok(en.text?.includes(enField), en.text ?? '');
  }
  assert.equal(fieldName('zh', 'rides.1.at'), '输入内容', 'an unknown field is named generically in Chinese');
});

test('the login refusal in the clerk\'s words, with the way out on a screen (not "Wrong PIN for admin (1 tries left)")', () => {
  const e = new StationError('AUTH', LOGIN_REFUSED, 'hint', { say: say('loginRefused', { tries: 5, minutes: 15 }) }).toJSON();
  const zh = errorWords('zh', e);
  assert.equal(zh.text, '工号或密码错误，或该账户暂不能使用');
  assert.match(zh.next, /5 次.*15 分钟.*员工管理.*F1/);
  assert.deepEqual(foreign(`${zh.text} ${zh.next}`), []);
});

test('a replacement asked for too early names the day in China time, not a UTC instant', () => {
  const zh = sayText('zh', say('replaceTooEarly', { card: '3100000000000001', lostOn: '2026-12-07', days: 7, from: '2026-12-14 13:40' }));
  assert.equal(zh.text, '卡号 3100000000000001 于 2026-12-07 挂失，挂失 7 天后才能补卡，可补卡时间：2026-12-14 13:40');
  assert.doesNotMatch(zh.text, /T\d\d:|Z\b/);
});

test('自检 in the clerk\'s language: the printer\'s next step is for the administrator, never `station printer set --queue`', () => {
  const printer = { name: 'printer', status: 'warn' as const, detail: 'no receipt printer configured; receipts are saved under /x', hint: 'station printer set --queue NAME (lpstat -e lists the queues) or --dir PATH', say: say('doctorPrinterNone') };
  for (const lang of ['zh', 'en'] as const) {
    const w = checkWords(lang, printer);
    assert.doesNotMatch(`${w.name} ${w.text} ${w.next ?? ''}`, /station printer|--queue|lpstat/);
    assert.match(w.technical, /station printer set --queue/, 'the command stays folded for support');
  }
  const zh = checkWords('zh', printer);
  assert.equal(zh.name, '收据打印机');
  assert.match(zh.next ?? '', /管理员/);
  // A check without its own words still says its state in Chinese, with a next step.
  const other = checkWords('zh', { name: 'database', status: 'fail', detail: 'something broke' });
  assert.deepEqual([other.name, other.text], ['账本数据库', '故障']);
  assert.deepEqual(foreign(`${other.name} ${other.text} ${other.next ?? ''}`), []);
});
