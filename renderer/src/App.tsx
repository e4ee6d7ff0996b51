/** The counter: login/lock, the live card panel, the workflow screens and the status bar. */
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { CardSlot, SessionDto, ShiftDto, StationEvent, StatusDto } from '../../common/api.ts';
import type { ConnectionState, CounterBridge } from './bridge.ts';
import { CardPanel } from './CardPanel.tsx';
import { I18n, translator, useI18n, useMessages, type Lang, type MsgKey } from './i18n.ts';
import { yuan } from './money.ts';
import { DoctorScreen, ShiftScreen, TopupScreen } from './screens.tsx';
import { ErrorBox, FButton, Field, ScreenGuard, useKeys } from './ui.tsx';
import { isWorkflowScreen, WorkflowScreens, type WorkflowScreen } from './screens/CardServices.tsx';
import { DayEndScreen } from './screens/DayEndScreen.tsx';
import { SearchScreen } from './screens/SearchScreen.tsx';
import { PrinterChip } from './screens/PrinterStatus.tsx';
import { QuarantineScreen, SyncChip } from './screens/SyncStatus.tsx';
import { FareCalculatorScreen } from './screens/fares.tsx';
import { CityDirectoryScreen } from './screens/cities.tsx';
import { StaffScreen } from './screens/StaffScreen.tsx';
import { LabScreen } from './screens/LabScreen.tsx';
import { LAB_WORDS } from './screens/lab-i18n.ts';
import { STAFF_WORDS } from './screens/staff-i18n.ts';
import { useFT } from './screens/fares-i18n.ts';

type Screen = 'home' | 'topup' | 'shift' | 'doctor' | 'search' | 'day' | 'quarantine' | 'fares' | 'cities' | 'staff' | 'lab' | WorkflowScreen;
const LANG_KEY = 'station.lang';

// eslint-disable-next-line max-lines-per-function -- the counter's screen switch: one entry per screen
export function App(props: { api: CounterBridge }) {
  const { api } = props;
  const [lang, setLang] = useState<Lang>(() => (localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh'));
  const i18n = useMemo(() => ({ lang, t: translator(lang) }), [lang]);
  const [conn, setConn] = useState<ConnectionState>('connecting');
  const [status, setStatus] = useState<StatusDto | null>(null);
  const [user, setUser] = useState<SessionDto | null>(null);
  const [shift, setShift] = useState<ShiftDto | null>(null);
  const [slots, setSlots] = useState<Map<string, CardSlot>>(new Map());
  const [screen, setScreen] = useState<Screen>('home');

  const refresh = useCallback(async () => {
    const s = await api.call('status', {});
    setStatus(s);
    setUser(s.session);
    setShift(s.shift);
    if (s.session && !s.session.locked) {
      const cards = await api.call('card', {});
      setSlots(new Map(cards.map((c) => [c.reader, c])));
    } else {
      setSlots(new Map());
    }
  }, [api]);

  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    localStorage.setItem(LANG_KEY, lang);
  }, [lang]);

  useEffect(() => {
    const offState = api.onState((s) => { setConn(s); if (s === 'open') void refresh(); });
    const offEvent = api.onEvent((e: StationEvent) => {
      switch (e.event) {
        case 'card': setSlots((m) => new Map(m).set(e.reader, { state: 'card', reader: e.reader, view: e.view, settled: e.settled })); break;
        case 'card-error': setSlots((m) => new Map(m).set(e.reader, { state: 'error', reader: e.reader, error: e.error })); break;
        case 'cleared': setSlots((m) => { const n = new Map(m); n.delete(e.reader); return n; }); break;
        case 'readers': setStatus((s) => (s ? { ...s, readers: e.readers } : s)); break;
        case 'service': setStatus((s) => (s ? { ...s, pcsc: { up: e.up, ...(e.error ? { error: e.error } : {}) } } : s)); break;
        case 'shift': setShift(e.shift); break;
        case 'session': void refresh(); break;
      }
    });
    void refresh().catch(() => undefined);
    return () => { offState(); offEvent(); };
  }, [api, refresh]);

  const loggedIn = user !== null && !user.locked;
  const toggleLang = () => setLang((l) => (l === 'zh' ? 'en' : 'zh'));

  return (
    <I18n.Provider value={i18n}>
      <div className={`app ${status?.station.mode === 'training' ? 'training' : ''}`} data-testid="app" data-screen={loggedIn ? screen : user ? 'locked' : 'login'}>
        <Header status={status} user={user} onLang={toggleLang} />
        {conn !== 'open' && <div className="banner banner-danger conn">{i18n.t('connLost')}</div>}
        <main className="main">
          {!loggedIn ? (
            <Login api={api} locked={user} onDone={() => void refresh()} onLang={toggleLang} />
          ) : (
            <>
              <CardPanel slots={[...slots.values()]} />
              <div className="work">
                <ScreenGuard key={screen} onHome={() => setScreen('home')}>
                  {screen === 'home' && <Home shift={shift} supervisor={user !== null && user.role !== 'operator'} training={status?.station.mode === 'training'} onScreen={setScreen} onLock={() => void api.call('lock', {}).then(refresh)} onLogout={() => void api.call('logout', {}).then(refresh)} onLang={toggleLang} />}
                  {screen === 'topup' && status && (
                    <TopupScreen api={api} card={firstCard(slots)} shift={shift} policy={status.policy} onExit={() => setScreen('home')} />
                  )}
                  {screen === 'shift' && <ShiftScreen api={api} shift={shift} onExit={() => setScreen('home')} />}
                  {screen === 'doctor' && <DoctorScreen api={api} onExit={() => setScreen('home')} />}
                  {isWorkflowScreen(screen) && user && (
                    <WorkflowScreens screen={screen} api={api} slots={[...slots.values()]} readers={status?.readers.map((r) => r.name) ?? []} shift={shift} user={user} onScreen={setScreen} />
                  )}
                  {screen === 'search' && <SearchScreen api={api} initialCard={firstCard(slots)?.view.cardNo ?? null} onExit={() => setScreen('home')} />}
                  {screen === 'day' && <DayEndScreen api={api} shift={shift} onExit={() => setScreen('home')} onShift={() => setScreen('shift')} onQuarantine={() => setScreen('quarantine')} />}
                  {screen === 'quarantine' && <QuarantineScreen api={api} onExit={() => setScreen('home')} />}
                  {screen === 'fares' && <FareCalculatorScreen api={api} initialIssuer={firstCard(slots)?.view.city ?? null} onExit={() => setScreen('home')} />}
                  {screen === 'cities' && <CityDirectoryScreen api={api} onExit={() => setScreen('home')} />}
                  {screen === 'lab' && <LabScreen api={api} onExit={() => setScreen('home')} />}
                  {screen === 'staff' && user && <StaffScreen api={api} me={user.staffId} now={status?.now ?? null} onExit={() => setScreen('home')} />}
                </ScreenGuard>
              </div>
            </>
          )}
        </main>
        <StatusBar status={status} user={user} shift={shift} conn={conn} sync={<><SyncChip api={api} active={loggedIn && conn === 'open'} tick={screen} onOpen={() => setScreen('quarantine')} /><PrinterChip api={api} active={loggedIn && conn === 'open'} tick={screen} /></>} />
      </div>
    </I18n.Provider>
  );
}

