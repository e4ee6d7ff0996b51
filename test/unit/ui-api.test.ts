// The station API contract (common/api.ts), yuan typed at the counter (common/yuan-input.ts)
// and the amounts in Chinese capitals the confirmation shows (renderer/src/money.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSchema, METHOD_NAMES, METHODS, parseRequest, ServerMessageSchema } from '../../common/api.ts';
import { parseYuanInput, yuanInputProblem } from '../../common/yuan-input.ts';
import { capitals, yuan } from '../../renderer/src/money.ts';

test('requests: the envelope and each method\'s params are checked, extra fields refused', () => {
  const card = { reader: 'R0', asn: '3100000000000001' };
  const ok = parseRequest({ id: 1, method: 'topup', params: { idempotencyKey: 'k-0123456789abcdef', amountFen: 5000, pay: 'cash', tenderedFen: 10000, confirmedCard: card } });
  assert.equal(ok.ok, true);
  const cases: Array<[unknown, RegExp]> = [
    [null, /bad request/],
    [{ id: -1, method: 'status', params: {} }, /bad request/],
    [{ id: 1, method: 'nope', params: {} }, /bad request/],
    [{ id: 1, method: 'status', params: {}, extra: 1 }, /bad request/],
    [{ id: 1, method: 'topup', params: { amountFen: '5000', pay: 'cash' } }, /^topup: amountFen/],
    [{ id: 1, method: 'topup', params: { amountFen: 50.5, pay: 'cash' } }, /^topup: amountFen/],
    [{ id: 1, method: 'topup', params: { amountFen: -1, pay: 'cash' } }, /^topup: amountFen/],
    [{ id: 1, method: 'topup', params: { amountFen: 5000, pay: 'card', confirmedCard: card } }, /^topup: pay/],
    // The card binding (core/card-binding.ts): required, one number, the reader named.
    [{ id: 1, method: 'topup', params: { amountFen: 5000, pay: 'cash' } }, /^topup: confirmedCard/],
    [{ id: 1, method: 'topup', params: { amountFen: 5000, pay: 'cash', confirmedCard: { reader: 'R0' } } }, /ASN \(CPU card\) or its UID/],
    [{ id: 1, method: 'topup', params: { amountFen: 5000, pay: 'cash', confirmedCard: { ...card, uid: '0A0B0C0D' } } }, /ASN \(CPU card\) or its UID/],
    [{ id: 1, method: 'topup', params: { amountFen: 5000, pay: 'cash', confirmedCard: { reader: 'R0', asn: '31' } } }, /16 hex digits/],
    [{ id: 1, method: 'topup', params: { amountFen: 5000, pay: 'cash', confirmedCard: { asn: '3100000000000001' } } }, /^topup: confirmedCard\.reader/],
    [{ id: 1, method: 'refund', params: {} }, /^refund: confirmedCard/],
    [{ id: 1, method: 'issue', params: { reader: 'R0' } }, /^issue: confirmedCard/],
    [{ id: 1, method: 'migrate', params: { oldReader: 'R0', newReader: 'R1' } }, /^migrate: confirmedCard/],
    [{ id: 1, method: 'exchange', params: { fault: 'quality', reader: 'R0', newReader: 'R1' } }, /^exchange: confirmedCard/],
    [{ id: 1, method: 'replace', params: { idNumber: '110101199003070011' } }, /^replace: confirmedCard/],
    [{ id: 1, method: 'login', params: { staffId: 'a', pin: '12' } }, /PIN is 4 to 12 digits/],
    [{ id: 1, method: 'login', params: { staffId: 'a', pin: '1234', asRole: 'admin' } }, /^login: /],
    [{ id: 1, method: 'shiftClose', params: { counted: { abc: 1 } } }, /^shiftClose: counted/],
    // Every money request carries its idempotency key (core/idempotency.ts): none, or a malformed one, is refused.
    [{ id: 1, method: 'topup', params: { amountFen: 5000, pay: 'cash', tenderedFen: 10000, confirmedCard: card } }, /^topup: idempotencyKey/],
    [{ id: 1, method: 'shiftOpen', params: { floatFen: 100 } }, /^shiftOpen: idempotencyKey/],
    [{ id: 1, method: 'shiftClose', params: { counted: { 100: 1 } } }, /^shiftClose: idempotencyKey/],
    [{ id: 1, method: 'lost', params: { idNumber: '110101199003070011' } }, /^lost: idempotencyKey/],
    [{ id: 1, method: 'shiftOpen', params: { floatFen: 100, idempotencyKey: 'short' } }, /16 to 64 letters/],
    [{ id: 1, method: 'shiftOpen', params: { floatFen: 100, idempotencyKey: 'k'.repeat(16) + ' ;DROP' } }, /16 to 64 letters/],
  ];
  for (const [raw, pattern] of cases) {
    const r = parseRequest(raw);
    assert.equal(r.ok, false, JSON.stringify(raw));
    if (!r.ok) {
      assert.equal(r.error.code, 'BAD_INPUT');
      assert.match(r.error.message, pattern, JSON.stringify(raw));
    }
  }
  const withId = parseRequest({ id: 42, method: 'topup', params: {} });
  assert.equal(!withId.ok && withId.id, 42, 'the id is kept so the refusal reaches the caller');
});

