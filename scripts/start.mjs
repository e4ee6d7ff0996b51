#!/usr/bin/env node
// `npm start`: the counter station for whoever just cloned the repo.
// - Electron present (binary and main/main.js): start the desktop app.
// - Otherwise say so, and run the station in this terminal: a training station is created on
//   first start, a private training lab (virtual readers with a card) is started when no
//   PC/SC service is running, `station doctor` reports, and `station watch` shows every card
//   placed until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const root = path.resolve(import.meta.dirname, '..');
const station = [process.execPath, '--import', 'tsx', path.join(root, 'cli', 'station.ts')];

function electronBinary() {
  try {
    const require = createRequire(import.meta.url);
    const pkg = path.dirname(require.resolve('electron/package.json'));
    const rel = readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim();
    const bin = path.join(pkg, 'dist', rel);
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const electron = electronBinary();
if (electron && existsSync(path.join(root, 'main', 'main.js'))) {
  const child = spawn(electron, [root], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(electron
    ? 'Electron is installed but the desktop shell (main/) is not built yet; running the station in this terminal.'
    : 'Electron is not installed on this machine (its binary cannot be downloaded here); running the station in this terminal.');
  await runInTerminal();
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

async function runInTerminal() {
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
    if (process.getuid?.() === 0) {
      console.log('\nNo PC/SC service is running: starting the training lab (virtual readers, a CPU card with ¥50.00).');
      lab = await startLab(env);
      if (lab) {
        env.PCSCLITE_CSOCK_NAME = lab.socket;
        console.log(`Training lab ready: ${lab.readers.join(', ')}.`);
        console.log(`Other terminals: export PCSCLITE_CSOCK_NAME=${lab.socket}   then e.g. npm run station -- card read`);
      } else {
        console.log('The training lab could not start (see above); continuing without readers.');
      }
    } else {
      console.log('\nNo PC/SC service is running. Start pcscd for a real reader (systemctl start pcscd),');
      console.log('or run `npm start` as root to get the training lab with virtual readers.');
    }
  }
  console.log('');
  run(['doctor'], env);
  console.log('\nThe counter UI arrives with the desktop/browser work; this terminal is the card panel.');
  const watch = spawn(station[0], [...station.slice(1), 'watch'], { stdio: 'inherit', env });
  const stop = () => watch.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await new Promise((resolve) => watch.once('exit', resolve));
  if (lab) {
    lab.lab.stdin.end('quit\n');
    await new Promise((resolve) => lab.lab.once('exit', resolve));
  }
}
