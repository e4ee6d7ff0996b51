// One payload of every ledger event kind as today's workflows write it (taken from
// test/fixtures/release-ledger.sqlite), for tests that need a valid entry of a kind without
// running its workflow: schema tests, sync and idempotency tests that only need "an entry".
import type { Json } from '../../common/canonical-json.ts';
import type { LedgerEventKind } from '../../common/ledger-events.ts';

const OP = '01M8323B80PA6660G2C486YFKB';
const REQ = '01M8323B80PA6660G2C486YFM3';
const MIG = '01M8N2WC80FHEZ6SF75EWAJB88';
const pay = { pay: 'cash', tenderedFen: 5000, changeFen: 0, reference: null };
const load = { tac: '5CB47B88', tacVerified: true, balanceBeforeFen: 0, balanceAfterFen: 5000, onlineAtc: 0, hostDate: '20261123', hostTime: '100000', terminalId: '010000000001' };

export const SAMPLE_PAYLOADS: Record<LedgerEventKind, { [key: string]: Json }> = {
  shift_open: { floatFen: 50000 },
  shift_close: { counted: { 10000: 5 }, countedFen: 50000, expectedFen: 79500, differenceFen: -29500, signedOffBy: 'sup1', incompleteOps: 0 },
  cash_difference: { countedFen: 50000, expectedFen: 79500, signedOffBy: 'sup1' },
  // The teller's cash (issue 17 item 4): written since, not in the release fixture.
  cash_handover: { handoverId: OP, amountFen: 20000, to: 'safe', supervisorId: 'sup1' },
  float_return: { floatFen: 50000, returnedFen: 50000 },
  cash_transfer_out: { transferId: OP, amountFen: 10000, toOperatorId: 'op2', toShiftId: REQ },
  cash_transfer_in: { transferId: OP, amountFen: 10000, fromOperatorId: 'op1', fromShiftId: MIG, sentEntryId: REQ },
  card_sale: { ...pay, opId: OP, asn: '3100000000000601', cityCode: '3100', depositFen: 2000, firstLoadFen: 5000, issueDate: '20261123', registered: false },
  topup: { ...pay, ...load, opId: OP, asn: '3100000000000601', cityCode: '3100' },
  refund: { opId: OP, asn: '3100000000000601', cityCode: '3100', balanceFen: 5000, depositFen: 2000, depositSource: 'registry', approvedBy: null },
  lost_report: { ...pay, pay: null, tenderedFen: 0, asn: '3100000000000602', cityCode: '3100', idNumberMasked: '110***********002X', depositFen: 2000, feeFen: 0, blacklist: true },
  replacement_request: { requestId: REQ, asn: '3100000000000602', depositFen: 2000, idNumberMasked: '110***********002X' },
  replacement_out: { requestId: REQ, asn: '3100000000000602', confirmedBalanceFen: 3000, balanceAfterFen: 0, source: 'upstream' },
  replacement_issue: { opId: OP, requestId: REQ, asn: '3100000000000605', cityCode: '3100', oldCardRef: 'cpu:3100000000000602', depositFen: 2000, balanceFen: 3000, issueDate: '20261130' },
  replacement_load: { ...load, opId: OP, requestId: REQ, asn: '3100000000000605', cityCode: '3100', oldCardRef: 'cpu:3100000000000602' },
  damaged_card_request: { requestId: REQ, asn: '3100000000000606', fault: 'quality', depositFen: 2000, readyAfter: '2026-11-26T16:00:00.000Z', blacklist: true },
  damaged_card_block: { opId: OP, requestId: REQ, asn: '3100000000000603', cityCode: '3100', balanceFen: 19000, depositFen: 2000, fault: 'customer' },
  damaged_card_out: { requestId: REQ, asn: '3100000000000606', confirmedBalanceFen: 1500, balanceAfterFen: 0, source: 'upstream' },
  damaged_exchange_issue: {
    ...pay, opId: OP, requestId: REQ, asn: '3100000000000604', cityCode: '3100', oldCardRef: 'cpu:3100000000000603', fault: 'customer', depositFen: 2000,
    newDepositChargedFen: 2000, forfeitedDepositFen: 2000, issueDate: '20261123',
  },
  damaged_exchange_load: { ...load, opId: OP, requestId: REQ, asn: '3100000000000604', cityCode: '3100', oldCardRef: 'cpu:3100000000000603', balanceSource: 'card' },
  migrate_out: {
    opId: OP, migrationId: MIG, uid: 'A1B2C3D4', migratedFen: 12345, m1TxCount: 0, depositFen: 2000, deposit: 'carry', outcome: 'zeroed', purseWasAlreadyZero: false,
    image: { 9: '00000000FFFFFFFF0000000009F609F6' },
  },
  migrate_issue: { ...pay, tenderedFen: 0, opId: OP, migrationId: MIG, asn: '3100000000000001', cityCode: '3100', oldCardRef: 'm1:A1B2C3D4', feeFen: 0, depositFen: 0, issueDate: '20261130' },
  migrate_in: { ...load, opId: OP, migrationId: MIG, asn: '3100000000000001', cityCode: '3100', oldCardRef: 'm1:A1B2C3D4', migratedFen: 12345, carriedDepositFen: 2000 },
  concession_verified: {
    opId: OP, asn: '3100000000000601', cityCode: '3100', cardType: '01', verifiedUntil: '2027-09-30', previousUntil: '2026-09-30', verifiedOn: '2026-10-02',
    reason: 'annual', evidence: '学生证 checked', scheduleVersion: 'local-default-2026-12',
  },
  migrate_done: {
    opId: MIG, uid: 'A1B2C3D4', cardNo: '69552957', cityCode: '3100', migratedFen: 12345, m1TxCount: 0, depositFen: 2000, deposit: 'carry', loadFen: 14345, feeFen: 0,
    migrationId: MIG, newCardRef: 'cpu:3100000000000001', newAsn: '3100000000000001', refundedDepositFen: 0,
    migrateOutEntry: '01M8N2WC80FHEZ6SF75EWAJB8A', migrateIssueEntry: '01M8N2WC80FHEZ6SF75EWAJB8C', migrateInEntry: '01M8N2WC80FHEZ6SF75EWAJB8E',
  },
  stock_received: { firstAsn: '3100000000000001', lastAsn: '3100000000000100', cardType: '00', cards: 100, documentNo: 'ZX-2026-0001' },
  stock_issued: { asn: '3100000000000001', cardType: '00', saleEntryId: '01M8N2WC80FHEZ6SF75EWAJB8C', saleKind: 'card_sale', fromState: 'in_stock' },
  stock_spoiled: { asn: '3100000000000002', cardType: '00', reason: 'personalisation failed' },
  stock_returned: { firstAsn: '3100000000000002', lastAsn: '3100000000000100', cardType: '00', cards: 98, spoiledCards: 1, documentNo: 'TH-2026-0001' },
};

/**
 * An event that moves no money and needs no shift, card or request: for tests that only need
 * entries in the ledger (sync, idempotency). `mark` goes into the payload, so the entries differ.
 */
export function noteEvent(mark: { [key: string]: Json } = {}): { kind: 'replacement_request'; payload: { [key: string]: Json } } {
  return { kind: 'replacement_request', payload: { ...SAMPLE_PAYLOADS.replacement_request, ...mark } };
}
