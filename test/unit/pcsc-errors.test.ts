/**
 * The `smartcard` binding rejects with plain Errors carrying pcsc-lite's text only; the
 * mapping to the station's typed errors depends on where the error happened.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CardRemovedError, CardTimeoutError, NoCardError, PcscUnavailableError, ReaderGoneError, StationError } from '../../common/errors.ts';
import { isServiceError, mapPcscError, ReaderBusyError } from '../../devices/pcsc/index.ts';

const R = 'Desk 00 00';
const cases: [text: string, op: Parameters<typeof mapPcscError>[1], expected: new (...a: never[]) => StationError][] = [
  ['PC/SC service not running', 'context', PcscUnavailableError],
  ['PC/SC service stopped', 'transmit', PcscUnavailableError],
  ['Invalid handle', 'transmit', PcscUnavailableError],
  ['Card was removed', 'transmit', CardRemovedError],
  ['Card was reset', 'transmit', CardRemovedError],
  ['Transaction failed', 'transmit', CardRemovedError],
  ['No smart card present', 'connect', NoCardError],
  ['No smart card present', 'transmit', CardRemovedError],
  ['Reader unavailable', 'connect', ReaderGoneError],
  ['Unknown reader', 'connect', ReaderGoneError],
  ['Operation timed out', 'transmit', CardTimeoutError],
  ['Card is unresponsive', 'connect', CardTimeoutError],
  ['Sharing violation', 'connect', ReaderBusyError],
  ['Communication error', 'transmit', CardRemovedError],
  ['Communication error', 'connect', ReaderGoneError],
];

for (const [text, op, expected] of cases) {
  test(`"${text}" during ${op} → ${expected.name}`, () => {
    const cause = new Error(text);
    const mapped = mapPcscError(cause, op, R);
    assert.ok(mapped instanceof expected, `got ${mapped.name}`);
    assert.equal(mapped.cause, cause, 'the PC/SC error is kept as cause');
  });
}

test('a comm error once pcscd was seen dying is PcscUnavailableError, and carries the hint', () => {
  const mapped = mapPcscError(new Error('Communication error'), 'transmit', R, true);
  assert.ok(mapped instanceof PcscUnavailableError);
  assert.match(mapped.hint ?? '', /PCSCLITE_CSOCK_NAME/);
  assert.equal(isServiceError(new Error('Unknown PC/SC error')), true);
  assert.equal(isServiceError(new Error('Card was removed')), false);
});

test('smartcard PCSCError-style codes map too; unknown texts become INTERNAL with the text', () => {
  const coded = Object.assign(new Error('whatever'), { code: 0x80100069 });
  assert.ok(mapPcscError(coded, 'transmit', R) instanceof CardRemovedError);
  const odd = mapPcscError(new Error('Insufficient buffer'), 'transmit', R);
  assert.equal(odd.code, 'INTERNAL');
  assert.match(odd.message, /Insufficient buffer/);
});
