/**
 * What every card-workflow screen shares: the step machine (form → confirmation → working →
 * done, or back to the confirmation with the refusal, or "not confirmed" when the card may have
 * changed), the payment fields (F5 cash / F6 other, tendered and change), the reader slots
 * (which card is on which reader, and its role), the receipt line and the pickup slip.
 * Keyboard: Enter goes forward (the confirm button has the focus), Esc goes back one step.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import {
  ApiCallError, type CardSlot, type CardViewDto, type ConfirmedCardDto, type SettledOpDto, type CounterPolicyDto, type Params, type ReceiptOutcomeDto, type Result, type SessionDto, type ShiftDto,
  type StationApi, type StationEvent, type WorkflowMethodName,
} from '../../../common/api.ts';
import { parseYuanInput } from '../../../common/yuan-input.ts';
import { ERROR_CODES, type ErrorCode } from '../../../common/errors.ts';
import { amountProblem, useI18n, type MsgKey } from '../i18n.ts';
import { errorWords } from '../station-texts.ts';
import { yuan } from '../money.ts';
import { ErrorBox, FButton, Field, Money, MoneyLine, TechnicalDetails, useKeys } from '../ui.tsx';
import { DrawerLine, ReceiptPanel } from './ReceiptPanel.tsx';
import { answerLost, nothingDone } from './request-outcome.ts';
import { useWf, type WfKey, type WfT } from './workflow-messages.ts';

export type Card = Extract<CardSlot, { state: 'card' }>;

export interface WorkflowProps {
  api: StationApi;
  slots: CardSlot[];
  /** Reader names, in the station's order. */
  readers: string[];
  shift: ShiftDto | null;
  user: SessionDto;
  onExit: () => void;
}

// Re-exported: the screens take the whole kit from here.
export { answerLost, nothingDone };

/** The failure names the operations it left open: placing the card settles them on this screen (Settlement). */
export const settlesHere = (err: unknown): boolean => err instanceof ApiCallError && err.opIds.length > 0;

export type Step = 'form' | 'confirm' | 'working' | 'done' | 'unknown';

/**
 * The cards a confirmation is for, as they were when the clerk went to it: the confirmation
 * shows these (not whatever is on the reader later) and the request names them
 * (common/api.ts ConfirmedCardSchema), so a card swapped meanwhile is refused, not served.
 */
export interface ConfirmedCards {
  card: Card | null;
  newCard: Card | null;
}

/** A card as the request names it: its reader and its number (ASN, or the UID of an M1 card). */
export function bindingOf(card: Card): ConfirmedCardDto {
  // An M1 card's printed number goes along so a refusal names the card as the clerk saw it (issue 16 item 8).
  return card.view.kind === 'm1'
    ? { reader: card.reader, uid: card.view.uid ?? '', ...(card.view.cardNo && /^[0-9]{1,20}$/.test(card.view.cardNo) ? { cardNo: card.view.cardNo } : {}) }
    : { reader: card.reader, asn: card.view.asn ?? '' };
}

/**
 * A money request's idempotency key (common/api.ts IdempotencyKeySchema): 128 random bits, made
 * once per confirmation. Sent again (Enter twice, a retry after a lost answer) the station answers
 * with the first answer instead of booking a second time.
 */
