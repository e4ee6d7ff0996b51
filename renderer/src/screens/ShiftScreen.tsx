/**
 * The shift (班次): open with a float, close with the drawer counted by denomination; a
 * difference needs a supervisor's ID and PIN. Enter confirms, Esc goes back.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Result, ShiftDto, StationApi } from '../../../common/api.ts';
import { chinaDateTime } from '../../../common/china-time.ts';
import { parseYuanInput } from '../../../common/yuan-input.ts';
import { amountProblem, useI18n } from '../i18n.ts';
import { capitals, yuan } from '../money.ts';
import { ErrorBox, FButton, Field, MoneyLine, useKeys } from '../ui.tsx';
import { ReceiptPanel } from './ReceiptPanel.tsx';
import { newIdempotencyKey } from './workflow-kit.tsx';
/**
 * A drawer difference as the counter says it: 长款 (more cash than expected) or 短款 (less),
 * the amount without a sign and in 大写 — never "¥-10.00".
 */
function DifferenceLine(props: { fen: number; big?: boolean }) {
  const { t } = useI18n();
  const label = props.fen > 0 ? t('cashOver') : props.fen < 0 ? t('cashShort') : t('cashBalanced');
  return (
    <div className={props.fen === 0 ? 'money-line' : 'money-line strong diff'} data-testid="shift-difference-line" data-sign={Math.sign(props.fen)}>
      <span className="label">{t('difference')}：<span data-testid="shift-difference-kind">{label}</span></span>
      <span className={props.big ? 'money money-big' : 'money'} data-testid="shift-difference">{yuan(Math.abs(props.fen))}</span>
      <span className="capitals">{capitals(Math.abs(props.fen))}</span>
    </div>
  );
}

/** RMB notes and coins in fen, largest first (core/workflows/shift.ts DENOMINATIONS_FEN). */
const DENOMS = [10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 2, 1];

