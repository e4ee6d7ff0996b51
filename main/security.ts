/**
 * The Electron security checklist as plain functions (no `electron` import), so the rules are
 * unit-tested where Electron cannot run; main.ts (later) only wires them to BrowserWindow,
 * session and ipcMain. The renderer is served from the app's own origin; everything else is
 * refused.
 */
import { rendererContentSecurityPolicy } from '../common/renderer-page.ts';

/** webPreferences and window options of the counter window (and the customer display). */
export function counterWindowOptions(preload: string, opts: { title?: string; fullscreen?: boolean } = {}) {
  return {
    width: 1366,
    height: 860,
    minWidth: 1024,
    minHeight: 700,
    title: opts.title ?? '城市一卡通 柜台',
    fullscreen: opts.fullscreen ?? false,
    autoHideMenuBar: true,
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: false,
    },
  } as const;
}

/** The origin the renderer is loaded from (a file:// page has the opaque origin "null"). */
function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol === 'file:') return `file://${u.pathname}`;
    // A custom scheme (app://station/) has the opaque origin "null" in WHATWG URL terms: compare
    // scheme and host instead, or every app:// page would count as ours.
    if (u.origin === 'null') return u.host === '' ? null : `${u.protocol}//${u.host}`;
    return u.origin;
  } catch {
    return null;
  }
}

/** will-navigate / will-redirect: only the app's own page may be shown in its windows. */
export function isAllowedNavigation(url: string, appUrl: string): boolean {
  const a = originOf(url);
  return a !== null && a === originOf(appUrl);
}

/** setWindowOpenHandler: no window is ever opened by the page. */
export function windowOpenHandler(): { action: 'deny' } {
  return { action: 'deny' };
}

/** session.setPermissionRequestHandler / setPermissionCheckHandler: every permission denied. */
export function permissionDecision(_permission: string): false {
  return false;
}

/**
 * ipcMain handlers check who sent the message: only the main frame of our own windows, on our
 * own page. `frameUrl` is event.senderFrame.url; `isMainFrame` whether it is the top frame;
 * `windowIds` the ids of the windows main created; `senderId` event.sender.id.
 */
export function isTrustedIpcSender(sender: { frameUrl: string | undefined; isMainFrame: boolean; senderId: number }, appUrl: string, windowIds: ReadonlySet<number>): boolean {
  if (!sender.isMainFrame || !windowIds.has(sender.senderId) || sender.frameUrl === undefined) return false;
  return isAllowedNavigation(sender.frameUrl, appUrl);
}

/**
 * The Content-Security-Policy of the Electron renderer (served by main from app://station/):
 * its own scripts and styles only, and no network at all — it reaches the station through the
 * preload's IPC, never over HTTP or WebSocket (`station serve` has its own, in core/api/server.ts).
 */
export function electronContentSecurityPolicy(): string {
  return rendererContentSecurityPolicy("'none'");
}
