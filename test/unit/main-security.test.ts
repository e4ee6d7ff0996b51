// The Electron security checklist as plain functions (main/security.ts), tested without
// Electron (its binary cannot be had here): window options, navigation, window.open,
// permissions, IPC sender checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterWindowOptions, isAllowedNavigation, isTrustedIpcSender, permissionDecision, windowOpenHandler } from '../../main/security.ts';

const APP = 'file:///opt/station/resources/app.asar/renderer/dist/index.html';

test('the counter window: context isolation, sandbox, no Node, no webview, no devtools', () => {
  const w = counterWindowOptions('/opt/station/preload.cjs').webPreferences;
  assert.equal(w.contextIsolation, true);
  assert.equal(w.sandbox, true);
  assert.equal(w.nodeIntegration, false);
  assert.equal(w.nodeIntegrationInWorker, false);
  assert.equal(w.nodeIntegrationInSubFrames, false);
  assert.equal(w.webSecurity, true);
  assert.equal(w.allowRunningInsecureContent, false);
  assert.equal(w.webviewTag, false);
  assert.equal(w.devTools, false);
  assert.equal(w.preload, '/opt/station/preload.cjs');
});

test('navigation stays on the app page; window.open and permissions are denied', () => {
  assert.equal(isAllowedNavigation(`${APP}#/topup`, APP), true);
  assert.equal(isAllowedNavigation('https://example.com/', APP), false);
  assert.equal(isAllowedNavigation('file:///etc/passwd', APP), false);
  assert.equal(isAllowedNavigation('javascript:alert(1)', APP), false);
  assert.equal(isAllowedNavigation('not a url', APP), false);
  assert.equal(isAllowedNavigation('http://127.0.0.1:4000/?token=x', 'http://127.0.0.1:4000/?token=x'), true);
  assert.equal(isAllowedNavigation('http://127.0.0.1:4001/', 'http://127.0.0.1:4000/?token=x'), false);
  assert.deepEqual(windowOpenHandler(), { action: 'deny' });
  for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'hid', 'serial', 'usb']) assert.equal(permissionDecision(p), false);
});

test('IPC is answered only for the main frame of our own windows on our page', () => {
  const ids = new Set([1, 2]);
  assert.equal(isTrustedIpcSender({ frameUrl: APP, isMainFrame: true, senderId: 1 }, APP, ids), true);
  assert.equal(isTrustedIpcSender({ frameUrl: APP, isMainFrame: false, senderId: 1 }, APP, ids), false, 'a subframe');
  assert.equal(isTrustedIpcSender({ frameUrl: APP, isMainFrame: true, senderId: 9 }, APP, ids), false, 'a window we did not create');
  assert.equal(isTrustedIpcSender({ frameUrl: 'https://evil.example/', isMainFrame: true, senderId: 1 }, APP, ids), false, 'navigated away');
  assert.equal(isTrustedIpcSender({ frameUrl: undefined, isMainFrame: true, senderId: 1 }, APP, ids), false, 'a destroyed frame');
});

test('app://station is our origin; another app:// host, file:// and http are not', async () => {
  const { appUrl } = await import('../../main/app-protocol.ts');
  const { electronContentSecurityPolicy } = await import('../../main/security.ts');
  const app = appUrl('counter');
  assert.equal(isAllowedNavigation(appUrl('customer'), app), true);
  assert.equal(isAllowedNavigation('app://station/assets/x.js', app), true);
  assert.equal(isAllowedNavigation('app://evil/', app), false, 'a custom scheme has origin "null": the host must still be compared');
  assert.equal(isAllowedNavigation('app:///', app), false);
  assert.equal(isAllowedNavigation('file:///opt/station/index.html', app), false);
  assert.equal(isAllowedNavigation('http://station/', app), false);
  assert.equal(isTrustedIpcSender({ frameUrl: 'app://evil/', isMainFrame: true, senderId: 1 }, app, new Set([1])), false);
  const csp = electronContentSecurityPolicy();
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /connect-src 'none'/, 'the Electron renderer has no network: it talks IPC');
  assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
});
