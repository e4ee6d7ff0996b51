// The real Electron app, where an Electron binary exists: main starts the core, opens the
// counter and customer windows, and its self-test (STATION_ELECTRON_SELFTEST, main/main.ts)
// reports what the windows really got — webPreferences, the page's view of the preload (only
// stationIpc {call, onEvent}, no require/process), a call relayed to the core, the customer
// window's call refused, an unknown method refused. Where the binary is absent (this build
// machine: the electron package's download cannot run) the test is SKIPPED and says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findElectron } from '../../main/electron-binary.mjs';
import { runStationOk } from '../harness/cli.ts';

const root = path.resolve(import.meta.dirname, '../..');
const electron = findElectron();
const skip = electron.path === null ? `SKIPPED: ${electron.why}` : false;
if (skip) console.log(`# electron-app: ${skip}`);

test('Electron: locked-down windows, the preload surface, calls relayed only for the counter', { skip, timeout: 180_000 }, async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'electron-app-'));
  const report = path.join(home, 'selftest.json');
  const env: NodeJS.ProcessEnv = { ...process.env, STATION_HOME: home, STATION_ELECTRON_SELFTEST: report, PCSCLITE_CSOCK_NAME: path.join(home, 'no-pcscd.comm') };
  try {
    await runStationOk(['init', '--training', '--admin-pin', '2468'], env);
    // No display (CI): Xvfb through xvfb-run when it is installed.
    const headless = process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY && existsSync('/usr/bin/xvfb-run');
    const [cmd, args] = headless ? ['/usr/bin/xvfb-run', ['-a', electron.path!, root]] : [electron.path!, [root]];
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.ok(existsSync(report), `no self-test report (exit ${code}):\n${out}`);
    const r = JSON.parse(readFileSync(report, 'utf8')) as Record<string, Record<string, unknown>>;
    for (const prefs of [r.counterPrefs!, r.customerPrefs!]) {
      assert.equal(prefs.contextIsolation, true);
      assert.equal(prefs.sandbox, true);
      assert.equal(prefs.nodeIntegration, false);
      assert.equal(prefs.webviewTag, false);
    }
    for (const page of [r.counterPage!, r.customerPage!]) {
      assert.deepEqual(page.keys, ['call', 'onEvent']);
      assert.equal(page.require, 'undefined');
      assert.equal(page.process, 'undefined');
      assert.equal(page.ipcRenderer, 'undefined');
    }
    assert.ok('result' in r.counterStatus!, JSON.stringify(r.counterStatus));
    assert.equal((r.customerStatus as { error?: { code: string } }).error?.code, 'AUTH');
    assert.equal((r.badMethod as { error?: { code: string } }).error?.code, 'BAD_INPUT');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
