// `npm start` on a machine without Electron, as a newcomer runs it: it says so, creates a
// training station, starts the training lab (no pcscd here), reports, and serves the counter UI;
// the printed link opens it in Chromium, where admin/1234 logs in and the lab's card shows
// (when Debian's chromium is installed). Ctrl-C (SIGTERM here) stops everything it started.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processGone } from '../harness/pcsc-lab.ts';
import { chromiumAvailable, launchChromium } from '../harness/ui-serve.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { test } = suiteNeeding(PCSC_LAB);

const root = path.resolve(import.meta.dirname, '../..');

test('npm start without Electron gives a working training station in a browser', async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'start-'));
  const env: NodeJS.ProcessEnv = { ...process.env, STATION_HOME: home, STATION_NO_BROWSER: '1' };
  delete env.PCSCLITE_CSOCK_NAME;
  const child = spawn(process.execPath, [path.join(root, 'scripts/start.mjs')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let labDir = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  try {
    const deadline = Date.now() + 60_000;
    while (!/Counter UI \(training mode\): (\S+)/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no counter UI link; output:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(out, /Electron is not installed/);
    assert.match(out, /training station/);
    assert.match(out, /OK {3}readers/);
    const url = /Counter UI \(training mode\): (\S+)/.exec(out)![1]!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    assert.equal((await fetch(url)).status, 200);
    assert.equal((await fetch(url.replace(/\?token=.*/, ''))).status, 403);
    if (chromiumAvailable()) {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(url);
        await page.getByTestId('login-staff').fill('admin');
        await page.getByTestId('login-pin').fill('1234');
        await page.keyboard.press('Enter');
        await page.getByTestId('card-balance').filter({ hasText: '¥50.00' }).waitFor({ timeout: 20_000 });
      } finally {
        await browser.close();
      }
    } else {
      console.log('# chromium not installed: the page was fetched, not driven');
    }
    const pcscd = /PCSCLITE_CSOCK_NAME=(\S+)/.exec(out)?.[1];
    assert.ok(pcscd, 'the lab socket is printed for other terminals');
    labDir = pcscd.replace(/\/run\/pcscd\/pcscd\.comm$/, '');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(home, { recursive: true, force: true });
  }
  // Nothing it started is left behind: no lab directory's pcscd still runs.
  const { execFileSync } = await import('node:child_process');
  assert.ok(labDir.startsWith('/tmp/pcsc-lab-'), labDir);
  const left = execFileSync('ps', ['-eo', 'pid,args']).toString().split('\n').filter((l) => l.includes(home) || l.includes(labDir));
  for (const l of left) {
    const pid = Number(l.trim().split(/\s+/)[0]);
    assert.ok(processGone(pid), `left running: ${l}`);
  }
});
