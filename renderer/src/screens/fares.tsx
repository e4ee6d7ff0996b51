/**
 * 票价计算: FARES.md's calculator on the counter. Pick the city, the card's issuer and type, enter
 * the rides (tap time, mode, base fare in yuan or metro km), Enter → each ride's charge with the
 * engine's own explanation (base fare, card rate, transfer chain and clause). Invalid input is
 * told before calling (which ride, which field) or by the engine's message. Keyboard: Enter
 * calculates, F2 adds a ride, F3 removes the last, Esc goes back.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Params, Result, StationApi } from '../../../common/api.ts';
import { FARE_CARD_TYPES, FARE_MODES, type FareCityDto, type RideExplanationDto } from '../../../common/api-fares.ts';
import { chinaMinute } from '../../../common/china-time.ts';
import { parseYuanInput } from '../../../common/yuan-input.ts';
import { useI18n } from '../i18n.ts';
import { yuan } from '../money.ts';
import { ErrorBox, FButton, Field, Money, useKeys } from '../ui.tsx';
import { rateText, useFT, type FT } from './fares-i18n.ts';
import './fares.css';

type Mode = (typeof FARE_MODES)[number];
type CardType = (typeof FARE_CARD_TYPES)[number];

interface RideRow {
  at: string;
  mode: Mode;
  fare: string;
  km: string;
  zone: string;
  seasonal: boolean;
}

/** FARES.md's worked examples ("must hold"), loadable for training and checks. */
const EXAMPLES: Array<{ label: string; city: string; rides: RideRow[] }> = [
  { label: '宁波：公交 2 元 + 90 分钟内地铁 2 元 → 1.20 + 0.70', city: '宁波', rides: [row('2019-11-05 08:00', 'bus', '2'), row('2019-11-05 08:30', 'metro', '2')] },
  { label: '宁波：地铁 4 元 + 90 分钟内公交 3 元 → 3.80 + 0', city: '宁波', rides: [row('2019-11-05 08:00', 'metro', '4'), row('2019-11-05 08:40', 'bus', '3')] },
  { label: '常州：地铁 4 元 + 60 分钟内公交 2 元 → 3.80 + 0.60', city: '常州', rides: [row('2019-11-05 08:00', 'metro', '4'), row('2019-11-05 08:45', 'bus', '2')] },
  { label: '重庆：地铁 2 元 + 公交 2 元 → 1.80 + 0', city: '重庆', rides: [row('2019-11-05 08:00', 'metro', '2'), row('2019-11-05 08:20', 'bus', '2')] },
  { label: '重庆：公交 2 元 + 地铁 3 元 → 1.80 + 1.00', city: '重庆', rides: [row('2019-11-05 08:00', 'bus', '2'), row('2019-11-05 08:25', 'metro', '3')] },
];

function row(at: string, mode: Mode, fare: string): RideRow {
  return { at, mode, fare, km: '', zone: '', seasonal: false };
}