function firstCard(slots: Map<string, CardSlot>): Extract<CardSlot, { state: 'card' }> | null {
  for (const s of slots.values()) if (s.state === 'card') return s;
  return null;
}

function Header(props: { status: StatusDto | null; user: SessionDto | null; onLang: () => void }) {
  const { t } = useI18n();
  const training = props.status?.station.mode === 'training';
  return (
    <header className="header">
      <h1>{t('appTitle')}</h1>
      {props.status && <span className="station-city">{props.status.station.city ?? props.status.station.cityCode}</span>}
      {training && <span className="badge training-badge" data-testid="training-badge">{t('training')}</span>}
      <span className="spacer" />
      {props.user && <span className="who"><span translate="no">{props.user.name}</span> · {t(`role_${props.user.role}` as MsgKey)}</span>}
    </header>
  );
}

function Home(props: { shift: ShiftDto | null; supervisor: boolean; training: boolean; onScreen: (s: Screen) => void; onLock: () => void; onLogout: () => void; onLang: () => void }) {
  const { t } = useMessages(STAFF_WORDS);
  // F1 员工管理 for supervisors and admins (the core refuses a clerk anyway: core/staff-admin.ts).
  // L 培训实验室 on a training station only (the core refuses the lab on a live one anyway: core/ui-lab.ts).
  const lab = useMessages(LAB_WORDS).t;
  const labKeys = props.training ? { l: () => props.onScreen('lab'), L: () => props.onScreen('lab') } : {};
  useKeys({ ...labKeys, ...(props.supervisor ? { F1: () => props.onScreen('staff') } : {}), F2: () => props.onScreen('topup'), F4: () => props.onScreen('cards'), F3: () => props.onScreen('shift'), F6: () => props.onScreen('doctor'), F8: props.onLang, F9: props.onLock, F10: props.onLogout,
    F7: () => props.onScreen('search'), F11: () => props.onScreen('day'), F5: () => props.onScreen('fares'), F12: () => props.onScreen('cities') });
  const ft = useFT();
  return (
    <section className="screen home" data-testid="home">
      <div className="menu">
        <FButton fkey="F2" kind="primary" onClick={() => props.onScreen('topup')} testId="menu-topup">{t('topup')}</FButton>
        <FButton fkey="F4" onClick={() => props.onScreen('cards')} testId="menu-cards">{t('cardServices')}</FButton>
        <FButton fkey="F3" onClick={() => props.onScreen('shift')} testId="menu-shift">{props.shift ? t('shift') : t('shiftOpenTitle')}</FButton>
        <FButton fkey="F6" onClick={() => props.onScreen('doctor')}>{t('doctor')}</FButton>
        <FButton fkey="F7" onClick={() => props.onScreen('search')} testId="menu-search">{t('searchReprint')}</FButton>
        <FButton fkey="F11" onClick={() => props.onScreen('day')} testId="menu-day">{t('dayEnd')}</FButton>
        <FButton fkey="F5" onClick={() => props.onScreen('fares')} testId="menu-fares">{ft('fares')}</FButton>
        <FButton fkey="F12" onClick={() => props.onScreen('cities')} testId="menu-cities">{ft('cities')}</FButton>
        <FButton fkey="F8" onClick={props.onLang}><LanguageName /></FButton>
        <FButton fkey="F9" onClick={props.onLock}>{t('lock')}</FButton>
        {props.supervisor && <FButton fkey="F1" onClick={() => props.onScreen('staff')} testId="menu-staff">{t('staffMenu')}</FButton>}
        {props.training && <FButton fkey="L" onClick={() => props.onScreen('lab')} testId="menu-lab">{lab('labMenu')}</FButton>}
        <FButton fkey="F10" kind="danger" onClick={props.onLogout}>{t('logout')}</FButton>
      </div>
      {!props.shift && <div className="banner banner-warn">{t('needShift')}</div>}
      <div className="muted">{t('fkeys')}</div>
    </section>
  );
}

