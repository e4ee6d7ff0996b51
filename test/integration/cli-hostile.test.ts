// docs/SECURITY.md §9 "Hostile input at the CLI" (issue 14): absurd argv lengths, binary and
// terminal escape sequences in options and values, unknown flags and commands. Each is refused
// with a typed error (BAD_INPUT under --json) and a next step, the output is bounded and
// printable (nothing repaints or retitles the operator's terminal), no stack trace, nothing
// booked, and the process exits by itself. A matrix runs in process (fast); the longest argv
// the kernel allows and a few escape cases run as real `station` processes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forTerminal, MAX_ECHO_CHARS } from '../../cli/terminal-text.ts';
import { Database } from '../../db/sqlite.ts';
import { runStation, runStationInProcess, runStationOk, type StationRun } from '../harness/cli.ts';

let home: string;
const env = () => ({ ...process.env, STATION_HOME: home, STATION_PIN: '2468', STATION_KEYS: '' });

before(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'cli-hostile-'));
  await runStationOk(['init', '--training', '--admin-pin', '2468'], env());
});
after(() => {
  if (home) rmSync(home, { recursive: true, force: true });
});

async function ledgerEntries(): Promise<number> {
  const db = await Database.open(path.join(home, 'training.sqlite'));
  try {
    return (await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_entries'))!.n;
  } finally {
    await db.close();
  }
}

const ESC = '\u001b';
const HUGE = 100_000; // under the kernel's 128 KiB limit for one argument (MAX_ARG_STRLEN)
// eslint-disable-next-line no-control-regex -- control characters are what must not reach the terminal
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/;

/** What every refusal of hostile input must look like. */
function assertHandled(r: StationRun, what: string): void {
  assert.ok(r.code === 1 || r.code === 2, `${what}: exits 1 or 2, got ${r.code}\n${r.stderr}`);
  assert.ok(r.stderr.length > 0, `${what}: says what was wrong`);
  // The unknown-command answer carries the command list (about 3 KB); nothing else comes near.
  assert.ok(r.stderr.length < 6_000 && r.stdout.length < 6_000, `${what}: bounded output (${r.stderr.length} + ${r.stdout.length} chars)`);
  assert.doesNotMatch(r.stderr + r.stdout, CONTROL, `${what}: no control characters on the terminal`);
  assert.doesNotMatch(r.stderr, /\n\s+at \S+|INTERNAL|\[object /, `${what}: a clear message, not a stack trace:\n${r.stderr}`);
}

test('hostile argv in process: each refused as BAD_INPUT with a next step, bounded and printable, nothing booked', async () => {
  const entriesBefore = await ledgerEntries();
  const cases: Array<{ args: string[]; what: string }> = [
    { what: 'a 100 KB unknown option', args: ['topup', `--${'A'.repeat(HUGE)}`] },
    { what: 'an escape sequence as an option name', args: ['readers', `--${ESC}[2J${ESC}]0;owned\u0007`] },
    { what: 'NUL and a lone surrogate in an option name', args: ['shift', 'open', '--fl\u0000oat\ud800', '1'] },
    { what: 'a 100 KB amount', args: ['shift', 'open', '--operator', 'admin', '--float', '9'.repeat(HUGE)] },
    { what: 'escape sequences in an amount', args: ['topup', '--operator', 'admin', '--amount', `${ESC}[31m100${ESC}[0m\u0007`] },
    { what: 'binary bytes (as latin1) in an amount', args: ['shift', 'open', '--operator', 'admin', '--float', Buffer.from([0xff, 0xfe, 0x00, 0x1b, 0x9b]).toString('latin1')] },
    { what: 'a lone surrogate in an amount', args: ['topup', '--operator', 'admin', '--amount', '\udc00'] },
    { what: 'an unknown flag among known ones', args: ['shift', 'open', '--operator', 'admin', '--float', '100', '--force'] },
    { what: 'a flag given a value it does not take', args: ['readers', '--json=yes'] },
    { what: 'a positional a command does not take', args: ['readers', 'extra'] },
    { what: '5,000 unknown flags', args: ['readers', ...Array.from({ length: 5000 }, (_, i) => `--x${i}`)] },
  ];
  for (const { what, args } of cases) {
    for (const json of [false, true]) {
      const r = await runStationInProcess(json ? [...args, '--json'] : args, env());
      assertHandled(r, `${what}${json ? ' (--json)' : ''}`);
      if (json) {
        const error = (r.json as { error?: { code: string; message: string; hint?: string } } | null)?.error;
        assert.equal(error?.code, 'BAD_INPUT', `${what}: ${r.stdout}`);
        assert.ok(error.message.length <= MAX_ECHO_CHARS + 40, `${what}: the message is bounded`);
        assert.ok((error.hint ?? '').length > 0, `${what}: a next step: ${r.stdout}`);
      }
    }
  }
  assert.equal(await ledgerEntries(), entriesBefore, 'nothing was booked');
});

test('an unknown command echoes at most 80 printable characters of it, then the command list', async () => {
  const r = await runStationInProcess([`${ESC}[2J${'x'.repeat(HUGE)}`, 'y'], env());
  assertHandled(r, 'unknown command');
  assert.equal(r.code, 2);
  const echoed = /unknown command "([^"]*)"/.exec(r.stderr)?.[1] ?? '';
  assert.ok(echoed.startsWith('\\u001b[2Jxxx'), `the escape is shown, not sent: ${echoed.slice(0, 40)}`);
  assert.match(echoed, /… \(\d+ more characters\)$/);
  assert.match(r.stderr, /station shift open/, 'the command list follows');
});

test('forTerminal: escapes control characters and lone surrogates, keeps line breaks and CJK, cuts long text', () => {
  assert.equal(forTerminal(`a${ESC}[2Jb\u0000\u0007`), 'a\\u001b[2Jb\\u0000\\u0007');
  assert.equal(forTerminal('第一行\n第二行 🚇'), '第一行\n第二行 🚇');
  assert.equal(forTerminal('x\ud800y\udc00z'), 'x\\ud800y\\udc00z');
  assert.equal(forTerminal('\u009b31m'), '\\u009b31m', 'the 8-bit CSI too');
  assert.equal(forTerminal('abcdef', 3), 'abc… (3 more characters)');
});

test('as real processes: the longest argv the kernel takes and escape sequences are refused and the process exits by itself', async () => {
  const runs: Array<{ what: string; args: string[] }> = [
    // ~1.2 MB of argv in 12 arguments of 100 KB (ARG_MAX here is 2 MB with the environment).
    { what: '12 arguments of 100 KB', args: ['topup', '--json', ...Array.from({ length: 12 }, (_, i) => `--${String.fromCharCode(97 + i).repeat(HUGE)}`)] },
    { what: 'escape sequences in an option and a value', args: ['shift', 'open', '--json', '--operator', `${ESC}]0;owned\u0007`, `--${ESC}[2J`] },
    { what: 'an unknown command of 100 KB', args: ['x'.repeat(HUGE)] },
  ];
  for (const { what, args } of runs) {
    const r = await runStation(args, env(), { timeoutMs: 60_000 });
    assert.doesNotMatch(r.stderr, /killed after/, `${what}: exited by itself`);
    assertHandled(r, what);
    if (args.includes('--json')) assert.equal((r.json as { error: { code: string } }).error.code, 'BAD_INPUT', `${what}: ${r.stdout.slice(0, 300)}`);
  }
});
