// Card types by name (issue 16 item 1, gap 6): the project's table (00–04) by name in both
// languages; any other code — a city's own, a T-Union card's — as 其他卡种 with its code, never
// the bare code and never a guessed name (docs/CARD-PROTOCOL-NOTES.md "Card type codes").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cardTypeName } from '../../renderer/src/i18n.ts';

test('the table: 00–04 by name in zh-CN and English', () => {
  assert.deepEqual(['00', '01', '02', '03', '04'].map((c) => cardTypeName('zh', c)), ['普通卡', '学生卡', '老年卡', '爱心卡', '优惠卡']);
  assert.deepEqual(['00', '01', '02', '03', '04'].map((c) => cardTypeName('en', c)), ['Regular', 'Student', 'Senior', 'Disability', 'Concession']);
});

test('an unknown code: 其他卡种 with the code', () => {
  assert.equal(cardTypeName('zh', '05'), '其他卡种（05）');
  assert.equal(cardTypeName('zh', 'A1'), '其他卡种（A1）');
  assert.equal(cardTypeName('en', '7f'), 'Other card type (7f)');
});
