/**
 * The receipt printer in the status bar (ESC/POS printers only: their status is read from the
 * printer itself — paper near end, paper out, cover open, drawer open, not reachable). CUPS and
 * file printers show nothing here; their faults come with a print attempt (ReceiptPanel).
 */
import type { Result, StationApi } from '../../../common/api.ts';
import { useRT, type RMsg } from './receipts-i18n.ts';
import { usePolled } from './status-poll.ts';

type PrinterState = 'ok' | 'near-end' | 'paper-out' | 'cover-open' | 'offline' | 'unknown';

/** The one thing the clerk must know first: a printer that cannot print outranks a low roll. */
export function printerState(r: Result<'printerStatus'>): PrinterState {
  if (r.error) return 'offline';
  const s = r.status;
  if (s === null) return 'unknown';
  if (s.paperOut) return 'paper-out';
  if (s.coverOpen) return 'cover-open';
  if (s.offline || s.error) return 'offline';
  return s.paperNearEnd ? 'near-end' : 'ok';
}

const WORDS: Record<PrinterState, RMsg> = {
  ok: 'printerOk', 'near-end': 'printerNearEnd', 'paper-out': 'printerPaperOut', 'cover-open': 'printerCoverOpen', offline: 'printerOffline', unknown: 'printerUnknown',
};

export function PrinterChip(props: { api: StationApi; active: boolean; tick?: string }) {
  const t = useRT();
  const r = usePolled(props.api, 'printerStatus', props.active, props.tick);
  if (r === null || r.kind !== 'escpos') return null;
  const state = printerState(r);
  const dot = state === 'ok' ? 'ok' : state === 'near-end' || state === 'unknown' ? 'warn' : 'bad';
  const drawer = r.status?.drawerOpen ? ` · ${t('printerDrawerOpen')}` : '';
  return (
    <span className={`status-chip dot ${dot}`} data-testid="status-printer" data-state={state} data-drawer={r.status?.drawerOpen ? 'open' : 'closed'}>
      {t('printer')}：{t(WORDS[state])}{drawer}
    </span>
  );
}
