// A valid intent (common/card-intents.ts) for tests that write the journal directly: writeIntent
// refuses a request recovery could not read back.
import type { CardOpRequest } from '../../common/card-intents.ts';
import { credit, debit } from '../../db/ledger.ts';

/** The intent of a cash top-up of `amountFen` onto the CPU card `cardRef` (cpu:ASN). */
export function topupIntent(cardRef: string, amountFen: number): CardOpRequest {
  const asn = cardRef.slice(4);
  return {
    step: { step: 'load', asn, cityCode: '2150', amountFen, terminalId: '000000000001', keyIndex: 1 },
    event: {
      kind: 'topup', cardRef, amountFen,
      payload: { asn, cityCode: '2150', pay: 'cash', tenderedFen: amountFen, changeFen: 0, reference: null, terminalId: '000000000001' },
      postings: [debit('cash_drawer', amountFen), credit('card_float', amountFen)],
    },
  };
}
