// The card-answer fuzz campaign (docs/RELIABILITY.md "Fuzzed card answers"): the CPU and M1
// client fuzz tests with FUZZ_ANSWERS random answers each (CI: 12,000 each).
//
//   npm run campaign:fuzz [-- --answers 100000]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '../..');
const { values } = parseArgs({ options: { answers: { type: 'string', default: '100000' } } });
const answers = Number(values.answers);
if (!Number.isInteger(answers) || answers < 10_000) throw new Error('--answers N (≥ 10,000)');
const started = Date.now();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=0', 'test/unit/cpu-fuzz.test.ts', 'test/unit/m1-fuzz.test.ts'], {
  cwd: root, stdio: 'inherit', env: { ...process.env, FUZZ_ANSWERS: String(answers) },
});
process.stdout.write(`fuzz campaign: ${answers} answers to the CPU client and ${answers} to the M1 client (plus the fixed-size variants), exit ${r.status}, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
process.exit(r.status ?? 1);