export function newIdempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The step machine of a workflow screen. */
export function useWorkflow<R>(onExit: () => void) {
  const [step, setStep] = useState<Step>('form');
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [result, setResult] = useState<R | null>(null);
  const [confirmed, setConfirmed] = useState<ConfirmedCards>({ card: null, newCard: null });
  // One key per confirmation: every send of this confirmation (a retry after a refusal, Enter twice) reuses it.
  const key = useRef(newIdempotencyKey());
  /** To the confirmation when `check` finds nothing wrong, holding the cards it is for. */
  const toConfirm = (check: () => string | null, cardsNow: ConfirmedCards = { card: null, newCard: null }) => {
    const p = check();
    setProblem(p);
    if (p === null) { key.current = newIdempotencyKey(); setError(null); setConfirmed(cardsNow); setStep('confirm'); }
  };
  // The last send: F5 on a lost answer sends it again with the same key (the first's outcome, never a second booking).
  const last = useRef<(() => Promise<R>) | null>(null);
  const run = async (call: () => Promise<R>) => {
    last.current = call;
    setStep('working');
    setError(null);
    try {
      setResult(await call());
      setStep('done');
    } catch (err) {
      setError(err);
      setStep(nothingDone(err) ? 'confirm' : 'unknown');
    }
  };
  const askAgain = () => { if (last.current !== null) void run(last.current); };
  useKeys({
    Escape: () => (step === 'confirm' ? setStep('form') : step === 'working' ? undefined : onExit()),
    ...(step === 'done' ? { Enter: onExit } : {}),
    ...(step === 'unknown' && answerLost(error) ? { F5: askAgain } : {}),
  });
  return { step, setStep, error, problem, setProblem, result, toConfirm, run, askAgain, confirmed, idempotencyKey: () => key.current };
}

/**
 * What every workflow screen starts with: its texts, the counter policy, the step machine, the
 * payment fields, the swap prompt while a card is being worked on, and `send` — the call itself.
 * The receipt is held back from the printer (print 'never') because the done view previews it and
 * F4 prints it, as the top-up does.
 */
export function useWorkflowScreen<M extends WorkflowMethodName>(props: WorkflowProps, method: M) {
  const { wt } = useWf();
  const policy = usePolicy(props.api);
  const wf = useWorkflow<Result<M>>(props.onExit);
  const pay = usePay();
  const swap = useSwapPrompt(props.api, wf.step === 'working');
  const send = (params: Omit<Params<M>, 'print' | 'idempotencyKey'>) =>
    void wf.run(() => props.api.call(method, { ...params, print: 'never', idempotencyKey: wf.idempotencyKey() } as Params<M>));
  return { wt, policy, wf, pay, swap, send };
}

/** What the customer display shows while the operator confirms: the amount and what it is made of. */
export type CustomerPending = NonNullable<Params<'customerShow'>['pending']>;

/**
 * The customer display during the confirmation (请核对金额), as the top-up does: the amount and its
 * parts while the operator confirms, taken down on the way back, after a refusal, when the screen
 * closes and after the answer. By then a money answer has replaced it with what was done
 * (core/api/customer-feed.ts onResult), which taking down leaves standing; an answer with no amount
 * (a queued request, a free exchange) would otherwise leave the confirmation up. Best effort.
 */
export function useCustomerConfirm(api: StationApi, step: Step, pending: CustomerPending | null): void {
  const shown = useRef(false);
  const shownKey = step === 'confirm' ? JSON.stringify(pending) : step;
  useEffect(() => {
    const show = (p: CustomerPending | null) => void api.call('customerShow', { pending: p }).catch(() => undefined);
    if (step === 'confirm' && pending !== null) {
      shown.current = true;
      show(pending);
    } else if (step !== 'working' && shown.current) {
      shown.current = false;
      show(null);
    }
  }, [api, shownKey]);
  useEffect(() => () => { if (shown.current) void api.call('customerShow', { pending: null }).catch(() => undefined); }, [api]);
}

/** The policy is the station's for the whole session: read once per connection, then shown at once. */
const policyRead = new WeakMap<StationApi, CounterPolicyDto>();

export function usePolicy(api: StationApi): CounterPolicyDto | null {
  const [policy, setPolicy] = useState<CounterPolicyDto | null>(() => policyRead.get(api) ?? null);
  useEffect(() => {
    if (policyRead.has(api)) return;
    api.call('counterPolicy', {}).then((p) => { policyRead.set(api, p); setPolicy(p); }, () => undefined);
  }, [api]);
  return policy;
}

/** Focus this element when `when` becomes true (the first field of a form, the confirm button). */
export function useFocus<T extends HTMLElement>(when: boolean) {
  const ref = useRef<T>(null);
  useEffect(() => { if (when) ref.current?.focus(); }, [when]);
  return ref;
}

