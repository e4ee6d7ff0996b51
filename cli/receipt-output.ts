/**
 * The receipt part of every money command: `--print` / `--no-print`, the receipt saved and
 * printed after the workflow (core/receipts.ts withReceipt), and what the operator is told.
 * A receipt or printer failure never changes the exit code: the money has moved, and a
 * non-zero exit could make a script repeat the transaction. It is said on stderr (and in the
 * JSON as `receiptError` / `print.error`) with the reprint command.
 */
import { BadInputError } from '../common/errors.ts';
import { withReceipt, type PrintChoice, type ReceiptOutcome } from '../core/receipts.ts';
import type { Station } from '../core/station.ts';
import type { CliIO, CommandInput, OptionSpec } from './command.ts';

export const PRINT_OPTIONS: OptionSpec = {
  print: { type: 'boolean' },
  'no-print': { type: 'boolean' },
};

/** Default: print when a printer is configured (`station printer set`); --print insists, --no-print skips. */
export function printChoice(input: CommandInput): PrintChoice {
  const yes = input.values.print === true;
  const no = input.values['no-print'] === true;
  if (yes && no) throw new BadInputError('give --print or --no-print, not both');
  return yes ? 'always' : no ? 'never' : 'auto';
}

/** Human lines about the receipt (stdout), and warnings (stderr). */
export function receiptLines(io: CliIO, r: ReceiptOutcome, json: boolean): string[] {
  const lines: string[] = [];
  if (r.receipt !== null) lines.push(`  receipt ${r.receipt}`);
  const p = r.print;
  if (p?.ok) lines.push(p.spooler === 'cups' ? `  printed on ${p.queue} (job ${p.jobId})` : `  printed to ${p.output}`);
  const warn = (text: string): void => io.stderr(`station: warning: ${text}\n`);
  if (r.receiptError) warn(`${r.receiptError.message}\n  → ${r.receiptError.hint}`);
  if (p && !p.ok && p.error) {
    const again = r.receiptEntryId ? `station receipt reprint --entry ${r.receiptEntryId}` : 'station receipt reprint --entry ENTRY';
    warn(`the transaction is recorded, but the receipt was not printed: ${p.error.message}${p.error.hint ? `\n  → ${p.error.hint}` : ''}\n  → the receipt is kept at ${r.receipt ?? '(not saved)'}; print it again with: ${again}`);
  }
  return json ? [] : lines;
}

export async function attachReceipt<T extends object>(station: Station, io: CliIO, input: CommandInput, result: T): Promise<T & ReceiptOutcome> {
  return withReceipt(station, result, printChoice(input), io.env);
}
