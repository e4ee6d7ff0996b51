// Lint, and the layer rules of docs/ARCHITECTURE.md. test/unit/layers.test.ts proves that a
// forbidden import fails this config, so the rules cannot silently rot.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https', 'url', 'events', 'stream', 'util', 'worker_threads'];

/** Patterns that match imports of our own top-level folders, from anywhere in the tree. */
const ours = (dir) => [`**/${dir}`, `**/${dir}/**`, `../${dir}/**`, `../../${dir}/**`];

function layer(files, forbiddenDirs, extra = [], message = 'layer rule (docs/ARCHITECTURE.md)') {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: [...forbiddenDirs.flatMap(ours), ...extra], message }],
      }],
    },
  };
}

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
  layer(['devices/**'], ['db', 'receipts', 'sync', 'core', 'cli', 'main', 'renderer', 'upstream']),
  layer(['db/**'], ['devices', 'receipts', 'sync', 'core', 'cli', 'main', 'renderer', 'upstream']),
  layer(['receipts/**'], ['devices', 'db', 'sync', 'core', 'cli', 'main', 'renderer', 'upstream']),
  layer(['sync/**'], ['devices', 'db', 'receipts', 'core', 'cli', 'main', 'renderer', 'upstream']),
  layer(['core/**'], ['cli', 'main', 'renderer', 'upstream'], [], 'core imports common, devices, db, receipts, sync'),
  layer(['cli/**', 'main/**'], ['renderer', 'upstream', 'devices', 'db', 'receipts', 'sync'], [], 'main and cli reach devices/db/receipts/sync only through core'),
  layer(['renderer/**'], except('common', 'renderer'), [...nodeBuiltins, 'electron', 'sqlite3', 'smartcard'], 'renderer imports common only: never node, electron, db or devices'),
  layer(['upstream/**'], except('common', 'upstream'), [], 'upstream imports common only'),
);
