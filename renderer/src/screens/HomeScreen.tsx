/** The home screen: the menu of F-keys (F2 top-up, F4 card services, F3 shift, …), L the training lab. */
import type { ShiftDto } from '../../../common/api.ts';
import { useMessages } from '../i18n.ts';
import { FButton, LanguageName, useKeys } from '../ui.tsx';
import type { WorkflowScreen } from './CardServices.tsx';
import { useFT } from './fares-i18n.ts';
import { LAB_WORDS } from './lab-i18n.ts';
import { STAFF_WORDS } from './staff-i18n.ts';
import { STOCK_WORDS } from './stock-i18n.ts';

/** Every screen the counter can show. */
export type Screen = 'home' | 'topup' | 'shift' | 'cash' | 'doctor' | 'search' | 'day' | 'quarantine' | 'fares' | 'cities' | 'staff' | 'lab' | 'stock' | WorkflowScreen;

export function HomeScreen(props: { shift: ShiftDto | null; supervisor: boolean; training: boolean; onScreen: (s: Screen) => void; onLock: () => void; onLogout: () => void; onLang: () => void }) {
  const { t } = useMessages(STAFF_WORDS);
  // F1 员工管理 for supervisors and admins (the core refuses a clerk anyway: core/staff-admin.ts).
  // L 培训实验室 on a training station only (the core refuses the lab on a live one anyway: core/api/handlers/lab.ts).
  const lab = useMessages(LAB_WORDS).t;
  const stock = useMessages(STOCK_WORDS).t;
  const labKeys = props.training ? { l: () => props.onScreen('lab'), L: () => props.onScreen('lab') } : {};
  // K 卡库存 (blank-card stock): every clerk sees the count and records a spoiled card; receiving and returning are a supervisor's (core/stock.ts).
  const stockKeys = { k: () => props.onScreen('stock'), K: () => props.onScreen('stock') };
  useKeys({ ...labKeys, ...stockKeys, ...(props.supervisor ? { F1: () => props.onScreen('staff') } : {}), F2: () => props.onScreen('topup'), F4: () => props.onScreen('cards'), F3: () => props.onScreen('shift'), F6: () => props.onScreen('doctor'), F8: props.onLang, F9: props.onLock, F10: props.onLogout,
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
        <FButton fkey="K" onClick={() => props.onScreen('stock')} testId="menu-stock">{stock('stockMenu')}</FButton>
        {props.training && <FButton fkey="L" onClick={() => props.onScreen('lab')} testId="menu-lab">{lab('labMenu')}</FButton>}
        <FButton fkey="F10" kind="danger" onClick={props.onLogout}>{t('logout')}</FButton>
      </div>
      {!props.shift && <div className="banner banner-warn">{t('needShift')}</div>}
      <div className="muted">{t('fkeys')}</div>
    </section>
  );
}
