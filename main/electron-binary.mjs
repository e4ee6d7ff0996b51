// Where the Electron binary is, or null: STATION_ELECTRON (a path to an electron executable), or
// the `electron` npm package's downloaded dist (node_modules/electron/path.txt). Shared by
// `npm start` (scripts/start.mjs) and the Electron-only tests; plain JS so start.mjs needs no tsx.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** @returns {{ path: string, source: string } | { path: null, why: string }} */
export function findElectron(env = process.env) {
  if (env.STATION_ELECTRON) {
    return existsSync(env.STATION_ELECTRON)
      ? { path: env.STATION_ELECTRON, source: 'STATION_ELECTRON' }
      : { path: null, why: `STATION_ELECTRON=${env.STATION_ELECTRON} does not exist` };
  }
  let pkg;
  try {
    pkg = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { path: null, why: 'the Electron binary is absent: the `electron` npm package is not installed (its postinstall downloads the binary from GitHub, which cannot be reached on this machine); set STATION_ELECTRON=/path/to/electron where one exists' };
  }
  try {
    const bin = path.join(pkg, 'dist', readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim());
    return existsSync(bin) ? { path: bin, source: 'node_modules/electron' } : { path: null, why: `the Electron binary is absent: ${bin} is missing (the package's download did not run)` };
  } catch {
    return { path: null, why: 'the Electron binary is absent: the `electron` package has no path.txt (its download did not run)' };
  }
}
