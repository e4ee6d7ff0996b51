/**
 * Reading what lp and lpstat print. The commands run with LC_ALL=C (their messages are
 * translated otherwise: "打印机 X 目前空闲"), so these parse the English forms only.
 */

export interface QueueStatus {
  name: string;
  state: 'idle' | 'printing' | 'disabled';
  /** printer-state-reasons from the "Alerts:" line, e.g. ["media-empty-error", "paused"]. */
  reasons: string[];
  /** The state message under a disabled printer ("Out of paper", "Paused"), if any. */
  message: string | null;
  accepting: boolean;
}

/** "request id is Receipt-12 (1 file(s))" → "Receipt-12". */
export function parseRequestId(stdout: string): string | null {
  const m = /request id is (\S+)/.exec(stdout);
  return m ? m[1]! : null;
}

/** `lpstat -e`: one destination per line. */
export function parseDestinations(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.includes(' '));
}

/**
 * `lpstat -l -p QUEUE`:
 *   printer Q is idle.  enabled since …
 *   printer Q now printing Q-5.  enabled since …
 *   printer Q disabled since … -
 *   \tOut of paper
 *   \tAlerts: media-empty-error paused
 */
export function parsePrinterStatus(stdout: string, name: string): Omit<QueueStatus, 'accepting'> | null {
  const lines = stdout.split('\n');
  const head = lines.findIndex((l) => l.startsWith(`printer ${name} `));
  if (head < 0) return null;
  const first = lines[head]!;
  const state: QueueStatus['state'] = / disabled since /.test(first) ? 'disabled' : / now printing /.test(first) ? 'printing' : 'idle';
  let message: string | null = null;
  let reasons: string[] = [];
  for (let i = head + 1; i < lines.length && lines[i]!.startsWith('\t'); i++) {
    const l = lines[i]!.trim();
    if (l.startsWith('Alerts:')) {
      reasons = l.slice('Alerts:'.length).trim().split(/\s+/).filter((r) => r !== '' && r !== 'none');
    } else if (i === head + 1 && state === 'disabled' && !/^[A-Z][a-z ]+:/.test(l)) {
      message = l;
    }
  }
  return { name, state, reasons, message };
}

/** `lpstat -a QUEUE`: "Q accepting requests since …" / "Q not accepting requests since …". */
export function parseAccepting(stdout: string, name: string): boolean | null {
  for (const l of stdout.split('\n')) {
    if (l.startsWith(`${name} not accepting`)) return false;
    if (l.startsWith(`${name} accepting`)) return true;
  }
  return null;
}

/** `lpstat -W not-completed -o QUEUE`: the job ids still pending, held or printing. */
export function parseJobIds(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => /^(\S+-\d+)\s/.exec(l)?.[1])
    .filter((id): id is string => id !== undefined);
}

const PAPER_REASONS = /^(media-empty|media-needed|media-jam|marker-supply-empty|input-tray-missing)/;

/**
 * The fault a queue shows, or null when it can print. A disabled queue whose only reason is
 * "paused" was paused (by a person, or by the scheduler after a job failed — lpstat cannot
 * tell these apart; the state message, kept in the error, says which). Any other reason on a
 * disabled queue (offline-report, other-error, …) means the device itself stopped.
 */
export function queueFault(s: QueueStatus): 'paused' | 'rejecting' | 'out-of-paper' | 'stopped' | null {
  if (s.reasons.some((r) => PAPER_REASONS.test(r))) return 'out-of-paper';
  if (s.state === 'disabled') return s.reasons.every((r) => r === 'paused') ? 'paused' : 'stopped';
  if (s.reasons.some((r) => r.endsWith('-error'))) return 'stopped';
  if (!s.accepting) return 'rejecting';
  return null;
}
