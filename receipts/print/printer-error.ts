/**
 * Printing failures as the operator needs them: what is wrong with which printer, and what to
 * do. The receipt PDF is already on disk when any of these is thrown, so the hint can always
 * say "reprint" — nothing is lost.
 */
import { StationError } from '../../common/errors.ts';

export type PrinterFault =
  /** No queue of that name (or CUPS knows no printers at all). */
  | 'missing'
  /** The queue is disabled/paused by someone (cupsdisable, the printer's pause button). */
  | 'paused'
  /** The queue is refusing new jobs (cupsreject). */
  | 'rejecting'
  /** The printer reports no paper (media-empty / media-needed / jam). */
  | 'out-of-paper'
  /** The scheduler stopped the queue after a fault (backend failed, printer offline). */
  | 'stopped'
  /** The CUPS scheduler is not running or not reachable. */
  | 'no-scheduler'
  /** lp/lpstat are not installed. */
  | 'not-installed'
  /** The job did not finish in time. */
  | 'timeout'
  /** lp refused the job for another reason (message included). */
  | 'failed'
  /** An ESC/POS printer cannot be reached (network, cable, power) or reports an error state. */
  | 'offline'
  /** An ESC/POS printer reports its cover open. */
  | 'cover-open';

const HINTS: Record<PrinterFault, string> = {
  missing: 'Check the printer name in the station settings (`station doctor` lists the queues)',
  paused: 'Resume the printer (cupsenable QUEUE, or the printer settings), then reprint the receipt',
  rejecting: 'Let the queue accept jobs again (cupsaccept QUEUE), then reprint the receipt',
  'out-of-paper': 'Load a new paper roll, resume the printer, then reprint the receipt',
  stopped: 'Check that the printer is on and connected, resume the queue, then reprint the receipt',
  'no-scheduler': 'Start the printing service (systemctl start cups), then reprint the receipt',
  'not-installed': 'Install CUPS (apt-get install cups cups-client), or use the file spooler',
  timeout: 'The printer is slow or stuck: check it, then reprint the receipt if nothing came out',
  failed: 'Check the printer, then reprint the receipt',
  offline: 'Check that the receipt printer is switched on and its cable or network is plugged in, then reprint the receipt',
  'cover-open': 'Close the receipt printer\'s cover, then reprint the receipt',
};

export class PrinterError extends StationError {
  readonly fault: PrinterFault;
  readonly queue: string | null;
  /** CUPS job id when the job was submitted before the fault showed. */
  readonly jobId: string | null;

  constructor(fault: PrinterFault, message: string, details: { queue?: string | null; jobId?: string | null; cause?: unknown } = {}) {
    super('PRINTER', message, HINTS[fault], details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PrinterError';
    this.fault = fault;
    this.queue = details.queue ?? null;
    this.jobId = details.jobId ?? null;
  }
}
