/**
 * The renderer is built by Vite into renderer/dist. `station serve` builds it on demand: when
 * dist is missing or older than any renderer or common source, it runs `vite build` (about a
 * second with Vite 8), so a clean clone needs no separate build step and `npm test` always
 * serves the current UI. An installed station ships dist and never builds.
 */
import { systemClock } from '../common/clock.ts';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { StationError } from '../common/errors.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
export const RENDERER_DIST = path.join(REPO_ROOT, 'renderer', 'dist');

function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'dist' || name === 'node_modules' || name.startsWith('.')) continue;
    const p = path.join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

export function rendererIsStale(root = REPO_ROOT): boolean {
  const index = path.join(root, 'renderer', 'dist', 'index.html');
  if (!existsSync(index)) return true;
  const sources = Math.max(newest(path.join(root, 'renderer')), newest(path.join(root, 'common')));
  return sources > statSync(index).mtimeMs;
}

/**
 * Builds renderer/dist when stale; returns whether it built. Several processes may start at
 * once (tests run files in parallel): one builds under a lock directory into a temporary
 * folder and swaps it in; the others wait for the lock and find dist fresh.
 */
export async function ensureRendererBuilt(log: (line: string) => void = () => undefined, root = REPO_ROOT): Promise<boolean> {
  if (!rendererIsStale(root)) return false;
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) {
    // An installed station (Electron package) ships dist without Vite or the UI's sources' dates:
    // what it ships is what it serves.
    if (existsSync(path.join(root, 'renderer', 'dist', 'index.html'))) return false;
    throw new StationError('CONFIG', 'The counter UI is not built and Vite is not installed', 'Run `npm ci` in the repository (it installs Vite), then start again');
  }
  const lock = path.join(root, 'renderer', '.build-lock');
  const deadline = performance.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process builds; a lock older than two minutes is from a build that died.
      if (existsSync(lock) && systemClock().getTime() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      if (performance.now() > deadline) throw new StationError('INTERNAL', `Waited too long for another build of the counter UI (${lock})`, 'Remove that folder if no build is running, then start again');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!rendererIsStale(root)) return false;
    log('Building the counter UI (vite build)…');
    const tmp = path.join(root, 'renderer', `.dist-${process.pid}`);
    const out: string[] = [];
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [vite, 'build', '--config', path.join(root, 'renderer', 'vite.config.mjs'), '--outDir', tmp, '--emptyOutDir', '--logLevel', 'warn'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (c: Buffer) => out.push(c.toString()));
      child.stderr.on('data', (c: Buffer) => out.push(c.toString()));
      child.on('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      throw new StationError('INTERNAL', `Building the counter UI failed:\n${out.join('').slice(-2000)}`, 'Run `npm run build:ui` to see the whole error');
    }
    const dist = path.join(root, 'renderer', 'dist');
    const old = path.join(root, 'renderer', `.dist-old-${process.pid}`);
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(tmp, dist);
    rmSync(old, { recursive: true, force: true });
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
