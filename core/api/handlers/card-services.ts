/**
 * The card services of the counter UI (`station serve`): sale, refund, lost report,
 * replacement, damaged-card exchange and the M1 → CPU upgrade, as handlers of the station API
 * (common/api.ts WORKFLOW_METHODS). They call the same core workflows as the CLI and, like the
 * CLI, attach the receipt after the workflow returned (core/receipts.ts withReceipt: saved
 * under STATION_HOME/receipts and printed when a printer is configured; a receipt or printer
 * fault is reported in the answer, the money movement stands).
 *
 * Roles are the workflows' business (requireRole in core); a supervisor's ID and PIN are
 * authenticated here (sessions.checkPin: rate-limited), as for the shift close, and handed to
 * the workflow as an Actor.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebSocket } from 'ws';
import type { StationEvent, WorkflowMethodName } from '../../../common/api.ts';
import { StationError } from '../../../common/errors.ts';
import { say } from '../../../common/say.ts';
import { withReceipt, type PrintChoice } from '../../receipts.ts';
import { phase } from '../../request-timing.ts';
import type { Station } from '../../station.ts';
import { damagedRequestDue, exchangeDamagedCard } from '../../workflows/damaged.ts';
import { issueCard } from '../../workflows/issue.ts';
import { concessionHandlers } from './concession.ts';
import { reportLost } from '../../workflows/lost.ts';
import { migrate } from '../../workflows/migrate.ts';
import { refundCard } from '../../workflows/refund.ts';
import { replaceLostCard } from '../../workflows/replace.ts';
import { later } from '../../after-answer.ts';
import { send } from '../broadcast.ts';
import type { ApiContext, Handlers } from '../context.ts';
import { pushShift } from './shift-day.ts';

/**
 * Two cards on two readers: the confirmation showed both, so the request names both
 * (common/api.ts ConfirmedCardSchema). Only a one-reader swap leaves the new card unnamed.
 */
function requireNewCardBinding(twoReaders: boolean, confirmedNewCard: unknown): void {
  if (twoReaders && confirmedNewCard === undefined) {
    throw new StationError('BAD_INPUT', 'confirmedNewCard: the new card on the second reader must be named as it was confirmed', 'Read both cards again and confirm again', { say: say('confirmNewCardAgain') });
  }
}

/** Waits until `reader` has been empty and then holds a card again (the CLI's swap, for a screen). */
function swapOn(station: Station, timeoutMs: number, onTimeout: string): (reader: string) => Promise<void> {
  return async (reader) => {
    const deadline = performance.now() + timeoutMs;
    let sawEmpty = false;
    while (performance.now() < deadline) {
      const here = (await station.cards.readers()).find((r) => r.name === reader)?.cardPresent === true;
      if (!here) sawEmpty = true;
      else if (sawEmpty) return;
      await sleep(150);
    }
    throw new StationError('NO_CARD', `No new card was placed on ${reader} within ${Math.round(timeoutMs / 1000)} s`, onTimeout);
  };
}

/** How long a one-reader swap may take. */
const SWAP_TIMEOUT_MS = 120_000;

/** Tells this screen to swap the cards on a one-reader counter, then waits for the swap. */
function swapFor(station: Station, ws: WebSocket, onTimeout: string): (reader: string) => Promise<void> {
  const wait = swapOn(station, SWAP_TIMEOUT_MS, onTimeout);
  return async (reader: string) => {
    send(ws, { event: 'swap', reader, timeoutMs: SWAP_TIMEOUT_MS } satisfies StationEvent);
    await wait(reader);
  };
}

/**
 * Afterwards the cards the workflow touched are read again for the panel (only readers still
 * holding a card) and this screen gets its drawer — after the answer, like the panel (bench/ui).
 */
async function afterWork(ctx: ApiContext, ws: WebSocket, staffId: string, readers: Array<string | undefined>): Promise<void> {
  ctx.panel.refreshAfterWork(readers);
  const shift = () => void pushShift(ctx.station, ws, staffId).catch(() => undefined);
  if (!later(shift)) shift();
}

/** The receipt as the CLI makes it, after the workflow (its faults never undo the money movement). */
function receiptOf(ctx: ApiContext) {
  return <T extends object>(r: T, print: PrintChoice | undefined) => phase('receipt', () => withReceipt(ctx.station, r, print ?? 'auto', ctx.env));
}

export function cardServiceHandlers(ctx: ApiContext): Handlers<WorkflowMethodName> {
  return { ...oneCardHandlers(ctx), ...twoCardHandlers(ctx), ...concessionHandlers(ctx) };
}

