/**
 * The card panel's explanation of one log record (core/fares/explain-log.ts via the card view's
 * `logExplain`): a verdict badge and the first reading in the operator's language; other
 * readings on hover and counted. "无法解释" (unexplained) stands out: the counter looks closer.
 */
import type { CardLogExplanationDto } from '../../../common/api-fares.ts';
import { useI18n } from '../i18n.ts';
import { useFT } from './fares-i18n.ts';
import './fares.css';

export function LogExplainRow(props: { ex: CardLogExplanationDto; cols: number }) {
  const t = useFT();
  const { lang } = useI18n();
  const { ex } = props;
  const text = (r: { note: string; noteZh: string }) => (lang === 'zh' ? r.noteZh : r.note);
  const others = ex.readings.slice(1).map(text);
  return (
    <tr className={`log-explain verdict-${ex.verdict}`} data-testid="log-explain" data-verdict={ex.verdict}>
      <td colSpan={props.cols}>
        <span className={`badge verdict verdict-${ex.verdict}`}>{t(`verdict_${ex.verdict}`)}</span>
        <span className="log-explain-text" title={others.length > 0 ? `${t('alsoPossible')}${others.join('\n')}` : undefined}>{text(ex)}</span>
        {ex.moreReadings > 0 && <span className="muted"> · {t('moreReadings', { n: ex.moreReadings })}</span>}
      </td>
    </tr>
  );
}
