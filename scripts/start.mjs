#!/usr/bin/env node
// `npm start`: the counter station for whoever just cloned the repo.
// - Electron present (its binary: main/electron-binary.mjs): the same first start (training
//   station, training lab when no PC/SC service runs), then the desktop app (main/main.js: the
//   counter window, the customer display, the core in its own process), until it closes.
// - Otherwise say so, and serve the counter UI to a browser (`station serve`): a training
//   station is created on first start, a private training lab (virtual readers with a card) is
//   started when no PC/SC service is running (without pcscd/vpcd/the smartcard binding or root:
//   in-process training readers inside `station serve`), `station doctor` reports, and the UI's
//   link (with this run's token) is printed and opened in a browser where one exists, until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { findElectron } from '../main/electron-binary.mjs';

const root = path.resolve(import.meta.dirname, '..');
const station = [process.execPath, '--import', 'tsx', path.join(root, 'cli', 'station.ts')];

const electron = findElectron();
if (electron.path !== null) {
  console.log(`Electron found (${electron.source}: ${electron.path}): starting the desktop station.`);
  await runInElectron(electron.path);
} else {
  console.log(`Electron is not installed on this machine (${electron.why}); serving the counter UI to a browser instead.`);
  await runInBrowser();
}

function run(args, env) {
  return spawnSync(station[0], [...station.slice(1), ...args], { stdio: 'inherit', env });
}

async function startLab(env) {
  const lab = spawn(station[0], [...station.slice(1), 'sim', '--lab', '--json', '--card', '0 cpu city=3100 balance=5000'], { stdio: ['pipe', 'pipe', 'inherit'], env });
  const lines = readline.createInterface({ input: lab.stdout });
  const ready = await new Promise((resolve) => {
    lines.on('line', (line) => {
      try {
        const e = JSON.parse(line);
        if (e.event === 'ready') resolve(e);
      } catch { /* not JSON */ }
    });
    lab.once('exit', () => resolve(null));
  });
  return ready ? { lab, socket: ready.socket, readers: ready.readers } : null;
}

/** First start (a training station), and the training lab when no PC/SC service runs. */
async function prepare() {
  const env = { ...process.env };
  // Same rule as core/config.ts defaultStationHome on Linux (this fallback is the Linux path).
  const home = env.STATION_HOME ?? path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'city-union-station');
  if (!existsSync(path.join(home, 'config.json'))) {
    console.log(`\nFirst start: creating a training station in ${home} (admin PIN 1234 — change it before real use).`);
    const r = run(['init', '--training', '--admin-pin', '1234'], env);
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  let lab = null;
  const systemSocket = '/run/pcscd/pcscd.comm';
  if (!env.PCSCLITE_CSOCK_NAME && !existsSync(systemSocket)) {
    const missing = pcscLabMissing();
    if (missing === null) {
      console.log('\nNo PC/SC service is running: starting the training lab (virtual readers, a CPU card with ¥50.00).');
      lab = await startLab(env);
      if (lab) {
        env.PCSCLITE_CSOCK_NAME = lab.socket;
        console.log(`Training lab ready: ${lab.readers.join(', ')}.`);
        console.log('More cards (a stock card to sell, an M1 card to upgrade, …): L on the counter\'s home screen (培训实验室).');
        console.log('Other terminals find the lab by themselves (STATION_HOME/lab.json): e.g. npm run station -- card read');
        console.log(`A station with another STATION_HOME: export PCSCLITE_CSOCK_NAME=${lab.socket}`);
      } else {
        console.log('The PC/SC training lab could not start (see above): the station runs in-process training readers instead.');
      }
    } else {
      // station serve takes this path by itself on a training station (core/lab/in-process-lab.ts).
      console.log(`\nNo PC/SC here (${missing}): the training station runs in-process training readers`);
      console.log('(the same card emulators, a CPU card with ¥50.00 on the first reader). For a real reader: on Debian/Ubuntu');
      console.log('apt-get install pcscd libpcsclite-dev, then npm ci; on Windows/macOS the system smart-card service.');
    }
  }
  return { env, lab };
}

/** What the PC/SC training lab (a private pcscd with vpcd, as root) would need and is missing here; null when all is there. */
function pcscLabMissing() {
  const missing = [];
  try {
    createRequire(import.meta.url)('smartcard');
  } catch {
    missing.push('the smartcard binding');
  }
  if (!existsSync('/usr/sbin/pcscd')) missing.push('pcscd');
  if (!existsSync('/usr/lib/pcsc/drivers/serial/libifdvpcd.so')) missing.push('vsmartcard-vpcd');
  if (process.getuid?.() !== 0) missing.push('root (the lab runs pcscd in its own namespaces)');
  return missing.length === 0 ? null : `${missing.join(', ')} missing`;
}

async function stopLab(lab) {
  if (!lab) return;
  lab.lab.stdin.end('quit\n');
  await new Promise((resolve) => lab.lab.once('exit', resolve));
}

async function runInElectron(bin) {
  const { env, lab } = await prepare();
  console.log('Log in as admin with PIN 1234 on a new training station. Closing the counter window stops the station.');
  const app = spawn(bin, [root], { stdio: 'inherit', env });
  const stop = () => app.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const code = await new Promise((resolve) => app.once('exit', (c) => resolve(c ?? 0)));
  await stopLab(lab);
  process.exitCode = code;
}

async function runInBrowser() {
  const { env, lab } = await prepare();
  console.log('');
  run(['doctor'], env);
  const serve = spawn(station[0], [...station.slice(1), 'serve', '--json', ...(env.STATION_PORT ? ['--port', env.STATION_PORT] : [])], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const stop = () => serve.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  readline.createInterface({ input: serve.stdout }).on('line', (line) => {
    let e = null;
    try { e = JSON.parse(line); } catch { /* not JSON */ }
    if (e?.event !== 'ready') { console.log(line); return; }
    console.log(`\nCounter UI${e.mode === 'training' ? ' (training mode)' : ''}: ${e.url}`);
    console.log('Open that link in a browser on this machine (the token in it is new on every start).');
    if (e.customerUrl) console.log(`Customer display (read-only, for a second screen): ${e.customerUrl}`);
    console.log('Log in as admin with PIN 1234 on a new training station. Ctrl-C stops the station.');
    openBrowser(e.url);
  });
  await new Promise((resolve) => serve.once('exit', resolve));
  await stopLab(lab);
}

/** Opens the link in the desktop's browser when there is a desktop (never in tests or over SSH). */
function openBrowser(url) {
  if (noBrowser() || !(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)) return;
  for (const opener of ['xdg-open', 'sensible-browser']) {
    const found = spawnSync('sh', ['-c', `command -v ${opener}`], { encoding: 'utf8' });
    if (found.status === 0) {
      const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
      child.on('error', () => undefined);
      child.unref();
      console.log(`(opened with ${opener})`);
      return;
    }
  }
}

function noBrowser() {
  return process.env.STATION_NO_BROWSER === '1' || process.env.CI === 'true';
}