export const cards = (slots: CardSlot[]): Card[] => slots.filter((s): s is Card => s.state === 'card');
export const isStock = (v: CardViewDto) => v.kind === 'cpu' && v.flags.includes('not-enabled') && !v.otherCity;
export const isInUseCpu = (v: CardViewDto) => v.kind === 'cpu' && !v.flags.includes('not-enabled');
export const cardNumber = (v: CardViewDto) => (v.kind === 'm1' ? (v.cardNo ?? v.uid) : (v.asn ?? v.cardNo)) ?? '—';

/**
 * The card a confirmation is for (issue 13): its number under `label` (卡号, 旧卡卡号, 新卡卡号)
 * and, for a registered card, its holder as the registry keeps them (masked), so the clerk can
 * tell the customer's card from any other before pressing Enter.
 */
export function CardLine(props: { label: string; card: Card; testId: string }) {
  const { wt } = useWf();
  const holder = props.card.view.holder;
  return (
    <>
      <div className="money-line"><span className="label">{props.label}</span><span className="mono" data-testid={props.testId}>{cardNumber(props.card.view)}</span></div>
      {holder && (
        <div className="money-line"><span className="label">{wt('holder')}</span><span data-testid={`${props.testId}-holder`}>{[holder.name, holder.idNumberMasked].filter((x) => x !== null).join(' · ')}</span></div>
      )}
    </>
  );
}

/** Mainland resident ID: 18 characters, the last may be X (the station checks the checksum). */
export const ID_PATTERN = /^[0-9]{17}[0-9Xx]$/;
export const ASN_PATTERN = /^[0-9A-Fa-f]{16}$/;
export const maskId = (id: string) => (id.length >= 8 ? `${id.slice(0, 3)}${'*'.repeat(id.length - 7)}${id.slice(-4)}` : id);

// ---- payment -------------------------------------------------------------------------------

export interface PayState {
  pay: 'cash' | 'other';
  tenderedText: string;
  reference: string;
}

export function usePay() {
  const [state, setState] = useState<PayState>({ pay: 'cash', tenderedText: '', reference: '' });
  return { state, set: (p: Partial<PayState>) => setState((s) => ({ ...s, ...p })) };
}

/** Cash tendered in fen (empty = exactly the amount due), or null when the text is not an amount. */
export function tenderedOf(s: PayState, dueFen: number): number | null {
  return s.tenderedText.trim() === '' ? dueFen : parseYuanInput(s.tenderedText);
}

export function payProblem(s: PayState, dueFen: number, wt: WfT): string | null {
  if (dueFen <= 0) return null;
  if (s.pay === 'other') return s.reference.trim() === '' ? wt('referenceNeeded') : null;
  const t = tenderedOf(s, dueFen);
  if (t === null) return amountProblem(wt, s.tenderedText);
  return t < dueFen ? wt('tenderedShortErr') : null;
}

/** What the API takes for the payment part. */
export function payParams(s: PayState, dueFen: number): { pay?: 'cash' | 'other'; tenderedFen?: number; reference?: string } {
  if (dueFen <= 0) return {};
  return s.pay === 'cash' ? { pay: 'cash', tenderedFen: tenderedOf(s, dueFen) ?? dueFen } : { pay: 'other', reference: s.reference.trim() };
}

/** The cash tendered, for the customer display (cash only; it works out the change itself). */
export function tenderedForCustomer(s: PayState, dueFen: number): { tenderedFen?: number } {
  const t = s.pay === 'cash' && dueFen > 0 ? tenderedOf(s, dueFen) : null;
  return t === null ? {} : { tenderedFen: t };
}