test('every method has params and result schemas; events and answers parse', () => {
  assert.ok(METHOD_NAMES.length >= 11);
  for (const m of METHOD_NAMES) {
    assert.ok(METHODS[m].params, m);
    assert.ok(METHODS[m].result, m);
  }
  assert.equal(EventSchema.safeParse({ event: 'cleared', reader: 'R' }).success, true);
  assert.equal(EventSchema.safeParse({ event: 'card', reader: 'R' }).success, false, 'a card event carries the view');
  assert.equal(ServerMessageSchema.safeParse({ id: 3, error: { code: 'AUTH', message: 'x' } }).success, true);
  assert.equal(ServerMessageSchema.safeParse({ id: 3, error: { code: 'WHATEVER', message: 'x' } }).success, false);
});

test('yuan typed at the counter become integer fen without floats', () => {
  assert.equal(parseYuanInput('50'), 5000);
  assert.equal(parseYuanInput(' 50.5 '), 5050);
  assert.equal(parseYuanInput('0.05'), 5);
  assert.equal(parseYuanInput('1000.10'), 100010);
  assert.equal(parseYuanInput('0.29'), 29); // 0.29 * 100 is 28.999… in floating point
  for (const bad of ['', '-5', '5.001', '1e3', '¥-5', '5,00', '.5', '¥', '5元5']) assert.equal(parseYuanInput(bad), null, bad);
  // What a counter keyboard types (issue 16): full-width digits and point, ¥ / ￥ before, 元 after.
  assert.equal(parseYuanInput('５０'), 5000);
  assert.equal(parseYuanInput('５０．５'), 5050);
  assert.equal(parseYuanInput('¥50'), 5000);
  assert.equal(parseYuanInput('￥ 50.50 '), 5050);
  assert.equal(parseYuanInput('50元'), 5000);
  // A refusal says what to change.
  assert.deepEqual(['', '10.555', '-5', '1234567890', '5,00', 'abc'].map(yuanInputProblem), ['empty', 'decimals', 'negative', 'too-large', 'format', 'format']);
  assert.equal(yuanInputProblem('５０'), null);
});

test('amounts in capitals (大写) and figures', () => {
  assert.equal(yuan(5000), '¥50.00');
  assert.equal(yuan(5), '¥0.05');
  assert.equal(capitals(5000), '伍拾元整');
  assert.equal(capitals(10000), '壹佰元整');
  assert.equal(capitals(6200), '陆拾贰元整');
  assert.equal(capitals(55000), '伍佰伍拾元整');
  assert.equal(capitals(100050), '壹仟元伍角');
  assert.equal(capitals(1000000), '壹万元整');
  assert.equal(capitals(10050000), '壹拾万零伍佰元整');
  assert.equal(capitals(1000005), '壹万元零伍分');
  assert.equal(capitals(1001), '壹拾元零壹分');
  assert.equal(capitals(12345), '壹佰贰拾叁元肆角伍分');
  assert.equal(capitals(0), '零元整');
  assert.equal(capitals(5), '伍分');
});
