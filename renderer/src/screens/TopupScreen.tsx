/**
 * The top-up (充值): amount and payment, the confirmation on the shared kit
 * (workflow-kit.tsx: the card bound as confirmed, one idempotency key per confirmation, the
 * in-doubt settlement), the receipt. Enter confirms, Esc goes back.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { CardSlot, Result, ShiftDto, StationApi, StatusDto } from '../../../common/api.ts';
import { parseYuanInput } from '../../../common/yuan-input.ts';
import { amountProblem, useI18n } from '../i18n.ts';
import { yuan } from '../money.ts';
import { ErrorBox, FButton, Field, MoneyLine, useKeys } from '../ui.tsx';
import { DrawerLine, ReceiptPanel } from './ReceiptPanel.tsx';
import { answerLost, bindingOf, CardLine, newIdempotencyKey, nothingDone, ReceiptMissing, RefusalBox, settlesHere, Settlement, useSettlement } from './workflow-kit.tsx';

type Card = Extract<CardSlot, { state: 'card' }>;

// eslint-disable-next-line max-lines-per-function -- one screen: its state, keys and layout read as one (its steps share the same state)
export function TopupScreen(props: { api: StationApi; card: Card | null; shift: ShiftDto | null; policy: StatusDto['policy']; onExit: () => void; onVerify?: () => void }) {
  const { t } = useI18n();
  const [amountText, setAmountText] = useState('');
  const [pay, setPay] = useState<'cash' | 'other'>('cash');
  const [tenderedText, setTenderedText] = useState('');
  const [reference, setReference] = useState('');
  // 'unknown': the load may have reached the card — never offer the same confirmation again.
  const [step, setStep] = useState<'form' | 'confirm' | 'working' | 'done' | 'unknown'>('form');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<Result<'topup'> | null>(null);
  // The card the confirmation is for, as it was when the clerk went to it (workflow-kit.tsx ConfirmedCards).
  const [bound, setBound] = useState<Card | null>(null);
  // One idempotency key per confirmation (workflow-kit.tsx newIdempotencyKey).
  const key = useRef(newIdempotencyKey());
  const amountRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);

  const settlement = useSettlement(error, props.card ? [props.card] : [], bound ? [bound] : []);
  const amountFen = parseYuanInput(amountText);
  const tenderedFen = tenderedText.trim() === '' ? amountFen : parseYuanInput(tenderedText);
  const balance = (step === 'form' ? props.card : bound)?.view.balanceFen ?? null;

  useEffect(() => { if (step === 'form') amountRef.current?.focus(); if (step === 'confirm') confirmRef.current?.focus(); }, [step]);
  // The customer display shows the amount while the operator confirms (请核对金额) and takes it
  // down when the operator goes back; the top-up's answer then shows what was done. Best effort.
  useEffect(() => {
    if (step === 'confirm' && amountFen !== null) void props.api.call('customerShow', { pending: { kind: 'topup', amountFen, ...(pay === 'cash' && tenderedFen !== null ? { tenderedFen } : {}) } }).catch(() => undefined);
    else if (step === 'form') void props.api.call('customerShow', { pending: null }).catch(() => undefined);
  }, [step]);

  const check = (): string | null => {
    if (props.shift === null) return t('needShift');
    if (props.card === null) return t('needCard');
    if (amountFen === null) return amountProblem(t, amountText);
    if (amountFen <= 0) return t('amountInvalid');
    if (amountFen < props.policy.minTopupFen) return t('amountMin', { min: yuan(props.policy.minTopupFen) });
    if (balance !== null && balance + amountFen > props.policy.maxBalanceFen) return t('amountMax', { max: yuan(props.policy.maxBalanceFen) });
    if (pay === 'cash' && tenderedFen === null) return amountProblem(t, tenderedText);
    if (pay === 'cash' && tenderedFen !== null && tenderedFen < amountFen) return t('tenderedShort');
    if (pay === 'other' && reference.trim() === '') return t('referenceNeeded');
    return null;
  };

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const p = check();
    setProblem(p);
    if (p === null) { key.current = newIdempotencyKey(); setBound(props.card); setError(null); setStep('confirm'); }
  };

  const run = async () => {
    if (bound === null) return;
    setStep('working');
    setError(null);
    try {
      const r = await props.api.call('topup', {
        amountFen: amountFen!, pay, reader: bound.reader, confirmedCard: bindingOf(bound), print: 'never', // previewed, then F4 prints it
        idempotencyKey: key.current,
        ...(pay === 'cash' ? { tenderedFen: tenderedFen! } : { reference: reference.trim() }),
      });
      setResult(r);
      setStep('done');
    } catch (err) {
      setError(err);
      // Only a failure that certainly changed nothing goes back to the confirmation (未充值，未收款).
      setStep(nothingDone(err) ? 'confirm' : 'unknown');
    }
  };

  useKeys({
    Escape: () => (step === 'confirm' ? setStep('form') : step === 'working' ? undefined : props.onExit()),
    // F5 on a lost answer sends the same request again (same key): the station answers with the first one's outcome, never a second load.
    F5: () => (step === 'form' ? setPay('cash') : step === 'unknown' && answerLost(error) ? void run() : undefined),
    F6: () => step === 'form' && setPay('other'),
    // 年审 from here: the way out of an overdue concession card's refusal (issue 17).
    F7: () => (step === 'form' || step === 'confirm' || step === 'done') && props.onVerify?.(),
    ...(step === 'done' ? { Enter: props.onExit } : {}),
  });

  return (
    <section className="screen" data-testid="topup-screen">
      <h2>{t('topupTitle')}</h2>
      {step === 'form' && (
        <form onSubmit={submit} className="form">
          <Field label={t('amount')}>
            <input ref={amountRef} data-testid="topup-amount" inputMode="decimal" autoComplete="off" value={amountText} onChange={(e) => setAmountText(e.target.value)} className="input-big" />
          </Field>
          <div className="pay-choice">
            <span className="field-label">{t('payment')}</span>
            <FButton fkey="F5" noTab kind={pay === 'cash' ? 'primary' : 'plain'} onClick={() => setPay('cash')}>{t('cash')}</FButton>
            <FButton fkey="F6" noTab kind={pay === 'other' ? 'primary' : 'plain'} onClick={() => setPay('other')}>{t('other')}</FButton>
          </div>
          {pay === 'cash' ? (
            <Field label={t('tendered')} note={amountFen !== null && tenderedFen !== null && tenderedFen >= amountFen ? `${t('change')} ${yuan(tenderedFen - amountFen)}` : undefined}>
              <input data-testid="topup-tendered" inputMode="decimal" autoComplete="off" value={tenderedText} placeholder={amountFen !== null ? (amountFen / 100).toFixed(2) : ''} onChange={(e) => setTenderedText(e.target.value)} className="input-big" />
            </Field>
          ) : (
            <Field label={t('reference')}>
              <input data-testid="topup-reference" autoComplete="off" value={reference} maxLength={64} onChange={(e) => setReference(e.target.value)} className="input-big" />
            </Field>
          )}
          {problem && <div className="problem" role="alert" data-testid="problem">{problem}</div>}
          <div className="actions">
            <FButton type="submit" kind="primary" onClick={() => undefined} testId="topup-next">Enter {t('next')}</FButton>
            <FButton fkey="Esc" onClick={props.onExit}>{t('cancel')}</FButton>
          </div>
        </form>
      )}
      {(step === 'confirm' || step === 'working') && amountFen !== null && (
        <div className="confirm" data-testid="topup-confirm">
          <div className="confirm-title">{t('checkAmount')}</div>
          {bound && <CardLine label={t('cardNo')} card={bound} testId="confirm-card" />}
          <MoneyLine label={t('amount').replace(/（元）| \(yuan\)/, '')} fen={amountFen} strong testId="confirm-amount" />
          <div className="money-line"><span className="label">{t('payment')}</span><span>{pay === 'cash' ? t('cash') : `${t('other')} · ${reference}`}</span></div>
          {pay === 'cash' && tenderedFen !== null && <MoneyLine label={t('tendered').replace(/（元）| \(yuan\)/, '')} fen={tenderedFen} />}
          {pay === 'cash' && tenderedFen !== null && <MoneyLine label={t('change')} fen={tenderedFen - amountFen} strong testId="confirm-change" />}
          {balance !== null && <MoneyLine label={t('balanceAfter')} fen={balance + amountFen} />}
          {bound?.view.topupLoads === 'cu' && (
            // Which purse the money goes to: a dual card also carries a T-Union purse, which stays as it is.
            <div className="money-line" data-testid="confirm-loads"><span className="label">{t('loadsInto')}</span><span>{t('purseCu')}{bound.view.tunion ? `（${t('tunionPurseUnchanged', { amount: yuan(bound.view.tunion.balanceFen) })}）` : ''}</span></div>
          )}
          <RefusalBox error={error} title="topupRefused" />
          {overdue(error) && props.onVerify && <FButton fkey="F7" kind="primary" onClick={props.onVerify} testId="topup-go-concession">{t('goConcession')}</FButton>}
          {step === 'working' ? <div className="working">{t('topupWorking')}</div> : (
            <div className="actions">
              <button ref={confirmRef} type="button" className="btn btn-primary" data-testid="topup-confirm-button" onClick={() => void run()}><kbd className="fkey">Enter</kbd><span>{t('confirm')}</span></button>
              <FButton fkey="Esc" onClick={() => setStep('form')}>{t('back')}</FButton>
            </div>
          )}
        </div>
      )}
      {step === 'unknown' && (
        <div className="confirm" data-testid="topup-unknown">
          {settlement.settled === null && (
            <>
              <div className="confirm-title">{t('topupUnknown')}</div>
              {answerLost(error) ? <div className="banner banner-warn" data-testid="answer-lost">{t('topupAnswerLost')}</div> : (
                <>
                  <ErrorBox error={error} />
                  <div className="banner banner-warn" data-testid="unknown-next">{t(settlesHere(error) ? 'topupUnknownNext' : 'topupCheckCard')}</div>
                </>
              )}
            </>
          )}
          {/* Placing the same card again settles it here: 已入账 with the receipt, or 已撤销. */}
          <Settlement api={props.api} error={error} expected={bound ? [bound] : []} state={settlement} />
          <div className="actions">
            {answerLost(error) && <FButton fkey="F5" kind="primary" onClick={() => void run()} testId="ask-again">{t('askAgain')}</FButton>}
            <FButton fkey="Esc" kind={answerLost(error) ? 'plain' : 'primary'} onClick={props.onExit}>{t('back')}</FButton>
          </div>
        </div>
      )}
      {step === 'done' && result && (
        <div className="confirm done" data-testid="topup-done">
          <div className="confirm-title ok">{t('topupDone')}</div>
          <MoneyLine label={t('amount').replace(/（元）| \(yuan\)/, '')} fen={result.amountFen} />
          <MoneyLine label={t('balanceBefore')} fen={result.balanceBeforeFen} />
          <MoneyLine label={t('balanceAfter')} fen={result.balanceAfterFen} strong testId="done-balance" />
          {result.concessionDue && <div className="banner banner-warn" data-testid="topup-concession-due">{t('topupConcessionDue', { date: result.concessionDue.verifiedUntil })}</div>}
          {result.pay === 'cash' && <MoneyLine label={t('change')} fen={result.changeFen} strong />}
          <div className="muted mono">{t('entryId')} {result.entryId} · TAC {result.tac}</div>
          {result.receiptError && <ReceiptMissing error={result.receiptError} />}
          <DrawerLine drawer={result.drawer} />
          <ReceiptPanel api={props.api} entryId={result.receiptEntryId ?? result.entryId} />
          <div className="actions"><FButton fkey="Enter" kind="primary" onClick={props.onExit}>{t('done')}</FButton></div>
        </div>
      )}
    </section>
  );
}

/** The refusal of an overdue concession card (core/workflows/concession.ts): its way out is 年审, F7. */
function overdue(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { say?: { id?: string } }).say?.id === 'concessionOverdue';
}
