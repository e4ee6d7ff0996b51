/**
 * The customer display's feed for `station serve` (and, through it, Electron's customer
 * window): one read-only state — idle, the card placed with its balance, or the transaction
 * just completed (amount, balance after, tendered and change, 请核对金额) — pushed to every
 * customer connection. A customer connection has its own token (not the counter's), may call
 * nothing, and never receives anything but `{event: 'customer', display}`.
 */
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { CustomerMessageSchema, maskCardNo, type CustomerDisplay, type CustomerLine } from '../../common/api-customer.ts';
import type { CardPanelEvent } from '../card-watch.ts';

/** Methods whose answer moves money the customer should check (their names head the display). */
const MONEY_METHODS = new Set(['topup', 'issue', 'refund', 'lost', 'replace', 'exchange', 'migrate']);

export interface CustomerFeed {
  /** The token of the customer page and its WebSocket (never the counter's). */
  readonly token: string;
  current(): CustomerDisplay;
  onPanel(e: CardPanelEvent): void;
  /** The counter's confirmation step (customerShow): the amount to check, or null to take it down. */
  show(pending: { kind: string; amountFen: number; tenderedFen?: number | undefined; lines?: CustomerLine[] | undefined } | null): void;
  /** A method answered successfully: money methods become the "done" display. */
  onResult(method: string, result: unknown): void;
  attach(ws: WebSocket): void;
  close(): void;
}

const isFen = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const field = (o: unknown, key: string): unknown => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined);
const firstFen = (...vs: unknown[]): number | null => {
  for (const v of vs) if (isFen(v)) return v;
  return null;
};

/** The display for a money method's answer, or null when the answer carries no amount. */
export function displayForResult(method: string, result: unknown, cardNo: string | null): CustomerDisplay | null {
  if (!MONEY_METHODS.has(method)) return null;
  const amountFen = firstFen(field(result, 'amountFen'), field(result, 'totalFen'), field(result, 'feeFen'));
  if (amountFen === null) return null;
  return {
    state: 'done',
    kind: method,
    cardNo: maskCardNo(typeof field(result, 'asn') === 'string' ? (field(result, 'asn') as string) : cardNo),
    amountFen,
    balanceFen: firstFen(field(result, 'balanceAfterFen'), field(field(result, 'firstLoad'), 'balanceAfterFen'), field(field(result, 'new'), 'balanceAfterFen')),
    tenderedFen: firstFen(field(result, 'tenderedFen')),
    changeFen: firstFen(field(result, 'changeFen')),
  };
}

export function createCustomerFeed(token = randomBytes(32).toString('hex')): CustomerFeed {
  let display: CustomerDisplay = { state: 'idle' };
  /** What the display showed before a confirmation: taking the confirmation down returns to it. */
  let beforeConfirm: CustomerDisplay = display;
  let shownReader: string | null = null;
  const clients = new Set<WebSocket>();

  const push = (ws: WebSocket) => {
    // The message is checked against its schema on the way out, like every API answer.
    const msg = CustomerMessageSchema.parse({ event: 'customer', display });
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  const set = (d: CustomerDisplay) => {
    display = d;
    for (const ws of clients) push(ws);
  };

  return {
    token,
    current: () => display,
    onPanel(e) {
      if (e.type === 'card') {
        const cardNo = maskCardNo(e.view.cardNo);
        // The re-read after a transaction must not replace its amount: same card → keep "done".
        if ((display.state === 'done' || display.state === 'confirm') && display.cardNo === cardNo) {
          if (display.balanceFen === null && e.view.balanceFen !== null) set({ ...display, balanceFen: e.view.balanceFen });
          return;
        }
        shownReader = e.reader;
        set({ state: 'card', cardNo, balanceFen: e.view.balanceFen });
      } else if ((e.type === 'cleared' || e.type === 'card-error') && (shownReader === null || shownReader === e.reader)) {
        shownReader = null;
        set({ state: 'idle' });
      } else if (e.type === 'service' && !e.up) {
        shownReader = null;
        set({ state: 'idle' });
      }
    },
    show(pending) {
      if (pending === null) {
        if (display.state === 'confirm') set(beforeConfirm);
        return;
      }
      if (display.state !== 'confirm') beforeConfirm = display;
      const card = display.state === 'card' || display.state === 'confirm' ? display : null;
      const tendered = pending.tenderedFen ?? null;
      set({
        state: 'confirm',
        kind: pending.kind,
        cardNo: card?.cardNo ?? null,
        amountFen: pending.amountFen,
        balanceFen: card?.balanceFen ?? null,
        tenderedFen: tendered,
        changeFen: tendered !== null && tendered >= pending.amountFen ? tendered - pending.amountFen : null,
        ...(pending.lines && pending.lines.length > 0 ? { lines: pending.lines } : {}),
      });
    },
    onResult(method, result) {
      const d = displayForResult(method, result, display.state === 'idle' ? null : display.cardNo);
      if (d !== null) set(d);
    },
    attach(ws) {
      clients.add(ws);
      // Read-only: whatever the page sends is dropped unanswered.
      ws.on('close', () => clients.delete(ws));
      push(ws);
    },
    close() {
      for (const ws of clients) ws.terminate();
      clients.clear();
    },
  };
}
