/**
 * 卡库存 (blank-card stock, issue 17 item 3): the cards per type and state, today's line per type
 * (opening + received − issued − spoiled − returned = closing), and the forms to receive a range
 * (F2, a supervisor), record a spoiled card (F3) and return a range (F6, a supervisor). The roles
 * and every check are the core's (core/stock.ts); a refusal is shown in the clerk's language.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { StationApi } from '../../../common/api.ts';
import { useMessages } from '../i18n.ts';
import { ErrorBox, FButton, Field, useKeys } from '../ui.tsx';
import { STOCK_WORDS } from './stock-i18n.ts';

type Form = 'receive' | 'spoil' | 'return' | null;
type StockT = ReturnType<typeof useMessages<keyof typeof STOCK_WORDS.zh>>['t'];

export function StockScreen(props: { api: StationApi; supervisor: boolean; onExit: () => void }) {
  const { t } = useMessages(STOCK_WORDS);
  const [data, setData] = useState<Awaited<ReturnType<typeof loadStock>> | null>(null);
  const [form, setForm] = useState<Form>(null);
  const [done, setDone] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setData(await loadStock(props.api));
    } catch (err) {
      setRefusal(err);
    }
  }, [props.api]);
  useEffect(() => { void load(); }, [load]);

  const open = (f: Form) => { setForm(f); setDone(null); setRefusal(null); };
  useKeys(form !== null ? { Escape: () => setForm(null) } : { Escape: props.onExit, F2: () => open('receive'), F3: () => open('spoil'), F6: () => open('return') });

  const submit = async (run: () => Promise<string>) => {
    if (busy) return;
    setBusy(true);
    setRefusal(null);
    try {
      setDone(await run());
      setForm(null);
      await load();
    } catch (err) {
      setRefusal(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="screen stock-screen" data-testid="stock-screen">
      <h2>{t('stockTitle')}</h2>
      {data === null && refusal === null && <div className="muted">{t('loading')}</div>}
      {data && <StockTables data={data} t={t} />}
      {done && <div className="banner banner-info" role="status" data-testid="stock-done">{done}</div>}
      {refusal !== null && <ErrorBox error={refusal} />}
      {form === 'receive' && <RangeForm title={t('receiveTitle')} withType busy={busy} t={t} onCancel={() => setForm(null)}
        onSubmit={(v) => void submit(async () => {
          const r = await props.api.call('stockReceive', { first: v.first, last: v.last, cardType: v.cardType, documentNo: v.documentNo });
          return t('doneReceive', { cards: r.cards, type: r.cardType, first: r.firstAsn, last: r.lastAsn, doc: r.documentNo });
        })} />}
      {form === 'return' && <RangeForm title={t('returnTitle')} withType={false} busy={busy} t={t} onCancel={() => setForm(null)}
        onSubmit={(v) => void submit(async () => {
          const r = await props.api.call('stockReturn', { first: v.first, last: v.last, documentNo: v.documentNo });
          const summary = r.returned.map((x) => `${x.cardType}: ${x.cards} + ${x.spoiledCards}`).join('; ');
          return t('doneReturn', { summary, doc: r.documentNo });
        })} />}
      {form === 'spoil' && <SpoilForm busy={busy} t={t} onCancel={() => setForm(null)}
        onSubmit={(asn, reason) => void submit(async () => {
          const r = await props.api.call('stockSpoil', { asn, reason });
          return t('doneSpoil', { card: r.asn });
        })} />}
      {form === null && (
        <div className="actions">
          <FButton fkey="F2" kind="primary" disabled={busy} onClick={() => open('receive')} testId="stock-receive">{t('receiveKey')}</FButton>
          <FButton fkey="F3" disabled={busy} onClick={() => open('spoil')} testId="stock-spoil">{t('spoilKey')}</FButton>
          <FButton fkey="F6" disabled={busy} onClick={() => open('return')} testId="stock-return">{t('returnKey')}</FButton>
          <FButton fkey="Esc" onClick={props.onExit}>{t('backKey')}</FButton>
        </div>
      )}
      {!props.supervisor && <div className="muted">{t('supervisorOnly')}</div>}
      <div className="muted">{t('stockHint')}</div>
    </section>
  );
}

function loadStock(api: StationApi) {
  return api.call('stockCount', {});
}

function StockTables(props: { data: Awaited<ReturnType<typeof loadStock>>; t: StockT }) {
  const { data, t } = props;
  if (data.counts.length === 0) return <div className="banner banner-warn" data-testid="stock-none">{t('noStock')}</div>;
  return (
    <>
      <table className="entries stock-table" data-testid="stock-counts">
        <thead><tr><th>{t('colType')}</th><th className="num">{t('colInStock')}</th><th className="num">{t('colIssued')}</th><th className="num">{t('colSpoiled')}</th><th className="num">{t('colReturned')}</th></tr></thead>
        <tbody>
          {data.counts.map((c) => (
            <tr key={c.cardType} data-testid="stock-count-row" data-type={c.cardType}>
              <td className="mono">{c.cardType}</td><td className="num">{c.inStock}</td><td className="num">{c.issued}</td><td className="num">{c.spoiled}</td><td className="num">{c.returned}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('dayLines', { day: data.day })}</h3>
      <table className="entries stock-lines" data-testid="stock-lines">
        <thead><tr><th>{t('colType')}</th><th className="num">{t('colOpening')}</th><th className="num">{t('colReceived')}</th><th className="num">{t('colIssued')}</th><th className="num">{t('colSpoiled')}</th><th className="num">{t('colReturned')}</th><th className="num">{t('colClosing')}</th></tr></thead>
        <tbody>
          {data.lines.map((l) => (
            <tr key={l.cardType} data-testid="stock-line" data-type={l.cardType}>
              <td className="mono">{l.cardType}</td><td className="num">{l.opening}</td><td className="num">{l.received}</td><td className="num">{l.issued}</td><td className="num">{l.spoiled}</td><td className="num">{l.returned}</td><td className="num">{l.closing}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className={data.problems.length === 0 ? 'muted' : 'banner banner-warn'} data-testid="stock-reconciled" data-ok={data.problems.length === 0 ? 'yes' : 'no'}>
        {data.problems.length === 0 ? t('reconciled') : t('notReconciled', { problems: data.problems.join('; ') })}
      </div>
    </>
  );
}

function RangeForm(props: { title: string; withType: boolean; busy: boolean; t: StockT; onCancel: () => void; onSubmit: (v: { first: string; last: string; cardType: string; documentNo: string }) => void }) {
  const [first, setFirst] = useState('');
  const [last, setLast] = useState('');
  const [cardType, setCardType] = useState('00');
  const [documentNo, setDocumentNo] = useState('');
  const { t } = props;
  const submit = (e: FormEvent) => { e.preventDefault(); props.onSubmit({ first, last, cardType, documentNo }); };
  return (
    <form className="form stock-form" data-testid="stock-range-form" onSubmit={submit}>
      <h3>{props.title}</h3>
      <Field label={t('firstNo')}><input data-testid="stock-first" inputMode="numeric" autoComplete="off" maxLength={16} value={first} onChange={(e) => setFirst(e.target.value)} autoFocus /></Field>
      <Field label={t('lastNo')}><input data-testid="stock-last" inputMode="numeric" autoComplete="off" maxLength={16} value={last} onChange={(e) => setLast(e.target.value)} /></Field>
      {props.withType && <Field label={t('rangeCardType')}><input data-testid="stock-type" inputMode="numeric" autoComplete="off" maxLength={2} value={cardType} onChange={(e) => setCardType(e.target.value)} /></Field>}
      <Field label={t('documentNo')}><input data-testid="stock-doc" autoComplete="off" maxLength={40} value={documentNo} onChange={(e) => setDocumentNo(e.target.value)} /></Field>
      <div className="actions">
        <FButton type="submit" kind="primary" disabled={props.busy} onClick={() => undefined} testId="stock-submit">Enter {t('submitKey')}</FButton>
        <FButton fkey="Esc" onClick={props.onCancel}>{t('cancelKey')}</FButton>
      </div>
    </form>
  );
}

function SpoilForm(props: { busy: boolean; t: StockT; onCancel: () => void; onSubmit: (asn: string, reason: string) => void }) {
  const [asn, setAsn] = useState('');
  const [reason, setReason] = useState('');
  const { t } = props;
  const submit = (e: FormEvent) => { e.preventDefault(); props.onSubmit(asn, reason); };
  return (
    <form className="form stock-form" data-testid="stock-spoil-form" onSubmit={submit}>
      <h3>{t('spoilTitle')}</h3>
      <Field label={t('spoilCardNo')}><input data-testid="stock-card" inputMode="numeric" autoComplete="off" maxLength={16} value={asn} onChange={(e) => setAsn(e.target.value)} autoFocus /></Field>
      <Field label={t('reason')}><input data-testid="stock-reason" autoComplete="off" maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} /></Field>
      <div className="actions">
        <FButton type="submit" kind="primary" disabled={props.busy} onClick={() => undefined} testId="stock-submit">Enter {t('submitKey')}</FButton>
        <FButton fkey="Esc" onClick={props.onCancel}>{t('cancelKey')}</FButton>
      </div>
    </form>
  );
}
