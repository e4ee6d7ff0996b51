/**
 * Printing through CUPS with its own command-line clients (lp, lpstat, cancel), run with
 * execFile — never a shell, so a queue or file name cannot inject anything. No native module
 * is needed, and the same binaries exist on every Linux counter PC.
 *
 * print(): check the queue can print (missing, paused, out of paper → PrinterError before a
 * job is queued), submit with lp, parse the job id, then poll lpstat until the job leaves the
 * not-completed list. If the queue stops while the job waits (paper runs out mid-job), that
 * fault is thrown with the job id; the job stays queued and prints when the printer is
 * resumed, unless the caller cancels it. The PDF is never deleted here: it is the receipt of
 * record for reprints.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { StationError } from '../../common/errors.ts';
import { parseAccepting, parseDestinations, parseJobIds, parsePrinterStatus, parseRequestId, queueFault, type QueueStatus } from './lpstat-parse.ts';
import { PrinterError } from './printer-error.ts';
import type { PrintJobOptions, PrintResult, Spooler } from './spooler.ts';

export interface CupsSpoolerOptions {
  /** Queue name (lpstat -e lists them). */
  queue: string;
  /** CUPS server: a unix socket path or host[:port]; default: the system's (tests pass a private one). */
  server?: string;
  /** How long to wait for the job to finish; default 30 s. */
  timeoutMs?: number;
  /** Poll interval while tracking; default 100 ms. */
  pollMs?: number;
  /** Paths of the clients, for machines that keep them elsewhere. */
  lpPath?: string;
  lpstatPath?: string;
  cancelPath?: string;
}

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a CUPS client in the C locale with the chosen server; ENOENT → not-installed. */
function runClient(file: string, args: string[], server: string | undefined, timeoutMs: number): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  if (server !== undefined) env['CUPS_SERVER'] = server;
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new PrinterError('not-installed', `The CUPS client "${file}" is not installed`, { cause: err }));
        return;
      }
      if (err && err.killed) {
        reject(new PrinterError('timeout', `"${file} ${args.join(' ')}" did not answer in ${timeoutMs} ms`, { cause: err }));
        return;
      }
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

export interface CupsQueueInfo extends QueueStatus {
  fault: ReturnType<typeof queueFault>;
}

const FAULT_TEXT = {
  paused: 'is paused',
  rejecting: 'is not accepting jobs',
  'out-of-paper': 'is out of paper',
  stopped: 'has stopped',
} as const;

export class CupsSpooler implements Spooler {
  readonly kind = 'cups' as const;
  readonly queue: string;
  private readonly opts: Required<Omit<CupsSpoolerOptions, 'server'>> & { server: string | undefined };

