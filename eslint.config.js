// Lint, and the layer rules of docs/ARCHITECTURE.md. test/unit/layers.test.ts proves that a
// forbidden import fails this config, so the rules cannot silently rot.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import fences from './scripts/lint-fences.mjs';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https', 'url', 'events', 'stream', 'util', 'worker_threads'];

/** Patterns that match imports of our own top-level folders, from anywhere in the tree. */
const ours = (dir) => [`**/${dir}`, `**/${dir}/**`, `../${dir}/**`, `../../${dir}/**`];

/** Imports of the card emulators, from any depth (`../emulator/x.ts`, `../devices/emulator/x.ts`). */
export const EMULATOR = ['**/emulator', '**/emulator/**', './emulator/**'];
const EMULATOR_MESSAGE = 'production devices/ and core/ never import devices/emulator/ (core/lab/ and test/ may)';

/**
 * One layer's import rule. With `fenced`, the emulator fence joins it: flat config keeps only
 * the last `no-restricted-imports` a file matches, so the two must be one rule entry.
 */
function layer(files, forbiddenDirs, extra = [], message = 'layer rule (docs/ARCHITECTURE.md)', { fenced = false, ignores = [] } = {}) {
  const patterns = [{ group: [...forbiddenDirs.flatMap(ours), ...extra], message }];
  if (fenced) patterns.push({ group: EMULATOR, message: EMULATOR_MESSAGE });
  return { files, ...(ignores.length > 0 ? { ignores } : {}), rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

// Temporary exceptions to the emulator fence: production code that loads an emulator. None
// left (M1 personalisation is the emulator's, the in-process card access is core/lab's); a
// line added here must be needed (test/unit/fences.test.ts keeps the list honest).
const EMULATOR_EXCEPTIONS = [];

// Where SQL may be written: the station's store and the clearing host's store.
const SQL_HOMES = ['db/**', 'upstream/store/**'];
// Temporary exceptions to sql-in-db: files whose SQL is still to move into db/ or
// upstream/store/ (none left). Delete a line as soon as its file holds no SQL
// (fences.test.ts fails on a line that is no longer needed).
export const SQL_EXCEPTIONS = [];
// Temporary exceptions to max-lines-per-function (none left: core/api/ split startUiServer).
export const LONG_FUNCTION_EXCEPTIONS = [];
export { EMULATOR_EXCEPTIONS };

const ALL = ['common', 'devices', 'db', 'receipts', 'sync', 'core', 'cli', 'main', 'renderer', 'upstream'];
const except = (...allowed) => ALL.filter((d) => !allowed.includes(d));

export default tseslint.config(
  { ignores: ['node_modules/**', 'release/**', 'dist/**', 'renderer/dist/**', 'test/fixtures/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', performance: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  layer(['common/**'], except('common'), [], 'common imports nothing of ours'),
  // devices, db, receipts and sync import common only (and themselves), not each other.
  layer(['devices/**'], ['db', 'receipts', 'sync', 'core', 'cli', 'main', 'renderer', 'upstream'], [], undefined, { fenced: true, ignores: ['devices/emulator/**', ...EMULATOR_EXCEPTIONS] }),
  layer(['devices/emulator/**', ...EMULATOR_EXCEPTIONS.filter((f) => f.startsWith('devices/'))], ['db', 'receipts', 'sync', 'core', 'cli', 'main', 'renderer', 'upstream']),
  layer(['db/**'], ['devices', 'receipts', 'sync', 'core', 'cli', 'main', 'renderer', 'upstream']),
  layer(['receipts/**'], ['devices', 'db', 'sync', 'core', 'cli', 'main', 'renderer', 'upstream']),
  layer(['sync/**'], ['devices', 'db', 'receipts', 'core', 'cli', 'main', 'renderer', 'upstream']),
  layer(['core/**'], ['cli', 'main', 'renderer', 'upstream'], [], 'core imports common, devices, db, receipts, sync', { fenced: true, ignores: ['core/lab/**', ...EMULATOR_EXCEPTIONS] }),
  layer(['core/lab/**', ...EMULATOR_EXCEPTIONS.filter((f) => f.startsWith('core/'))], ['cli', 'main', 'renderer', 'upstream'], [], 'core imports common, devices, db, receipts, sync'),
  layer(['cli/**', 'main/**'], ['renderer', 'upstream', 'devices', 'db', 'receipts', 'sync'], [], 'main and cli reach devices/db/receipts/sync only through core'),
  layer(['renderer/**'], except('common', 'renderer'), [...nodeBuiltins, 'electron', 'sqlite3', 'smartcard'], 'renderer imports common only: never node, electron, db or devices'),
  layer(['upstream/**'], except('common', 'upstream'), [], 'upstream imports common only'),
  // Fences of issue 15 (docs/ARCHITECTURE.md "Layers and fences"; test/unit/fences.test.ts).
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { fences },
    rules: { 'fences/disable-needs-reason': 'error' },
  },
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    // bench/ times raw SQLite beside the ledger on purpose (docs/PERFORMANCE.md); tests seed and tamper.
    ignores: ['test/**', 'bench/**', ...SQL_HOMES, ...SQL_EXCEPTIONS],
    rules: { 'fences/sql-in-db': 'error' },
  },
  {
    // A function over 80 lines says why on the line before it:
    // `// eslint-disable-next-line max-lines-per-function -- <why>`. Tests are exempt: a test's
    // body is its script, read top to bottom.
    files: ['**/*.{ts,tsx,js,mjs}'],
    ignores: ['test/**', ...LONG_FUNCTION_EXCEPTIONS],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
);
