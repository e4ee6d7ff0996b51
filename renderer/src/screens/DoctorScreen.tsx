/** The station check (自检): the doctor's checks in the clerk's words, the technical detail folded. */
import { useEffect, useState } from 'react';
import type { Result, StationApi } from '../../../common/api.ts';
import { useI18n } from '../i18n.ts';
import { checkWords } from '../station-texts.ts';
import { ErrorBox, FButton, TechnicalDetails, useKeys } from '../ui.tsx';

export function DoctorScreen(props: { api: StationApi; onExit: () => void }) {
  const { t, lang } = useI18n();
  const [checks, setChecks] = useState<Result<'doctor'> | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => { props.api.call('doctor', {}).then(setChecks, setError); }, [props.api]);
  useKeys({ Escape: props.onExit });
  return (
    <section className="screen doctor-screen" data-testid="doctor-screen">
      <h2>{t('doctorTitle')}</h2>
      <ErrorBox error={error} />
      {checks && (
        <table className="checks">
          <tbody>
            {checks.map((c) => {
              // The clerk's words; the station's English detail and its command-line fix stay folded for support.
              const w = checkWords(lang, c);
              return (
                <tr key={c.name} className={`check-${c.status}`} data-testid="check" data-check={c.name}>
                  <td><span className={`badge check-${c.status}`}>{t(`check_${c.status}`)}</span></td>
                  <td className="check-name">{w.name}</td>
                  <td>{w.text}{w.next && <div className="error-hint">{t('hintLabel')}：{w.next}</div>}<TechnicalDetails text={w.technical} /></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div className="actions"><FButton fkey="Esc" onClick={props.onExit}>{t('back')}</FButton></div>
    </section>
  );
}
