// The quarantine list's reasons in the clerk's words (issue 16 gap 3): every code the clearing
// host can give for an entry it refused or rejected (common/upstream-protocol.ts, and the
// host's TAC check) has a zh-CN text with no English word in it and an English one; the stored
// "CODE: host text" splits into both; an unknown code is named, never shown as the host's text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REFUSE_CODES, REJECT_CODES } from '../../common/upstream-protocol.ts';
import { hostReasonText, KNOWN_HOST_CODES, splitHostReason } from '../../renderer/src/screens/sync-reasons.ts';

const CJK = /[\u4e00-\u9fff]/;
const HOST_CODES = [...REJECT_CODES, ...REFUSE_CODES, 'TAC_MISMATCH'];

test('every host code has its own zh-CN and English text', () => {
  assert.deepEqual([...KNOWN_HOST_CODES].sort(), [...HOST_CODES].sort());
  for (const code of HOST_CODES) {
    const zh = hostReasonText('zh', code);
    const en = hostReasonText('en', code);
    assert.match(zh, CJK, code);
    assert.deepEqual((zh.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => w !== 'TAC'), [], `${code}: zh words only: ${zh}`);
    assert.doesNotMatch(en, CJK, code);
    assert.doesNotMatch(`${zh} ${en}`, new RegExp(code), `${code}: the meaning, not the code`);
  }
});

test('a stored reason splits into the code and the host\'s text', () => {
  assert.deepEqual(splitHostReason('UNBALANCED: debits 100 ≠ credits 90'), { code: 'UNBALANCED', detail: 'debits 100 ≠ credits 90' });
  assert.deepEqual(splitHostReason('a reason without a code'), { code: null, detail: 'a reason without a code' });
  assert.equal(hostReasonText('zh', splitHostReason('TAC_MISMATCH: TAC 1234 of card …').code), '充值验证码（TAC）核对不符：卡上可能没有这笔充值，或卡不是本系统发行的卡');
});

test('an unknown code: refused by the host, with the code', () => {
  assert.equal(hostReasonText('zh', 'E_TEST'), '清分中心拒收了这笔流水（代码 E_TEST）');
  assert.equal(hostReasonText('en', 'E_TEST'), 'The clearing host refused this entry (code E_TEST)');
  assert.equal(hostReasonText('zh', null), '清分中心拒收了这笔流水');
});
