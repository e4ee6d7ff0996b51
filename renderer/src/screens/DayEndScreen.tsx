/**
 * 日结: the day's figures as the end-of-day report prints them (counts and sums by workflow
 * and payment method, deposits, cash expected vs counted per shift and for the day), what
 * still stands in the way (open shifts, unsigned differences, incomplete transactions,
 * entries not uploaded — each with its next step), and the export of the report (PDF) and
 * journal (CSV). The core's sign-off is the supervisor's at shift close: a drawer that differs
 * is closed only with a supervisor's ID and PIN (F3 → the shift screen); the printed report
 * carries the signature lines.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Result, ShiftDto, StationApi } from '../../../common/api.ts';
import { yuan } from '../money.ts';
import { ErrorBox, FButton, Field, useKeys } from '../ui.tsx';
import { localTime, useRT, type RMsg } from './receipts-i18n.ts';
import { term, useI18n } from '../i18n.ts';

type Summary = Result<'daySummary'>;
/** ok: true; bad: must be dealt with; off: does not apply here (no clearing host), shown as such, never as ✓. */
type CheckState = 'ok' | 'bad' | 'off';
const CHECK_MARK: Record<CheckState, string> = { ok: '✓', bad: '✗', off: '–' };
type Sync = Result<'syncStatus'>;

