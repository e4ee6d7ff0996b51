// The confirmation screens go back to the confirmation only when no card can have changed
// (renderer/src/screens/workflow-kit.tsx nothingDone). The station's `outcome` decides over the
// code: CARD_CHANGED with outcome 'partial' is a sale that happened (the API simulation, seed 22).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiCallError } from '../../common/api.ts';
import { answerLost, nothingDone } from '../../renderer/src/screens/request-outcome.ts';

const failure = (code: 'CARD_CHANGED' | 'POLICY' | 'CARD_REMOVED' | 'INCOMPLETE', outcome?: 'none' | 'partial' | 'in-doubt') =>
  new ApiCallError({ code, message: 'x', ...(outcome ? { outcome } : {}) } as ConstructorParameters<typeof ApiCallError>[0]);

test('a refusal code with outcome none, or with no outcome, is nothing done', () => {
  assert.equal(nothingDone(failure('CARD_CHANGED', 'none')), true);
  assert.equal(nothingDone(failure('POLICY')), true);
  assert.equal(nothingDone(failure('CARD_REMOVED', 'none')), true);
});

test('a refusal code with outcome partial or in doubt is not nothing done', () => {
  assert.equal(nothingDone(failure('CARD_CHANGED', 'partial')), false);
  assert.equal(nothingDone(failure('POLICY', 'in-doubt')), false);
  assert.equal(nothingDone(failure('INCOMPLETE', 'partial')), false);
});

test('an error without the station\'s outcome and not a refusal code is an answer lost', () => {
  assert.equal(answerLost(failure('CARD_REMOVED')), true);
  assert.equal(answerLost(failure('CARD_CHANGED')), false);
  assert.equal(nothingDone(new Error('socket')), false);
});