function Login(props: { api: CounterBridge; locked: SessionDto | null; onDone: () => void; onLang: () => void }) {
  const { t } = useI18n();
  const [staffId, setStaffId] = useState(props.locked?.staffId ?? '');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  const pinRef = useRef<HTMLInputElement>(null);
  useEffect(() => { (props.locked ? pinRef : first).current?.focus(); }, [props.locked]);
  useKeys({ F8: props.onLang, Escape: () => { setPin(''); setError(null); } });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await props.api.call('login', { staffId: staffId.trim(), pin });
      setPin('');
      setError(null);
      props.onDone();
    } catch (err) {
      setError(err);
      setPin('');
      pinRef.current?.focus();
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="login" data-testid={props.locked ? 'lock-screen' : 'login-screen'}>
      <form onSubmit={(e) => void submit(e)} className="form login-form">
        <h2>{props.locked ? t('lockedBy', { name: props.locked.name }) : t('login')}</h2>
        <Field label={t('staffId')}>
          <input ref={first} data-testid="login-staff" value={staffId} disabled={props.locked !== null} autoComplete="off" onChange={(e) => setStaffId(e.target.value)} className="input-big" />
        </Field>
        <Field label={t('pin')}>
          <input ref={pinRef} data-testid="login-pin" type="password" inputMode="numeric" value={pin} autoComplete="off" onChange={(e) => setPin(e.target.value)} className="input-big" />
        </Field>
        <ErrorBox error={error} />
        <div className="actions">
          <FButton type="submit" kind="primary" disabled={busy} onClick={() => undefined}>Enter {props.locked ? t('unlock') : t('login')}</FButton>
          <FButton fkey="F8" onClick={props.onLang}><LanguageName /></FButton>
        </div>
        <div className="muted">{t('loginHint')}</div>
      </form>
    </section>
  );
}

function StatusBar(props: { status: StatusDto | null; user: SessionDto | null; shift: ShiftDto | null; conn: ConnectionState; sync?: ReactNode }) {
  const { t } = useI18n();
  const s = props.status;
  return (
    <footer className="status-bar" data-testid="status-bar">
      <span className={`dot ${s?.pcsc.up ? 'ok' : 'bad'}`}>{t('pcsc')}：{s?.pcsc.up ? t('up') : t('down')}</span>
      {/* One mark per reader (■ a card on it); the names are in the tooltip and the card panel, so the bar stays one line at 1024 px. */}
      <span data-testid="status-readers" title={s?.readers.map((r) => r.name).join('\n')}>{t('reader')}：{s && s.readers.length > 0 ? s.readers.map((r) => (r.cardPresent ? '■' : '□')).join(' ') : '—'}</span>
      <span data-testid="status-shift">{props.shift ? t('statusShift', { cash: yuan(props.shift.expectedFen) }) : t('shiftNone')}</span>
      {props.user && <span>{t('operator')}：<span translate="no">{props.user.staffId}</span>{props.user.locked ? ` (${t('locked')})` : ''}</span>}
      {props.sync}
      <span className="spacer" />
      {/* A training station says so in the header's badge and border; the bar names only a live one. */}
      {s && s.station.mode !== 'training' && <span title={s.station.terminalId}>{t('live')}</span>}
      <span className={`dot ${props.conn === 'open' ? 'ok' : 'bad'}`}>{t('connection')}</span>
    </footer>
  );
}

/** The F8 key's label: the other language, named in itself (English / 中文), so it is not translated. */
function LanguageName() {
  const { t, lang } = useI18n();
  return <span translate="no" lang={lang === 'zh' ? 'en' : 'zh-CN'}>{t('language')}</span>;
}

export { ErrorBox };
