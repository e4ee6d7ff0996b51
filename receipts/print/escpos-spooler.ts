/**
 * A thermal receipt printer spoken to in ESC/POS, without a driver: over TCP (port 9100, the
 * "raw" port of network printers), a USB printer's device node (/dev/usb/lp0, the kernel's
 * usblp) or a serial port (serial:/dev/ttyS0). The receipt is the content blocks laid out for
 * the printer (receipts/escpos/receipt-escpos.ts), not the PDF: the PDF stays the file of
 * record for reprints, exactly as with CUPS.
 *
 * Over TCP the printer's status is read before a job (DLE EOT 1/2/4): paper out or the cover
 * open is a PrinterError before anything is sent, so the job is not half-printed and the
 * receipt is reprinted whole. A device node or serial port is written only: the usblp and tty
 * drivers do not give a read with a deadline to plain Node, so their status is not known here
 * (the UI says so) and a fault shows only as a write error. A serial port's speed is the
 * port's setting (stty or udev), which the printer's self-test page states.
 */
import { open } from 'node:fs/promises';
import net from 'node:net';
import { BadInputError } from '../../common/errors.ts';
import { DRAWER_PULSE, statusRequest } from '../escpos/commands.ts';
import { receiptEscpos, type EscposOptions } from '../escpos/receipt-escpos.ts';
import { parseStatus, STATUS_QUERIES, type EscposStatus } from '../escpos/status.ts';
import type { PaperWidth } from '../receipt-types.ts';
import { PrinterError } from './printer-error.ts';
import type { PrintJobOptions, PrintResult, Spooler } from './spooler.ts';

export type EscposTarget =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'device'; path: string }
  | { kind: 'serial'; path: string };

/** `tcp://host[:port]` (default 9100), an absolute device path, or `serial:PATH`. */
export function parseEscposTarget(text: string): EscposTarget {
  const t = text.trim();
  const tcp = /^tcp:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?\/?$/.exec(t);
  if (tcp) {
    const port = tcp[2] === undefined ? 9100 : Number(tcp[2]);
    if (port < 1 || port > 65535) throw new BadInputError(`port ${port} is out of range in "${t}"`, 'A network receipt printer listens on tcp://ADDRESS:9100');
    return { kind: 'tcp', host: tcp[1]!.replace(/^\[|\]$/g, ''), port };
  }
  const serial = /^serial:(\/.+)$/.exec(t);
  if (serial) return { kind: 'serial', path: serial[1]! };
  if (/^\/\S+$/.test(t)) return { kind: 'device', path: t };
  throw new BadInputError(`not an ESC/POS printer address: "${text}"`, 'Use tcp://ADDRESS:9100, a device such as /dev/usb/lp0, or serial:/dev/ttyS0');
}

export function formatEscposTarget(t: EscposTarget): string {
  return t.kind === 'tcp' ? `tcp://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}` : t.kind === 'serial' ? `serial:${t.path}` : t.path;
}

export interface EscposSpoolerOptions extends Omit<EscposOptions, 'paper'> {
  target: EscposTarget;
  paper: PaperWidth;
  /** Connect and status deadline; default 3 s. */
  timeoutMs?: number;
}