/** Payment fields of a form: F5 cash / F6 other, cash tendered with the change, or the reference. */
export function PayFields(props: { pay: ReturnType<typeof usePay>; dueFen: number; testPrefix: string }) {
  const { wt } = useWf();
  const { state: s, set } = props.pay;
  useKeys({ F5: () => set({ pay: 'cash' }), F6: () => set({ pay: 'other' }) });
  const tendered = tenderedOf(s, props.dueFen);
  return (
    <>
      <div className="pay-choice">
        <span className="field-label">{wt('payment')}</span>
        <FButton fkey="F5" noTab kind={s.pay === 'cash' ? 'primary' : 'plain'} onClick={() => set({ pay: 'cash' })}>{wt('cash')}</FButton>
        <FButton fkey="F6" noTab kind={s.pay === 'other' ? 'primary' : 'plain'} onClick={() => set({ pay: 'other' })}>{wt('other')}</FButton>
      </div>
      {s.pay === 'cash' ? (
        <Field label={wt('tendered')} note={tendered !== null && tendered >= props.dueFen ? `${wt('change')} ${yuan(tendered - props.dueFen)}` : undefined}>
          <input data-testid={`${props.testPrefix}-tendered`} inputMode="decimal" autoComplete="off" value={s.tenderedText} placeholder={(props.dueFen / 100).toFixed(2)}
            onChange={(e) => set({ tenderedText: e.target.value })} className="input-big" />
        </Field>
      ) : (
        <Field label={wt('reference')}>
          <input data-testid={`${props.testPrefix}-reference`} autoComplete="off" value={s.reference} maxLength={64} onChange={(e) => set({ reference: e.target.value })} className="input-big" />
        </Field>
      )}
    </>
  );
}

/** The money part of a confirmation: due (figures and 大写), how it is paid, tendered and change. */
export function PayConfirm(props: { pay: PayState; dueFen: number }) {
  const { wt } = useWf();
  if (props.dueFen <= 0) return null;
  const tendered = tenderedOf(props.pay, props.dueFen) ?? props.dueFen;
  return (
    <>
      <MoneyLine label={wt('totalDue')} fen={props.dueFen} strong testId="confirm-total" />
      <div className="money-line"><span className="label">{wt('payment')}</span><span>{props.pay.pay === 'cash' ? wt('cash') : `${wt('other')} · ${props.pay.reference}`}</span></div>
      {props.pay.pay === 'cash' && <MoneyLine label={wt('cashTendered')} fen={tendered} />}
      {props.pay.pay === 'cash' && <MoneyLine label={wt('change')} fen={tendered - props.dueFen} strong testId="confirm-change" />}
    </>
  );
}

// ---- cards on the readers -------------------------------------------------------------------

/** One row per reader: its card (kind, number, balance, status) and the role it plays here. */
export function ReaderSlots(props: { readers: string[]; slots: CardSlot[]; roles: Record<string, WfKey> }) {
  const { lang } = useI18n();
  // A reader's read failure in the clerk's words (the station's own message is for support).
  const slotError = (e: Parameters<typeof errorWords>[1]) => { const w = errorWords(lang, e); return w.text ?? w.title; };
  const { wt } = useWf();
  const byReader = new Map(props.slots.map((s) => [s.reader, s]));
  const names = [...new Set([...props.readers, ...byReader.keys()])];
  return (
    <div className="reader-slots" data-testid="reader-slots">
      {names.map((name) => {
        const s = byReader.get(name);
        const role = props.roles[name];
        return (
          <div key={name} className={`reader-slot ${role ? 'reader-slot-used' : ''}`} data-testid="reader-slot" data-reader={name}>
            <span className="reader-slot-name" translate="no">{name}</span>
            {role && <span className="badge reader-slot-role" data-testid="reader-slot-role">{wt(role)}</span>}
            {s === undefined ? <span className="muted">{wt('slotEmpty')}</span>
              : s.state === 'error' ? <span className="problem">{slotError(s.error)}</span>
                : (
                  <span className="reader-slot-card">
                    <span className={`badge kind-${s.view.kind}`}>{wt(`kind_${s.view.kind}` as MsgKey)}</span>
                    <span className="mono">{cardNumber(s.view)}</span>
                    <span className="badge">{wt(`flag_${s.view.status}` as MsgKey)}</span>
                    {s.view.balanceFen !== null && <Money fen={s.view.balanceFen} />}
                  </span>
                )}
          </div>
        );
      })}
    </div>
  );
}

