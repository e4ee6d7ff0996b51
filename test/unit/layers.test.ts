// The layer rules of docs/ARCHITECTURE.md are enforced by eslint.config.js. These tests lint
// small in-memory files placed (by path) in each layer and check that forbidden imports fail
// and allowed ones pass, so a broken config cannot pass unnoticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function restrictedIn(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  assert.ok(result, 'eslint returned a result');
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const cases: Array<[string, string, boolean]> = [
  ['common/x.ts', "import '../devices/apdu.ts';", false],
  ['common/x.ts', "import './hex.ts';", true],
  ['devices/cpu/x.ts', "import '../../db/ledger.ts';", false],
  ['devices/cpu/x.ts', "import '../../core/workflows/topup.ts';", false],
  ['devices/cpu/x.ts', "import '../../common/hex.ts';", true],
  ['devices/cpu/x.ts', "import '../apdu.ts';", true],
  ['db/x.ts', "import '../devices/apdu.ts';", false],
  ['receipts/x.ts', "import '../sync/relay.ts';", false],
  ['sync/x.ts', "import '../db/ledger.ts';", false],
  ['core/x.ts', "import '../devices/apdu.ts';", true],
  ['core/x.ts', "import '../cli/station.ts';", false],
  ['cli/x.ts', "import '../core/x.ts';", true],
  ['cli/x.ts', "import '../devices/pcsc/reader-service.ts';", false],
  ['main/x.ts', "import '../db/x.ts';", false],
  ['renderer/src/x.ts', "import 'node:fs';", false],
  ['renderer/src/x.ts', "import 'electron';", false],
  ['renderer/src/x.ts', "import '../../devices/apdu.ts';", false],
  ['renderer/src/x.ts', "import '../../common/money.ts';", true],
  ['renderer/src/x.tsx', "import '../../core/api/server.ts';", false],
  ['renderer/src/x.tsx', "import '../../db/sqlite.ts';", false],
  ['renderer/src/x.tsx', "import '../../devices/sam/index.ts';", false],
  ['renderer/src/x.tsx', "import 'sqlite3';", false],
  ['renderer/src/x.tsx', "import 'smartcard';", false],
  ['renderer/src/x.tsx', "import 'fs';", false],
  ['renderer/src/x.tsx', "import 'electron';", false],
  ['renderer/src/x.tsx', "import 'react';", true],
  ['renderer/src/x.tsx', "import '../../common/api.ts';", true],
  ['upstream/x.ts', "import '../core/x.ts';", false],
  ['upstream/x.ts', "import '../common/money.ts';", true],
];

for (const [file, source, allowed] of cases) {
  test(`${file}: ${source} is ${allowed ? 'allowed' : 'forbidden'}`, async () => {
    const messages = await restrictedIn(file, source);
    if (allowed) assert.deepEqual(messages, []);
    else assert.equal(messages.length, 1, `expected one layer error, got ${JSON.stringify(messages)}`);
  });
}

// The renderer as it is: every import in renderer/src is React, zod, the renderer's own files
// or common/ — so no renderer code can reach Node, Electron, the database, devices or keys.
test('renderer/src imports only react, zod, itself and common/', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const dir = path.join(root, 'renderer', 'src');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ts|tsx)$/.test(f));
  assert.ok(files.length >= 5, 'renderer sources found');
  const packages = /^(react|react-dom(\/client)?|react\/jsx-runtime|zod)$/;
  for (const f of files) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]/g)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (packages.test(spec)) continue;
      // A relative import (from any folder of renderer/src) must land in renderer/src or be a common/ module.
      assert.match(spec, /^\.\.?\//, `${f} imports ${spec}`);
      const target = path.relative(root, path.resolve(dir, path.dirname(f), spec)).split(path.sep).join('/');
      assert.match(target, /^(renderer\/src\/[^.][^'"]*|common\/[a-z0-9-]+\.ts)$/, `${f} imports ${spec}`);
    }
    const [result] = await eslint.lintText(text, { filePath: path.join(dir, f) });
    assert.deepEqual(result!.messages.filter((x) => x.ruleId === 'no-restricted-imports'), [], f);
  }
  // common/ modules the renderer uses import nothing but zod and each other.
  for (const f of ['api.ts', 'errors.ts', 'money.ts', 'yuan-input.ts']) {
    const text = readFileSync(path.join(root, 'common', f), 'utf8');
    for (const m of text.matchAll(/from\s+['"]([^'"]+)['"]/g)) assert.match(m[1]!, /^(zod|\.\/[a-z0-9-]+\.ts)$/, `common/${f} imports ${m[1]}`);
  }
});
