/** The small component set of the counter UI: F-key buttons, money, errors, key bindings. */
import { Component, useEffect, useRef, type ReactNode } from 'react';
import { ApiCallError } from '../../common/api.ts';
import { useI18n } from './i18n.ts';
import { errorWords } from './station-texts.ts';
import { capitals, yuan } from './money.ts';

export type KeyMap = Partial<Record<string, () => void>>;

/** Binds keys (F1…F12, Escape) while mounted; the browser's own use of those keys is suppressed. */
export function useKeys(map: KeyMap, active = true): void {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      const fn = ref.current[e.key];
      if (fn) {
        e.preventDefault();
        e.stopPropagation();
        fn();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active]);
}

export function FButton(props: { fkey?: string; onClick: () => void; children: ReactNode; kind?: 'primary' | 'danger' | 'plain'; disabled?: boolean; type?: 'button' | 'submit'; testId?: string; noTab?: boolean }) {
  return (
    <button
      type={props.type ?? 'button'}
      className={`btn btn-${props.kind ?? 'plain'}`}
      onClick={props.onClick}
      disabled={props.disabled}
      data-testid={props.testId}
      tabIndex={props.noTab ? -1 : undefined}
    >
      {props.fkey && <kbd className="fkey">{props.fkey}</kbd>}
      <span>{props.children}</span>
    </button>
  );
}

export function Money(props: { fen: number; big?: boolean; testId?: string }) {
  return <span className={props.big ? 'money money-big' : 'money'} data-testid={props.testId}>{yuan(props.fen)}</span>;
}

/** An amount shown so it cannot be misread: figures and the Chinese capitals (大写). */
export function MoneyLine(props: { label: string; fen: number; strong?: boolean; testId?: string }) {
  return (
    <div className={props.strong ? 'money-line strong' : 'money-line'}>
      <span className="label">{props.label}</span>
      <Money fen={props.fen} big={props.strong} testId={props.testId} />
      <span className="capitals">{capitals(props.fen)}</span>
    </div>
  );
}

export function ErrorBox(props: { error: unknown }) {
  const { lang, t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  // A refusal below the fold of a long form (1024×768) comes into view: the clerk reads it without the mouse.
  useEffect(() => { box.current?.scrollIntoView?.({ block: 'nearest' }); }, [props.error]);
  if (props.error === null || props.error === undefined) return null;
  const e = props.error instanceof ApiCallError ? props.error : null;
  // A script error of the screen itself is never shown raw: it is named as such, with a next step.
  if (e === null) {
    return (
      <div className="error-box" role="alert" data-testid="error" ref={box}>
        <div className="error-title">{t('unexpectedError')}</div>
        <div className="error-hint-main">{t('hintLabel')}：{t('unexpectedErrorNext')}</div>
      </div>
    );
  }
  const w = errorWords(lang, e);
  return (
    <div className="error-box" role="alert" data-testid="error" data-code={e.code} ref={box}>
      <div className="error-title">{w.title}</div>
      {e.cards && <div className="error-cards" data-testid="error-cards">{t('cardsConfirmedFound', { confirmed: e.cards.confirmed, found: e.cards.found ?? '—' })}</div>}
      {w.text !== null && <div className="error-message" data-testid="error-text">{w.text}</div>}
      <div className="error-hint-main">{t('hintLabel')}：{w.next}</div>
      <TechnicalDetails text={w.technical} />
    </div>
  );
}

/**
 * The station's own English words about a failure (message, hint), folded: for support, never the
 * clerk's next step (they may name shell commands). translate="no": they are quoted, not UI text.
 */
export function TechnicalDetails(props: { text: string }) {
  const { t } = useI18n();
  return (
    <details className="error-technical">
      <summary>{t('technical')}</summary>
      <div className="mono" translate="no">{props.text}</div>
    </details>
  );
}

export function Field(props: { label: string; children: ReactNode; note?: ReactNode }) {
  return (
    <label className="field">
      <span className="field-label">{props.label}</span>
      {props.children}
      {props.note && <span className="field-note">{props.note}</span>}
    </label>
  );
}

/**
 * A screen that throws while drawing is replaced by the unexpected-error box and its next step
 * (Esc back to the start screen), never by a blank page or the exception's text. Keyed by the
 * screen, so opening another screen starts it afresh.
 */
export class ScreenGuard extends Component<{ children: ReactNode; onHome: () => void }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }
  override render(): ReactNode {
    return this.state.failed ? <ScreenFailed onHome={this.props.onHome} /> : this.props.children;
  }
}

function ScreenFailed(props: { onHome: () => void }) {
  const { t } = useI18n();
  useKeys({ Escape: props.onHome });
  return (
    <section className="screen" data-testid="screen-failed">
      <ErrorBox error={new Error('screen failed')} />
      <div className="actions"><FButton fkey="Esc" kind="primary" onClick={props.onHome}>{t('back')}</FButton></div>
    </section>
  );
}

/** The F8 key's label: the other language, named in itself (English / 中文), so it is not translated. */
export function LanguageName() {
  const { t, lang } = useI18n();
  return <span translate="no" lang={lang === 'zh' ? 'en' : 'zh-CN'}>{t('language')}</span>;
}

