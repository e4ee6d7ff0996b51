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