/** The one-reader swap prompt, while a workflow waits for the new card (the server's 'swap' event). */
export function useSwapPrompt(api: StationApi, active: boolean): Extract<StationEvent, { event: 'swap' }> | null {
  const [swap, setSwap] = useState<Extract<StationEvent, { event: 'swap' }> | null>(null);
  useEffect(() => {
    if (!active) { setSwap(null); return undefined; }
    return api.onEvent((e) => { if (e.event === 'swap') setSwap(e); });
  }, [api, active]);
  return swap;
}

export function SwapBanner(props: { swap: Extract<StationEvent, { event: 'swap' }> | null }) {
  const { wt } = useWf();
  if (props.swap === null) return null;
  return <div className="banner banner-warn swap-prompt" role="alert" data-testid="swap-prompt">{wt('swapNow', { reader: props.swap.reader, seconds: Math.round(props.swap.timeoutMs / 1000) })}</div>;
}

// ---- the screen's frame and the outcome -----------------------------------------------------

/** Forward / back buttons of a form (Enter submits the form). */
export function FormActions(props: { onCancel: () => void }) {
  const { wt } = useWf();
  return (
    <div className="actions">
      <FButton type="submit" kind="primary" onClick={() => undefined} testId="wf-next">Enter {wt('next')}</FButton>
      <FButton fkey="Esc" onClick={props.onCancel}>{wt('cancel')}</FButton>
    </div>
  );
}

/** The confirmation's buttons: the confirm button holds the focus, so Enter confirms. */
export function ConfirmActions(props: { working: boolean; onConfirm: () => void; onBack: () => void }) {
  const { wt } = useWf();
  const ref = useFocus<HTMLButtonElement>(!props.working);
  if (props.working) return <div className="working" data-testid="wf-working">{wt('working')}</div>;
  return (
    <div className="actions">
      <button ref={ref} type="button" className="btn btn-primary" data-testid="wf-confirm-button" onClick={props.onConfirm}><kbd className="fkey">Enter</kbd><span>{wt('confirm')}</span></button>
      <FButton fkey="Esc" onClick={props.onBack}>{wt('back')}</FButton>
    </div>
  );
}

/** A failure on the confirmation: a certain refusal says so first (未办理，未收款 / 未充值，未收款), then why. */
export function RefusalBox(props: { error: unknown; title?: Parameters<WfT>[0] }) {
  const { wt } = useWf();
  if (props.error === null || props.error === undefined) return null;
  return (
    <>
      {nothingDone(props.error) && <div className="banner banner-info refused" data-testid="refused-nothing-done">{wt(props.title ?? 'wfRefused')}</div>}
      <ErrorBox error={props.error} />
    </>
  );
}

/**
 * How an operation left open by a failed request (its ids on the error) was settled, from the
 * card events: placing the same card again settles it (core/card-watch.ts) and the slot carries
 * the outcome. Kept once seen (the next read of the card has nothing left to settle). `expected`
 * are the cards the request was confirmed for (two for an exchange or an upgrade); `wrongCard`
 * names a card on one of their readers that is none of them.
 */
export function useSettlement(error: unknown, slots: CardSlot[], expected: readonly Card[]): { settled: SettledOpDto | null; wrongCard: string | null } {
  const opIds = error instanceof ApiCallError ? error.opIds : [];
  const [settled, setSettled] = useState<SettledOpDto | null>(null);
  const seen = cards(slots).flatMap((c) => c.settled).find((s) => opIds.includes(s.opId) && s.outcome !== 'still-in-doubt') ?? null;
  useEffect(() => { if (seen !== null && settled === null) setSettled(seen); }, [seen?.opId]);
  const numbers = expected.map((c) => cardNumber(c.view));
  const other = cards(slots).find((c) => expected.some((e) => e.reader === c.reader) && !numbers.includes(cardNumber(c.view)));
  return { settled: settled ?? seen, wrongCard: other === undefined ? null : cardNumber(other.view) };
}

/**
 * The outcome of an operation left open, on the screen that started it: waiting for the same
 * card, another card named as not the one, then 已入账 (with the receipt) or 已撤销 (hand the money back).
 */
