/**
 * 升级换卡: an old M1 card's purse (and its deposit, carried or refunded per policy) onto a new
 * CPU card sold in the same workflow. Two readers: the M1 card on one, the stock card on the
 * other (the reader slots show which is which). One reader: the M1 card first; the screen asks
 * for the swap when the old card is done. An interrupted upgrade is finished by running it again
 * with the same old card.
 */
import type { FormEvent } from 'react';
import { yuan } from '../money.ts';
import { MoneyLine } from '../ui.tsx';
import {
  bindingOf, type Card, CardLine, cards, ConfirmActions, RefusalBox, DoneActions, Frame, isInUseCpu, isStock, PayConfirm, PayFields, payParams, payProblem, Problem, ReaderSlots,
  SwapBanner, tenderedForCustomer, Unknown, useCustomerConfirm, useFocus, useWorkflowScreen, WorkflowReceipt, type WorkflowProps,
} from './workflow-kit.tsx';
import type { WfKey } from './workflow-messages.ts';

// eslint-disable-next-line max-lines-per-function -- one screen: its state, keys and layout read as one
export function MigrateScreen(props: WorkflowProps) {
  const { wt, policy, wf, pay, swap, send } = useWorkflowScreen(props, 'migrate');
  const next = useFocus<HTMLButtonElement>(wf.step === 'form');
  const present = cards(props.slots);
  const oneReader = props.readers.length === 1;
  const m1 = present.find((c) => c.view.kind === 'm1') ?? null;
  // An upgrade left open (its new card's load torn and cancelled): the old card is already zeroed;
  // confirming again carries on, onto the new card it activated (now in use) or a stock card.
  const resumeOp = m1?.view.incomplete.find((op) => op.workflow === 'migrate') ?? null;
  const other = (ok: (c: Card) => boolean) => present.find((c) => ok(c) && c.reader !== m1?.reader);
  const fresh = oneReader ? null : other((c) => isStock(c.view)) ?? (resumeOp ? other((c) => isInUseCpu(c.view)) : undefined) ?? null;
  const feeFen = policy?.migrationFeeFen ?? 0;
  const balance = m1?.view.balanceFen ?? 0;
  const deposit = m1?.view.depositFen ?? policy?.depositFen ?? 0;
  const carry = policy?.migrationDeposit !== 'refund';

  const check = (): string | null => {
    if (policy === null) return wt('policyLoading');
    if (props.shift === null) return wt('needShiftHome');
    if (m1 === null) return wt('needM1');
    if (!oneReader && fresh === null) return wt('needNewReaderCard');
    return payProblem(pay.state, feeFen, wt);
  };
  const submit = (e: FormEvent) => { e.preventDefault(); wf.toConfirm(check, { card: m1, newCard: fresh }); };
  // The customer checks what moves to the new card, the deposit (carried or paid back) and the fee they pay.
  useCustomerConfirm(props.api, wf.step, m1 ? {
    kind: 'migrate', amountFen: feeFen, ...tenderedForCustomer(pay.state, feeFen),
    lines: [
      { item: 'balanceMoved', fen: balance }, { item: carry ? 'depositCarried' : 'depositRefunded', fen: deposit },
      ...(feeFen > 0 ? [{ item: 'fee' as const, fen: feeFen }] : []),
    ],
  } : null);
  const { card: boundOld, newCard: boundNew } = wf.confirmed;
  const confirm = () => boundOld && send({
    oldReader: boundOld.reader, newReader: boundNew ? boundNew.reader : boundOld.reader, ...payParams(pay.state, feeFen),
    confirmedCard: bindingOf(boundOld), ...(boundNew ? { confirmedNewCard: bindingOf(boundNew) } : {}),
  });

  const roles: Record<string, WfKey> = {};
  if (m1) roles[m1.reader] = 'slotOld';
  if (fresh) roles[fresh.reader] = 'slotNew';
  const r = wf.result;

  return (
    <Frame title={wt('migrateTitle')} testId="migrate-screen" step={wf.step} ready={policy !== null}>
      {(wf.step === 'form' || wf.step === 'confirm') && <ReaderSlots readers={props.readers} slots={props.slots} roles={roles} />}
      {wf.step === 'form' && (
        <form onSubmit={submit} className="form">
          <div className="banner banner-info">{wt('migrateNote')}</div>
          {oneReader && <div className="muted">{wt('oneReaderSwap')}</div>}
          {resumeOp && <div className="banner banner-warn" data-testid="migrate-resume">{wt('migrateResume', { balance: yuan(resumeOp.amountFen) })}</div>}
          {m1 && !resumeOp && (
            <>
              <MoneyLine label={wt('m1Balance')} fen={balance} />
              <MoneyLine label={carry ? wt('depositCarry') : wt('depositRefund')} fen={deposit} />
            </>
          )}
          {feeFen > 0 && <PayFields pay={pay} dueFen={feeFen} testPrefix="migrate" />}
          <Problem text={wf.problem} />
          <div className="actions">
            <button ref={next} type="submit" className="btn btn-primary" data-testid="wf-next"><span>Enter {wt('next')}</span></button>
            <button type="button" className="btn btn-plain" onClick={props.onExit}><kbd className="fkey">Esc</kbd><span>{wt('cancel')}</span></button>
          </div>
        </form>
      )}
      {(wf.step === 'confirm' || wf.step === 'working') && boundOld && (
        <div className="confirm" data-testid="wf-confirm">
          <div className="confirm-title">{wt('checkAmount')}</div>
          <CardLine label={wt('oldCard')} card={boundOld} testId="confirm-card" />
          {boundNew ? <CardLine label={wt('newCard')} card={boundNew} testId="confirm-new-card" /> : <div className="money-line"><span className="label">{wt('newCard')}</span><span className="mono" data-testid="confirm-new-card">{wt('afterSwap')}</span></div>}
          {resumeOp ? <div className="banner banner-warn">{wt('migrateResume', { balance: yuan(resumeOp.amountFen) })}</div> : (
            <>
              <MoneyLine label={wt('m1Balance')} fen={balance} />
              <MoneyLine label={carry ? wt('depositCarry') : wt('depositRefund')} fen={deposit} />
              <MoneyLine label={wt('loadNew')} fen={carry ? balance + deposit : balance} strong testId="confirm-load" />
            </>
          )}
          <PayConfirm pay={pay.state} dueFen={feeFen} />
          <SwapBanner swap={swap} />
          <RefusalBox error={wf.error} title="migrateRefused" />
          <ConfirmActions working={wf.step === 'working'} onConfirm={confirm} onBack={() => wf.setStep('form')} />
        </div>
      )}
      {wf.step === 'unknown' && <Unknown error={wf.error} onExit={props.onExit} onAgain={wf.askAgain} api={props.api} slots={props.slots} expected={wf.confirmed} aborted="migrateLoadAborted" />}
      {wf.step === 'done' && r && (
        <div className="confirm done" data-testid="wf-done">
          <div className="confirm-title ok">{wt('migrateDone')}</div>
          {r.resumed && <div className="banner banner-info">{wt('resumed')}</div>}
          <div className="money-line"><span className="label">{wt('oldCard')}</span><span className="mono">{r.old.cardNo ?? r.old.uid}</span></div>
          <div className="money-line"><span className="label">{wt('newCard')}</span><span className="mono" data-testid="done-card">{r.new.asn}</span></div>
          <MoneyLine label={wt('m1Balance')} fen={r.migratedFen} />
          {r.carriedDepositFen > 0 && <MoneyLine label={wt('depositCarry')} fen={r.carriedDepositFen} />}
          {r.refundedDepositFen > 0 && <MoneyLine label={wt('depositRefund')} fen={r.refundedDepositFen} strong />}
          <MoneyLine label={wt('cardBalance')} fen={r.new.balanceAfterFen ?? r.loadedFen} strong testId="done-balance" />
          {r.feeFen > 0 && <MoneyLine label={wt('fee')} fen={r.feeFen} />}
          {r.feeFen > 0 && r.pay === 'cash' && <MoneyLine label={wt('change')} fen={r.changeFen} strong />}
          <WorkflowReceipt api={props.api} r={r} entryId={r.entryId} />
          <DoneActions onExit={props.onExit} />
        </div>
      )}
    </Frame>
  );
}
