import { BadInputError } from '../../common/errors.ts';
import { systemClock } from '../../common/clock.ts';
import { defaultStationHome, loadConfig } from '../../core/config.ts';
import { checkLedger, exportFormat } from '../../core/ledger-tools.ts';
import { exportDay } from '../../core/day-report.ts';
import { loadReceiptSettings } from '../../core/receipt-settings.ts';
import { openStationDb } from '../../core/station-db.ts';
import { emit, stringOpt, type CliCommand, type CliIO } from '../command.ts';

async function withDb<T>(io: CliIO, fn: (db: Awaited<ReturnType<typeof openStationDb>>, stationId: string) => Promise<T>): Promise<T> {
  const home = defaultStationHome(io.env);
  const config = loadConfig(home);
  const db = await openStationDb(home, config);
  try {
    return await fn(db, config.stationId);
  } finally {
    await db.close();
  }
}

export const ledgerVerifyCommand: CliCommand = {
  path: ['ledger', 'verify'],
  summary: 'walk the hash chain, the double-entry balance, the per-shift and per-card invariants and every entry\'s payload; non-zero exit when any breaks',
  usage: 'station ledger verify [--json]',
  async run(input, io) {
    return withDb(io, async (db) => {
      const r = await checkLedger(db);
      if (r.ok) {
        emit(io, input.json, r, `Ledger OK: ${r.entries} entries, chain head ${r.headHash.slice(0, 16)}…, postings balance, one close per shift and nothing after it, one lost report per loss, every payload reads`);
        return 0;
      }
      const b = r.firstBreak!;
      const message = `Ledger broken at entry #${b.seq} (${b.entryId}): ${b.reason}`;
      if (input.json) io.stdout(`${JSON.stringify({ ...r, error: { code: 'LEDGER_BROKEN', message } }, null, 2)}\n`);
      // Invariant breaks are all listed: each is a booking to look into, not one point where the chain stops.
      // So are entries whose payload does not read (common/ledger-events.ts): each its own finding.
      const findings = [...r.invariantBreaks, ...r.unreadableEntries];
      const fromInvariants = findings[0]?.seq === b.seq && findings[0].reason === b.reason;
      const more = (fromInvariants ? findings.slice(1) : findings).map((x) => `  also entry #${x.seq} (${x.entryId}): ${x.reason}\n`).join('');
      const next = fromInvariants
        ? `the hash chain is intact, but the ledger records what the checks forbid${r.unreadableEntries.length > 0 ? ' or entries that do not read (receipts and the day report refuse them)' : ''}: report the incident with the entries named (a supervisor settles them with the clearing centre)`
        : `${r.entries} entries before it verify; restore the database from a backup or report the incident`;
      io.stderr(`station: ${message}\n${more}  → ${next}\n`);
      return 1;
    });
  },
};

export const ledgerExportCommand: CliCommand = {
  path: ['ledger', 'export'],
  summary: 'one China-local day of the ledger as CSV (UTF-8 BOM, fen columns), JSON, or the end-of-day PDF report',
  usage: 'station ledger export --day YYYY-MM-DD --format csv|json|pdf --out PATH',
  options: { day: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
  async run(input, io) {
    const day = stringOpt(input, 'day');
    if (day === undefined) throw new BadInputError('--day YYYY-MM-DD is required (the station\'s local day, China time)');
    const format = exportFormat(stringOpt(input, 'format'));
    const out = stringOpt(input, 'out');
    if (out === undefined) throw new BadInputError('--out PATH is required');
    const home = defaultStationHome(io.env);
    return withDb(io, async (db) => {
      const result = await exportDay(db, loadConfig(home), loadReceiptSettings(home), day, format, out, systemClock()); // the CLI's station clock is the system clock
      emit(io, input.json, { day, ...result }, `Wrote ${result.entries} entries of ${day} (China time) to ${result.out}${result.pages !== undefined ? ` (${result.pages} pages)` : ''}`);
      return 0;
    });
  },
};
