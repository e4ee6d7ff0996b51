/**
 * The Electron shell (thin): lifecycle, one instance, the counter window and the customer
 * display, the preload bridge, the security checklist of main/security.ts, the core in its own
 * process, printing hand-off. Everything that touches keys, cards, the database or printers runs
 * in the core process (`station serve`, core/api/server.ts); main relays the counter window's
 * calls to it over its loopback WebSocket and the customer feed to the customer window.
 *
 * STATION_ELECTRON_SELFTEST=<file>: after both windows loaded, write what the windows really got
 * (webPreferences, the page's view of the preload, a relayed call, a refused one) to <file> and
 * quit — test/integration/electron-app.test.ts runs this where the Electron binary exists.
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, screen, session, utilityProcess, type WebContents } from 'electron';
import { existsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_SCHEME, appUrl, mimeOf, resolveAppFile } from './app-protocol.ts';
import { connectCore, connectCustomerFeed, type CoreLink } from './core-link.ts';
import { CORE_ARGS, STATION_ENTRY, startCore, type CoreChild, type CoreProcess } from './core-process.ts';
import { customerPlacement, customerWindowOptions } from './customer-screen.ts';
import { IPC_CHANNELS, createRelay, senderOf } from './ipc-relay.ts';
import { printWindowOptions, receiptToHandOff } from './print.ts';
import { counterWindowOptions, electronContentSecurityPolicy, isAllowedNavigation, permissionDecision, windowOpenHandler } from './security.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'renderer', 'dist');
const PRELOAD = path.join(import.meta.dirname, 'preload.cjs');
const COUNTER_URL = appUrl('counter');
const SELFTEST = process.env.STATION_ELECTRON_SELFTEST;

let counter: BrowserWindow | null = null;
let customer: BrowserWindow | null = null;
let core: CoreProcess | null = null;
let link: CoreLink | null = null;
let quitting = false;
const restarts: number[] = [];

// Before ready: our scheme is a standard, secure origin (so 'self' in the CSP means it), and
// every renderer is sandboxed whatever a window asks for.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false, stream: false } }]);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  // Another station window is open on this machine: it is shown instead (second-instance there).
  app.quit();
} else {
  app.on('second-instance', () => {
    if (counter === null) return;
    if (counter.isMinimized()) counter.restore();
    counter.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => { quitting = true; });
  app.on('will-quit', () => { link?.close(); core?.child.kill(); });
  app.on('web-contents-created', (_e, contents) => harden(contents));
  run().catch((err: unknown) => {
    dialog.showErrorBox('城市一卡通柜台 — the station could not start', err instanceof Error ? `${err.message}\n${(err as { hint?: string }).hint ?? ''}` : String(err));
    app.exit(1);
  });
}

/** The checklist on every webContents, including any we did not create ourselves. */
function harden(contents: WebContents): void {
  contents.setWindowOpenHandler(() => windowOpenHandler());
  const guard = (event: { preventDefault(): void }, url: string) => { if (!isAllowedNavigation(url, COUNTER_URL)) event.preventDefault(); };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

async function run(): Promise<void> {
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionDecision(permission)));
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => permissionDecision(permission));
  protocol.handle(APP_SCHEME, serveApp);

  ipcMain.handle(IPC_CHANNELS.call, (event, method, params) => relay.handleCall(senderOf(event), method, params));
  await startTheCore();

  counter = new BrowserWindow(counterWindowOptions(PRELOAD));
  counter.once('ready-to-show', () => counter?.show());
  counter.on('closed', () => { counter = null; customer?.close(); });
  const counterLoaded = counter.loadURL(COUNTER_URL);

  const placement = customerPlacement(screen.getAllDisplays(), screen.getPrimaryDisplay().id);
  customer = new BrowserWindow(customerWindowOptions(PRELOAD, placement));
  customer.once('ready-to-show', () => customer?.showInactive());
  customer.on('closed', () => { customer = null; });
  const customerLoaded = customer.loadURL(appUrl('customer'));
  await Promise.all([counterLoaded, customerLoaded]);
  if (SELFTEST) await selfTest(SELFTEST);
}

