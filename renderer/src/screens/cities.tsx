/**
 * 城市目录: the City Union member cities (seed 000) with batch, join date and its precision,
 * card brand, city code and the 2014 remote-use rates. Typing filters by name or brand (the
 * server's searchCities, so month-precision dates match like `station` does); batch and join
 * dates narrow it. ↑/↓ (also from the search field) move the selection, whose details show
 * beside the list (with the other services' rates, which the list leaves out to fit 1024 px); Esc goes back.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Params, Result, StationApi } from '../../../common/api.ts';
import type { CityDirectoryEntryDto } from '../../../common/api-fares.ts';
import { useI18n } from '../i18n.ts';
import { ErrorBox, FButton, Field, useKeys } from '../ui.tsx';
import { rateText, useFT, type FT } from './fares-i18n.ts';
import './fares.css';

function busRates(c: CityDirectoryEntryDto, t: FT, lang: 'zh' | 'en'): string {
  if (c.remoteUse === null) return t('notInTable');
  return c.remoteUse.bus.map((b) => `${b.zone ? `${b.zone} ` : ''}${rateText(b.perMille, lang)}`).join('；');
}

// eslint-disable-next-line max-lines-per-function -- one screen: its state, keys and layout read as one
export function CityDirectoryScreen(props: { api: StationApi; onExit: () => void }) {
  const t = useFT();
  const { lang } = useI18n();
  const [text, setText] = useState('');
  const [batch, setBatch] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [found, setFound] = useState<Result<'cityDirectory'> | null>(null);
  const [selected, setSelected] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLTableSectionElement>(null);
  const asked = useRef(0);

  useEffect(() => { searchRef.current?.focus(); }, []);

  // Every change asks the server; only the latest answer is shown.
  useEffect(() => {
    const q: Params<'cityDirectory'> = {
      ...(text.trim() ? { text: text.trim() } : {}),
      ...(batch ? { batch: Number(batch) } : {}),
      ...(from.trim() ? { joinedFrom: from.trim() } : {}),
      ...(to.trim() ? { joinedTo: to.trim() } : {}),
    };
    const n = ++asked.current;
    props.api.call('cityDirectory', q).then(
      (r) => { if (n === asked.current) { setFound(r); setSelected(0); setError(null); } },
      (err: unknown) => { if (n === asked.current) setError(err); },
    );
  }, [props.api, text, batch, from, to]);

  const cities = found?.cities ?? [];
  const current = cities[selected] ?? null;
  const move = (d: number) => setSelected((s) => Math.max(0, Math.min(cities.length - 1, s + d)));
  useKeys({ Escape: props.onExit });
  // ↑/↓ move the selection from anywhere on the screen except a <select> (which needs them).
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.target instanceof HTMLSelectElement) return;
    const d = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : e.key === 'PageDown' ? 10 : e.key === 'PageUp' ? -10 : 0;
    if (d === 0) return;
    e.preventDefault();
    move(d);
  };

  useEffect(() => {
    listRef.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [selected, found]);

  return (
    <section className="screen cities-screen" data-testid="cities-screen" onKeyDown={onKeyDown}>
      <h2>{t('citiesTitle')}</h2>
      <div className="form cities-filter">
        <Field label={t('search')}>
          <input ref={searchRef} data-testid="cities-search" value={text} autoComplete="off" maxLength={40} onChange={(e) => setText(e.target.value)} className="input-big" />
        </Field>
        <Field label={t('batch')}>
          <select data-testid="cities-batch" value={batch} onChange={(e) => setBatch(e.target.value)} className="input-big">
            <option value="">{t('batchAll')}</option>
            {[1, 2, 3, 4, 5, 6, 7].map((b) => <option key={b} value={b}>{t('batchN', { n: b })}</option>)}
          </select>
        </Field>
        <Field label={t('joinedFrom')}>
          <input data-testid="cities-from" value={from} autoComplete="off" maxLength={10} placeholder={t('datePlaceholder')} onChange={(e) => setFrom(e.target.value)} />
        </Field>
        <Field label={t('joinedTo')}>
          <input data-testid="cities-to" value={to} autoComplete="off" maxLength={10} placeholder={t('datePlaceholder')} onChange={(e) => setTo(e.target.value)} />
        </Field>
      </div>
      <ErrorBox error={error} />
      {found && (
        <div className="muted" data-testid="cities-count">
          {t('count', { n: found.cities.length, total: found.total })} · {t('tableDate', { date: found.remoteUseTableDate })}
          {found.codesKind === 'training-default' && ` · ${t('codesTraining')}`}
        </div>
      )}
      <div className="cities-body">
        <div className="cities-list">
          {found && cities.length === 0 ? <div className="muted" data-testid="cities-none">{t('none')}</div> : (
            <table className="cities" role="grid" aria-label={t('citiesTitle')}>
              <thead><tr><th>{t('col_city')}</th><th>{t('col_batch')}</th><th>{t('col_joined')}</th><th>{t('col_brand')}</th><th>{t('col_code')}</th><th>{t('col_bus')}</th></tr></thead>
              <tbody ref={listRef}>
                {cities.map((c, i) => (
                  <tr key={c.name} aria-selected={i === selected} className={i === selected ? 'selected' : ''} data-testid="city-row" data-city={c.name} onClick={() => setSelected(i)}>
                    <td>{c.fullName}</td>
                    <td className="num">{c.batch}</td>
                    <td>{c.joined.text}<span className="muted"> ({t(`precision_${c.joined.precision}`)})</span></td>
                    <td>{c.brand ?? '—'}</td>
                    <td className="mono">{c.code ?? '—'}</td>
                    <td>{busRates(c, t, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        {current && (
          <aside className="city-detail" data-testid="city-detail">
            <h3>{current.fullName}{current.brand ? ` · ${current.brand}` : ''}</h3>
            <dl className="card-facts">
              <dt>{t('col_batch')}</dt><dd>{t('batchN', { n: current.batch })}</dd>
              <dt>{t('col_joined')}</dt><dd>{current.joined.text}（{t(`precision_${current.joined.precision}`)}{current.joined.precision === 'month' ? `：${current.joined.from} – ${current.joined.to}` : ''}）</dd>
              <dt>{t('col_code')}</dt><dd className="mono">{current.code ?? '—'}</dd>
              <dt>{t('province')}</dt><dd>{current.province ?? '—'}</dd>
              <dt>{t('col_bus')}</dt><dd>{current.remoteUse ? current.remoteUse.busText : t('notInTable')}</dd>
              <dt>{t('col_other')}</dt><dd>{current.remoteUse ? current.remoteUse.otherText : '—'}</dd>
              {current.remark && <><dt>{t('remark')}</dt><dd>{current.remark}</dd></>}
            </dl>
            {current.sharesCardWith.length > 0 && <div className="banner banner-info">{t('sharesCard', { cities: current.sharesCardWith.join('、') })}</div>}
            {current.fareRules && <div className="banner banner-info">{t('hasRules')}</div>}
          </aside>
        )}
      </div>
      <div className="actions">
        <FButton fkey="Esc" noTab onClick={props.onExit}>{t('back')}</FButton>
      </div>
      <div className="muted">{t('keysCities')}</div>
    </section>
  );
}