/** "2019-11-05 08:00" (China time) → ISO with +08:00; null when not that shape. */
export function chinaTimeToIso(text: string): string | null {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?\s*$/.exec(text);
  if (m === null) return null;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}+08:00`;
}

/** "2019-11-05 08:00" plus some minutes, in China time, for the next ride's default. */
function plusMinutes(text: string, minutes: number): string {
  const iso = chinaTimeToIso(text);
  return iso === null ? text : chinaMinute(Date.parse(iso) + minutes * 60_000);
}

/** The params, or the first problem in the operator's words. */
export function buildParams(city: string, issuer: string, cardType: CardType, spentText: string, rides: RideRow[], t: FT): { params: Params<'fareCalculate'> } | { problem: string } {
  if (rides.length === 0) return { problem: t('needRide') };
  let spent: number | undefined;
  if (spentText.trim() !== '') {
    const s = parseYuanInput(spentText);
    if (s === null) return { problem: t('badSpent') };
    spent = s;
  }
  const out: Params<'fareCalculate'>['rides'] = [];
  for (let i = 0; i < rides.length; i++) {
    const r = rides[i]!;
    const name = t('rideNo', { n: i + 1 });
    const at = chinaTimeToIso(r.at);
    if (at === null) return { problem: t('badTime', { ride: name }) };
    const ride: Params<'fareCalculate'>['rides'][number] = { at, mode: r.mode };
    const fareText = r.fare.trim();
    const kmText = r.km.trim();
    if (r.seasonal) {
      ride.seasonal = true;
    } else if (fareText !== '' && kmText !== '') {
      return { problem: t('bothFareKm', { ride: name }) };
    } else if (kmText !== '') {
      const km = /^\d+(\.\d+)?$/.test(kmText) ? Number(kmText) : NaN;
      if (!(km > 0)) return { problem: t('badKm', { ride: name }) };
      ride.km = km;
    } else {
      const fen = parseYuanInput(fareText);
      if (fen === null) return { problem: t('badFare', { ride: name }) };
      ride.fareFen = fen;
    }
    if (r.zone !== '') ride.zone = r.zone;
    out.push(ride);
  }
  return { params: { city, issuer, cardType, rides: out, ...(spent === undefined ? {} : { metroSpentThisMonthFen: spent }) } };
}

function mmss(sec: number): string {
  return `${Math.floor(sec / 60)}:${String(Math.floor(sec % 60)).padStart(2, '0')}`;
}

/** The engine's explanation of one ride, as lines for people. */
export function explanationLines(e: RideExplanationDto, t: FT, lang: 'zh' | 'en'): string[] {
  const lines: string[] = [];
  const b = e.base;
  const baseWhy = b.source === 'fare' ? t('baseFromFare')
    : b.source === 'ladder' ? t('baseFromLadder', { km: b.km, start: b.startKm, top: b.upToKm })
      : t('baseSeasonal', { date: b.chinaDate, ac: b.airConditioned ? t('acOn') : t('acOff') });
  lines.push(`${t('base')} ${yuan(b.fen)}：${baseWhy}`);
  const pricingKey = e.pricing === 'local-rules' ? 'pricing_local_rules' : e.pricing === 'local-base' ? 'pricing_local_base' : 'pricing_other-city';
  let rate = e.rateFormula;
  if (e.rate.kind === 'monthly') rate += `（${t('monthlyTier', { spent: yuan(e.rate.spentBeforeFen), rate: rateText(e.rate.perMille, lang) })}）`;
  if (e.rate.kind === 'remote-use') rate += `（${e.rate.inTable ? t('remoteRate', { rate: rateText(e.rate.perMille, lang), date: e.rate.tableDate }) : t('remoteNotInTable')}${e.rate.zone ? ` · ${e.rate.zone}` : ''}）`;
  if (e.rate.kind === 'local-table') rate += `（${t('localTableRate', { rate: rateText(e.rate.perMille, lang), date: e.rate.tableDate })}${e.rate.zone ? ` · ${e.rate.zone}` : ''}）`;
  lines.push(`${t('rated')} ${yuan(e.ratedFen)}：${rate} · ${t(pricingKey)}`);
  if (e.chain !== null) {
    const c = e.chain;
    const where = c.role === 'anchor' ? t('anchor') : c.role === 'early' ? t('early') : t('inWindow', { elapsed: mmss(c.elapsedSec) });
    lines.push(`${where}${c.endsHere ? ` · ${t('chainEnds')}` : ''} — ${lang === 'zh' ? c.ruleZh : c.rule}`);
  }
  if (e.transfer !== null) lines.push(`${t('transfer')}：${lang === 'zh' ? e.transfer.clauseZh : e.transfer.clause} → ${e.transfer.formula}`);
  else if (e.noTransferReason !== null) lines.push(`${t('noTransfer')}：${lang === 'zh' ? (e.noTransferReasonZh ?? e.noTransferReason) : e.noTransferReason}`);
  return lines;
}

// eslint-disable-next-line max-lines-per-function -- one screen: its state, keys and layout read as one
export function FareCalculatorScreen(props: { api: StationApi; onExit: () => void; initialIssuer?: string | null }) {
  const t = useFT();
  const { lang } = useI18n();
  const [cities, setCities] = useState<FareCityDto[]>([]);
  const [city, setCity] = useState('宁波');
  const [issuer, setIssuer] = useState(props.initialIssuer ?? '宁波');
  const [cardType, setCardType] = useState<CardType>('regular');
  const [spent, setSpent] = useState('');
  // The first ride's time is the station's now (its clock, through the status call), once it answers.
  const [rides, setRides] = useState<RideRow[]>([row('', 'bus', '')]);
  const [result, setResult] = useState<Result<'fareCalculate'> | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const first = useRef<HTMLSelectElement>(null);

  useEffect(() => {
    props.api.call('fareCities', {}).then((r) => setCities(r.cities), setError);
    props.api.call('status', {}).then((s) => setRides((rs) => (rs.length === 1 && rs[0]!.at === '' ? [{ ...rs[0]!, at: chinaMinute(s.now) }] : rs)), setError);
    first.current?.focus();
  }, [props.api]);

  const info = cities.find((c) => c.name === city) ?? null;
  const set = (i: number, patch: Partial<RideRow>) => { setRides((rs) => rs.map((r, k) => (k === i ? { ...r, ...patch } : r))); setResult(null); };
  const addRide = () => setRides((rs) => [...rs, row(plusMinutes(rs[rs.length - 1]?.at ?? '', 30), 'metro', '')]);
  const removeRide = () => setRides((rs) => (rs.length > 1 ? rs.slice(0, -1) : rs));

  const calculate = async (e?: FormEvent) => {
    e?.preventDefault();
    setError(null);
    setResult(null);
    const built = buildParams(city, issuer, cardType, spent, rides, t);
    if ('problem' in built) { setProblem(built.problem); return; }
    setProblem(null);
    try {
      setResult(await props.api.call('fareCalculate', built.params));
    } catch (err) {
      setError(err);
    }
  };

  const loadExample = (i: number) => {
    const ex = EXAMPLES[i];
    if (!ex) return;
    setCity(ex.city);
    setIssuer(ex.city);
    setCardType('regular');
    setSpent('');
    setRides(ex.rides.map((r) => ({ ...r })));
    setResult(null);
    setProblem(null);
    setError(null);
  };

  useKeys({ Escape: props.onExit, F2: addRide, F3: removeRide });

  const members = cities.filter((c) => c.member);
  const cityOptions = (
    <>
      <optgroup label={lang === 'zh' ? '有票价规则的城市' : 'Cities with fare rules'}>
        {cities.filter((c) => c.rules).map((c) => <option key={c.name} value={c.name}>{c.name}{c.member ? '' : lang === 'zh' ? '（非成员）' : ' (not a member)'}</option>)}
      </optgroup>
      <optgroup label={lang === 'zh' ? '互联互通成员城市' : 'Member cities'}>
        {members.filter((c) => !c.rules).map((c) => <option key={c.name} value={c.name}>{c.name}</option>)}
      </optgroup>
    </>
  );

  return (
    <section className="screen fares-screen" data-testid="fares-screen">
      <h2>{t('faresTitle')}</h2>
      <form className="form fares-form" onSubmit={(e) => void calculate(e)}>
        <div className="fares-head">
          <Field label={t('city')}>
            <select ref={first} data-testid="fares-city" value={city} onChange={(e) => { setCity(e.target.value); setResult(null); }} className="input-big">{cityOptions}</select>
          </Field>
          <Field label={t('issuer')}>
            <select data-testid="fares-issuer" value={issuer} onChange={(e) => { setIssuer(e.target.value); setResult(null); }} className="input-big">{cityOptions}</select>
          </Field>
          <Field label={t('cardType')}>
            <select data-testid="fares-card-type" value={cardType} onChange={(e) => { setCardType(e.target.value as CardType); setResult(null); }} className="input-big">
              {FARE_CARD_TYPES.map((c) => <option key={c} value={c}>{t(`card_${c}`)}</option>)}
            </select>
          </Field>
          <Field label={t('spent')}>
            <input data-testid="fares-spent" value={spent} inputMode="decimal" autoComplete="off" placeholder="0" onChange={(e) => setSpent(e.target.value)} className="input-big" />
          </Field>
          <Field label={t('example')}>
            <select data-testid="fares-example" value="" onChange={(e) => loadExample(Number(e.target.value))}>
              <option value="">{t('exampleNone')}</option>
              {EXAMPLES.map((ex, i) => <option key={ex.label} value={i}>{ex.label}</option>)}
            </select>
          </Field>
        </div>
        {info?.summaryZh && <div className="muted fares-rule" data-testid="fares-rule">{lang === 'zh' ? info.summaryZh : info.summary}</div>}
        <table className="fares-rides" data-testid="fares-rides">
          <thead><tr><th>#</th><th>{t('at')}</th><th>{t('mode')}</th><th>{t('fare')}</th><th>{t('km')}</th>{info && info.zones.length > 0 && <th>{t('zone')}</th>}{info?.seasonal && <th>{t('seasonal')}</th>}<th className="num">{t('charged')}</th></tr></thead>
          <tbody>
            {rides.map((r, i) => {
              const res = result?.rides[i];
              return (
                <tr key={i} data-testid={`fares-ride-${i}`}>
                  <td>{i + 1}</td>
                  <td><input data-testid={`ride-at-${i}`} value={r.at} autoComplete="off" title={t('timeHint')} onChange={(e) => set(i, { at: e.target.value })} /></td>
                  <td>
                    <select data-testid={`ride-mode-${i}`} value={r.mode} onChange={(e) => set(i, { mode: e.target.value as Mode })}>
                      {FARE_MODES.map((m) => <option key={m} value={m}>{t(`mode_${m}`)}</option>)}
                    </select>
                  </td>
                  <td><input data-testid={`ride-fare-${i}`} value={r.fare} inputMode="decimal" autoComplete="off" disabled={r.seasonal} onChange={(e) => set(i, { fare: e.target.value })} /></td>
                  <td><input data-testid={`ride-km-${i}`} value={r.km} inputMode="decimal" autoComplete="off" disabled={r.mode !== 'metro' || !info?.ladder} onChange={(e) => set(i, { km: e.target.value })} /></td>
                  {info && info.zones.length > 0 && (
                    <td><select data-testid={`ride-zone-${i}`} value={r.zone} onChange={(e) => set(i, { zone: e.target.value })}><option value="">—</option>{info.zones.map((z) => <option key={z} value={z}>{z}</option>)}</select></td>
                  )}
                  {info?.seasonal && <td><input type="checkbox" data-testid={`ride-seasonal-${i}`} checked={r.seasonal} onChange={(e) => set(i, { seasonal: e.target.checked })} /></td>}
                  <td className="num" data-testid={`ride-charged-${i}`}>{res ? <>{yuan(res.charged)}{res.transfer && <span className="badge transfer-badge">{t('transfer')}</span>}</> : ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {problem && <div className="problem" role="alert" data-testid="problem">{problem}</div>}
        <ErrorBox error={error} />
        <div className="actions">
          <FButton type="submit" kind="primary" onClick={() => undefined} testId="fares-calculate">Enter {t('calculate')}</FButton>
          <FButton fkey="F2" noTab onClick={addRide} testId="fares-add">{t('addRide')}</FButton>
          <FButton fkey="F3" noTab onClick={removeRide}>{t('removeRide')}</FButton>
          <FButton fkey="Esc" noTab onClick={props.onExit}>{t('back')}</FButton>
        </div>
      </form>
      {result && (
        <div className="fares-result" data-testid="fares-result">
          <div className="money-line strong"><span className="label">{t('total')}</span><Money fen={result.total} big testId="fares-total" /></div>
          <ol className="fares-why">
            {result.explain.map((e, i) => (
              <li key={i} data-testid={`fares-why-${i}`}>
                <div className="why-head">{t('rideNo', { n: i + 1 })} · {t(`mode_${e.mode}`)} · {t('charged')} <Money fen={e.chargedFen} />{result.rides[i]?.transfer && <span className="badge transfer-badge">{t('transfer')}</span>}</div>
                {explanationLines(e, t, lang).map((l, k) => <div key={k} className="why-line">{l}</div>)}
              </li>
            ))}
          </ol>
        </div>
      )}
      <div className="muted">{t('keysFares')}</div>
    </section>
  );
}