/** app://station/… → renderer/dist, with the strict CSP; anything else 404. */
async function serveApp(request: Request): Promise<Response> {
  const file = resolveAppFile(DIST, request.url);
  const headers = { 'Content-Security-Policy': electronContentSecurityPolicy(), 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };
  if (file === null || !existsSync(file)) return new Response('not found', { status: 404, headers: { ...headers, 'Content-Type': 'text/plain' } });
  return new Response(await readFile(file), { headers: { ...headers, 'Content-Type': mimeOf(file) } });
}

const relay = createRelay({
  core: () => link,
  appUrl: COUNTER_URL,
  counterIds: () => new Set(counter ? [counter.webContents.id] : []),
  onAnswer: (_method, result) => {
    const pdf = receiptToHandOff(result, process.platform);
    if (pdf !== null) printPdf(pdf);
  },
});

/** The core as a utilityProcess (Electron's Node), reached over its loopback WebSocket. */
async function startTheCore(): Promise<void> {
  const child = utilityProcess.fork(STATION_ENTRY, CORE_ARGS, { stdio: 'pipe', env: { ...process.env, STATION_NO_BROWSER: '1' }, serviceName: 'City Union station core' });
  if (child.stdout === null) throw new Error('the core process has no stdout');
  const adapted: CoreChild = {
    pid: child.pid,
    stdout: child.stdout,
    stderr: child.stderr,
    kill: () => { child.kill(); },
    onExit: (l) => { child.once('exit', (code) => l(code)); },
  };
  core = await startCore(adapted);
  link = await connectCore(core.apiWsUrl);
  const feed = await connectCustomerFeed(core.customerWsUrl, (m) => customer?.webContents.send(IPC_CHANNELS.event, m));
  link.onEvent((e) => counter?.webContents.send(IPC_CHANNELS.event, e));
  link.onClose(() => {
    feed.close();
    link = null;
    if (!quitting) void coreDied();
  });
}

/** The core stopped under us: restart it (the counter goes back to login), at most 3 times a minute. */
async function coreDied(): Promise<void> {
  const now = performance.now();
  restarts.push(now);
  while (restarts.length > 0 && now - restarts[0]! > 60_000) restarts.shift();
  const log = core?.log() ?? '';
  if (restarts.length > 3) {
    dialog.showErrorBox('城市一卡通柜台 — the station core keeps stopping', `${log.slice(-2000)}\nRun \`station doctor\`.`);
    app.quit();
    return;
  }
  try {
    await startTheCore();
    counter?.webContents.send(IPC_CHANNELS.event, { event: 'session', user: null });
  } catch (err) {
    dialog.showErrorBox('城市一卡通柜台 — the station core could not restart', err instanceof Error ? err.message : String(err));
    app.quit();
  }
}

/** Windows printing hand-off (UNTESTED, see main/print.ts): the receipt PDF through Chromium's print. */
function printPdf(pdf: string): void {
  const w = new BrowserWindow(printWindowOptions());
  w.loadURL(pathToFileURL(pdf).href).then(
    () => w.webContents.print({ silent: true, printBackground: true }, (ok, reason) => {
      if (!ok) console.error(`receipt ${pdf} not printed: ${reason}`);
      w.destroy();
    }),
    (err: unknown) => { console.error(`receipt ${pdf} could not be opened for printing: ${String(err)}`); w.destroy(); },
  );
}

async function selfTest(out: string): Promise<void> {
  const probe = `JSON.stringify({ keys: Object.keys(window.stationIpc ?? {}).sort(), require: typeof require, process: typeof process, module: typeof module, ipcRenderer: typeof window.ipcRenderer, csp: document.location.protocol })`;
  const report = {
    counterPrefs: counter!.webContents.getLastWebPreferences(),
    customerPrefs: customer!.webContents.getLastWebPreferences(),
    counterPage: JSON.parse(String(await counter!.webContents.executeJavaScript(probe))) as unknown,
    customerPage: JSON.parse(String(await customer!.webContents.executeJavaScript(probe))) as unknown,
    counterStatus: await counter!.webContents.executeJavaScript(`window.stationIpc.call('status', {})`),
    customerStatus: await customer!.webContents.executeJavaScript(`window.stationIpc.call('status', {})`),
    badMethod: await counter!.webContents.executeJavaScript(`window.stationIpc.call('nope', {})`),
  };
  writeFileSync(out, JSON.stringify(report, null, 2));
  app.quit();
}
