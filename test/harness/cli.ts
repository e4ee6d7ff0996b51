// The station CLI as tests run it, in one place instead of a copy per test file:
// - as a child process, the real command (`node --import tsx cli/station.ts ...`): runStation
//   collects its exit code, output and the parsed --json answer; spawnStation starts a
//   long-running one (serve, sim, a command waiting for a card swap) for the caller to drive
//   and stop by its handle;
// - in process (cli/station.ts main with captured output), where a test needs no child: faster,
//   and the test's own modules see the same files.
// The environment is the caller's, whole: each test says what the command may see.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
/** The CLI's entry point. */
export const STATION_CLI = path.join(root, 'cli/station.ts');

export interface StationRun {
  /** The exit code (1 when the child was killed by a signal, e.g. at the time limit). */
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (the --json answer), or null when it is not JSON (human output). */
  // The --json answers are read field by field in the assertions.
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a command's JSON answer: each test reads the fields it checks
}

export interface RunOptions {
  /** Written to the command's standard input, which is then closed. */
  input?: string;
  /** The child is killed after this long (its run then fails with what it printed). */
  timeoutMs?: number;
  cwd?: string;
}

function parsed(code: number, stdout: string, stderr: string): StationRun {
  let json: unknown = null;
  try { json = JSON.parse(stdout); } catch { /* human output */ }
  return { code, stdout, stderr, json };
}

/** Starts `station ARGS` as a child process; the caller reads it and stops it by its handle. */
export function spawnStation(args: string[], options: SpawnOptions): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', STATION_CLI, ...args], options);
}

/** Runs `station ARGS` as a child process to its end. Never rejects for a failing command: the code says. */
export function runStation(args: string[], env: NodeJS.ProcessEnv, options: RunOptions = {}): Promise<StationRun> {
  const child = spawnStation(args, { env, cwd: options.cwd ?? root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => { stdout += t; });
  child.stderr!.setEncoding('utf8').on('data', (t: string) => { stderr += t; });
  child.stdin!.on('error', () => undefined); // a command that does not read stdin may exit before we write
  child.stdin!.end(options.input ?? '');
  const limit = options.timeoutMs ?? 90_000;
  const timer = setTimeout(() => {
    stderr += `\n[test harness: station ${args.join(' ')} killed after ${limit} ms]`;
    child.kill('SIGKILL');
  }, limit);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('close', (code) => { clearTimeout(timer); resolve(parsed(code ?? 1, stdout, stderr)); });
  });
}

/** runStation for a step that must succeed: rejects with the command's output when it exits non-zero. */
export async function runStationOk(args: string[], env: NodeJS.ProcessEnv, options: RunOptions = {}): Promise<StationRun> {
  const r = await runStation(args, env, options);
  if (r.code !== 0) throw new Error(`station ${args.join(' ')} exited ${r.code}\n${r.stderr}\n${r.stdout}`);
  return r;
}

/** Runs `station ARGS` in this process (cli/station.ts main), output captured. */
export async function runStationInProcess(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<StationRun> {
  // Loaded on first use: tests that only spawn the CLI do not load it all into their process.
  const { main } = await import('../../cli/station.ts');
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    env, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t),
    readStdin: async () => stdin, signal: new AbortController().signal,
  });
  return parsed(code, stdout, stderr);
}
