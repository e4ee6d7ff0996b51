/**
 * 换卡: a damaged card exchanged for a stock card.
 *  - F1 readable: the old card on one reader, the new on the other (one reader: the old card
 *    first, then the swap when the screen asks); its balance moves to the new card.
 *  - F2 unreadable: its number typed from the card face; the request is queued, the card
 *    blacklisted, and the customer takes a pickup slip.
 *  - F3 pickup slip: the queued request finished onto a stock card. Enter first looks the request
 *    up (exchangeRequest): a customer-damage request charges the new deposit now, so the form
 *    then takes the payment and the confirmation and the customer display show it.
 * Cause F4 quality (deposit moves free) / F7 customer damage (a new deposit is charged, per policy).
 */
import { useState, type FormEvent } from 'react';
import type { Result } from '../../../common/api.ts';
import { ErrorBox, FButton, Field, MoneyLine, useKeys } from '../ui.tsx';
import {
  ASN_PATTERN, bindingOf, CardLine, cards, ConfirmActions, RefusalBox, DoneActions, FormActions, Frame, isInUseCpu, isStock, PayConfirm, PayFields, payParams, payProblem,
  Problem, ReaderSlots, MovedCardLines, QueuedDone, SwapBanner, tenderedForCustomer, Unknown, useCustomerConfirm, useFocus, useWorkflowScreen, WorkflowReceipt, type WorkflowProps,
} from './workflow-kit.tsx';
import type { WfKey } from './workflow-messages.ts';

type Mode = 'readable' | 'unreadable' | 'fulfil';