/** Counter policy, sale, refund, lost report, replacement: one card (or none) each. */
function oneCardHandlers(ctx: ApiContext): Handlers<'counterPolicy' | 'issue' | 'refund' | 'lost' | 'replace'> {
  const { station, sessions, panel } = ctx;
  const receipt = receiptOf(ctx);
  return {
    async counterPolicy(_p, conn) {
      sessions.actorOf(conn);
      const p = station.policy;
      return {
        depositFen: p.depositFen, minTopupFen: p.minTopupFen, maxBalanceFen: p.maxBalanceFen, refundCashLimitFen: p.refundCashLimitFen,
        replacementWaitDays: p.replacementWaitDays, damagedPickupWorkingDays: p.damagedPickupWorkingDays, migrationFeeFen: p.migrationFeeFen,
        migrationDeposit: p.migrationDeposit, lostReportFeeFen: p.lostReportFeeFen, customerDamageChargesDeposit: p.customerDamageChargesDeposit,
        refundDepositWithoutRecord: p.refundDepositWithoutRecord, feeSchedule: p.feeSchedule,
      };
    },
    async issue(p, conn, ws) {
      const actor = sessions.actorOf(conn);
      const reader = p.reader ?? p.confirmedCard.reader;
      try {
        const r = await issueCard(station, actor, {
          pay: p.pay, tendered: p.tenderedFen, reference: p.reference, reader,
          confirmedCard: p.confirmedCard,
          registration: p.registration ? { name: p.registration.name, idNumber: p.registration.idNumber, phone: p.registration.phone } : null,
          firstLoad: p.firstLoadFen, cardType: p.cardType, eligibility: p.eligibility,
        });
        return await receipt(r, p.print);
      } finally {
        await afterWork(ctx, ws, actor.staffId, [reader]);
      }
    },
    async refund(p, conn, ws) {
      const actor = sessions.actorOf(conn);
      const supervisor = p.supervisor ? await sessions.checkPin(conn, p.supervisor.staffId, p.supervisor.pin) : null;
      const waiver = p.waiver ? { supervisor: await sessions.checkPin(conn, p.waiver.staffId, p.waiver.pin), reason: p.waiver.reason } : null;
      const reader = p.reader ?? p.confirmedCard.reader;
      try {
        return await receipt(await refundCard(station, actor, { reader, supervisor, waiver, confirmedCard: p.confirmedCard }), p.print);
      } finally {
        await afterWork(ctx, ws, actor.staffId, [reader]);
      }
    },
    async lost(p, conn, ws) {
      const actor = sessions.actorOf(conn);
      try {
        return await receipt(await reportLost(station, actor, { idNumber: p.idNumber, card: p.card, pay: p.pay, tendered: p.tenderedFen, reference: p.reference }), p.print);
      } finally {
        // A lost card on a reader shows as blacklisted from now on.
        await afterWork(ctx, ws, actor.staffId, []);
      }
    },
    async replace(p, conn, ws) {
      const actor = sessions.actorOf(conn);
      const reader = p.reader ?? p.confirmedCard?.reader ?? panel.onlyCardReader();
      try {
        // The waiver's supervisor PIN is checked like a login (rate-limited); role and four eyes in the core.
        const waiver = p.waiver ? { supervisor: await sessions.checkPin(conn, p.waiver.staffId, p.waiver.pin), reason: p.waiver.reason } : null;
        return await receipt(await replaceLostCard(station, actor, {
          idNumber: p.idNumber, card: p.card, reader, confirmedCard: p.confirmedCard, ...(p.request !== undefined ? { request: p.request } : {}),
          pay: p.pay, tendered: p.tenderedFen, reference: p.reference, waiver,
        }), p.print);
      } finally {
        await afterWork(ctx, ws, actor.staffId, [reader]);
      }
    },
  };
}

/** The damaged-card exchange and the M1 → CPU upgrade: an old and a new card, on two readers or swapped on one. */
function twoCardHandlers(ctx: ApiContext): Handlers<'exchange' | 'exchangeRequest' | 'migrate'> {
  const { station, sessions } = ctx;
  const receipt = receiptOf(ctx);
  return {
    async exchange(p, conn, ws) {
      const actor = sessions.actorOf(conn);
      const oneReader = p.reader !== undefined && p.reader === p.newReader;
      requireNewCardBinding(p.newReader !== undefined && p.reader !== undefined && !oneReader && p.request === undefined, p.confirmedNewCard);
      try {
        const waiver = p.waiver ? { supervisor: await sessions.checkPin(conn, p.waiver.staffId, p.waiver.pin), reason: p.waiver.reason } : null;
        return await receipt(await exchangeDamagedCard(station, actor, {
          fault: p.fault, reader: p.reader, newReader: p.newReader, unreadable: p.unreadable, card: p.card,
          confirmedCard: p.confirmedCard, ...(p.confirmedNewCard !== undefined ? { confirmedNewCard: p.confirmedNewCard } : {}),
          pay: p.pay, tendered: p.tenderedFen, reference: p.reference, waiver, ...(p.request !== undefined ? { request: p.request } : {}),
          ...(oneReader ? { swapCards: swapFor(station, ws, 'The old card is blocked and its balance held for the customer: finish with 换卡 → 凭单领卡 (the request number is on the error and in the ledger)') } : {}),
        }), p.print);
      } finally {
        await afterWork(ctx, ws, actor.staffId, [p.reader, p.newReader]);
      }
    },
    async exchangeRequest(p, conn) {
      return damagedRequestDue(station, sessions.actorOf(conn), p.request);
    },
    async migrate(p, conn, ws) {
      const actor = sessions.actorOf(conn);
      requireNewCardBinding(p.oldReader !== p.newReader, p.confirmedNewCard);
      try {
        return await receipt(await migrate(station, actor, {
          oldReader: p.oldReader, newReader: p.newReader, pay: p.pay, tendered: p.tenderedFen, reference: p.reference,
          confirmedCard: p.confirmedCard, ...(p.confirmedNewCard !== undefined ? { confirmedNewCard: p.confirmedNewCard } : {}),
          ...(p.oldReader === p.newReader ? { swapCards: swapFor(station, ws, 'The old card is already zeroed and the money is owed to the customer: place the old card again and run the upgrade again, then swap') } : {}),
        }), p.print);
      } finally {
        await afterWork(ctx, ws, actor.staffId, [p.oldReader, p.newReader]);
      }
    },
  };
}