// eslint-disable-next-line max-lines-per-function -- one screen: its state, keys and layout read as one
export function DayEndScreen(props: { api: StationApi; shift: ShiftDto | null; onExit: () => void; onShift: () => void; onQuarantine: () => void }) {
  const t = useRT();
  const { lang } = useI18n();
  // Today is the station's (the core answers for its own clock when no day is asked for).
  const [day, setDay] = useState('');
  const [summary, setSummary] = useState<Summary | null>(null);
  const [sync, setSync] = useState<Sync | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [exported, setExported] = useState<Result<'dayExport'>[]>([]);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async (d?: string) => {
    setError(null);
    try {
      const [s, y] = await Promise.all([props.api.call('daySummary', d === undefined ? {} : { day: d }), props.api.call('syncStatus', {})]);
      setSummary(s);
      setDay(s.day);
      setSync(y);
    } catch (err) {
      setError(err);
    }
  }, [props.api]);
  useEffect(() => { void load(); }, [load]);

  const exportAs = async (format: 'csv' | 'pdf') => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const r = await props.api.call('dayExport', { day: summary?.day ?? day, format });
      setExported((list) => [...list.filter((x) => x.format !== format), r]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  useKeys({
    Escape: props.onExit,
    F3: props.onShift,
    F4: () => void exportAs('pdf'),
    F5: () => void exportAs('csv'),
    F7: props.onQuarantine,
  });

  const s = summary;
  const openShifts = s ? s.shifts.filter((x) => x.shiftId !== '' && x.closedAt === null) : [];
  const unsigned = s ? s.shifts.filter((x) => x.cash.status === 'unsigned-difference') : [];
  // An item is green only when it is true: with no clearing host nothing was uploaded, which is
  // its own state (the exported report says 上传确认 未确认), and an upload state that could
  // not be read is not a green one.
  const syncState: CheckState = sync === null ? 'bad' : !sync.configured ? 'off' : sync.backlog === 0 && sync.quarantined === 0 ? 'ok' : 'bad';
  const checks: { key: RMsg; state: CheckState; testId: string }[] = s ? [
    { key: 'check_shifts', state: openShifts.length === 0 ? 'ok' : 'bad', testId: 'check-shifts' },
    { key: 'check_signoff', state: unsigned.length === 0 ? 'ok' : 'bad', testId: 'check-signoff' },
    { key: 'check_incomplete', state: s.incomplete.length === 0 ? 'ok' : 'bad', testId: 'check-incomplete' },
    // The day-end requires cash_in_transit = 0 (docs/COUNTER-RULES.md §4): a transfer not taken holds the day back.
    { key: 'check_transit', state: s.cashBox.status === 'settled' ? 'ok' : 'bad', testId: 'check-transit' },
    { key: syncState === 'off' ? 'check_sync_off' : 'check_sync', state: syncState, testId: 'check-sync' },
  ] : [];
  // No host configured does not hold the day back (a training or stand-alone station), but it is not counted as done either.
  const ready = checks.length > 0 && checks.every((c) => c.state !== 'bad');
  const wf = (k: string) => t(`workflow_${k}` as RMsg);
  // 长款 / 短款 and the amount unsigned, never "¥-10.00".
  const differenceText = (fen: number | null): string => (fen === null ? '—' : fen === 0 ? yuan(0) : `${t(fen > 0 ? 'cashOver' : 'cashShort')} ${yuan(Math.abs(fen))}`);
  const pay = (k: string) => t(`pay_${k}` as RMsg);

  return (
    <section className="screen day-screen" data-testid="day-screen">
      <h2>{t('dayTitle')}</h2>
      <form className="day-pick" onSubmit={(e) => { e.preventDefault(); void load(day.trim()); }}>
        <Field label={t('day')}><input data-testid="day-input" value={day} maxLength={10} autoComplete="off" onChange={(e) => setDay(e.target.value)} /></Field>
        <FButton type="submit" onClick={() => undefined}>Enter {t('refresh')}</FButton>
      </form>
      <ErrorBox error={error} />
      {s && (
        <>
          <h3 data-testid="day-title">{t('dayOf', { day: s.day })}</h3>
          <div className={`banner ${ready ? 'banner-info' : 'banner-warn'}`} data-testid="day-ready" data-ready={ready ? 'yes' : 'no'}>{ready ? t('ready') : t('notReady')}</div>
          <ul className="checklist">
            {checks.map((c) => <li key={c.testId} className={c.state} data-testid={c.testId} data-ok={c.state === 'ok' ? 'yes' : c.state === 'off' ? 'none' : 'no'}>{CHECK_MARK[c.state]} {t(c.key)}</li>)}
          </ul>
          <div className="day-grid">
            <table className="day-table" data-testid="day-by-workflow">
              <thead><tr><th>{t('byWorkflow')}</th><th className="num">{t('entries')}</th><th className="num">{t('sum')}</th></tr></thead>
              <tbody>
                {Object.entries(s.byWorkflow).map(([k, v]) => <tr key={k} data-workflow={k}><td>{wf(k)}</td><td className="num">{v.count}</td><td className="num">{yuan(v.totalFen)}</td></tr>)}
                <tr className="total"><td>{t('total')}</td><td className="num" data-testid="day-count">{s.count}</td><td className="num" data-testid="day-total">{yuan(s.totalFen)}</td></tr>
              </tbody>
            </table>
            <table className="day-table" data-testid="day-by-payment">
              <thead><tr><th>{t('byPayment')}</th><th className="num">{t('entries')}</th><th className="num">{t('sum')}</th></tr></thead>
              <tbody>
                {Object.entries(s.byPayment).map(([k, v]) => <tr key={k} data-payment={k}><td>{pay(k)}</td><td className="num">{v.count}</td><td className="num" data-testid={`pay-${k}`}>{yuan(v.totalFen)}</td></tr>)}
                <tr><td>{t('depositsTaken')}</td><td className="num">{s.depositsTaken.count}</td><td className="num">{yuan(s.depositsTaken.fen)}</td></tr>
                <tr><td>{t('depositsReturned')}</td><td className="num">{s.depositsReturned.count}</td><td className="num">{yuan(s.depositsReturned.fen)}</td></tr>
              </tbody>
            </table>
          </div>
          <table className="day-table" data-testid="day-fees">
            <thead><tr><th>{t('feesTitle')}</th><th className="num">{t('entries')}</th><th className="num">{t('feeCharged')}</th><th className="num">{t('feeWaived')}</th></tr></thead>
            <tbody>
              {Object.entries(s.fees).map(([k, v]) => (
                <tr key={k} data-fee={k}><td>{t(`fee-${k}` as RMsg)}</td><td className="num">{v.count}</td><td className="num" data-testid={`fee-charged-${k}`}>{yuan(v.chargedFen)}</td><td className="num" data-testid={`fee-waived-${k}`}>{yuan(v.waivedFen)}</td></tr>
              ))}
            </tbody>
          </table>
          <table className="day-table" data-testid="day-cash">
            <thead><tr><th>{t('shifts')}</th><th className="num">{t('float')}</th><th className="num">{t('cashIn')}</th><th className="num">{t('cashOut')}</th><th className="num">{t('expected')}</th><th className="num">{t('counted')}</th><th className="num">{t('difference')}</th><th>{t('cashTitle')}</th></tr></thead>
            <tbody>
              {s.shifts.map((x) => (
                <tr key={x.shiftId || 'none'} data-testid="day-shift" data-status={x.cash.status}>
                  <td><span translate="no">{x.operatorName ?? x.operatorId}</span> <span className="muted">{localTime(x.openedAt).slice(11, 16)}–{x.closedAt ? localTime(x.closedAt).slice(11, 16) : t('shiftOpenNow')}</span></td>
                  <td className="num">{yuan(x.cash.floatFen)}</td>
                  <td className="num">{yuan(x.cash.cashInFen)}</td>
                  <td className="num">{yuan(x.cash.cashOutFen)}</td>
                  <td className="num">{yuan(x.cash.expectedFen)}</td>
                  <td className="num">{x.cash.countedFen === null ? t('notCounted') : yuan(x.cash.countedFen)}</td>
                  <td className={x.cash.differenceFen ? 'num diff' : 'num'} data-testid="day-shift-difference">{differenceText(x.cash.differenceFen)}</td>
                  <td><span className={`badge cash-${x.cash.status}`}>{t(`cash_${x.cash.status}` as RMsg)}</span>{x.cash.signedOffBy && <span className="muted"> {t('signedOffBy')} {x.cash.signedOffBy}</span>}</td>
                </tr>
              ))}
              <tr className="total">
                <td>{t('total')}</td>
                <td className="num">{yuan(s.cash.floatFen)}</td>
                <td className="num">{yuan(s.cash.cashInFen)}</td>
                <td className="num">{yuan(s.cash.cashOutFen)}</td>
                <td className="num" data-testid="day-expected">{yuan(s.cash.expectedFen)}</td>
                <td className="num" data-testid="day-counted">{s.cash.countedFen === null ? t('notCounted') : yuan(s.cash.countedFen)}</td>
                <td className="num">{differenceText(s.cash.differenceFen)}</td>
                <td />
              </tr>
            </tbody>
          </table>
          <table className="day-table" data-testid="day-cash-box" data-status={s.cashBox.status}>
            <thead><tr><th>{t('cashBoxTitle')}</th><th className="num">{t('entries')}</th><th className="num">{t('sum')}</th></tr></thead>
            <tbody>
              <tr><td>{t('boxFloatIssued')}</td><td /><td className="num">{yuan(s.cashBox.floatIssuedFen)}</td></tr>
              <tr><td>{t('boxHandedSafe')}</td><td className="num" rowSpan={2}>{s.cashBox.handovers}</td><td className="num" data-testid="box-handed-safe">{yuan(s.cashBox.handedOverSafeFen)}</td></tr>
              <tr><td>{t('boxHandedBank')}</td><td className="num" data-testid="box-handed-bank">{yuan(s.cashBox.handedOverBankFen)}</td></tr>
              <tr><td>{t('boxSent')}</td><td /><td className="num">{yuan(s.cashBox.transferredOutFen)}</td></tr>
              <tr><td>{t('boxTaken')}</td><td /><td className="num">{yuan(s.cashBox.transferredInFen)}</td></tr>
              <tr><td>{t('boxFloatReturned')}</td><td /><td className="num">{yuan(s.cashBox.floatReturnedFen)}</td></tr>
              <tr className={s.cashBox.inTransitFen === 0 ? 'total' : 'total diff'}><td>{t('boxInTransit')}</td><td /><td className="num" data-testid="box-in-transit">{yuan(s.cashBox.inTransitFen)}</td></tr>
            </tbody>
          </table>
          {s.cashBox.pending.map((p) => (
            <div key={p.transferId} className="banner banner-warn" data-testid="box-pending">{t('boxPending', { from: p.fromOperatorId, to: p.toOperatorId, amount: yuan(p.amountFen), at: localTime(p.at) })}</div>
          ))}
          <h3>{t('incompleteTitle')}</h3>
          {s.incomplete.length === 0 ? <div className="muted" data-testid="day-incomplete-none">{t('incompleteNone')}</div> : (
            <>
              <div className="banner banner-warn">{t('incompleteGuide')}</div>
              <table className="day-table" data-testid="day-incomplete">
                <tbody>
                  {s.incomplete.map((i) => <tr key={i.opId}><td className="mono">{localTime(i.at)}</td><td>{wf(i.workflow)}</td><td className="mono">{i.cardNumber ?? '—'}</td><td className="num">{yuan(i.amountFen)}</td><td>{term(lang, i.state)}</td><td translate="no">{i.operatorId}</td></tr>)}
                </tbody>
              </table>
            </>
          )}
          {sync && sync.configured && (sync.backlog > 0 || sync.quarantined > 0) && (
            <div className="banner banner-warn">{t('sync')}：{t('syncLine', { backlog: sync.backlog, q: sync.quarantined, last: sync.lastOkAt ? localTime(sync.lastOkAt) : t('syncNever') })}</div>
          )}
          <div className="muted mono">{t('firstLast')}：{s.first ? `#${s.first.seq} ${s.first.entryId}` : '—'} / {s.last ? `#${s.last.seq} ${s.last.entryId}` : '—'} · {t('chainHead')} {s.chainHeadHash.slice(0, 16)}…</div>
          {exported.map((x) => <div key={x.format} className="banner banner-info" data-testid={`exported-${x.format}`}>{t('exported', { out: x.out, bytes: x.bytes })}</div>)}
        </>
      )}
      <div className="actions wrap">
        <FButton fkey="F4" kind="primary" disabled={busy || !s} onClick={() => void exportAs('pdf')} testId="day-export-pdf">{t('exportPdf')}</FButton>
        <FButton fkey="F5" disabled={busy || !s} onClick={() => void exportAs('csv')} testId="day-export-csv">{t('exportCsv')}</FButton>
        {props.shift && <FButton fkey="F3" onClick={props.onShift} testId="day-close-shift">{t('closeMyShift')}</FButton>}
        <FButton fkey="F7" onClick={props.onQuarantine}>{t('quarantineTitle')}</FButton>
        <FButton fkey="Esc" onClick={props.onExit}>{t('back')}</FButton>
      </div>
    </section>
  );
}
