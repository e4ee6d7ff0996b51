/**
 * The receipt of an entry as the customer will get it (issue 4 item 3): the receipt's own
 * content blocks from the station (the ones the PDF lays out, QR included) drawn as a paper
 * roll, and F4 to print it on the configured printer — the original once, then reprints
 * (重印 第N次, counted only when the spooler accepted the job). A printer fault says what to do
 * next; the receipt stays saved and the same key tries again.
 */
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import type { Result, StationApi } from '../../../common/api.ts';
import type { PrintOutcomeDto, ReceiptBlockDto, ReceiptOutcomeDto } from '../../../common/api-receipts.ts';
import { ErrorBox, FButton, TechnicalDetails, useKeys } from '../ui.tsx';
import { useRT, type RMsg, type RT } from './receipts-i18n.ts';

type Preview = Result<'receiptPreview'>;

/** One QR as SVG rectangles (a run of dark modules per rect), 2-module quiet zone. */
function QrSvg(props: { modules: string[]; payload: string }) {
  const n = props.modules.length;
  const rects: { x: number; y: number; w: number }[] = [];
  props.modules.forEach((row, y) => {
    for (let x = 0; x < row.length;) {
      if (row[x] !== '1') { x++; continue; }
      const start = x;
      while (x < row.length && row[x] === '1') x++;
      rects.push({ x: start + 2, y: y + 2, w: x - start });
    }
  });
  return (
    <svg className="receipt-qr" data-testid="receipt-qr" data-payload={props.payload} viewBox={`0 0 ${n + 4} ${n + 4}`} shapeRendering="crispEdges" role="img" aria-label={props.payload}>
      <rect x="0" y="0" width={n + 4} height={n + 4} fill="#fff" />
      {rects.map((r, i) => <rect key={i} x={r.x} y={r.y} width={r.w} height="1" fill="#000" />)}
    </svg>
  );
}

/** The paper: blocks in order, like receipts/receipt-pdf.ts places them. */
export function ReceiptView(props: { blocks: ReceiptBlockDto[]; paper: '80' | '58'; paperRef?: RefObject<HTMLDivElement | null> }) {
  const bilingual = props.paper === '80';
  const label = (l: { zh: string; en?: string | undefined }) => (bilingual && l.en ? `${l.zh} ${l.en}` : l.zh);
  return (
    <div ref={props.paperRef} className={`receipt-paper paper-${props.paper}`} data-testid="receipt-paper" translate="no">
      {props.blocks.map((b, i) => {
        switch (b.kind) {
          case 'title': return <div key={i} className="r-title">{label(b.text)}</div>;
          case 'center': return <div key={i} className="r-center">{b.text}</div>;
          case 'banner': return <div key={i} className="r-banner">{b.text}</div>;
          case 'kv': return <div key={i} className={b.strong ? 'r-kv strong' : 'r-kv'}><span>{label(b.label)}</span><span>{b.value}</span></div>;
          case 'rule': return <div key={i} className="r-rule" />;
          case 'note': return <div key={i} className="r-note">{b.text}</div>;
          case 'qr': return <div key={i} className="r-qr"><QrSvg modules={b.modules} payload={b.payload} /></div>;
        }
        return null;
      })}
    </div>
  );
}

/** What the operator reads after a print: done, or the fault and its next step. */
export function PrintOutcomeLine(props: { print: PrintOutcomeDto; receipt: string; count: number }) {
  const t = useRT();
  const p = props.print;
  if (p.ok) {
    return (
      <div className="banner banner-info" data-testid="print-ok">
        {props.count > 0 ? `${t('reprinted', { n: props.count })} · ` : ''}
        {p.spooler === 'cups' ? t('printedOn', { queue: p.queue ?? '', job: p.jobId ?? '' }) : p.spooler === 'escpos' ? t('printedEscpos', { printer: p.queue ?? '' }) : t('printedTo', { out: p.output ?? '' })}
      </div>
    );
  }
  return (
    <div className="error-box" role="alert" data-testid="print-error" data-fault={p.error?.fault ?? p.error?.code ?? ''}>
      <div className="error-title">{props.count > 0 ? t('reprintFailed', { n: props.count }) : t('printFailed')}</div>
      <div className="error-hint-main">{faultStep(t, p)}</div>
      {p.error && <TechnicalDetails text={`${p.error.message}${p.error.hint ? ` — ${p.error.hint}` : ''}`} />}
      <div className="error-hint">{t('receiptKept', { file: props.receipt })}</div>
    </div>
  );
}

/** Whether the cash drawer opened after a cash workflow (ESC/POS printers drive it); nothing when no drawer was due. */
export function DrawerLine(props: { drawer: ReceiptOutcomeDto['drawer'] }) {
  const t = useRT();
  const d = props.drawer;
  if (!d) return null;
  return d.ok
    ? <div className="banner banner-info" data-testid="drawer-opened">{t('drawerOpened')}</div>
    : <div className="banner banner-warn" role="alert" data-testid="drawer-failed" data-fault={d.error?.fault ?? d.error?.code ?? ''}>{t('drawerFailed')}</div>;
}

function faultStep(t: RT, p: PrintOutcomeDto): string {
  if (p.error?.code === 'CONFIG') return t('fault_config');
  const key = `fault_${p.error?.fault ?? 'failed'}` as RMsg;
  const step = t(key);
  return step === key ? t('fault_failed') : step;
}

