// The fences of issue 15, enforced by eslint.config.js (docs/ARCHITECTURE.md "Layers and fences"): the
// emulator stays out of production devices/ and core/, SQL is written in db/ only, a function
// over 80 lines says why, and every eslint-disable says why. Each rule is shown to fire on a
// small in-memory file placed (by path) where it applies, and to stay quiet where it does not;
// each temporary exception is shown to be still needed, so the lists only shrink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const root = path.resolve(import.meta.dirname, '../..');
// Plain JavaScript modules (the project type-checks no .js): loaded by URL, typed here.
const config = (await import(pathToFileURL(path.join(root, 'eslint.config.js')).href)) as {
  EMULATOR: string[];
  EMULATOR_EXCEPTIONS: string[];
  SQL_EXCEPTIONS: string[];
  LONG_FUNCTION_EXCEPTIONS: string[];
};
const fences = (await import(pathToFileURL(path.join(root, 'scripts', 'lint-fences.mjs')).href)) as {
  default: NonNullable<Linter.Config['plugins']>[string];
  isSqlText: (text: string) => boolean;
};
const { isSqlText } = fences;
const eslint = new ESLint({ cwd: root });

async function rulesFired(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  assert.ok(result, 'eslint returned a result');
  return result.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

const fired = (messages: string[], rule: string): number => messages.filter((m) => m.startsWith(`${rule}:`)).length;

const EMULATOR_CASES: Array<[string, string, boolean]> = [
  ['devices/m1/x.ts', "import '../emulator/m1-card.ts';", false],
  ['devices/cpu/x.ts', "import '../emulator/cpu-card.ts';", false],
  ['core/x.ts', "import '../devices/emulator/in-process.ts';", false],
  ['core/workflows/x.ts', "import '../../devices/emulator/virtual-card.ts';", false],
  ['core/x.ts', "import '../devices/m1/index.ts';", true],
  ['core/lab/x.ts', "import '../../devices/emulator/in-process.ts';", true],
  ['devices/emulator/x.ts', "import './m1-card.ts';", true],
  ['devices/emulator/x.ts', "import '../apdu.ts';", true],
  ['test/unit/x.test.ts', "import '../../devices/emulator/m1-card.ts';", true],
];

for (const [file, source, allowed] of EMULATOR_CASES) {
  test(`emulator fence: ${file}: ${source} is ${allowed ? 'allowed' : 'forbidden'}`, async () => {
    const messages = (await rulesFired(file, source)).filter((m) => m.includes('never import devices/emulator/'));
    assert.equal(messages.length, allowed ? 0 : 1, JSON.stringify(messages));
  });
}

test('emulator fence: the layer rule still holds beside it in fenced folders', async () => {
  // Flat config keeps one no-restricted-imports per file: the fence must not replace the layer rule.
  assert.equal(fired(await rulesFired('devices/cpu/x.ts', "import '../../db/ledger.ts';"), 'no-restricted-imports'), 1);
  assert.equal(fired(await rulesFired('core/x.ts', "import '../cli/station.ts';"), 'no-restricted-imports'), 1);
  assert.equal(fired(await rulesFired('devices/emulator/x.ts', "import '../../db/ledger.ts';"), 'no-restricted-imports'), 1);
  assert.equal(fired(await rulesFired('core/lab/x.ts', "import '../../cli/station.ts';"), 'no-restricted-imports'), 1);
});

const SQL_CASES: Array<[string, string, boolean]> = [
  ['core/x.ts', "db.get('SELECT value FROM params WHERE key = ?', [k]);", false],
  ['core/x.ts', 'db.run(`INSERT INTO params (key, value) VALUES (?, ?)`, [k, v]);', false],
  ['core/x.ts', "db.run('UPDATE staff SET pin_hash = ? WHERE staff_id = ?', [h, id]);", false],
  ['core/x.ts', "db.run('DELETE FROM blacklist WHERE card_ref = ?', [r]);", false],
  ['core/x.ts', "db.get('SELECT COUNT(*) AS n FROM ledger_entries');", false],
  ['core/x.ts', "const q = 'SELECT a, b ' + 'FROM t';", false],
  ['core/x.ts', 'db.all(`WITH c AS (SELECT 1) SELECT * FROM c`);', false],
  ['core/x.ts', "readEntries(db, \"kind = 'topup' AND card_ref = ?\", [r]);", false],
  ['core/x.ts', "db.exec('BEGIN IMMEDIATE');", false],
  ['sync/x.ts', "db.get('SELECT MAX(seq) AS s FROM ledger_entries');", false],
  ['upstream/x.ts', "db.query('SELECT 1');", false],
  ['db/x.ts', "db.get('SELECT value FROM params WHERE key = ?', [k]);", true],
  ['upstream/store/x.ts', "db.query('SELECT 1');", true],
  ['test/unit/x.test.ts', "db.run('UPDATE ledger_entries SET amount_fen = 1');", true],
  // Card commands and messages that share words with SQL are not SQL.
  ['devices/cpu/x.ts', "exchange(ch, cmd, 'SELECT City Union');", true],
  ['devices/cpu/x.ts', "exchange(ch, cmd, 'UPDATE BINARY (secure)');", true],
  ['core/x.ts', 'const url = `ws://${host}/api?token=${token}`;', true],
  ['core/x.ts', 'throw new Error(`total ${a} fen ≠ load = ${b} fen`);', true],
  ['core/x.ts', "const label = 'Select a card';", true],
];

for (const [file, source, allowed] of SQL_CASES) {
  test(`sql-in-db: ${file}: ${source} is ${allowed ? 'allowed' : 'forbidden'}`, async () => {
    assert.equal(fired(await rulesFired(file, source), 'fences/sql-in-db'), allowed ? 0 : 1);
  });
}

const LONG_BODY = Array.from({ length: 81 }, (_, i) => `  total += ${i};`).join('\n');
const longFunction = (before: string) => `${before}export function long(): number {\n  let total = 0;\n${LONG_BODY}\n  return total;\n}\n`;

test('max-lines-per-function: 81 lines fail, a disable with a reason passes, one without a reason fails', async () => {
  assert.equal(fired(await rulesFired('core/x.ts', longFunction('')), 'max-lines-per-function'), 1);
  const withReason = await rulesFired('core/x.ts', longFunction('// eslint-disable-next-line max-lines-per-function -- one table, read as one\n'));
  assert.deepEqual(withReason, []);
  const noReason = await rulesFired('core/x.ts', longFunction('// eslint-disable-next-line max-lines-per-function\n'));
  assert.equal(fired(noReason, 'fences/disable-needs-reason'), 1);
  assert.equal(fired(noReason, 'max-lines-per-function'), 0);
  // Blank lines and comments do not count.
  const airy = `export function airy(): number {\n  let total = 0;\n${Array.from({ length: 70 }, (_, i) => `  total += ${i};\n\n  // step ${i}`).join('\n')}\n  return total;\n}\n`;
  assert.equal(fired(await rulesFired('core/x.ts', airy), 'max-lines-per-function'), 0);
});

test('an eslint-disable needs a reason after --, and an unused one is an error', async () => {
  const bare = await rulesFired('common/x.ts', '// eslint-disable-next-line @typescript-eslint/no-explicit-any\nexport const x: any = 1;\n');
  assert.equal(fired(bare, 'fences/disable-needs-reason'), 1);
  const reasoned = await rulesFired('common/x.ts', '// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test double\nexport const x: any = 1;\n');
  assert.deepEqual(reasoned, []);
  const inline = await rulesFired('test/unit/x.test.ts', 'export const x: any = 1; // eslint-disable-line @typescript-eslint/no-explicit-any\n');
  assert.equal(fired(inline, 'fences/disable-needs-reason'), 1);
  const unused = await rulesFired('common/x.ts', '// eslint-disable-next-line @typescript-eslint/no-explicit-any -- nothing to silence\nexport const x = 1;\n');
  assert.equal(unused.filter((m) => m.includes('Unused eslint-disable directive')).length, 1, JSON.stringify(unused));
});

// The temporary exceptions: each file exists and still breaks its fence, so a line whose file
// has been cleaned fails here and is removed from eslint.config.js with the cleanup.
test('each temporary exception is still needed', async () => {
  // Only the fence rules, so nothing else the file holds can make it look still needed.
  const strict = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [{
      files: ['**/*.ts', '**/*.tsx'],
      languageOptions: { parser: tseslint.parser as Linter.Parser },
      plugins: { fences: fences.default },
      rules: {
        'no-restricted-imports': ['error', { patterns: [{ group: config.EMULATOR }] }],
        'fences/sql-in-db': 'error',
        'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      },
    }],
  });
  const check = async (file: string, rule: string) => {
    assert.ok(existsSync(path.join(root, file)), `${file} is an exception to ${rule} but does not exist: remove it from eslint.config.js`);
    const [result] = await strict.lintText(readFileSync(path.join(root, file), 'utf8'), { filePath: path.join(root, file) });
    assert.ok(result!.messages.some((m) => m.ruleId === rule), `${file} no longer breaks ${rule}: remove it from the exceptions in eslint.config.js`);
  };
  for (const file of config.EMULATOR_EXCEPTIONS) await check(file, 'no-restricted-imports');
  for (const file of config.SQL_EXCEPTIONS) await check(file, 'fences/sql-in-db');
  for (const file of config.LONG_FUNCTION_EXCEPTIONS) await check(file, 'max-lines-per-function');
});

test('the SQL matcher', () => {
  for (const sql of ['SELECT 1', 'SELECT * FROM t', 'PRAGMA journal_mode=WAL', 'COMMIT', 'ROLLBACK TO SAVEPOINT a', 'CREATE UNIQUE INDEX i ON t (a)', "json_extract(details, '$.x')"]) {
    assert.ok(isSqlText(sql), sql);
  }
  for (const text of ['SELECT City Union', 'SELECT T-Union', 'UPDATE BINARY', 'commit the shift', 'Begin', 'a = b']) {
    assert.ok(!isSqlText(text), text);
  }
});
