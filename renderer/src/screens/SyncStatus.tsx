/**
 * Upstream sync in the status bar (last sync, backlog, quarantined entries — from the
 * station's own relay tables, polled) and the quarantine list (issue 7: an entry the clearing
 * host refused is set aside with its reason and the others keep flowing; the counter must see
 * it and know what to do).
 */
import { useEffect, useState } from 'react';
import type { Result, StationApi } from '../../../common/api.ts';
import { ErrorBox, FButton, TechnicalDetails, useKeys } from '../ui.tsx';
import { usePolled } from './status-poll.ts';
import { kindName, localTime, useRT } from './receipts-i18n.ts';
import { useI18n, type Lang } from '../i18n.ts';
import { hostReasonText, splitHostReason } from './sync-reasons.ts';

type Sync = Result<'syncStatus'>;

/** The status bar's upload item; a button that opens the quarantine list. */
/** `tick`: anything that changes when the station may have moved on (e.g. the screen): polls again at once. */
export function SyncChip(props: { api: StationApi; active: boolean; onOpen: () => void; tick?: string }) {
  const t = useRT();
  const s = usePolled(props.api, 'syncStatus', props.active, props.tick);
  if (s === null) return null;
  const bad = s.quarantined > 0 || s.blocked !== null;
  const warn = !bad && (s.lastError !== null || s.online === false);
  const text = !s.configured
    ? t('syncNone')
    : t('syncLine', { backlog: s.backlog, q: s.quarantined, last: s.lastOkAt ? localTime(s.lastOkAt).slice(5, 16) : t('syncNever') });
  return (
    <button type="button" className={`status-chip dot ${bad ? 'bad' : warn || !s.configured ? 'warn' : 'ok'}`} data-testid="status-sync" data-quarantined={s.quarantined} data-backlog={s.backlog} onClick={props.onOpen} tabIndex={-1}>
      {t('sync')}：{text}
    </button>
  );
}

/** A quarantined entry's reason: its meaning in the clerk's language, the host's own words folded for support. */
function HostReason(props: { lang: Lang; stored: string }) {
  const { code, detail } = splitHostReason(props.stored);
  return (
    <div data-testid="quarantine-reason" data-code={code ?? ''}>
      {hostReasonText(props.lang, code)}
      {detail !== '' && <TechnicalDetails text={props.stored} />}
    </div>
  );
}

export function QuarantineScreen(props: { api: StationApi; onExit: () => void }) {
  const t = useRT();
  const { lang } = useI18n();
  const [s, setS] = useState<Sync | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => { props.api.call('syncStatus', {}).then(setS, setError); }, [props.api]);
  useKeys({ Escape: props.onExit, Enter: props.onExit });
  return (
    <section className="screen" data-testid="quarantine-screen">
      <h2>{t('quarantineTitle')}</h2>
      <ErrorBox error={error} />
      {s && (
        <>
          <div className="muted">{s.configured ? `${s.url ?? ''} · ${t('syncLine', { backlog: s.backlog, q: s.quarantined, last: s.lastOkAt ? localTime(s.lastOkAt) : t('syncNever') })}` : t('syncNone')}</div>
          {s.lastError && <div className="muted">{t('lastError')}：{s.lastError}</div>}
          {s.blocked && (
            <div className="banner banner-danger" data-testid="sync-blocked" data-code={s.blocked.code}>
              {t('blocked', { seq: s.blocked.seq, reason: hostReasonText(lang, s.blocked.code) })}
              <TechnicalDetails text={`${s.blocked.code}: ${s.blocked.reason}`} />
            </div>
          )}
          {s.quarantinedEntries.length === 0 ? <div className="banner banner-info" data-testid="quarantine-none">{t('quarantineNone')}</div> : (
            <>
              <div className="banner banner-warn">{t('quarantineGuide')}</div>
              <table className="day-table" data-testid="quarantine-list">
                <thead><tr><th>#</th><th>{t('entryId')}</th><th>{t('kind')}</th><th>{t('reason')}</th></tr></thead>
                <tbody>
                  {s.quarantinedEntries.map((q) => <tr key={q.seq} data-testid="quarantine-row"><td>{q.seq}</td><td className="mono">{q.entryId}</td><td>{kindName(lang, q.kind)}</td><td><HostReason lang={lang} stored={q.reason} /></td></tr>)}
                </tbody>
              </table>
              {s.quarantined > s.quarantinedEntries.length && <div className="muted">… {s.quarantined - s.quarantinedEntries.length}</div>}
            </>
          )}
        </>
      )}
      <div className="actions"><FButton fkey="Esc" onClick={props.onExit}>{t('back')}</FButton></div>
    </section>
  );
}