  constructor(opts: CupsSpoolerOptions) {
    if (!/^[^\s/#]+$/.test(opts.queue)) throw new StationError('BAD_INPUT', `Not a CUPS queue name: "${opts.queue}"`);
    this.queue = opts.queue;
    this.opts = {
      queue: opts.queue,
      server: opts.server,
      timeoutMs: opts.timeoutMs ?? 30_000,
      pollMs: opts.pollMs ?? 100,
      lpPath: opts.lpPath ?? 'lp',
      lpstatPath: opts.lpstatPath ?? 'lpstat',
      cancelPath: opts.cancelPath ?? 'cancel',
    };
  }

  private lpstat(args: string[]): Promise<Run> {
    return runClient(this.opts.lpstatPath, args, this.opts.server, 10_000);
  }

  /** Whether the scheduler answers (distinguishes "no such queue" from "CUPS is down"). */
  async schedulerRunning(): Promise<boolean> {
    const r = await this.lpstat(['-r']);
    return /scheduler is running/.test(r.stdout);
  }

  private async missing(detail: string): Promise<PrinterError> {
    if (!(await this.schedulerRunning())) {
      return new PrinterError('no-scheduler', `The printing service (CUPS) is not running, so "${this.queue}" cannot print`, { queue: this.queue });
    }
    return new PrinterError('missing', `Printer "${this.queue}" does not exist${detail ? ` (${detail})` : ''}`, { queue: this.queue });
  }

  /** The queue's state now; PrinterError missing/no-scheduler/not-installed if it cannot be asked. */
  async status(): Promise<CupsQueueInfo> {
    const p = await this.lpstat(['-l', '-p', this.queue]);
    const parsed = p.code === 0 ? parsePrinterStatus(p.stdout, this.queue) : null;
    if (!parsed) throw await this.missing(p.stderr.trim());
    const a = await this.lpstat(['-a', this.queue]);
    const accepting = parseAccepting(a.stdout, this.queue) ?? true;
    const status: QueueStatus = { ...parsed, accepting };
    return { ...status, fault: queueFault(status) };
  }

  private faultError(s: CupsQueueInfo, jobId: string | null): PrinterError {
    const fault = s.fault!;
    const said = s.message && !/^paused$/i.test(s.message) ? `: ${s.message}` : '';
    const reasons = s.reasons.length > 0 ? ` [${s.reasons.join(' ')}]` : '';
    const job = jobId ? ` (job ${jobId} is held in the queue)` : '';
    return new PrinterError(fault, `Printer "${this.queue}" ${FAULT_TEXT[fault]}${said}${reasons}${job}`, { queue: this.queue, jobId });
  }

  /** Throws the queue's fault, if it has one. */
  async assertReady(): Promise<CupsQueueInfo> {
    const s = await this.status();
    if (s.fault) throw this.faultError(s, null);
    return s;
  }

  async print(file: string, job: PrintJobOptions = {}): Promise<PrintResult> {
    const started = performance.now();
    if (!existsSync(file)) throw new StationError('STORAGE', `Nothing to print: ${file} does not exist`);
    await this.assertReady();
    const args = ['-d', this.queue];
    if (job.title) args.push('-t', job.title);
    if (job.copies && job.copies > 1) args.push('-n', String(job.copies));
    for (const [k, v] of Object.entries(job.options ?? {})) args.push('-o', `${k}=${v}`);
    // Absolute, so the path can never be read as an option.
    args.push(path.resolve(file));
    const r = await runClient(this.opts.lpPath, args, this.opts.server, 15_000);
    const jobId = r.code === 0 ? parseRequestId(r.stdout) : null;
    if (!jobId) {
      const text = (r.stderr || r.stdout).trim();
      if (/does not exist|Invalid destination/i.test(text)) throw await this.missing(text);
      if (/not accepting/i.test(text)) throw new PrinterError('rejecting', `Printer "${this.queue}" is not accepting jobs`, { queue: this.queue });
      if (/scheduler|connect/i.test(text)) throw await this.missing(text);
      throw new PrinterError('failed', `lp refused the job: ${text || `exit ${r.code}`}`, { queue: this.queue });
    }
    await this.track(jobId);
    return { spooler: 'cups', queue: this.queue, jobId, file, output: null, durationMs: Math.round(performance.now() - started) };
  }

  /** Waits until the job is no longer pending/processing; throws the queue's fault if it stops. */
  async track(jobId: string): Promise<void> {
    const deadline = performance.now() + this.opts.timeoutMs;
    for (let round = 0; ; round++) {
      const r = await this.lpstat(['-W', 'not-completed', '-o', this.queue]);
      if (r.code !== 0 && !(await this.schedulerRunning())) {
        throw new PrinterError('no-scheduler', `The printing service stopped while job ${jobId} was printing`, { queue: this.queue, jobId });
      }
      if (!parseJobIds(r.stdout).includes(jobId)) return;
      // The job waits: every few rounds, see whether the queue has stopped behind it.
      if (round % 3 === 2) {
        const s = await this.status();
        if (s.fault && s.fault !== 'rejecting') throw this.faultError(s, jobId);
      }
      if (performance.now() > deadline) {
        throw new PrinterError('timeout', `Job ${jobId} on "${this.queue}" did not finish in ${Math.round(this.opts.timeoutMs / 1000)} s`, { queue: this.queue, jobId });
      }
      await new Promise((res) => setTimeout(res, this.opts.pollMs));
    }
  }

  /** Cancels a held job (after a fault the operator chose to reprint later). */
  async cancel(jobId: string): Promise<void> {
    const r = await runClient(this.opts.cancelPath, [jobId], this.opts.server, 10_000);
    if (r.code !== 0) throw new PrinterError('failed', `cancel ${jobId}: ${(r.stderr || r.stdout).trim()}`, { queue: this.queue, jobId });
  }
}

/** Every CUPS queue with its state; [] when there are none. */
export async function listCupsQueues(opts: { server?: string; lpstatPath?: string } = {}): Promise<CupsQueueInfo[]> {
  const r = await runClient(opts.lpstatPath ?? 'lpstat', ['-e'], opts.server, 10_000);
  const names = r.code === 0 ? parseDestinations(r.stdout) : [];
  const out: CupsQueueInfo[] = [];
  for (const queue of names) {
    try {
      out.push(await new CupsSpooler({ queue, ...opts }).status());
    } catch (err) {
      // A queue removed between the two calls is simply not listed.
      if (!(err instanceof PrinterError && err.fault === 'missing')) throw err;
    }
  }
  return out;
}
