/**
 * 钱箱 (the teller's cash box, issue 17 item 4): 交款 — cash from the drawer to the safe or the
 * bank, signed by another supervisor (ID and PIN) — a transfer to another teller's open shift,
 * and the transfers waiting for this teller to take. Each money request is read → confirm → sent
 * with one idempotency key per confirmation; the drawer figure comes back in the answer.
 * F1 交款, F2 调款, F3 接收调款, Esc back.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Result, ShiftDto, StationApi } from '../../../common/api.ts';
import { chinaDateTime } from '../../../common/china-time.ts';
import { parseYuanInput } from '../../../common/yuan-input.ts';
import { amountProblem, useI18n } from '../i18n.ts';
import { capitals, yuan } from '../money.ts';
import { ErrorBox, FButton, Field, MoneyLine, useKeys } from '../ui.tsx';
import { newIdempotencyKey } from './workflow-kit.tsx';

type Mode = 'handover' | 'transfer' | 'waiting';
type Waiting = Result<'cashTransfersWaiting'>['transfers'];

// eslint-disable-next-line max-lines-per-function -- one screen: its three forms share the confirm step and the answer
export function CashBoxScreen(props: { api: StationApi; shift: ShiftDto | null; onExit: () => void }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<Mode>('handover');
  const [amountText, setAmountText] = useState('');
  const [to, setTo] = useState<'safe' | 'bank'>('safe');
  const [toOperator, setToOperator] = useState('');
  const [sup, setSup] = useState({ staffId: '', pin: '' });
  const [step, setStep] = useState<'form' | 'confirm' | 'working' | 'done'>('form');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<{ text: string; drawerFen: number } | null>(null);
  const [waiting, setWaiting] = useState<Waiting>([]);
  const [picked, setPicked] = useState<Waiting[number] | null>(null);
  const key = useRef(newIdempotencyKey());
  const firstRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const amountFen = parseYuanInput(amountText);

  const loadWaiting = async () => {
    try { setWaiting((await props.api.call('cashTransfersWaiting', {})).transfers); } catch (err) { setError(err); }
  };
  useEffect(() => { void loadWaiting(); }, []);
  useEffect(() => {
    if (step === 'form') firstRef.current?.focus();
    if (step === 'confirm') confirmRef.current?.focus();
  }, [step, mode]);
  const choose = (m: Mode) => { if (step === 'form' || step === 'done') { setMode(m); setStep('form'); setProblem(null); setError(null); if (m === 'waiting') void loadWaiting(); } };
  useKeys({
    F1: () => choose('handover'), F2: () => choose('transfer'), F3: () => choose('waiting'),
    Escape: () => (step === 'confirm' ? setStep('form') : step === 'working' ? undefined : props.onExit()),
  });

  if (props.shift === null) {
    return (
      <section className="screen" data-testid="cash-screen">
        <h2>{t('cashBoxTitle')}</h2>
        <div className="problem" role="alert">{t('cashNeedsShift')}</div>
        <div className="actions"><FButton fkey="Esc" onClick={props.onExit}>{t('back')}</FButton></div>
      </section>
    );
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    let p: string | null = null;
    if (mode !== 'waiting') p = amountFen === null ? amountProblem(t, amountText) : amountFen <= 0 ? t('amountInvalid') : null;
    if (p === null && mode === 'handover' && (sup.staffId.trim() === '' || sup.pin === '')) p = t('supervisorMissing');
    if (p === null && mode === 'transfer' && toOperator.trim() === '') p = t('cashToOperatorMissing');
    if (p === null && mode === 'waiting' && picked === null) p = t('cashPickTransfer');
    setProblem(p);
    if (p === null) { key.current = newIdempotencyKey(); setStep('confirm'); }
  };
  const run = async (e?: FormEvent) => {
    e?.preventDefault();
    if (step !== 'confirm') return;
    setStep('working');
    setError(null);
    try {
      if (mode === 'handover') {
        const r = await props.api.call('cashHandover', { amountFen: amountFen!, to, supervisor: { staffId: sup.staffId.trim(), pin: sup.pin }, idempotencyKey: key.current });
        setDone({ text: `${t('cashHandedOver')} ${yuan(r.amountFen)} → ${t(r.to === 'safe' ? 'cashToSafe' : 'cashToBank')} · ${t('supervisorId')} ${r.supervisorId}`, drawerFen: r.drawerFen });
      } else if (mode === 'transfer') {
        const r = await props.api.call('cashTransferSend', { amountFen: amountFen!, toOperatorId: toOperator.trim(), idempotencyKey: key.current });
        setDone({ text: `${t('cashSent')} ${yuan(r.amountFen)} → ${r.toOperatorId} · ${t('cashInTransitUntil')}`, drawerFen: r.drawerFen });
      } else {
        const r = await props.api.call('cashTransferAccept', { transferId: picked!.transferId, idempotencyKey: key.current });
        setDone({ text: `${t('cashTaken')} ${yuan(r.amountFen)} ← ${r.fromOperatorId}`, drawerFen: r.drawerFen });
        setPicked(null);
        void loadWaiting();
      }
      setSup({ staffId: '', pin: '' });
      setAmountText('');
      setStep('done');
    } catch (err) {
      setError(err);
      setStep('confirm');
    }
  };

  const tabs = (
    <div className="actions" data-testid="cash-modes">
      <FButton fkey="F1" kind={mode === 'handover' ? 'primary' : 'plain'} onClick={() => choose('handover')} testId="cash-mode-handover">{t('cashHandover')}</FButton>
      <FButton fkey="F2" kind={mode === 'transfer' ? 'primary' : 'plain'} onClick={() => choose('transfer')} testId="cash-mode-transfer">{t('cashTransfer')}</FButton>
      <FButton fkey="F3" kind={mode === 'waiting' ? 'primary' : 'plain'} onClick={() => choose('waiting')} testId="cash-mode-waiting">{t('cashWaiting')} ({waiting.length})</FButton>
    </div>
  );

  return (
    <section className="screen" data-testid="cash-screen" data-mode={mode}>
      <h2>{t('cashBoxTitle')}</h2>
      <MoneyLine label={t('expected')} fen={done?.drawerFen ?? props.shift.expectedFen} testId="cash-drawer" />
      {tabs}
      {step === 'done' && done && <div className="banner banner-ok" data-testid="cash-done">{done.text}</div>}
      {(step === 'form' || step === 'done') && (
        <form onSubmit={submit} className="form">
          {mode === 'waiting' ? (
            waiting.length === 0 ? <div className="muted" data-testid="cash-none-waiting">{t('cashNoneWaiting')}</div> : (
              <table className="list" data-testid="cash-waiting">
                <tbody>
                  {waiting.map((w, i) => (
                    <tr key={w.transferId} className={picked?.transferId === w.transferId ? 'selected' : ''}>
                      <td><input ref={i === 0 ? firstRef : undefined} type="radio" name="transfer" data-testid={`cash-pick-${i}`} checked={picked?.transferId === w.transferId} onChange={() => setPicked(w)} /></td>
                      <td>{chinaDateTime(w.at)}</td><td>{w.fromOperatorId}</td><td className="num">{yuan(w.amountFen)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          ) : (
            <>
              <Field label={t('cashAmount')}>
                <input ref={firstRef} data-testid="cash-amount" inputMode="decimal" autoComplete="off" value={amountText} onChange={(e) => setAmountText(e.target.value)} className="input-big" />
              </Field>
              {mode === 'handover' ? (
                <>
                  <Field label={t('cashHandoverTo')}>
                    <select data-testid="cash-to" value={to} onChange={(e) => setTo(e.target.value === 'bank' ? 'bank' : 'safe')}>
                      <option value="safe">{t('cashToSafe')}</option>
                      <option value="bank">{t('cashToBank')}</option>
                    </select>
                  </Field>
                  <div className="banner banner-warn">{t('cashHandoverSignOff')}</div>
                  <Field label={t('supervisorId')}><input data-testid="supervisor-id" value={sup.staffId} onChange={(e) => setSup({ ...sup, staffId: e.target.value })} autoComplete="off" /></Field>
                  <Field label={t('supervisorPin')}><input data-testid="supervisor-pin" type="password" value={sup.pin} onChange={(e) => setSup({ ...sup, pin: e.target.value })} autoComplete="off" /></Field>
                </>
              ) : (
                <Field label={t('cashToOperator')}><input data-testid="cash-to-operator" value={toOperator} onChange={(e) => setToOperator(e.target.value)} autoComplete="off" /></Field>
              )}
            </>
          )}
          {problem && <div className="problem" role="alert" data-testid="cash-problem">{problem}</div>}
          <div className="actions">
            <FButton type="submit" kind="primary" onClick={() => undefined} testId="cash-next">Enter {t('next')}</FButton>
            <FButton fkey="Esc" onClick={props.onExit}>{t('back')}</FButton>
          </div>
        </form>
      )}
      {(step === 'confirm' || step === 'working') && (
        <form className="confirm" data-testid="cash-confirm" onSubmit={(e) => void run(e)}>
          <div className="confirm-title">{t('checkAmount')}</div>
          {mode === 'waiting' && picked ? (
            <MoneyLine label={`${t('cashTake')} ← ${picked.fromOperatorId}`} fen={picked.amountFen} strong testId="cash-confirm-amount" />
          ) : (
            <>
              <MoneyLine label={mode === 'handover' ? `${t('cashHandover')} → ${t(to === 'safe' ? 'cashToSafe' : 'cashToBank')}` : `${t('cashTransfer')} → ${toOperator.trim()}`} fen={amountFen ?? 0} strong testId="cash-confirm-amount" />
              <div className="capitals">{capitals(amountFen ?? 0)}</div>
            </>
          )}
          <ErrorBox error={error} />
          {step === 'confirm' && (
            <div className="actions">
              <button ref={confirmRef} type="submit" className="btn btn-primary" data-testid="cash-confirm-button"><kbd className="fkey">Enter</kbd><span>{t('confirm')}</span></button>
              <FButton fkey="Esc" onClick={() => setStep('form')}>{t('back')}</FButton>
            </div>
          )}
        </form>
      )}
    </section>
  );
}
