/**
 * 员工管理 (supervisor tools, issue 16 item 7): the staff list with each account's state, and
 * unlock (F2), reset PIN (F3: the holder types the new PIN twice) and deactivate/activate (F6)
 * for the selected account. The screen hides nothing it need not: the station decides who may
 * do what (core/staff-admin.ts) and a refusal is shown in the clerk's language with what to do.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { StationApi } from '../../../common/api.ts';
import { ApiCallError } from '../../../common/api.ts';
import type { StaffViewDto } from '../../../common/api-staff.ts';
import { chinaMinute, clerkTime } from '../../../common/china-time.ts';
import { useMessages, type MsgKey } from '../i18n.ts';
import { errorTitleOf, errorWords } from '../station-texts.ts';
import { FButton, Field, useKeys } from '../ui.tsx';
import { STAFF_WORDS } from './staff-i18n.ts';

type Done = { key: 'doneUnlock' | 'doneReset' | 'doneDeactivate' | 'doneActivate'; id: string; name: string };

/** `now`: the station's time from its status answer (null before the first one: times then show their date). */
export function StaffScreen(props: { api: StationApi; me: string; now: string | null; onExit: () => void }) {
  const { t, lang } = useMessages(STAFF_WORDS);
  const [staff, setStaff] = useState<StaffViewDto[] | null>(null);
  const [selected, setSelected] = useState(0);
  const [done, setDone] = useState<Done | null>(null);
  const [refusal, setRefusal] = useState<unknown>(null);
  const [resetting, setResetting] = useState(false);
  const [busy, setBusy] = useState(false);
  const current = staff?.[selected] ?? null;
  const own = current !== null && current.staffId === props.me;

  const load = useCallback(async () => {
    try {
      setStaff((await props.api.call('staffList', {})).staff);
    } catch (err) {
      setRefusal(err);
    }
  }, [props.api]);
  useEffect(() => { void load(); }, [load]);

  const act = async (run: (s: StaffViewDto) => Promise<unknown>, key: Done['key']) => {
    if (current === null || busy || own) return;
    setBusy(true);
    setRefusal(null);
    setDone(null);
    try {
      await run(current);
      setDone({ key, id: current.staffId, name: current.name });
      setResetting(false);
      await load();
    } catch (err) {
      setRefusal(err);
    } finally {
      setBusy(false);
    }
  };
  const unlock = () => void act((s) => props.api.call('staffUnlock', { staffId: s.staffId }), 'doneUnlock');
  const toggle = () => void act((s) => props.api.call('staffSetActive', { staffId: s.staffId, active: !s.active }), current?.active ? 'doneDeactivate' : 'doneActivate');
  const move = (d: number) => { if (!resetting && staff) { setSelected((i) => Math.min(Math.max(0, i + d), staff.length - 1)); setDone(null); setRefusal(null); } };

  useKeys(resetting ? { Escape: () => setResetting(false) } : {
    Escape: props.onExit, ArrowDown: () => move(1), ArrowUp: () => move(-1),
    F2: unlock, F3: () => { if (current && !own) { setResetting(true); setDone(null); setRefusal(null); } }, F6: toggle,
  });

  const stateText = (s: StaffViewDto) => (!s.active ? t('stateInactive') : s.locked && s.lockedUntil ? t('stateLocked', { until: props.now === null ? chinaMinute(s.lockedUntil) : clerkTime(s.lockedUntil, props.now) }) : t('stateActive'));

  return (
    <section className="screen staff-screen" data-testid="staff-screen">
      <h2>{t('staffTitle')}</h2>
      {staff === null && refusal === null && <div className="muted">{t('loading')}</div>}
      {staff && (
        <table className="entries staff-table" data-testid="staff-table">
          <thead><tr><th>{t('colId')}</th><th>{t('colName')}</th><th>{t('colRole')}</th><th>{t('colState')}</th><th className="num">{t('colWrong')}</th></tr></thead>
          <tbody>
            {staff.map((s, i) => (
              <tr key={s.staffId} className={i === selected ? 'selected' : ''} data-testid="staff-row" data-staff={s.staffId} data-state={!s.active ? 'inactive' : s.locked ? 'locked' : 'active'}
                onClick={() => { setSelected(i); setDone(null); setRefusal(null); }}>
                <td className="mono" translate="no">{s.staffId}</td>
                <td translate="no">{s.name}</td>
                <td>{t(`role_${s.role}` as MsgKey)}</td>
                <td className={s.locked || !s.active ? 'staff-state-warn' : ''}>{stateText(s)}</td>
                <td className="num">{s.failedAttempts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {done && <div className="banner banner-info" role="status" data-testid="staff-done">{t(done.key, { id: done.id, name: done.name })}</div>}
      {refusal !== null && <Refusal error={refusal} lang={lang} t={t} />}
      {own && <div className="banner banner-warn" data-testid="staff-own">{t('ownAccount')}</div>}
      {resetting && current && <ResetPin target={current} busy={busy} t={t}
        onSubmit={(pin) => void act((s) => props.api.call('staffResetPin', { staffId: s.staffId, newPin: pin }), 'doneReset')} onCancel={() => setResetting(false)} />}
      {!resetting && (
        <div className="actions">
          <FButton fkey="F2" kind="primary" disabled={busy || current === null || own} onClick={unlock} testId="staff-unlock">{t('unlockKey')}</FButton>
          <FButton fkey="F3" disabled={busy || current === null || own} onClick={() => setResetting(true)} testId="staff-reset">{t('resetKey')}</FButton>
          <FButton fkey="F6" kind="danger" disabled={busy || current === null || own} onClick={toggle} testId="staff-toggle">{current?.active === false ? t('activateKey') : t('deactivateKey')}</FButton>
          <FButton fkey="Esc" onClick={props.onExit}>{t('backKey')}</FButton>
        </div>
      )}
      <div className="muted">{t('staffHint')}</div>
    </section>
  );
}

type StaffT = ReturnType<typeof useMessages<keyof typeof STAFF_WORDS.zh>>['t'];

/** A refusal in the clerk's words: the kind of problem and what to do, never the server's English. */
function Refusal(props: { error: unknown; lang: 'zh' | 'en'; t: StaffT }) {
  const code = props.error instanceof ApiCallError ? props.error.code : 'INTERNAL';
  const step = code === 'FORBIDDEN' ? props.t('refusedForbidden') : code === 'BAD_INPUT' ? props.t('refusedInput') : props.t('refusedOther');
  // A refusal with its message id (core/staff-admin.ts, core/auth.ts) says what and the next step in its own words.
  const said = props.error instanceof ApiCallError && props.error.say !== undefined ? errorWords(props.lang, props.error) : null;
  return (
    <div className="error-box" role="alert" data-testid="staff-refused" data-code={code}>
      <div className="error-title">{errorTitleOf(props.lang, code)}</div>
      {said?.text && <div className="error-message">{said.text}</div>}
      <div className="error-hint-main">{said?.next ?? step}</div>
    </div>
  );
}

/** The new PIN, typed twice by its holder; Enter from either field submits. */
function ResetPin(props: { target: StaffViewDto; busy: boolean; t: StaffT; onSubmit: (pin: string) => void; onCancel: () => void }) {
  const [pin, setPin] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => { first.current?.focus(); }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!/^[0-9]{4,12}$/.test(pin)) { setProblem(props.t('pinRule')); return; }
    if (pin !== again) { setProblem(props.t('pinMismatch')); setAgain(''); return; }
    setProblem(null);
    props.onSubmit(pin);
  };
  return (
    <form className="form staff-reset" data-testid="staff-reset-form" onSubmit={submit}>
      <h3>{props.t('resetFor', { id: props.target.staffId, name: props.target.name })}</h3>
      <Field label={props.t('newPin')}><input ref={first} data-testid="staff-new-pin" type="password" inputMode="numeric" autoComplete="off" maxLength={12} value={pin} onChange={(e) => setPin(e.target.value)} /></Field>
      <Field label={props.t('newPinAgain')}><input data-testid="staff-new-pin-again" type="password" inputMode="numeric" autoComplete="off" maxLength={12} value={again} onChange={(e) => setAgain(e.target.value)} /></Field>
      {problem && <div className="problem" role="alert">{problem}</div>}
      <div className="actions">
        <FButton type="submit" kind="primary" disabled={props.busy} onClick={() => undefined} testId="staff-reset-submit">Enter {props.t('resetSubmit')}</FButton>
        <FButton fkey="Esc" onClick={props.onCancel}>{props.t('cancelKey')}</FButton>
      </div>
    </form>
  );
}
