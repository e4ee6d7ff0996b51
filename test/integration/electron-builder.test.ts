// electron-builder.yml against electron-builder's own schema (app-builder-lib's scheme.json,
// through its validator, TOOLCHAIN.md §6), and a packaging smoke test with a stand-in Electron
// dist (a shell script named electron, `version`, the licence files): the real Electron zip
// cannot be downloaded here, but the package's layout — what goes into app.asar, the keys and
// fonts beside it, the entry point — is electron-builder's real output.
//
// In CI the smoke run leaves node_modules out of the package (collecting ~5000 dependency files
// into app.asar takes ~35 s on the shared 2-core machine); STATION_PACKAGING_FULL=1 packs them
// too and checks the runtime dependencies arrive (tsx, zod, ws, and sqlite3's .node unpacked).
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { ensureRendererBuilt } from '../../core/ui-build.ts';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const ELECTRON_VERSION = '45.4.1';

function builder(): { available: true } | { available: false; why: string } {
  try {
    require.resolve('electron-builder');
    require.resolve('app-builder-lib/out/util/config/config');
    return { available: true };
  } catch {
    return { available: false, why: 'electron-builder is not installed (a devDependency: run `npm ci`)' };
  }
}
const eb = builder();
const skip = eb.available ? false : `SKIPPED: ${eb.why}`;

interface ConfigModule {
  getConfig(projectDir: string, configPath: string | null, override: unknown): Promise<unknown>;
  validateConfiguration(config: unknown, log: unknown): Promise<void>;
}

async function validate(projectDir: string): Promise<void> {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as ConfigModule;
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
  const cfg = await getConfig(projectDir, path.join(projectDir, 'electron-builder.yml'), null);
  await validateConfiguration(cfg, new DebugLogger(false));
}

test('electron-builder.yml is valid against electron-builder\'s schema, and a wrong key is caught', { skip }, async () => {
  const pkg = JSON.parse(readFileSync(require.resolve('app-builder-lib/package.json'), 'utf8')) as { version: string };
  assert.equal(pkg.version, '26.17.0', 'the validator is an internal path (out/…): the version is pinned in package.json');
  await validate(root);
  const bad = mkdtempSync(path.join(os.tmpdir(), 'eb-bad-'));
  try {
    writeFileSync(path.join(bad, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', main: 'main/main.js' }));
    const yml = readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');
    assert.match(yml, /\n {2}category: Office\n/);
    writeFileSync(path.join(bad, 'electron-builder.yml'), yml.replace('\n  category: Office\n', '\n  categori: Office\n'));
    await assert.rejects(validate(bad), /Invalid configuration object/);
  } finally {
    rmSync(bad, { recursive: true, force: true });
  }
});

test('packaging smoke test: electron-builder --linux dir with a stand-in Electron dist', { skip, timeout: 240_000 }, async () => {
  await ensureRendererBuilt();
  const full = process.env.STATION_PACKAGING_FULL === '1';
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'eb-pack-'));
  try {
    const fake = path.join(tmp, 'electron-dist');
    mkdirSync(fake);
    writeFileSync(path.join(fake, 'electron'), '#!/bin/sh\necho "stand-in Electron (packaging smoke test): it cannot run the app" >&2\nexit 1\n');
    chmodSync(path.join(fake, 'electron'), 0o755);
    writeFileSync(path.join(fake, 'version'), ELECTRON_VERSION);
    writeFileSync(path.join(fake, 'LICENSE'), 'stand-in');
    writeFileSync(path.join(fake, 'LICENSES.chromium.html'), '<html></html>');
    const yaml = require('js-yaml') as { load(s: string): { files: string[] } & Record<string, unknown> };
    const cfg = yaml.load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8'));
    const { build, Platform } = require('electron-builder') as { build(o: unknown): Promise<string[]>; Platform: { LINUX: { createTarget(t: string): unknown } } };
    const out = path.join(tmp, 'release');
    await build({
      projectDir: root,
      targets: Platform.LINUX.createTarget('dir'),
      config: { ...cfg, files: full ? cfg.files : [...cfg.files, '!**/node_modules/**'], electronDist: fake, electronVersion: ELECTRON_VERSION, directories: { ...(cfg.directories as object), output: out } },
    });
    const unpacked = path.join(out, 'linux-unpacked');
    assert.ok(existsSync(path.join(unpacked, 'city-union-station')), 'the executable (the stand-in, renamed)');
    const asar = require('@electron/asar') as { listPackage(p: string): string[] };
    const appAsar = path.join(unpacked, 'resources', 'app.asar');
    const files = new Set(asar.listPackage(appAsar).map((f) => f.replaceAll('\\', '/')));
    for (const f of ['/package.json', '/main/main.js', '/main/main.ts', '/main/preload.cjs', '/cli/bin/station.mjs', '/cli/station.ts', '/core/api/server.ts', '/common/api.ts', '/renderer/dist/index.html']) {
      assert.ok(files.has(f), `${f} in app.asar`);
    }
    assert.ok(![...files].some((f) => f.endsWith('.test.ts')), 'no tests in the package');
    assert.ok(![...files].some((f) => f.startsWith('/test/') || f.startsWith('/renderer/src/')), 'no test tree, no renderer sources');
    // Read back in a fresh process: in this one electron-builder's own asar instance still holds the archive.
    const packed = execFileSync(process.execPath, ['-e', "process.stdout.write(require('@electron/asar').extractFile(process.argv[1], 'package.json'))", appAsar], { cwd: root });
    const pkg = JSON.parse(packed.toString()) as { main: string };
    assert.equal(pkg.main, 'main/main.js');
    assert.ok(existsSync(path.join(unpacked, 'resources', 'fonts')), 'the receipt font beside app.asar');
    assert.ok(existsSync(path.join(unpacked, 'resources', 'keys')), 'the training keys beside app.asar');
    if (full) {
      for (const dep of ['tsx', 'zod', 'ws', 'sqlite3']) assert.ok([...files].some((f) => f.startsWith(`/node_modules/${dep}/`)), `${dep} packed`);
      const unpackedNative = path.join(unpacked, 'resources', 'app.asar.unpacked');
      assert.ok(existsSync(unpackedNative), 'native modules are unpacked next to app.asar');
    } else {
      console.log('# node_modules left out of this smoke run (STATION_PACKAGING_FULL=1 packs and checks them)');
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
