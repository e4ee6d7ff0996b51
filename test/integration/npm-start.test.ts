// `npm start` on a machine without Electron, as a newcomer runs it: it says so, creates a
// training station, starts the training lab (no pcscd here), reports, and shows the card in
// the lab's reader; Ctrl-C (SIGTERM here) stops everything it started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processGone } from '../harness/pcsc-lab.ts';

const root = path.resolve(import.meta.dirname, '../..');

test('npm start without Electron gives a working training station in the terminal', async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'start-'));
  const env: NodeJS.ProcessEnv = { ...process.env, STATION_HOME: home };
  delete env.PCSCLITE_CSOCK_NAME;
  const child = spawn(process.execPath, [path.join(root, 'scripts/start.mjs')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let labDir = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  try {
    const deadline = Date.now() + 60_000;
    while (!/▶ Training Lab 00 00: CPU/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no card panel line; output:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(out, /Electron is not installed/);
    assert.match(out, /training station/);
    assert.match(out, /OK {3}readers/);
    assert.match(out, /¥50\.00/);
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
