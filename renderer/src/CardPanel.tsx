/** The live card panel: what is on the reader, as the station read it (and settled it). */
import type { CardSlot, CardViewDto } from '../../common/api.ts';
import { cardTypeName, term, useI18n, type MsgKey } from './i18n.ts';
import { ErrorBox, Money } from './ui.tsx';
import { Fragment } from 'react';
import { LogExplainRow } from './screens/fares-log.tsx';
import { ApiCallError } from '../../common/api.ts';

function kindLabel(v: CardViewDto): MsgKey {
  return v.kind === 'cpu' ? 'kind_cpu' : v.kind === 'm1' ? 'kind_m1' : 'kind_tunion';
}

/** Where a T-Union application was issued, for the badge and the facts. */
function tunionWhere(tu: NonNullable<CardViewDto['tunion']>, t: (k: MsgKey, v?: Record<string, string>) => string): string {
  if (tu.cityCode === null) return t('tunionNoCityFile');
  return tu.city ?? t('tunionCityUnknown', { code: tu.cityCode });
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
        ? <div key={s.reader}><div className="reader-name" translate="no">{s.reader}</div><ErrorBox error={new ApiCallError(s.error)} /></div>
        : <CardView key={s.reader} slot={s} />))}
    </section>
  );
}

function CardView(props: { slot: Extract<CardSlot, { state: 'card' }> }) {
  const { t, lang } = useI18n();
  const v = props.slot.view;
  const number = v.kind === 'm1' ? (v.cardNo ?? v.uid) : (v.asn ?? v.cardNo);
  const bad = v.status !== 'enabled';
  const tu = v.tunion;
  const dual = v.kind === 'cpu' && tu !== null;
  return (
    <div className="card-view" data-testid="card-view" data-card-ref={v.cardRef}>
      <div className="card-head">
        <span className={`badge kind-${v.kind}`} data-testid="card-kind">{t(kindLabel(v))}</span>
        {tu !== null && <span className="badge kind-tunion" data-testid="tunion-city">{t('tunionOf', { city: tunionWhere(tu, t) })}</span>}
        {v.otherCity && <span className="badge other-city" data-testid="other-city">{t('otherCity')} · {v.city ?? v.cityCode}</span>}
        <span className={`badge status ${bad ? 'status-bad' : 'status-ok'}`} data-testid="card-status">{t(`flag_${v.status}` as MsgKey)}</span>
        <span className="reader-name" translate="no">{v.reader}</span>
      </div>
      {v.kind === 'tunion' && <div className="banner banner-warn" data-testid="tunion-note">{t('tunionNote')}</div>}
      {dual && <div className="banner banner-info" data-testid="dual-note">{t('dualCard')}：{t('topupLoadsCu')}；{t('topupNotTu')}</div>}
      {v.otherCity && <div className="banner banner-info">{t('otherCityNote')}</div>}
      {v.incomplete.length > 0 && (
        <div className="banner banner-danger" role="alert" data-testid="incomplete-banner">
          {t('incomplete', { what: v.incomplete.map((o) => `${term(lang, o.workflow)} ${term(lang, o.state)}`).join('、') })}
        </div>
      )}
      {props.slot.settled.length > 0 && (
        <div className="banner banner-info" data-testid="settled-banner">{t('settled', { what: props.slot.settled.map((s) => `${term(lang, s.workflow)}：${term(lang, s.outcome)}`).join('、') })}</div>
      )}
      {/* A refunded card still holds its old purse on the chip, but that money was paid out: it is
          not shown in large type as if it were the customer's. */}
      {v.flags.includes('refunded') ? (
        <div className="balance-row" data-testid="card-refunded">
          <span className="label">{t('balance')}</span>
          <span className="money-note">{t('refundedPaidOut')}{v.balanceFen !== null && <span className="muted"> · {t('chipShows')} <Money fen={v.balanceFen} testId="card-balance" /></span>}</span>
        </div>
      ) : (
        <div className="balance-row">
          <span className="label">{t(dual ? 'balanceCu' : 'balance')}</span>
          {v.balanceFen === null ? <span className="money money-big">—</span> : <Money fen={v.balanceFen} big testId="card-balance" />}
        </div>
      )}
      {dual && (
        <div className="balance-row" data-testid="tunion-balance-row">
          <span className="label">{t('balanceTu')}</span>
          <Money fen={tu.balanceFen} big testId="tunion-balance" />
        </div>
      )}
      <dl className="card-facts">
        <dt>{t('cardNo')}</dt><dd className="mono" data-testid="card-number">{number ?? '—'}</dd>
        <dt>{t('city')}</dt><dd data-testid="card-city">{v.kind === 'tunion' && tu !== null ? tunionWhere(tu, t) : (v.city ?? '—')}{v.brand ? ` · ${v.brand}` : ''}{v.cityCode ? ` (${v.cityCode})` : ''}</dd>
        {tu !== null && tu.province !== null && <><dt>{t('province')}</dt><dd>{tu.province}</dd></>}
        {dual && <><dt>{t('kind_tunion')}</dt><dd className="mono">{tu.cardNo} · {tunionWhere(tu, t)}{tu.cityCode ? ` (${tu.cityCode})` : ''}</dd></>}
        {tu?.interoperable === false && <><dt /><dd>{t('tunionLocalOnly')}</dd></>}
        <dt>{t('status')}</dt><dd>{v.flags.map((f) => t(`flag_${f}` as MsgKey)).join('、')}</dd>
        <dt>{t('deposit')}</dt><dd data-testid="card-deposit" data-source={v.depositSource ?? 'none'}>{v.depositFen === null ? '—' : <><Money fen={v.depositFen} />{v.depositSource === 'policy' && <span className="muted"> {t('depositByPolicy')}</span>}</>}</dd>
        <dt>{t('expiry')}</dt><dd>{v.expiryDate ?? '—'}</dd>
        <dt>{t('cardType')}</dt><dd data-testid="card-type">{v.cardType === null ? '—' : cardTypeName(lang, v.cardType)}</dd>
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