// eslint-disable-next-line max-lines-per-function -- one screen: its state, keys and layout read as one (its steps share the same state)
export function ShiftScreen(props: { api: StationApi; shift: ShiftDto | null; onExit: () => void; onCash?: () => void }) {
  const { t } = useI18n();
  const [floatText, setFloatText] = useState('');
  const [counts, setCounts] = useState<Record<string, string>>({});
  const [sup, setSup] = useState({ staffId: '', pin: '' });
  const [step, setStep] = useState<'form' | 'confirm' | 'working' | 'done'>('form');
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [closed, setClosed] = useState<Result<'shiftClose'> | null>(null);
  const firstRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const supIdRef = useRef<HTMLInputElement>(null);
  const supPinRef = useRef<HTMLInputElement>(null);
  // One idempotency key per confirmation: a retry after a lost answer gets the first answer.
  const key = useRef(newIdempotencyKey());
  const open = props.shift;

  // Focus goes where the next input is: with a difference, the supervisor's fields (the ID, or
  // the PIN once the ID is there — after a refused PIN too), else the confirm button.
  useEffect(() => {
    if (step === 'form') firstRef.current?.focus();
    if (step === 'confirm') (supIdRef.current === null ? confirmRef.current : sup.staffId.trim() === '' ? supIdRef.current : supPinRef.current)?.focus();
  }, [step]);
  useKeys({
    Escape: () => (step === 'confirm' ? setStep('form') : step === 'working' ? undefined : props.onExit()), ...(step === 'done' ? { Enter: props.onExit } : {}),
    // 钱箱 (交款 / 调款) while the shift is open: the last 交款 comes before the count.
    ...(open && step === 'form' && props.onCash ? { F6: props.onCash } : {}),
  });

  const countOf = (d: number) => { const v = counts[String(d)] ?? ''; return /^[0-9]{1,6}$/.test(v) ? Number(v) : v.trim() === '' ? 0 : null; };
  const countedFen = DENOMS.reduce((s, d) => s + d * (countOf(d) ?? 0), 0);
  const badCount = DENOMS.some((d) => countOf(d) === null);
  const floatFen = parseYuanInput(floatText);
  const difference = open ? countedFen - open.expectedFen : 0;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = open ? (badCount ? t('amountInvalid') : null) : (floatFen === null ? amountProblem(t, floatText) : null);
    setProblem(p);
    if (p === null) { key.current = newIdempotencyKey(); setStep('confirm'); }
  };
  const run = async (e?: FormEvent) => {
    e?.preventDefault();
    if (step !== 'confirm') return;
    // A difference is signed off before anything is sent: empty fields are said here, with the cursor put in the first one.
    if (open && difference !== 0 && (sup.staffId.trim() === '' || sup.pin === '')) {
      setError(null);
      setProblem(t('supervisorMissing'));
      (sup.staffId.trim() === '' ? supIdRef : supPinRef).current?.focus();
      return;
    }
    setProblem(null);
    setStep('working');
    setError(null);
    try {
      if (open) {
        const counted = Object.fromEntries(DENOMS.map((d) => [String(d), countOf(d) ?? 0]).filter(([, n]) => (n as number) > 0));
        setClosed(await props.api.call('shiftClose', { counted, print: 'never', idempotencyKey: key.current, ...(difference !== 0 ? { supervisor: sup } : {}) }));
        setStep('done');
      } else {
        await props.api.call('shiftOpen', { floatFen: floatFen!, idempotencyKey: key.current });
        props.onExit();
      }
    } catch (err) {
      setError(err);
      setStep('confirm');
    }
  };

  if (step === 'done' && closed) {
    return (
      <section className="screen" data-testid="shift-done">
        <h2>{t('shiftClosed')}</h2>
        <MoneyLine label={t('expected')} fen={closed.expectedFen} />
        <MoneyLine label={t('counted')} fen={closed.countedFen} strong />
        <DifferenceLine fen={closed.differenceFen} />
        {closed.receiptEntryId && <ReceiptPanel api={props.api} entryId={closed.receiptEntryId} />}
        <div className="actions"><FButton fkey="Enter" kind="primary" onClick={props.onExit}>{t('done')}</FButton></div>
      </section>
    );
  }

  return (
    <section className="screen" data-testid={open ? 'shift-close-screen' : 'shift-open-screen'}>
      <h2>{open ? t('shiftCloseTitle') : t('shiftOpenTitle')}</h2>
      {step === 'form' && (
        <form onSubmit={submit} className="form">
          {open ? (
            <>
              <div className="muted">{t('openedAt')} {chinaDateTime(open.openedAt)} · {t('float').replace(/（元）| \(yuan\)/, '')} {yuan(open.floatFen)}</div>
              <table className="denoms">
                <thead><tr><th>{t('denomination')}</th><th>{t('pieces')}</th><th className="num">{t('subtotal')}</th></tr></thead>
                <tbody>
                  {DENOMS.map((d, i) => (
                    <tr key={d}>
                      <td className="num">{yuan(d)}</td>
                      <td><input ref={i === 0 ? firstRef : undefined} data-testid={`count-${d}`} inputMode="numeric" autoComplete="off" value={counts[String(d)] ?? ''} onChange={(e) => setCounts({ ...counts, [String(d)]: e.target.value })} className="input-count" /></td>
                      <td className="num">{countOf(d) === null ? '?' : yuan(d * (countOf(d) ?? 0))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <MoneyLine label={t('counted')} fen={countedFen} strong />
              <MoneyLine label={t('expected')} fen={open.expectedFen} />
            </>
          ) : (
            <Field label={t('float')}>
              <input ref={firstRef} data-testid="shift-float" inputMode="decimal" autoComplete="off" value={floatText} onChange={(e) => setFloatText(e.target.value)} className="input-big" />
            </Field>
          )}
          {problem && <div className="problem" role="alert">{problem}</div>}
          <div className="actions">
            <FButton type="submit" kind="primary" onClick={() => undefined} testId="shift-next">Enter {t('next')}</FButton>
            {open && props.onCash && <FButton fkey="F6" onClick={props.onCash} testId="shift-cash">{t('cashBoxKey')}</FButton>}
            <FButton fkey="Esc" onClick={props.onExit}>{t('cancel')}</FButton>
          </div>
        </form>
      )}
      {(step === 'confirm' || step === 'working') && (
        // A form: Enter in any field (the supervisor's PIN too) confirms.
        <form className="confirm" data-testid="shift-confirm" onSubmit={(e) => void run(e)}>
          <div className="confirm-title">{t('checkAmount')}</div>
          {open ? (
            <>
              <MoneyLine label={t('expected')} fen={open.expectedFen} />
              <MoneyLine label={t('counted')} fen={countedFen} strong />
              <DifferenceLine fen={difference} big />
              {difference !== 0 && (
                <div className="supervisor">
                  <div className="banner banner-warn" data-testid="supervisor-needed">{t('supervisorNeeded')}</div>
                  <Field label={t('supervisorId')}><input ref={supIdRef} data-testid="supervisor-id" value={sup.staffId} onChange={(e) => setSup({ ...sup, staffId: e.target.value })} autoComplete="off" /></Field>
                  <Field label={t('supervisorPin')}><input ref={supPinRef} data-testid="supervisor-pin" type="password" value={sup.pin} onChange={(e) => setSup({ ...sup, pin: e.target.value })} autoComplete="off" /></Field>
                </div>
              )}
            </>
          ) : (
            floatFen !== null && <MoneyLine label={t('float').replace(/（元）| \(yuan\)/, '')} fen={floatFen} strong testId="confirm-float" />
          )}
          {step === 'confirm' && problem && <div className="problem" role="alert" data-testid="shift-problem">{problem}</div>}
          <ErrorBox error={error} />
          {step === 'confirm' && (
            <div className="actions">
              <button ref={confirmRef} type="submit" className="btn btn-primary" data-testid="shift-confirm-button"><kbd className="fkey">Enter</kbd><span>{t('confirm')}</span></button>
              <FButton fkey="Esc" onClick={() => setStep('form')}>{t('back')}</FButton>
            </div>
          )}
        </form>
      )}
    </section>
  );
}
