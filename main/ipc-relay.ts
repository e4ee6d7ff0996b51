/**
 * The IPC half of the station API in Electron: the preload (main/preload.cjs) forwards
 * `call(method, params)` on one channel; main answers it here. Plain functions over small
 * interfaces, so the rules are tested without Electron:
 * - only the counter window's main frame, on our own page, is answered (isTrustedIpcSender);
 * - the request is parsed against the contract (common/api.ts parseRequest: unknown methods and
 *   params refused) before it reaches the core;
 * - the answer is the core's `{result}` or `{error}` (never a thrown Error, whose text Electron
 *   would rewrite), and the renderer parses it again.
 */
import { parseRequest, type ApiError } from '../common/api.ts';
import type { CallAnswer, CoreLink } from './core-link.ts';
import { isTrustedIpcSender } from './security.ts';

/** The channels, the same strings as in main/preload.cjs (a unit test holds them together). */
export const IPC_CHANNELS = { call: 'station:call', event: 'station:event' } as const;

export interface IpcSender {
  /** event.senderFrame?.url */
  frameUrl: string | undefined;
  /** event.senderFrame?.parent === null */
  isMainFrame: boolean;
  /** event.sender.id (the webContents id) */
  senderId: number;
}

export interface Relay {
  handleCall(sender: IpcSender, method: unknown, params: unknown): Promise<CallAnswer>;
}

const refused: ApiError = { code: 'AUTH', message: 'refused: this window may not use the station API', hint: 'Use the counter window' };

/**
 * `counterIds()` are the webContents ids allowed to call (the counter window only; the customer
 * display gets no answers). `onAnswer` sees every successful answer (the printing hand-off).
 */
export function createRelay(opts: { core: () => CoreLink | null; appUrl: string; counterIds: () => ReadonlySet<number>; onAnswer?: (method: string, result: unknown) => void }): Relay {
  return {
    async handleCall(sender, method, params) {
      if (!isTrustedIpcSender(sender, opts.appUrl, opts.counterIds())) return { error: refused };
      const parsed = parseRequest({ id: 0, method, params: params ?? {} });
      if (!parsed.ok) return { error: parsed.error };
      const core = opts.core();
      if (core === null) return { error: { code: 'INTERNAL', message: 'the station core is not running', hint: 'It is being restarted; try again in a moment' } };
      const answer = await core.call(parsed.request.method, parsed.request.params);
      if ('result' in answer) opts.onAnswer?.(parsed.request.method, answer.result);
      return answer;
    },
  };
}

/** The sender as isTrustedIpcSender needs it, from Electron's IpcMainInvokeEvent. */
export function senderOf(event: { sender: { id: number }; senderFrame: { url: string; parent: unknown } | null }): IpcSender {
  return { frameUrl: event.senderFrame?.url, isMainFrame: event.senderFrame !== null && event.senderFrame.parent === null, senderId: event.sender.id };
}