/** How far one key scrolls the paper: a line for ↑↓, most of the visible paper for PgUp/PgDn. */
function scrollStep(key: string, visible: number): number {
  const line = 40;
  const page = Math.max(line, Math.round(visible * 0.9));
  return key === 'ArrowDown' ? line : key === 'ArrowUp' ? -line : key === 'PageDown' ? page : key === 'PageUp' ? -page : 0;
}

/**
 * PgUp/PgDn and ↑↓ scroll the paper from the keyboard (issue 16 item 3: long panels scroll
 * without the mouse). Only while the paper can move that way: at its end, or in a text field,
 * the key does what it does elsewhere (the work area's own scrolling).
 */
function useScrollKeys(paper: RefObject<HTMLDivElement | null>, active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const el = paper.current;
      if (el === null) return;
      const target = e.target as HTMLElement | null;
      if (target !== null && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) return;
      const step = scrollStep(e.key, el.clientHeight);
      if (step === 0) return;
      const next = Math.max(0, Math.min(el.scrollHeight - el.clientHeight, el.scrollTop + step));
      if (next === el.scrollTop) return;
      e.preventDefault();
      el.scrollTop = next;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [paper, active]);
}

/**
 * Preview + print for one entry. `fkeys`: bind the print keys while shown. By default one key,
 * F4: the original until it has printed, then a reprint. `separateReprint` (the search screen):
 * F4 prints only the original and F5 makes a reprint, each labelled with what it does. The
 * 已打印 badge and the reprint count come from the station, which counts only jobs the
 * spooler accepted (docs/RECEIPTS.md "Reprint counting"). `scrollKeys` (default on): PgUp/PgDn
 * and ↑↓ scroll the paper — off where the screen's own list takes those keys (search).
 */
export function ReceiptPanel(props: { api: StationApi; entryId: string; fkeys?: boolean; scrollKeys?: boolean; separateReprint?: boolean; onPrinted?: (r: Result<'receiptPrint'>) => void }) {
  const t = useRT();
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [last, setLast] = useState<Result<'receiptPrint'> | null>(null);
  const paper = useRef<HTMLDivElement>(null);
  useScrollKeys(paper, props.scrollKeys !== false);

  const load = useCallback(async () => {
    setError(null);
    try {
      setPreview(await props.api.call('receiptPreview', { entryId: props.entryId }));
    } catch (err) {
      setError(err);
    }
  }, [props.api, props.entryId]);
  useEffect(() => { setPreview(null); setLast(null); void load(); }, [load]);

  const print = async (reprint: boolean) => {
    if (busy || preview === null) return;
    setBusy(true);
    setError(null);
    try {
      const r = await props.api.call('receiptPrint', { entryId: preview.entryId, reprint });
      setLast(r);
      props.onPrinted?.(r);
      await load();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const separate = props.separateReprint === true;
  const printNext = () => { if (!(separate && preview?.printed)) void print(preview?.printed ?? false); };
  const printReprint = () => void print(true);
  useKeys(separate ? { F4: printNext, F5: printReprint } : { F4: printNext }, props.fkeys !== false);
  /** The number the next accepted reprint gets. */
  const nextReprint = (preview?.reprints ?? 0) + 1;

  return (
    <div className="receipt-panel" data-testid="receipt-panel">
      <div className="receipt-head">
        <span className="field-label">{t('receiptPreview')}</span>
        {preview && preview.reprints > 0 && <span className="badge check-warn" data-testid="reprint-count">{t('reprints', { n: preview.reprints })}</span>}
        {preview?.printed && <span className="badge check-ok" data-testid="printed-badge">{t('printed')}</span>}
      </div>
      <ErrorBox error={error} />
      {preview === null && error === null && <div className="muted">{t('receiptLoading')}</div>}
      {preview && <ReceiptView blocks={preview.blocks} paper={preview.printer.paper} paperRef={paper} />}
      {preview && (
        <div className="muted mono receipt-file" data-testid="receipt-file">
          {t('printer')}：{preview.printer.kind === 'none' ? t('printerNone') : <span translate="no">{preview.printer.name}</span>} · <span translate="no">{preview.file}</span>
        </div>
      )}
      {last && <PrintOutcomeLine print={last.print} receipt={last.receipt} count={last.count} />}
      {preview && !separate && (
        <div className="actions">
          <FButton fkey="F4" kind={preview.printed ? 'plain' : 'primary'} disabled={busy} onClick={printNext} testId={preview.printed ? 'receipt-reprint' : 'receipt-print'}>
            {preview.printed ? t('reprintN', { n: nextReprint }) : t('print')}
          </FButton>
        </div>
      )}
      {preview && separate && (
        <div className="actions">
          <FButton fkey="F4" kind={preview.printed ? 'plain' : 'primary'} disabled={busy || preview.printed} onClick={printNext} testId="receipt-print">
            {preview.printed ? t('originalPrinted') : t('printOriginal')}
          </FButton>
          <FButton fkey="F5" kind={preview.printed ? 'primary' : 'plain'} disabled={busy} onClick={printReprint} testId="search-reprint">
            {t('reprintN', { n: nextReprint })}
          </FButton>
        </div>
      )}
    </div>
  );
}
