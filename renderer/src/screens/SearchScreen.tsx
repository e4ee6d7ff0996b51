/**
 * 查询 / 重印: ledger entries by card number (or part of it), entry id (流水号) and/or day,
 * newest first; ↑↓ picks one, its receipt is previewed beside, F4 prints the original (once)
 * and F5 a reprint (重印 第N次, counted when the printer took it): ReceiptPanel's
 * `separateReprint`. Enter in a field searches; the results then take the keyboard (↑↓ and
 * PgUp/PgDn choose), Enter on them opens the receipt, whose paper ↑↓ and PgUp/PgDn then scroll
 * (ReceiptPanel's scroll keys), and Esc goes back a step: receipt → list → home.
 */
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Result, StationApi } from '../../../common/api.ts';
import { useI18n } from '../i18n.ts';
import { yuan } from '../money.ts';
import { ErrorBox, FButton, Field, useKeys } from '../ui.tsx';
import { ReceiptPanel } from './ReceiptPanel.tsx';
import { kindName, localTime, useRT } from './receipts-i18n.ts';

type Found = Result<'entrySearch'>;

// eslint-disable-next-line max-lines-per-function -- one screen: its state, keys and layout read as one
export function SearchScreen(props: { api: StationApi; onExit: () => void; initialCard?: string | null }) {
  const t = useRT();
  const { lang } = useI18n();
  const [cardNo, setCardNo] = useState(props.initialCard ?? '');
  const [entryId, setEntryId] = useState('');
  const [day, setDay] = useState('');
  const [found, setFound] = useState<Found | null>(null);
  const [selected, setSelected] = useState(0);
  /** The receipt has the keyboard (its paper scrolls) rather than the list. */
  const [reading, setReading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => { first.current?.focus(); }, []);

  const entries = found?.entries ?? [];
  const current = entries[selected] ?? null;

  const search = async (e?: FormEvent) => {
    e?.preventDefault();
    const q = { cardNo: cardNo.trim(), entryId: entryId.trim(), day: day.trim() };
    if (!q.cardNo && !q.entryId && !q.day) { setProblem(t('searchNeedOne')); return; }
    // Said here in the clerk's words, before the station would refuse it (common/api-receipts.ts entrySearch).
    if (q.cardNo && !/^[0-9A-Fa-f]{4,20}$/.test(q.cardNo)) { setProblem(t('searchCardBad')); return; }
    setProblem(null);
    setError(null);
    try {
      const r = await props.api.call('entrySearch', { ...(q.cardNo ? { cardNo: q.cardNo } : {}), ...(q.entryId ? { entryId: q.entryId } : {}), ...(q.day ? { day: q.day } : {}) });
      setFound(r);
      setSelected(0);
      setReading(false);
    } catch (err) {
      setError(err);
    }
  };

  const move = (d: number) => setSelected((i) => Math.max(0, Math.min(i + d, entries.length - 1)));
  const list = useRef<HTMLDivElement>(null);
  const detail = useRef<HTMLDivElement>(null);
  const backToList = () => { setReading(false); list.current?.focus(); };
  // New results take the keyboard (once rendered): ↑↓ choose, Enter opens the receipt (the field's Enter would search again).
  useEffect(() => { if (found !== null && found.entries.length > 0) list.current?.focus(); }, [found]);
  // Reading: the receipt's panel has the focus (and comes into view), so the list no longer looks chosen.
  useEffect(() => { if (reading) detail.current?.focus(); }, [reading]);
  // The selected row stays in view inside its scrolling panel (the page itself never scrolls sideways or by the list).
  useEffect(() => { list.current?.querySelector('tr.selected')?.scrollIntoView({ block: 'nearest' }); }, [selected, found]);
  useKeys(reading ? { Escape: backToList } : {
    Escape: props.onExit,
    ArrowDown: () => move(1),
    ArrowUp: () => move(-1),
    // PgDn / PgUp page through the list, ten entries at a time; Home / End are the field's own.
    PageDown: () => move(10),
    PageUp: () => move(-10),
  });
  const openReceipt = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'Enter' || current?.receipt !== true) return;
    e.preventDefault();
    setReading(true);
  };

  return (
    <section className="screen search-screen" data-testid="search-screen">
      <h2>{t('searchTitle')}</h2>
      <form onSubmit={(e) => void search(e)} className="form search-form">
        <div className="search-fields">
          <Field label={t('cardNo')} note={<span className="field-hint">{t('searchCardNote')}</span>}><input ref={first} data-testid="search-card" value={cardNo} autoComplete="off" maxLength={20} onChange={(e) => setCardNo(e.target.value)} /></Field>
          <Field label={t('entryId')}><input data-testid="search-entry" value={entryId} autoComplete="off" maxLength={64} onChange={(e) => setEntryId(e.target.value)} className="mono" /></Field>
          <Field label={t('day')}><input data-testid="search-day" value={day} autoComplete="off" maxLength={10} placeholder="2026-11-23" onChange={(e) => setDay(e.target.value)} /></Field>
        </div>
        {problem && <div className="problem" role="alert">{problem}</div>}
        <div className="actions">
          <FButton type="submit" kind="primary" onClick={() => undefined} testId="search-go">Enter {t('search')}</FButton>
          <FButton fkey="Esc" onClick={props.onExit}>{t('back')}</FButton>
        </div>
      </form>
      <ErrorBox error={error} />
      {found && entries.length === 0 && <div className="banner banner-warn" data-testid="search-empty">{t('noResults')}</div>}
      {found && entries.length > 0 && (
        <div className="search-results">
          <div className="entries-scroll" ref={list} tabIndex={0} onKeyDown={openReceipt} data-testid="search-list">
          <table className="entries" data-testid="search-results">
            <thead><tr><th>{t('at')}</th><th>{t('kind')}</th><th>{t('card')}</th><th className="num">{t('amount')}</th><th>{t('operator')}</th></tr></thead>
            <tbody>
              {entries.map((e, i) => (
                <tr key={e.entryId} className={i === selected ? 'selected' : ''} data-testid="search-row" data-entry={e.entryId} onClick={() => { setSelected(i); setReading(false); }}>
                  <td className="mono">{localTime(e.at)}</td>
                  <td>{kindName(lang, e.kind)}</td>
                  <td className="mono" data-testid="search-card-number">{e.cardNumber ?? '—'}</td>
                  <td className="num">{yuan(e.amountFen)}</td>
                  <td translate="no">{e.operatorId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
          {found.truncated && <div className="muted">{t('truncated', { n: entries.length })}</div>}
          <div className="muted" data-testid="search-hint">{reading ? t('readingHint') : t('selectHint')}</div>
        </div>
      )}
      {current && (
        <div className={`entry-detail${reading ? ' reading' : ''}`} data-testid="entry-detail" data-reading={reading} ref={detail} tabIndex={-1}>
          <div className="muted mono">{t('entryId')} {current.entryId} · #{current.seq}</div>
          {current.receipt ? (
            <ReceiptPanel key={current.entryId} api={props.api} entryId={current.entryId} separateReprint scrollKeys={reading} />
          ) : <div className="muted">{t('noReceipt')}</div>}
        </div>
      )}
    </section>
  );
}
