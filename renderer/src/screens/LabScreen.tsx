/**
 * 培训实验室 (issue 16 item 9): on a training station, puts the lab's virtual cards on or off
 * either virtual reader by keyboard, so every workflow can be practised from `npm start` alone.
 * The station refuses these requests on a live station (core/api/handlers/lab.ts); this screen is only
 * offered in training mode (L on the home screen).
 */
import { useCallback, useEffect, useState } from 'react';
import { ApiCallError, type StationApi } from '../../../common/api.ts';
import { LAB_PRESET_IDS, type LabPresetId, type LabSlotDto } from '../../../common/api-lab.ts';
import { useMessages } from '../i18n.ts';
import { errorTitleOf } from '../station-texts.ts';
import { FButton, useKeys } from '../ui.tsx';
import { LAB_WORDS } from './lab-i18n.ts';

type Note = { key: 'labPlaced'; card: LabPresetId; n: number } | { key: 'labRemoved'; n: number };

// eslint-disable-next-line max-lines-per-function -- one screen: its state, keys and layout read as one
export function LabScreen(props: { api: StationApi; onExit: () => void }) {
  const { t, lang } = useMessages(LAB_WORDS);
  const [slots, setSlots] = useState<LabSlotDto[] | null>(null);
  const [preset, setPreset] = useState(0);
  const [reader, setReader] = useState(0);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<Note | null>(null);
  const [error, setError] = useState<unknown>(null);

  const run = useCallback(async (call: () => Promise<{ slots: LabSlotDto[] }>, done: Note | null) => {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      setSlots((await call()).slots);
      setNote(done);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }, []);
  useEffect(() => { void run(() => props.api.call('labSlots', {}), null); }, [props.api, run]);

  const count = slots?.length ?? 0;
  const place = () => {
    const id = LAB_PRESET_IDS[preset]!;
    if (!busy && count > 0) void run(() => props.api.call('labPlace', { slot: reader, preset: id }), { key: 'labPlaced', card: id, n: reader + 1 });
  };
  const remove = () => { if (!busy && count > 0) void run(() => props.api.call('labRemove', { slot: reader }), { key: 'labRemoved', n: reader + 1 }); };
  useKeys({
    Escape: props.onExit,
    ArrowDown: () => setPreset((i) => Math.min(i + 1, LAB_PRESET_IDS.length - 1)),
    ArrowUp: () => setPreset((i) => Math.max(i - 1, 0)),
    ArrowRight: () => setReader((r) => Math.min(r + 1, Math.max(count - 1, 0))),
    ArrowLeft: () => setReader((r) => Math.max(r - 1, 0)),
    Enter: place,
    Delete: remove,
  });

  const code = error instanceof ApiCallError ? error.code : error === null ? null : 'INTERNAL';
  return (
    <section className="screen lab-screen" data-testid="lab-screen" data-ready={slots !== null && !busy ? 'true' : 'false'}>
      <h2>{t('labTitle')}</h2>
      <div className="banner banner-warn lab-only" data-testid="lab-training-only">{t('labOnly')}</div>
      {slots === null && error === null && <div className="muted">{t('labLoading')}</div>}
      {slots && (
        <div className="lab-readers">
          {slots.map((s) => (
            <div key={s.slot} className={`lab-reader ${s.slot === reader ? 'selected' : ''}`} data-testid={`lab-slot-${s.slot}`} data-preset={s.preset ?? ''} onClick={() => setReader(s.slot)}>
              <div className="lab-reader-title">{t('labReader', { n: s.slot + 1 })}</div>
              <div>{s.preset === null ? t('labEmpty') : s.preset === 'custom' ? t('labCustom') : t(`preset_${s.preset}`)}</div>
              {s.card && <div className="mono">{s.card}</div>}
            </div>
          ))}
        </div>
      )}
      {slots && (
        <table className="entries lab-table" data-testid="lab-presets">
          <thead><tr><th>{t('labCards')}</th><th /></tr></thead>
          <tbody>
            {LAB_PRESET_IDS.map((id, i) => (
              <tr key={id} className={i === preset ? 'selected' : ''} data-testid={`lab-preset-${id}`} onClick={() => setPreset(i)}>
                <td>{t(`preset_${id}`)}</td>
                <td className="muted">{t(`presetUse_${id}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {busy && slots && <div className="working">{t('labWorking')}</div>}
      {note && <div className="banner banner-info" role="status" data-testid="lab-done">{note.key === 'labPlaced' ? t('labPlaced', { card: t(`preset_${note.card}`), n: note.n }) : t('labRemoved', { n: note.n })}</div>}
      {code !== null && (
        <div className="error-box" role="alert" data-testid="lab-refused" data-code={code}>
          <div className="error-title">{errorTitleOf(lang, code)}</div>
          <div className="error-hint-main">{code === 'FORBIDDEN' ? t('labLiveRefused') : code === 'NO_READER' ? t('labNoLab') : t('labFailed')}</div>
        </div>
      )}
      <div className="actions">
        <FButton fkey="Enter" kind="primary" disabled={busy || count === 0} onClick={place} testId="lab-place">{t('labPlaceKey')}</FButton>
        <FButton fkey="Delete" disabled={busy || count === 0} onClick={remove} testId="lab-remove">{t('labRemoveKey')}</FButton>
        <FButton fkey="Esc" onClick={props.onExit}>{t('labBackKey')}</FButton>
      </div>
      <div className="muted">{t('labHint')}</div>
    </section>
  );
}
