/**
 * 退卡: the card on the reader refunded in cash (balance + deposit), its application blocked and
 * the card kept. Above the counter's cash limit a supervisor approves with their ID and PIN
 * (the station checks the role; this screen only collects them).
 */
import { useState, type FormEvent } from 'react';
import { yuan } from '../money.ts';
import { Field, MoneyLine } from '../ui.tsx';
import {
  bindingOf, CardLine, cards, ConfirmActions, RefusalBox, DoneActions, FormActions, Frame, isInUseCpu, Problem, ReaderSlots, Unknown, useCustomerConfirm, useFocus, useWorkflowScreen, WorkflowReceipt, type WorkflowProps,
} from './workflow-kit.tsx';

export function RefundScreen(props: WorkflowProps) {
  const { wt, policy, wf, send } = useWorkflowScreen(props, 'refund');
  const [sup, setSup] = useState({ staffId: '', pin: '' });
  const card = cards(props.slots).find((c) => isInUseCpu(c.view)) ?? null;
  const balance = card?.view.balanceFen ?? null;
  // The deposit on record; for an own-city card without a record the station refunds the policy deposit.
  const deposit = card?.view.depositFen ?? (policy?.refundDepositWithoutRecord ? policy.depositFen : 0);
  const needsSupervisor = policy !== null && balance !== null && balance > policy.refundCashLimitFen && props.user.role === 'operator';
  const first = useFocus<HTMLInputElement>(wf.step === 'form' && needsSupervisor);
  const next = useFocus<HTMLButtonElement>(wf.step === 'form' && !needsSupervisor);

  const check = (): string | null => {
    if (policy === null) return wt('policyLoading');
    if (props.shift === null) return wt('needShiftHome');
    if (card === null) return wt('needCustomerCard');
    if (needsSupervisor && (sup.staffId.trim() === '' || !/^[0-9]{4,12}$/.test(sup.pin))) return wt('supervisorMissing');
    return null;
  };
  const submit = (e: FormEvent) => { e.preventDefault(); wf.toConfirm(check, { card, newCard: null }); };
  // The customer checks what they get back: the balance and the deposit, paid out in cash.
  useCustomerConfirm(props.api, wf.step, card && balance !== null ? {
    kind: 'refund', amountFen: balance + deposit, lines: [{ item: 'balance', fen: balance }, { item: 'deposit', fen: deposit }],
  } : null);
  const bound = wf.confirmed.card;
  const confirm = () => bound && send({ reader: bound.reader, confirmedCard: bindingOf(bound), ...(needsSupervisor ? { supervisor: { staffId: sup.staffId.trim(), pin: sup.pin } } : {}) });

  return (
    <Frame title={wt('refundTitle')} testId="refund-screen" step={wf.step} ready={policy !== null}>
      {(wf.step === 'form' || wf.step === 'confirm') && <ReaderSlots readers={props.readers} slots={props.slots} roles={card ? { [card.reader]: 'slotCard' } : {}} />}
      {wf.step === 'form' && (
        <form onSubmit={submit} className="form">
          {card && balance !== null && (
            <>
              <MoneyLine label={wt('balance')} fen={balance} />
              <MoneyLine label={wt('deposit')} fen={deposit} />
            </>
          )}
          {needsSupervisor && policy && balance !== null && (
            <div className="supervisor">
              <div className="banner banner-warn" data-testid="supervisor-needed">{wt('refundSupervisorNeeded', { balance: yuan(balance), limit: yuan(policy.refundCashLimitFen) })}</div>
              <Field label={wt('supervisorId')}><input ref={first} data-testid="supervisor-id" autoComplete="off" value={sup.staffId} onChange={(e) => setSup({ ...sup, staffId: e.target.value })} /></Field>
              <Field label={wt('supervisorPin')}><input data-testid="supervisor-pin" type="password" inputMode="numeric" autoComplete="off" value={sup.pin} onChange={(e) => setSup({ ...sup, pin: e.target.value })} /></Field>
            </div>
          )}
          <Problem text={wf.problem} />
          {needsSupervisor ? <FormActions onCancel={props.onExit} /> : (
            <div className="actions">
              <button ref={next} type="submit" className="btn btn-primary" data-testid="wf-next"><span>Enter {wt('next')}</span></button>
              <button type="button" className="btn btn-plain" onClick={props.onExit}><kbd className="fkey">Esc</kbd><span>{wt('cancel')}</span></button>
            </div>
          )}
        </form>
      )}
      {(wf.step === 'confirm' || wf.step === 'working') && bound && balance !== null && (
        <div className="confirm" data-testid="wf-confirm">
          <div className="confirm-title">{wt('checkAmount')}</div>
          <CardLine label={wt('slotCard')} card={bound} testId="confirm-card" />
          <MoneyLine label={wt('balance')} fen={balance} />
          <MoneyLine label={wt('deposit')} fen={deposit} />
          <MoneyLine label={wt('payOut')} fen={balance + deposit} strong testId="confirm-total" />
          {/* Refused (未退卡，未退款): no instruction to pay out beside it. */}
          {wf.error === null && <div className="banner banner-info">{wt('payOutNote')}</div>}
          <RefusalBox error={wf.error} title="refundRefused" />
          <ConfirmActions working={wf.step === 'working'} onConfirm={confirm} onBack={() => wf.setStep('form')} />
        </div>
      )}
      {wf.step === 'unknown' && <Unknown error={wf.error} onExit={props.onExit} onAgain={wf.askAgain} api={props.api} slots={props.slots} expected={wf.confirmed} aborted="refundAborted" />}
      {wf.step === 'done' && wf.result && (
        <div className="confirm done" data-testid="wf-done">
          <div className="confirm-title ok">{wt('refundDone')}</div>
          <div className="money-line"><span className="label">{wt('slotCard')}</span><span className="mono" data-testid="done-card">{wf.result.asn}</span></div>
          <MoneyLine label={wt('balance')} fen={wf.result.balanceFen} />
          <MoneyLine label={wt('deposit')} fen={wf.result.depositFen} />
          <MoneyLine label={wt('payOut')} fen={wf.result.totalFen} strong testId="done-total" />
          {wf.result.approvedBy && <div className="money-line"><span className="label">{wt('approvedBy')}</span><span data-testid="done-approved">{wf.result.approvedBy}</span></div>}
          <div className="banner banner-warn">{wt('refundKeep')}</div>
          <WorkflowReceipt api={props.api} r={wf.result} entryId={wf.result.entryId} />
          <DoneActions onExit={props.onExit} />
        </div>
      )}
    </Frame>
  );
}
