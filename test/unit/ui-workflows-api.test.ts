// The card workflows' part of the station API contract (common/api.ts WORKFLOW_METHODS): what a
// screen may send for 售卡 退卡 挂失 补卡 换卡 升级换卡, and what the server may answer with
// (every money workflow carries its receipt; a queued request carries its pickup slip).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSchema, METHOD_NAMES, METHODS, parseRequest, WORKFLOW_METHODS } from '../../common/api.ts';

const ID = '11010519491231002X';
const receipt = { receipt: '/home/s/receipts/2026-11-23/E1.pdf', receiptEntryId: 'E1' };
const slip = {
  requestId: 'R1', kind: 'replacement', cardNumber: '3100000000000602', holderName: '张**', idNumberMasked: '110***********002X',
  stationId: 'S1', createdAt: '2026-11-23T05:00:00.000Z', readyFrom: '2026-11-30', instructions: '凭本单…',
};

test('the workflow methods are part of the one contract', () => {
  for (const m of ['counterPolicy', 'issue', 'refund', 'lost', 'replace', 'exchange', 'migrate'] as const) {
    assert.ok(METHOD_NAMES.includes(m), m);
    assert.equal(METHODS[m], WORKFLOW_METHODS[m]);
  }
});

test('workflow requests: good params pass, bad ones are refused with the field named', () => {
  // Every card-changing method names the card(s) the clerk confirmed (common/api.ts ConfirmedCardSchema).
  const card = (asn: string, reader = 'R0') => ({ reader, asn });
  const good: unknown[] = [
    { id: 1, method: 'issue', params: { idempotencyKey: 'k-0123456789abcdef', pay: 'cash', tenderedFen: 10000, firstLoadFen: 5000, registration: { name: '张三丰', idNumber: ID, phone: '13812345678' }, confirmedCard: card('3100000000000601') } },
    { id: 1, method: 'issue', params: { idempotencyKey: 'k-0123456789abcdef', pay: 'other', reference: 'POS-1', registration: null, confirmedCard: card('3100000000000601') } },
    { id: 1, method: 'issue', params: { idempotencyKey: 'k-0123456789abcdef', confirmedCard: card('3100000000000601') } },
    { id: 1, method: 'refund', params: { idempotencyKey: 'k-0123456789abcdef', reader: 'R0', supervisor: { staffId: 'sup1', pin: '8642' }, confirmedCard: card('3100000000000601') } },
    { id: 1, method: 'lost', params: { idempotencyKey: 'k-0123456789abcdef', idNumber: ID, card: '3100000000000602' } },
    { id: 1, method: 'replace', params: { idempotencyKey: 'k-0123456789abcdef', idNumber: ID, request: '01M83DD4HVZBRHCG5A3KX57H9V', reader: 'R0', print: 'never', confirmedCard: card('3100000000000603') } },
    { id: 1, method: 'replace', params: { idempotencyKey: 'k-0123456789abcdef', idNumber: ID, confirmedCard: null } },
    { id: 1, method: 'exchange', params: { idempotencyKey: 'k-0123456789abcdef', fault: 'quality', reader: 'R0', newReader: 'R1', confirmedCard: card('3100000000000601'), confirmedNewCard: card('3100000000000604', 'R1') } },
    { id: 1, method: 'exchange', params: { idempotencyKey: 'k-0123456789abcdef', fault: 'customer', unreadable: true, card: '3100000000000699', confirmedCard: null } },
    { id: 1, method: 'migrate', params: { idempotencyKey: 'k-0123456789abcdef', oldReader: 'R0', newReader: 'R0', pay: 'cash', tenderedFen: 500, confirmedCard: { reader: 'R0', uid: 'A1B2C3D4' } } },
  ];
  for (const raw of good) assert.equal(parseRequest(raw).ok, true, JSON.stringify(raw));

  const bad: Array<[unknown, RegExp]> = [
    [{ id: 1, method: 'issue', params: { firstLoadFen: 50.5 } }, /^issue: firstLoadFen/],
    [{ id: 1, method: 'issue', params: { tenderedFen: -1 } }, /^issue: tenderedFen/],
    [{ id: 1, method: 'issue', params: { pay: 'card' } }, /^issue: pay/],
    [{ id: 1, method: 'issue', params: { registration: { name: '张三丰' } } }, /^issue: registration\.idNumber/],
    [{ id: 1, method: 'issue', params: { registration: { name: '', idNumber: ID } } }, /^issue: registration\.name/],
    [{ id: 1, method: 'refund', params: { supervisor: { staffId: 'sup1', pin: '12' } } }, /PIN is 4 to 12 digits/],
    [{ id: 1, method: 'refund', params: { supervisor: { staffId: 'sup1' } } }, /^refund: supervisor\.pin/],
    [{ id: 1, method: 'lost', params: {} }, /^lost: idNumber/],
    [{ id: 1, method: 'lost', params: { idNumber: ID, card: '31000000' } }, /16 hex digits/],
    [{ id: 1, method: 'replace', params: { idNumber: ID, request: '' } }, /^replace: request/],
    [{ id: 1, method: 'exchange', params: { fault: 'accident' } }, /^exchange: fault/],
    [{ id: 1, method: 'exchange', params: { unreadable: 'yes' } }, /^exchange: unreadable/],
    [{ id: 1, method: 'migrate', params: { oldReader: 'R0' } }, /^migrate: newReader/],
    [{ id: 1, method: 'migrate', params: { oldReader: 'R0', newReader: 'R1', print: 'sometimes' } }, /^migrate: print/],
    [{ id: 1, method: 'refund', params: { reader: 'R0', asSupervisor: true } }, /^refund: /],
    [{ id: 1, method: 'refund', params: { reader: 'R0', confirmedCard: undefined } }, /^refund: confirmedCard/],
    [{ id: 1, method: 'migrate', params: { oldReader: 'R0', newReader: 'R1', confirmedCard: { reader: 'R0', uid: 'A1B2' } } }, /UID/],
    [{ id: 1, method: 'exchange', params: { fault: 'quality', reader: 'R0', newReader: 'R1', confirmedCard: card('3100000000000601'), confirmedNewCard: null } }, /^exchange: confirmedNewCard/],
  ];
  // The other fields' refusals are checked with a valid binding, so each names its own field first.
  const bound = (raw: unknown) => {
    const r = raw as { method: string; params: Record<string, unknown> };
    const needs = ['issue', 'refund', 'replace', 'exchange', 'migrate'].includes(r.method) && !('confirmedCard' in r.params);
    return needs ? { ...r, params: { confirmedCard: card('3100000000000601'), ...r.params } } : raw;
  };
  for (const [unbound, pattern] of bad) {
    const raw = bound(unbound);
    const r = parseRequest(raw);
    assert.equal(r.ok, false, JSON.stringify(raw));
    if (!r.ok) {
      assert.equal(r.error.code, 'BAD_INPUT');
      assert.match(r.error.message, pattern, JSON.stringify(raw));
    }
  }
});

