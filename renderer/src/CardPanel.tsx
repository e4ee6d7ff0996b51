/** The live card panel: what is on the reader, as the station read it (and settled it). */
import type { CardSlot, CardViewDto } from '../../common/api.ts';
import { term, useI18n, type MsgKey } from './i18n.ts';
import { ErrorBox, Money } from './ui.tsx';
import { Fragment } from 'react';
import { LogExplainRow } from './screens/fares-log.tsx';
import { ApiCallError } from '../../common/api.ts';

function kindLabel(v: CardViewDto): MsgKey {
  return v.kind === 'cpu' ? 'kind_cpu' : v.kind === 'm1' ? 'kind_m1' : 'kind_tunion';
}

function when(at: string | null): string {
  if (at === null) return '—';
  return at.replace('T', ' ').replace(/\.\d+Z?$|Z$/, '').slice(0, 16);
}

export function CardPanel(props: { slots: CardSlot[] }) {
  const { t } = useI18n();
  if (props.slots.length === 0) {
    return (
      <section className="card-panel empty" data-testid="card-panel">
        <div className="place-card">{t('placeCard')}</div>
      </section>
    );
  }
  return (
    <section className="card-panel" data-testid="card-panel">
      {props.slots.map((s) => (s.state === 'error'
        ? <div key={s.reader}><div className="reader-name">{s.reader}</div><ErrorBox error={new ApiCallError(s.error)} /></div>
        : <CardView key={s.reader} slot={s} />))}
    </section>
  );
}

function CardView(props: { slot: Extract<CardSlot, { state: 'card' }> }) {
  const { t, lang } = useI18n();
  const v = props.slot.view;
  const number = v.kind === 'm1' ? (v.cardNo ?? v.uid) : (v.asn ?? v.cardNo);
  const bad = v.status !== 'enabled';
  return (
    <div className="card-view" data-testid="card-view" data-card-ref={v.cardRef}>
      <div className="card-head">
        <span className={`badge kind-${v.kind}`} data-testid="card-kind">{t(kindLabel(v))}</span>
        {v.otherCity && <span className="badge other-city" data-testid="other-city">{t('otherCity')} · {v.city ?? v.cityCode}</span>}
        <span className={`badge status ${bad ? 'status-bad' : 'status-ok'}`} data-testid="card-status">{t(`flag_${v.status}` as MsgKey)}</span>
        <span className="reader-name">{v.reader}</span>
      </div>
      {v.kind === 'tunion' && <div className="banner banner-warn" data-testid="tunion-note">{t('tunionNote')}</div>}
      {v.otherCity && <div className="banner banner-info">{t('otherCityNote')}</div>}
      {v.incomplete.length > 0 && (
        <div className="banner banner-danger" role="alert" data-testid="incomplete-banner">
          {t('incomplete', { what: v.incomplete.map((o) => `${term(lang, o.workflow)} ${term(lang, o.state)}`).join('、') })}
        </div>
      )}
      {props.slot.settled.length > 0 && (
        <div className="banner banner-info" data-testid="settled-banner">{t('settled', { what: props.slot.settled.map((s) => `${term(lang, s.workflow)}：${term(lang, s.outcome)}`).join('、') })}</div>
      )}
      <div className="balance-row">
        <span className="label">{t('balance')}</span>
        {v.balanceFen === null ? <span className="money money-big">—</span> : <Money fen={v.balanceFen} big testId="card-balance" />}
      </div>
      <dl className="card-facts">
        <dt>{t('cardNo')}</dt><dd className="mono" data-testid="card-number">{number ?? '—'}</dd>
        <dt>{t('city')}</dt><dd>{v.city ?? '—'}{v.brand ? ` · ${v.brand}` : ''}{v.cityCode ? ` (${v.cityCode})` : ''}</dd>
        <dt>{t('status')}</dt><dd>{v.flags.map((f) => t(`flag_${f}` as MsgKey)).join('、')}</dd>
        <dt>{t('deposit')}</dt><dd>{v.depositFen === null ? '—' : <Money fen={v.depositFen} />}</dd>
        <dt>{t('expiry')}</dt><dd>{v.expiryDate ?? '—'}</dd>
        <dt>{t('cardType')}</dt><dd>{v.cardType ?? '—'}</dd>
      </dl>
      <div className="log-title">{t('log')}</div>
      {v.log.length === 0 ? <div className="muted">{t('noLog')}</div> : (
        <table className="log">
          <thead><tr><th>{t('logAt')}</th><th>{t('logType')}</th><th className="num">{t('logAmount')}</th><th>{t('logTerminal')}</th></tr></thead>
          <tbody>
            {v.log.slice(0, 10).map((r, i) => (
              // Load and purchase records count with different counters: seq alone can repeat.
              <Fragment key={`${i}-${r.seq}`}>
                <tr><td>{when(r.at)}</td><td>{term(lang, r.typeName)}</td><td className="num"><Money fen={r.amountFen} /></td><td className="mono">{r.terminal}</td></tr>
                {v.logExplain?.[i] && <LogExplainRow ex={v.logExplain[i]} cols={4} />}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