// eslint-disable-next-line max-lines-per-function -- one screen: its state, keys and layout read as one
export function ExchangeScreen(props: WorkflowProps) {
  const { wt, policy, wf, pay, swap, send } = useWorkflowScreen(props, 'exchange');
  const [mode, setMode] = useState<Mode>('readable');
  const [fault, setFault] = useState<'quality' | 'customer'>('quality');
  const [card, setCard] = useState('');
  const [request, setRequest] = useState('');
  /** The F3 request as the station will collect it (looked up on Enter), with the new deposit it charges. */
  const [due, setDue] = useState<Result<'exchangeRequest'> | null>(null);
  /** The request lookup's refusal (no such request, not ready yet…), said like any refusal: words, next step, details folded. */
  const [lookupError, setLookupError] = useState<unknown>(null);
  const first = useFocus<HTMLInputElement>(wf.step === 'form' && mode !== 'readable');
  const next = useFocus<HTMLButtonElement>(wf.step === 'form' && mode === 'readable');
  const inForm = wf.step === 'form';
  useKeys({
    F1: () => inForm && setMode('readable'), F2: () => inForm && setMode('unreadable'), F3: () => inForm && setMode('fulfil'),
    F4: () => inForm && setFault('quality'), F7: () => inForm && setFault('customer'),
  });

  const present = cards(props.slots);
  const oneReader = props.readers.length === 1;
  const old = present.find((c) => isInUseCpu(c.view)) ?? null;
  // Collecting a request (F3) also takes the new card it already activated (its load was torn):
  // an unblocked card in use; the station refuses any card that is not the request's.
  const fresh = present.find((c) => isStock(c.view) && (oneReader || c.reader !== old?.reader))
    ?? (mode === 'fulfil' ? present.find((c) => isInUseCpu(c.view) && !c.view.flags.includes('blocked')) : undefined) ?? null;
  const newReader = mode === 'readable' && oneReader ? old?.reader : fresh?.reader;
  // Customer damage charges a new deposit (policy) when the new card is handed over: now for a
  // readable card; at collection for an unreadable one (a pickup-slip collection is charged per the recorded cause).
  const newDeposit = fault === 'customer' && policy?.customerDamageChargesDeposit === true;
  const req = request.trim();
  const looked = mode === 'fulfil' && due !== null && due.requestId === req ? due : null;
  // The 工本费 of a card damaged by its holder (issue 17, the schedule's figure; a card fault pays none).
  const cardFeeFen = mode === 'readable' && fault === 'customer' && policy ? policy.feeSchedule.replacementFen : (looked?.feeDueFen ?? 0);
  const depositDueFen = mode === 'readable' && newDeposit && policy ? policy.depositFen : (looked?.depositDueFen ?? 0);
  const chargeFen = depositDueFen + cardFeeFen;
  const depositText = !newDeposit ? wt('depositMoves') : mode === 'unreadable' ? wt('depositChargedLater') : wt('depositCharged');
  const asn = card.replace(/\s/g, '').toUpperCase();

  const check = (): string | null => {
    if (policy === null) return wt('policyLoading');
    if (mode === 'readable') {
      if (old === null) return wt('needCustomerCard');
      if (!oneReader && fresh === null) return wt('needNewReaderCard');
    }
    if (mode === 'unreadable' && !ASN_PATTERN.test(asn)) return wt('asnInvalid');
    if (mode === 'fulfil' && (req === '' || fresh === null)) return req === '' ? wt('requestNeeded') : wt('needStock');
    if (chargeFen > 0 && props.shift === null) return wt('needShiftHome');
    return payProblem(pay.state, chargeFen, wt);
  };
  // The cards this confirmation is for: the old and the new card (the new one comes after the
  // swap on a one reader counter), or the stock card collecting a request; none for an unreadable card.
  const toBind = mode === 'readable' ? { card: old, newCard: oneReader ? null : fresh } : { card: mode === 'fulfil' ? fresh : null, newCard: null };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mode !== 'fulfil' || looked !== null) { wf.toConfirm(check, toBind); return; }
    const p = check();
    if (p !== null) { wf.setProblem(p); return; }
    // Look the request up first: with nothing to pay it goes straight on to the confirmation.
    setLookupError(null);
    props.api.call('exchangeRequest', { request: req }).then((d) => {
      setDue(d);
      if (d.depositDueFen + (d.feeDueFen ?? 0) === 0) wf.toConfirm(() => null, toBind);
      else wf.setProblem(null);
    }, (err: unknown) => { wf.setProblem(null); setLookupError(err); });
  };
  const dueLines = [
    ...(depositDueFen > 0 ? [{ item: 'depositCharged' as const, fen: depositDueFen }] : []),
    ...(cardFeeFen > 0 ? [{ item: 'fee' as const, fen: cardFeeFen }] : []),
  ];
  // A readable card's balance moves now (and a new deposit may be charged): the customer checks both.
  useCustomerConfirm(props.api, wf.step, mode === 'readable' && old ? {
    kind: 'exchange', amountFen: chargeFen, ...tenderedForCustomer(pay.state, chargeFen),
    lines: [{ item: 'balanceMoved', fen: old.view.balanceFen ?? 0 }, ...dueLines],
  } : mode === 'fulfil' && chargeFen > 0 ? {
    kind: 'exchange', amountFen: chargeFen, ...tenderedForCustomer(pay.state, chargeFen), lines: dueLines,
  } : null);
  const { card: bound, newCard: boundNew } = wf.confirmed;
  const confirmedCard = bound ? bindingOf(bound) : null;
  const confirm = () => send(
    mode === 'readable' && bound ? {
      fault, reader: bound.reader, newReader: boundNew ? boundNew.reader : bound.reader, ...payParams(pay.state, chargeFen),
      confirmedCard, ...(boundNew ? { confirmedNewCard: bindingOf(boundNew) } : {}),
    }
      : mode === 'unreadable' ? { fault, unreadable: true, card: asn, confirmedCard: null }
        : { request: req, newReader: bound?.reader ?? newReader ?? '', confirmedCard, ...payParams(pay.state, chargeFen) });

  const roles: Record<string, WfKey> = {};
  if (mode === 'readable' && old) roles[old.reader] = 'slotOld';
  if (mode !== 'unreadable' && fresh && !(oneReader && mode === 'readable')) roles[fresh.reader] = 'slotNew';
  const modeButton = (m: Mode, key: string, label: WfKey) => (
    <FButton fkey={key} noTab kind={mode === m ? 'primary' : 'plain'} onClick={() => setMode(m)} testId={`exchange-mode-${m}`}>{wt(label)}</FButton>
  );
  const r = wf.result;

  return (
    <Frame title={wt('exchangeTitle')} testId="exchange-screen" step={wf.step} ready={policy !== null}>
      {(wf.step === 'form' || wf.step === 'confirm') && mode !== 'unreadable' && <ReaderSlots readers={props.readers} slots={props.slots} roles={roles} />}
      {wf.step === 'form' && (
        <form onSubmit={submit} className="form">
          <div className="pay-choice">{modeButton('readable', 'F1', 'modeReadable')}{modeButton('unreadable', 'F2', 'modeUnreadable')}{modeButton('fulfil', 'F3', 'modeFulfil')}</div>
          {mode !== 'fulfil' && (
            <div className="pay-choice">
              <span className="field-label">{wt('faultLabel')}</span>
              <FButton fkey="F4" noTab kind={fault === 'quality' ? 'primary' : 'plain'} onClick={() => setFault('quality')} testId="exchange-fault-quality">{wt('faultQuality')}</FButton>
              <FButton fkey="F7" noTab kind={fault === 'customer' ? 'primary' : 'plain'} onClick={() => setFault('customer')} testId="exchange-fault-customer">{wt('faultCustomer')}</FButton>
            </div>
          )}
          {mode === 'readable' && oneReader && <div className="muted">{wt('oneReaderSwap')}</div>}
          {mode === 'unreadable' && (
            <>
              <div className="banner banner-info">{wt('unreadableNote', { days: policy?.damagedPickupWorkingDays ?? '—' })}</div>
              <Field label={wt('cardNumberRequired')}><input ref={first} data-testid="exchange-card" autoComplete="off" maxLength={19} value={card} onChange={(e) => setCard(e.target.value)} className="input-big" /></Field>
            </>
          )}
          {mode === 'fulfil' && (
            <>
              <div className="banner banner-info">{wt('fulfilNote')}</div>
              <Field label={wt('requestId')}><input ref={first} data-testid="exchange-request" autoComplete="off" maxLength={64} value={request} onChange={(e) => setRequest(e.target.value)} className="input-big" /></Field>
            </>
          )}
          {mode !== 'fulfil' && <div className="muted">{depositText}</div>}
          {looked !== null && chargeFen > 0 && <div className="muted" data-testid="exchange-deposit-due">{wt('faultCustomer')} · {wt('depositCharged')}</div>}
          {cardFeeFen > 0 && <MoneyLine label={wt('cardFee')} fen={cardFeeFen} testId="exchange-card-fee" />}
          {cardFeeFen > 0 && policy && <div className="muted">{wt('cardFeeNote', { version: policy.feeSchedule.version })}</div>}
          {chargeFen > 0 && <PayFields pay={pay} dueFen={chargeFen} testPrefix="exchange" />}
          <Problem text={wf.problem} />
          {mode === 'fulfil' && lookupError !== null && <ErrorBox error={lookupError} />}
          {mode === 'readable' ? (
            <div className="actions">
              <button ref={next} type="submit" className="btn btn-primary" data-testid="wf-next"><span>Enter {wt('next')}</span></button>
              <button type="button" className="btn btn-plain" onClick={props.onExit}><kbd className="fkey">Esc</kbd><span>{wt('cancel')}</span></button>
            </div>
          ) : <FormActions onCancel={props.onExit} />}
        </form>
      )}
      {(wf.step === 'confirm' || wf.step === 'working') && (
        <div className="confirm" data-testid="wf-confirm">
          <div className="confirm-title">{mode === 'readable' ? wt('checkAmount') : wt('checkDetails')}</div>
          {mode === 'readable' && bound && (
            <>
              <CardLine label={wt('oldCard')} card={bound} testId="confirm-card" />
              {boundNew ? <CardLine label={wt('newCard')} card={boundNew} testId="confirm-new-card" /> : <div className="money-line"><span className="label">{wt('newCard')}</span><span className="mono" data-testid="confirm-new-card">{wt('afterSwap')}</span></div>}
              <MoneyLine label={wt('balanceMoves')} fen={bound.view.balanceFen ?? 0} strong testId="confirm-balance" />
            </>
          )}
          {mode === 'unreadable' && <div className="money-line"><span className="label">{wt('oldCard')}</span><span className="mono">{asn}</span></div>}
          {mode === 'fulfil' && <div className="money-line"><span className="label">{wt('requestNo')}</span><span className="mono">{req}</span></div>}
          {mode === 'fulfil' && looked && <div className="money-line"><span className="label">{wt('oldCard')}</span><span className="mono">{looked.cardNumber}</span></div>}
          {mode === 'fulfil' && bound && <CardLine label={wt('newCard')} card={bound} testId="confirm-card" />}
          {mode !== 'fulfil' && <div className="money-line"><span className="label">{wt('faultLabel')}</span><span>{fault === 'quality' ? wt('faultQuality') : wt('faultCustomer')} · {depositText}</span></div>}
          {mode !== 'unreadable' && cardFeeFen > 0 && <MoneyLine label={wt('cardFee')} fen={cardFeeFen} testId="confirm-card-fee" />}
          {mode !== 'unreadable' && <PayConfirm pay={pay.state} dueFen={chargeFen} />}
          <SwapBanner swap={swap} />
          <RefusalBox error={wf.error} title="exchangeRefused" />
          <ConfirmActions working={wf.step === 'working'} onConfirm={confirm} onBack={() => wf.setStep('form')} />
        </div>
      )}
      {wf.step === 'unknown' && <Unknown error={wf.error} onExit={props.onExit} onAgain={wf.askAgain} api={props.api} slots={props.slots} expected={wf.confirmed} aborted="exchangeLoadAborted" />}
      {wf.step === 'done' && r && (
        <div className="confirm done" data-testid="wf-done" data-state={r.state}>
          {r.state === 'queued' ? (
            <QueuedDone slip={r.slip} />
          ) : (
            <>
              <MovedCardLines title={wt('exchangeDone')} balanceLabel={wt('balanceMoves')} result={r} />
              {r.fee && <MoneyLine label={wt('cardFee')} fen={r.fee.chargedFen} testId="done-card-fee" />}
              {r.newDepositChargedFen + (r.fee?.chargedFen ?? 0) > 0 && <MoneyLine label={wt('totalDue')} fen={r.newDepositChargedFen + (r.fee?.chargedFen ?? 0)} />}
              {r.newDepositChargedFen + (r.fee?.chargedFen ?? 0) > 0 && r.pay === 'cash' && <MoneyLine label={wt('change')} fen={r.changeFen} strong testId="done-change" />}
            </>
          )}
          <WorkflowReceipt api={props.api} r={r} />
          <DoneActions onExit={props.onExit} />
        </div>
      )}
    </Frame>
  );
}