test('workflow answers: receipts and pickup slips are part of the result', () => {
  const issue = {
    entryId: 'E1', cardRef: 'cpu:3100000000000601', asn: '3100000000000601', cityCode: '3100', depositFen: 2000, issueDate: '2026-11-23',
    registered: true, holderName: '张**', idNumberMasked: '110***********002X', phoneMasked: '138****5678', pay: 'cash', totalFen: 7000, tenderedFen: 10000, changeFen: 3000,
    firstLoad: { entryId: 'E2', amountFen: 5000, balanceBeforeFen: 0, balanceAfterFen: 5000, tac: '0A0B0C0D', tacVerified: true, cardRef: 'cpu:3100000000000601' },
    cardType: '00', verifiedUntil: null, settled: [], ...receipt, print: { ok: false, spooler: 'cups', queue: 'Receipt80', jobId: null, output: null, error: { code: 'PRINTER', message: 'paused', hint: 'resume the queue' } },
  };
  assert.equal(WORKFLOW_METHODS.issue.result.safeParse(issue).success, true);
  const { receipt: _r, ...withoutReceipt } = issue;
  assert.equal(WORKFLOW_METHODS.issue.result.safeParse(withoutReceipt).success, false, 'a money workflow answers with its receipt (null when it could not be made)');
  assert.equal(WORKFLOW_METHODS.issue.result.safeParse({ ...issue, changeFen: -1 }).success, false);
  assert.equal(WORKFLOW_METHODS.issue.result.safeParse({ ...issue, receipt: null, receiptError: { code: 'DISK_FULL', message: 'm', hint: 'h' } }).success, true);

  const queued = { state: 'queued', requestId: 'R1', oldCardRef: 'cpu:3100000000000602', entryId: 'E3', slip, ...receipt };
  assert.equal(WORKFLOW_METHODS.replace.result.safeParse(queued).success, true);
  assert.equal(WORKFLOW_METHODS.exchange.result.safeParse({ ...queued, slip: { ...slip, kind: 'damaged' } }).success, true);
  assert.equal(WORKFLOW_METHODS.replace.result.safeParse({ ...queued, slip: { ...slip, readyFrom: undefined } }).success, false);
  assert.equal(WORKFLOW_METHODS.replace.result.safeParse({ ...queued, state: 'pending' }).success, false);

  const refund = { entryId: 'E4', cardRef: 'cpu:3100000000000604', asn: '3100000000000604', balanceFen: 12000, depositFen: 2000, totalFen: 13400, fee: { kind: 'refund', scheduledFen: 600, chargedFen: 600, scheduleVersion: 'local-default-2026-12', waiver: null }, depositSource: 'policy', approvedBy: 'sup1', settled: [], ...receipt };
  assert.equal(WORKFLOW_METHODS.refund.result.safeParse(refund).success, true);
  assert.equal(WORKFLOW_METHODS.refund.result.safeParse({ ...refund, depositSource: 'guess' }).success, false);
});

test('the one-reader swap prompt is an event of the contract', () => {
  assert.equal(EventSchema.safeParse({ event: 'swap', reader: 'R0', timeoutMs: 120000 }).success, true);
  assert.equal(EventSchema.safeParse({ event: 'swap', reader: 'R0' }).success, false);
});
