/** The counter: login/lock, the live card panel, the workflow screens and the status bar. */
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { CardSlot, SessionDto, ShiftDto, StationEvent, StatusDto } from '../../common/api.ts';
import type { ConnectionState, CounterBridge } from './bridge.ts';
import { CardPanel } from './CardPanel.tsx';
import { I18n, translator, useI18n, type Lang, type MsgKey } from './i18n.ts';
import { yuan } from './money.ts';
import { DoctorScreen } from './screens/DoctorScreen.tsx';
import { ShiftScreen } from './screens/ShiftScreen.tsx';
import { CashBoxScreen } from './screens/CashBoxScreen.tsx';
import { TopupScreen } from './screens/TopupScreen.tsx';
import { HomeScreen, type Screen } from './screens/HomeScreen.tsx';
import { LoginScreen } from './screens/LoginScreen.tsx';
import { ScreenGuard } from './ui.tsx';
import { isWorkflowScreen, WorkflowScreens } from './screens/CardServices.tsx';
import { DayEndScreen } from './screens/DayEndScreen.tsx';
import { SearchScreen } from './screens/SearchScreen.tsx';
import { PrinterChip } from './screens/PrinterStatus.tsx';
import { QuarantineScreen, SyncChip } from './screens/SyncStatus.tsx';
import { FareCalculatorScreen } from './screens/fares.tsx';
import { CityDirectoryScreen } from './screens/cities.tsx';
import { StaffScreen } from './screens/StaffScreen.tsx';
import { StockScreen } from './screens/StockScreen.tsx';
import { LabScreen } from './screens/LabScreen.tsx';

const LANG_KEY = 'station.lang';

// eslint-disable-next-line max-lines-per-function -- the counter's screen switch: one entry per screen
export function App(props: { api: CounterBridge }) {
  const { api } = props;
  const [lang, setLang] = useState<Lang>(() => (localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh'));
  const i18n = useMemo(() => ({ lang, t: translator(lang) }), [lang]);
  const [conn, setConn] = useState<ConnectionState>('connecting');
  // Before the first connection the page is connecting, not reconnecting: "connection lost"
  // then would alarm a clerk who only just opened the station.
  const [everOpen, setEverOpen] = useState(false);
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
    const offState = api.onState((s) => { setConn(s); if (s === 'open') { setEverOpen(true); void refresh(); } });
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
        {conn !== 'open' && <div className={`banner ${everOpen ? 'banner-danger' : 'banner-info'} conn`}>{i18n.t(everOpen ? 'connLost' : 'connFirst')}</div>}
        <main className="main">
          {!loggedIn ? (
            <LoginScreen api={api} locked={user} onDone={() => void refresh()} onLang={toggleLang} />
          ) : (
            <>
              <CardPanel slots={[...slots.values()]} />
              <div className="work">
                <ScreenGuard key={screen} onHome={() => setScreen('home')}>
                  {screen === 'home' && <HomeScreen shift={shift} supervisor={user !== null && user.role !== 'operator'} training={status?.station.mode === 'training'} onScreen={setScreen} onLock={() => void api.call('lock', {}).then(refresh)} onLogout={() => void api.call('logout', {}).then(refresh)} onLang={toggleLang} />}
                  {screen === 'topup' && status && (
                    <TopupScreen api={api} card={firstCard(slots)} shift={shift} policy={status.policy} onExit={() => setScreen('home')} onVerify={() => setScreen('concession')} />
                  )}
                  {screen === 'shift' && <ShiftScreen api={api} shift={shift} onExit={() => setScreen('home')} onCash={() => setScreen('cash')} />}
                  {screen === 'cash' && <CashBoxScreen api={api} shift={shift} onExit={() => setScreen('shift')} />}
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
                  {screen === 'stock' && user && <StockScreen api={api} supervisor={user.role !== 'operator'} onExit={() => setScreen('home')} />}
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
