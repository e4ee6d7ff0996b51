/** Login, and the lock screen (the same form with the operator's ID fixed): Enter logs in, Esc clears the PIN. */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { SessionDto } from '../../../common/api.ts';
import type { CounterBridge } from '../bridge.ts';
import { useI18n } from '../i18n.ts';
import { ErrorBox, FButton, Field, LanguageName, useKeys } from '../ui.tsx';

export function LoginScreen(props: { api: CounterBridge; locked: SessionDto | null; onDone: () => void; onLang: () => void }) {
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