export function Settlement(props: { api: StationApi; error: unknown; expected: readonly Card[]; state: ReturnType<typeof useSettlement>; aborted?: Parameters<WfT>[0] }) {
  const { wt } = useWf();
  const { settled, wrongCard } = props.state;
  if (!(props.error instanceof ApiCallError) || props.error.opIds.length === 0 || props.expected.length === 0) return null;
  const card = props.expected.map((c) => cardNumber(c.view)).join(' / ');
  if (settled === null) {
    return (
      <div data-testid="settle-waiting">
        {wrongCard !== null && <div className="banner banner-warn" role="alert" data-testid="settle-wrong-card">{wt('notTheCard', { found: wrongCard, card })}</div>}
        <div className="muted">{wt('settleWaiting', { card })}</div>
      </div>
    );
  }
  // A step recorded while its upgrade or request is still open is not 已入账: the balance is held
  // for the customer, and the screen's `aborted` text says how to finish.
  if (settled.outcome === 'recorded' && settled.unfinished === true) {
    return <div className="banner banner-warn" data-testid="settled-unfinished">{wt(props.aborted ?? 'settledAborted', { request: settled.requestId ?? '—' })}</div>;
  }
  return settled.outcome === 'recorded' ? (
    <div data-testid="settled-recorded">
      <div className="confirm-title ok">{wt('settledRecorded')}</div>
      {settled.entryId && <ReceiptPanel api={props.api} entryId={settled.entryId} />}
    </div>
  ) : (
    <div className="banner banner-warn" data-testid="settled-aborted">{wt(props.aborted ?? 'settledAborted', { request: settled.requestId ?? '—' })}</div>
  );
}

/** The card may have changed and the station could not say: never offer the same confirmation again; placing the card settles it here. */
export function Unknown(props: { error: unknown; onExit: () => void; onAgain?: () => void; api?: StationApi; slots?: CardSlot[]; expected?: ConfirmedCards; aborted?: Parameters<WfT>[0] }) {
  const { wt } = useWf();
  const expected = props.expected === undefined ? [] : [props.expected.card, props.expected.newCard].filter((c): c is Card => c !== null);
  const state = useSettlement(props.error, props.slots ?? [], expected);
  return (
    <div className="confirm" data-testid="wf-unknown">
      {state.settled === null && (
        <>
          <div className="confirm-title">{wt('unknownTitle')}</div>
          {answerLost(props.error) ? <div className="banner banner-warn" data-testid="answer-lost">{wt('answerLostNext')}</div> : (
            <>
              <ErrorBox error={props.error} />
              <div className="banner banner-warn" data-testid="unknown-next">{wt(settlesHere(props.error) ? 'unknownNext' : 'checkCardNext')}</div>
            </>
          )}
        </>
      )}
      {props.api && <Settlement api={props.api} error={props.error} expected={expected} state={state} {...(props.aborted ? { aborted: props.aborted } : {})} />}
      <div className="actions">
        {answerLost(props.error) && props.onAgain && <FButton fkey="F5" kind="primary" onClick={props.onAgain} testId="ask-again">{wt('askAgain')}</FButton>}
        <FButton fkey="Esc" kind={answerLost(props.error) && props.onAgain ? 'plain' : 'primary'} onClick={props.onExit}>{wt('back')}</FButton>
      </div>
    </div>
  );
}

/**
 * The done view's receipt, as the top-up's: the entry, what went wrong making the receipt (the
 * transaction stands), and the receipt itself previewed with F4 to print it, then to reprint.
 */
export function WorkflowReceipt(props: { api: StationApi; r: ReceiptOutcomeDto; entryId?: string | null }) {
  const { wt } = useWf();
  const { r } = props;
  const entry = r.receiptEntryId ?? props.entryId ?? null;
  return (
    <div className="receipt-info" data-testid="receipt-info">
      {entry && <div className="muted mono">{wt('entryId')} <span data-testid="done-entry">{entry}</span></div>}
      {r.receiptError && <ReceiptMissing error={r.receiptError} />}
      <DrawerLine drawer={r.drawer} />
      {r.receiptEntryId && <ReceiptPanel api={props.api} entryId={r.receiptEntryId} />}
    </div>
  );
}

