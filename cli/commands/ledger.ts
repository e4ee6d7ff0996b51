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
  summary: 'walk the hash chain and the double-entry balance; non-zero exit on the first break',
  usage: 'station ledger verify [--json]',
  async run(input, io) {
    return withDb(io, async (db) => {
      const r = await checkLedger(db);
      if (r.ok) {
        emit(io, input.json, r, `Ledger OK: ${r.entries} entries, chain head ${r.headHash.slice(0, 16)}…, postings balance`);
        return 0;
      }
      const b = r.firstBreak!;
      const message = `Ledger broken at entry #${b.seq} (${b.entryId}): ${b.reason}`;
      if (input.json) io.stdout(`${JSON.stringify({ ...r, error: { code: 'LEDGER_BROKEN', message } }, null, 2)}\n`);
      io.stderr(`station: ${message}\n  → ${r.entries} entries before it verify; restore the database from a backup or report the incident\n`);
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