/** One TCP conversation: write, and read exactly n answer bytes before a deadline. */
class TcpLink {
  private readonly received: number[] = [];
  private waiter: (() => void) | null = null;
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => { this.received.push(...d); this.waiter?.(); });
    socket.on('error', (err) => { this.failure = err; this.waiter?.(); });
    socket.on('close', () => { this.failure ??= new Error('the printer closed the connection'); this.waiter?.(); });
  }

  static connect(host: string, port: number, timeoutMs: number): Promise<TcpLink> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => { socket.destroy(); reject(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })); }, timeoutMs);
      socket.once('connect', () => { clearTimeout(timer); socket.setNoDelay(true); resolve(new TcpLink(socket)); });
      socket.once('error', (err) => { clearTimeout(timer); reject(err); });
    });
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  async read(n: number, timeoutMs: number): Promise<number[] | null> {
    const deadline = performance.now() + timeoutMs;
    while (this.received.length < n) {
      if (this.failure) throw this.failure;
      const left = deadline - performance.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
      this.waiter = null;
    }
    return this.received.splice(0, n);
  }

  /** Ends our side once everything written has left, and waits for the printer to close. */
  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) { resolve(); return; }
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => { this.socket.destroy(); resolve(); }, 2_000).unref();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export class EscposSpooler implements Spooler {
  readonly kind = 'escpos' as const;
  readonly name: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: EscposSpoolerOptions) {
    this.name = formatEscposTarget(opts.target);
    this.timeoutMs = opts.timeoutMs ?? 3_000;
  }

  private offline(err: unknown): PrinterError {
    const code = (err as NodeJS.ErrnoException).code;
    return new PrinterError('offline', `The receipt printer ${this.name} cannot be reached${code ? ` (${code})` : ''}: ${(err as Error).message}`, { queue: this.name, cause: err });
  }

  private async withTcp<T>(fn: (link: TcpLink) => Promise<T>): Promise<T> {
    const t = this.opts.target;
    if (t.kind !== 'tcp') throw new Error('not a network printer');
    let link: TcpLink;
    try {
      link = await TcpLink.connect(t.host, t.port, this.timeoutMs);
    } catch (err) {
      throw this.offline(err);
    }
    try {
      const out = await fn(link);
      await link.end();
      return out;
    } catch (err) {
      link.destroy();
      throw err instanceof PrinterError ? err : this.offline(err);
    }
  }

  private async readStatus(link: TcpLink): Promise<EscposStatus | null> {
    await link.write(Uint8Array.from(STATUS_QUERIES.flatMap((n) => statusRequest(n))));
    const answer = await link.read(3, this.timeoutMs);
    return answer === null ? null : parseStatus(answer);
  }

  /** Writes to a device node or serial port (no status: see the file header). */
  private async writeDevice(bytes: Uint8Array): Promise<void> {
    const t = this.opts.target;
    if (t.kind === 'tcp') throw new Error('not a device');
    let handle;
    try {
      handle = await open(t.path, 'a');
    } catch (err) {
      throw this.offline(err);
    }
    try {
      await handle.write(bytes);
    } catch (err) {
      throw new PrinterError('failed', `Writing to the receipt printer ${this.name} failed: ${(err as Error).message}`, { queue: this.name, cause: err });
    } finally {
      await handle.close();
    }
  }

  /**
   * The printer's status, or null where it cannot be read (device node, serial port, or a
   * network printer that does not answer DLE EOT). An unreachable printer is a PrinterError.
   */
  async status(): Promise<EscposStatus | null> {
    if (this.opts.target.kind !== 'tcp') return null;
    return this.withTcp((link) => this.readStatus(link));
  }

  /** Refuses before sending when the status says the job cannot print. */
  private check(s: EscposStatus | null): void {
    if (s === null) return;
    if (s.paperOut) throw new PrinterError('out-of-paper', `The receipt printer ${this.name} is out of paper`, { queue: this.name });
    if (s.coverOpen) throw new PrinterError('cover-open', `The receipt printer ${this.name} has its cover open`, { queue: this.name });
    if (s.error || s.offline) throw new PrinterError('offline', `The receipt printer ${this.name} is offline (error state)`, { queue: this.name });
  }

  /** Sends bytes as one job; over TCP after a status check. */
  async send(bytes: Uint8Array, checkFirst = true): Promise<EscposStatus | null> {
    if (this.opts.target.kind !== 'tcp') {
      await this.writeDevice(bytes);
      return null;
    }
    return this.withTcp(async (link) => {
      const s = checkFirst ? await this.readStatus(link) : null;
      this.check(s);
      await link.write(bytes);
      return s;
    });
  }

  /** The receipt's content blocks (job.blocks) as ESC/POS; `file` is the PDF of record, named in the result. */
  async print(file: string, job: PrintJobOptions = {}): Promise<PrintResult> {
    const started = performance.now();
    if (!job.blocks) throw new PrinterError('failed', 'An ESC/POS printer prints a receipt from its content blocks; none were given', { queue: this.name });
    const bytes = receiptEscpos(job.blocks, this.opts);
    const copies = Math.max(1, job.copies ?? 1);
    for (let c = 0; c < copies; c++) await this.send(bytes);
    return { spooler: 'escpos', queue: this.name, jobId: null, file, output: null, durationMs: Math.round(performance.now() - started) };
  }

  /**
   * Opens the cash drawer (ESC p on the kick-out connector). No status check first: the drawer
   * opens without paper, and the cash must go in even when the roll ran out.
   */
  async kickDrawer(): Promise<void> {
    await this.send(Uint8Array.from(DRAWER_PULSE), false);
  }
}