export interface SlipDto {
  requestId: string;
  cardNumber: string;
  holderName: string | null;
  idNumberMasked: string | null;
  readyFrom: string;
  instructions: string;
}

/** A balance carried to a new card: the title, the old and new card, the balance and the deposit. */
export function MovedCardLines(props: { title: string; balanceLabel: string; result: { oldCardRef: string; asn: string; balanceFen: number; depositFen: number } }) {
  const { wt } = useWf();
  const r = props.result;
  return (
    <>
      <div className="confirm-title ok">{props.title}</div>
      <div className="money-line"><span className="label">{wt('oldCard')}</span><span className="mono">{r.oldCardRef.replace(/^cpu:/, '')}</span></div>
      <div className="money-line"><span className="label">{wt('newCard')}</span><span className="mono" data-testid="done-card">{r.asn}</span></div>
      <MoneyLine label={props.balanceLabel} fen={r.balanceFen} strong testId="done-balance" />
      <MoneyLine label={wt('deposit')} fen={r.depositFen} />
    </>
  );
}

/** A request queued instead of done: its title and the pickup slip. */
export function QueuedDone(props: { slip: SlipDto }) {
  const { wt } = useWf();
  return (
    <>
      <div className="confirm-title" data-testid="wf-queued">{wt('queued')}</div>
      <SlipView slip={props.slip} />
    </>
  );
}

/** The pickup slip of a queued request, as the customer gets it. */
export function SlipView(props: { slip: SlipDto }) {
  const { wt } = useWf();
  const s = props.slip;
  return (
    <div className="slip" data-testid="pickup-slip">
      <div className="slip-title">{wt('slipTitle')}</div>
      <dl className="card-facts">
        <dt>{wt('requestNo')}</dt><dd className="mono" data-testid="slip-request">{s.requestId}</dd>
        <dt>{wt('oldCard')}</dt><dd className="mono">{s.cardNumber}</dd>
        {s.holderName && <><dt>{wt('holder')}</dt><dd>{s.holderName} {s.idNumberMasked ?? ''}</dd></>}
        <dt>{wt('readyFrom')}</dt><dd data-testid="slip-ready">{s.readyFrom}</dd>
      </dl>
      <div className="muted">{s.instructions}</div>
    </div>
  );
}

/**
 * A workflow screen. `ready` is false while the station's rules (the policy) are still being read:
 * Enter then only says to wait, so scripts that drive the keyboard wait for data-ready="true".
 */
export function Frame(props: { title: string; testId: string; step: Step; ready: boolean; children: ReactNode }) {
  return (
    <section className="screen wf-screen" data-testid={props.testId} data-step={props.step} data-ready={props.ready ? 'true' : 'false'}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** A receipt not made although the transaction stands: why and what to do in the clerk's words, the station's own folded. */
export function ReceiptMissing(props: { error: { code: string; message: string; hint: string } }) {
  const { wt, lang } = useWf();
  const code: ErrorCode = (ERROR_CODES as readonly string[]).includes(props.error.code) ? props.error.code as ErrorCode : 'INTERNAL';
  const w = errorWords(lang, { code, message: props.error.message });
  return (
    <div className="banner banner-warn" data-testid="receipt-error">
      {wt('receiptMissing', { why: w.title })} {w.next}
      <TechnicalDetails text={`${props.error.message} — ${props.error.hint}`} />
    </div>
  );
}

export function Problem(props: { text: string | null }) {
  return props.text ? <div className="problem" role="alert" data-testid="problem">{props.text}</div> : null;
}

export function DoneActions(props: { onExit: () => void }) {
  const { wt } = useWf();
  const ref = useFocus<HTMLButtonElement>(true);
  return (
    <div className="actions">
      <button ref={ref} type="button" className="btn btn-primary" data-testid="wf-done-button" onClick={props.onExit}><kbd className="fkey">Enter</kbd><span>{wt('done')}</span></button>
    </div>
  );
}
