/**
 * 补卡: a lost card replaced after the waiting period, onto a stock card, with the balance the
 * clearing host confirms. While the host is unreachable the request is queued and the customer
 * takes a pickup slip; with its request number the same screen finishes it later.
 */
import { useState, type FormEvent } from 'react';
import { Field, MoneyLine } from '../ui.tsx';
import {
  ASN_PATTERN, bindingOf, CardLine, cards, ConfirmActions, RefusalBox, DoneActions, FormActions, Frame, ID_PATTERN, isStock, maskId, Problem, ReaderSlots,
  MovedCardLines, QueuedDone, Unknown, useFocus, useWorkflowScreen, WorkflowReceipt, type WorkflowProps,
} from './workflow-kit.tsx';

export function ReplaceScreen(props: WorkflowProps) {
  // The deposit moves and the host confirms the balance; the customer pays only the 工本费 (issue 17),
  // in exact cash when the new card is issued (the station's default payment).
  const { wt, wf, send, policy } = useWorkflowScreen(props, 'replace');
  const cardFeeFen = policy?.feeSchedule.replacementFen ?? 0;
  const [idNumber, setIdNumber] = useState('');
  const [card, setCard] = useState('');
  const [request, setRequest] = useState('');
  const first = useFocus<HTMLInputElement>(wf.step === 'form');
  const stock = cards(props.slots).find((c) => isStock(c.view)) ?? null;
  const id = idNumber.trim().toUpperCase();
  const asn = card.replace(/\s/g, '').toUpperCase();
  const req = request.trim();

  const check = (): string | null => {
    if (!ID_PATTERN.test(id)) return wt('idInvalid');
    if (asn !== '' && !ASN_PATTERN.test(asn)) return wt('asnInvalid');
    return null;
  };
  const submit = (e: FormEvent) => { e.preventDefault(); wf.toConfirm(check, { card: stock, newCard: null }); };
  const bound = wf.confirmed.card;
  const confirm = () => send({
    idNumber: id, ...(asn ? { card: asn } : {}), ...(req ? { request: req } : {}),
    ...(bound ? { reader: bound.reader } : {}), confirmedCard: bound ? bindingOf(bound) : null,
  });
  const r = wf.result;

  return (
    <Frame title={wt('replaceTitle')} testId="replace-screen" step={wf.step} ready>
      {(wf.step === 'form' || wf.step === 'confirm') && <ReaderSlots readers={props.readers} slots={props.slots} roles={stock ? { [stock.reader]: 'slotNew' } : {}} />}
      {wf.step === 'form' && (
        <form onSubmit={submit} className="form">
          <div className="banner banner-info">{wt('replaceNote')}</div>
          <Field label={wt('idNumber')}><input ref={first} data-testid="replace-id" autoComplete="off" maxLength={18} value={idNumber} onChange={(e) => setIdNumber(e.target.value)} className="input-big" /></Field>
          <Field label={wt('cardNumber')}><input data-testid="replace-card" autoComplete="off" maxLength={19} value={card} onChange={(e) => setCard(e.target.value)} /></Field>
          <Field label={wt('requestId')}><input data-testid="replace-request" autoComplete="off" maxLength={64} value={request} onChange={(e) => setRequest(e.target.value)} /></Field>
          {stock === null && <div className="muted">{wt('noNewCardYet')}</div>}
          {cardFeeFen > 0 && <MoneyLine label={wt('cardFee')} fen={cardFeeFen} testId="replace-card-fee" />}
          {cardFeeFen > 0 && policy && <div className="muted">{wt('cardFeeCash', { version: policy.feeSchedule.version })}</div>}
          <Problem text={wf.problem} />
          <FormActions onCancel={props.onExit} />
        </form>
      )}
      {(wf.step === 'confirm' || wf.step === 'working') && (
        <div className="confirm" data-testid="wf-confirm">
          <div className="confirm-title">{wt('checkDetails')}</div>
          <div className="money-line"><span className="label">{wt('idNumber')}</span><span className="mono">{maskId(id)}</span></div>
          {asn && <div className="money-line"><span className="label">{wt('oldCard')}</span><span className="mono">{asn}</span></div>}
          {req && <div className="money-line"><span className="label">{wt('requestNo')}</span><span className="mono">{req}</span></div>}
          {bound ? <CardLine label={wt('newCard')} card={bound} testId="confirm-card" /> : <div className="money-line"><span className="label">{wt('newCard')}</span><span className="mono" data-testid="confirm-card">—</span></div>}
          <div className="banner banner-info">{wt('replaceNote')}</div>
          {bound && cardFeeFen > 0 && <MoneyLine label={wt('cardFee')} fen={cardFeeFen} strong testId="confirm-card-fee" />}
          <RefusalBox error={wf.error} title="replaceRefused" />
          <ConfirmActions working={wf.step === 'working'} onConfirm={confirm} onBack={() => wf.setStep('form')} />
        </div>
      )}
      {wf.step === 'unknown' && <Unknown error={wf.error} onExit={props.onExit} onAgain={wf.askAgain} api={props.api} slots={props.slots} expected={wf.confirmed} aborted="replaceLoadAborted" />}
      {wf.step === 'done' && r && (
        <div className="confirm done" data-testid="wf-done" data-state={r.state}>
          {r.state === 'queued' ? (
            <QueuedDone slip={r.slip} />
          ) : (
            <>
              <MovedCardLines title={wt('replaceDone')} balanceLabel={wt('cardBalance')} result={r} />
              {r.fee && <MoneyLine label={wt('cardFee')} fen={r.fee.chargedFen} testId="done-card-fee" />}
            </>
          )}
          <WorkflowReceipt api={props.api} r={r} />
          <DoneActions onExit={props.onExit} />
        </div>
      )}
    </Frame>
  );
}
