/**
 * 退卡: the card on the reader refunded in cash (balance + deposit − the refund fee), its
 * application blocked and the card kept. Above the counter's cash limit a supervisor approves
 * with their ID and PIN (the station checks the role; this screen only collects them).
 * The refund fee (issue 17) is the schedule's in force (counterPolicy.feeSchedule, the same
 * arithmetic as the core: common/fees.ts), shown before the clerk confirms; a supervisor other
 * than the clerk may waive it with a reason (the station checks PIN, role and the four eyes).
 */
import { useState, type FormEvent } from 'react';
import { MAX_WAIVER_REASON_CHARS, refundFeeFen, type FeeSchedule } from '../../../common/fees.ts';
import { yuan } from '../money.ts';
import { Field, MoneyLine } from '../ui.tsx';
import { useWf } from './workflow-messages.ts';
import {
  bindingOf, CardLine, cards, ConfirmActions, RefusalBox, DoneActions, FormActions, Frame, isInUseCpu, Problem, ReaderSlots, Unknown, useCustomerConfirm, useFocus, useWorkflowScreen, WorkflowReceipt, type WorkflowProps,
} from './workflow-kit.tsx';

// eslint-disable-next-line max-lines-per-function -- the form, the confirmation and the done step of one screen, in the order the clerk sees them
export function RefundScreen(props: WorkflowProps) {
  const { wt, policy, wf, send } = useWorkflowScreen(props, 'refund');
  const [sup, setSup] = useState({ staffId: '', pin: '' });
  const [waive, setWaive] = useState<Waive | null>(null);
  const card = cards(props.slots).find((c) => isInUseCpu(c.view)) ?? null;
  const balance = card?.view.balanceFen ?? null;
  // The deposit on record; for an own-city card without a record the station refunds the policy deposit.
  const deposit = card?.view.depositFen ?? (policy?.refundDepositWithoutRecord ? policy.depositFen : 0);
  const needsSupervisor = policy !== null && balance !== null && balance > policy.refundCashLimitFen && props.user.role === 'operator';
  const fee = policy !== null && balance !== null ? refundFeeFen(balance, policy.feeSchedule) : 0;
  const charged = waive !== null ? 0 : fee;
  const payOut = (balance ?? 0) + deposit - charged;
  const first = useFocus<HTMLInputElement>(wf.step === 'form' && needsSupervisor);
  const next = useFocus<HTMLButtonElement>(wf.step === 'form' && !needsSupervisor);

  const check = (): string | null => {
    if (policy === null) return wt('policyLoading');
    if (props.shift === null) return wt('needShiftHome');
    if (card === null) return wt('needCustomerCard');
    if (needsSupervisor && (sup.staffId.trim() === '' || !/^[0-9]{4,12}$/.test(sup.pin))) return wt('supervisorMissing');
    if (waive !== null && (waive.staffId.trim() === '' || !/^[0-9]{4,12}$/.test(waive.pin) || waive.reason.trim() === '' || [...waive.reason.trim()].length > MAX_WAIVER_REASON_CHARS)) return wt('feeWaiveMissing');
    return null;
  };
  const submit = (e: FormEvent) => { e.preventDefault(); wf.toConfirm(check, { card, newCard: null }); };
  // The customer checks what they get back: the balance and the deposit, paid out in cash.
  useCustomerConfirm(props.api, wf.step, card && balance !== null ? {
    kind: 'refund', amountFen: payOut, lines: [{ item: 'balance', fen: balance }, { item: 'deposit', fen: deposit }, ...(charged > 0 ? [{ item: 'fee' as const, fen: charged }] : [])],
  } : null);
  const bound = wf.confirmed.card;
  const waiver = fee > 0 && waive !== null ? { waiver: { staffId: waive.staffId.trim(), pin: waive.pin, reason: waive.reason.trim() } } : {};
  const confirm = () => bound && send({ reader: bound.reader, confirmedCard: bindingOf(bound), ...(needsSupervisor ? { supervisor: { staffId: sup.staffId.trim(), pin: sup.pin } } : {}), ...waiver });

  return (
    <Frame title={wt('refundTitle')} testId="refund-screen" step={wf.step} ready={policy !== null}>
      {(wf.step === 'form' || wf.step === 'confirm') && <ReaderSlots readers={props.readers} slots={props.slots} roles={card ? { [card.reader]: 'slotCard' } : {}} />}
      {wf.step === 'form' && (
        <form onSubmit={submit} className="form">
          {card && balance !== null && (
            <>
              <MoneyLine label={wt('balance')} fen={balance} />
              <MoneyLine label={wt('deposit')} fen={deposit} />
              {policy && <FeeLines fee={fee} waive={waive} schedule={policy.feeSchedule} testId="form-fee" />}
              {fee > 0 && <FeeWaiverForm waive={waive} setWaive={setWaive} />}
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
          {policy && <FeeLines fee={fee} waive={waive} schedule={policy.feeSchedule} testId="confirm-fee" />}
          <MoneyLine label={wt('payOut')} fen={payOut} strong testId="confirm-total" />
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
          {wf.result.fee && <FeeLines fee={wf.result.fee.scheduledFen} waive={wf.result.fee.waiver} schedule={null} testId="done-fee" />}
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

type Waive = { staffId: string; pin: string; reason: string };

/** The refund fee's line — charged, or waived with the reason — and the schedule in force (none on the done screen). */
function FeeLines(props: { fee: number; waive: { reason: string } | null; schedule: FeeSchedule | null; testId: string }) {
  const { wt } = useWf();
  const { fee, waive, schedule } = props;
  if (fee === 0) return null;
  return (
    <>
      {waive === null
        ? <MoneyLine label={wt('refundFee')} fen={fee} testId={props.testId} />
        : <div className="money-line"><span className="label">{wt('refundFee')}</span><span data-testid={props.testId}>{wt('feeWaived', { fee: yuan(fee), reason: waive.reason.trim() })}</span></div>}
      {schedule && <div className="hint" data-testid="fee-note">{wt('feeNote', { version: schedule.version, threshold: yuan(schedule.refund.thresholdFen), rate: String(schedule.refund.rateBp / 100) })}</div>}
    </>
  );
}

/** The waiver: a supervisor other than the clerk, their PIN and the reason (the station checks all three). */
function FeeWaiverForm(props: { waive: Waive | null; setWaive: (w: Waive | null) => void }) {
  const { wt } = useWf();
  const { waive, setWaive } = props;
  if (waive === null) {
    return <button type="button" className="btn btn-plain" data-testid="fee-waive-open" onClick={() => setWaive({ staffId: '', pin: '', reason: '' })}>{wt('feeWaiveOpen')}</button>;
  }
  return (
    <div className="supervisor" data-testid="fee-waiver">
      <div className="banner banner-info">{wt('feeWaiveTitle')}</div>
      <Field label={wt('supervisorId')}><input data-testid="waiver-id" autoComplete="off" value={waive.staffId} onChange={(e) => setWaive({ ...waive, staffId: e.target.value })} /></Field>
      <Field label={wt('supervisorPin')}><input data-testid="waiver-pin" type="password" inputMode="numeric" autoComplete="off" value={waive.pin} onChange={(e) => setWaive({ ...waive, pin: e.target.value })} /></Field>
      <Field label={wt('feeWaiveReason')}><input data-testid="waiver-reason" autoComplete="off" maxLength={MAX_WAIVER_REASON_CHARS} value={waive.reason} onChange={(e) => setWaive({ ...waive, reason: e.target.value })} /></Field>
      <button type="button" className="btn btn-plain" data-testid="fee-waive-cancel" onClick={() => setWaive(null)}>{wt('feeWaiveCancel')}</button>
    </div>
  );
}
