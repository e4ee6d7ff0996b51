/**
 * Numbered, forward-only migrations. Each runs in its own transaction and is recorded in
 * schema_migrations; a database newer than this code is refused rather than guessed at.
 */
import { systemClock } from '../common/clock.ts';
import { StationError } from '../common/errors.ts';
import { GENESIS_HASH } from '../common/ledger-hash.ts';
import type { Database } from './sqlite.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * Rebuilds tables that others reference (SQLite's documented procedure for changes ALTER
   * TABLE cannot make): foreign keys are switched off around the migration's transaction —
   * the pragma is a no-op inside one — and `PRAGMA foreign_key_check` must come back empty
   * before it commits.
   */
  rebuildsTables?: boolean;
}

const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_append_only_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;
CREATE TRIGGER ${table}_append_only_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;`;

/** The ledger's entry table (migration 1; rebuilt by migration 4 without the UNIQUE index on hash). */
const ledgerEntriesTable = (name: string, opts: { uniqueHash: boolean }): string => `CREATE TABLE ${name} (
  seq         INTEGER PRIMARY KEY CHECK (seq >= 1),
  entry_id    TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL,
  at          TEXT NOT NULL,
  station_id  TEXT NOT NULL,
  operator_id TEXT,
  shift_id    TEXT,
  card_ref    TEXT,
  amount_fen  INTEGER NOT NULL,
  payload     TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL${opts.uniqueHash ? ' UNIQUE' : ''}
) STRICT;`;

/** The double-entry lines (migration 1; rebuilt WITHOUT ROWID by migration 4). */
const postingsTable = (name: string, opts: { withoutRowid: boolean }): string => `CREATE TABLE ${name} (
  entry_seq  INTEGER NOT NULL REFERENCES ledger_entries(seq),
  line       INTEGER NOT NULL CHECK (line >= 1),
  account    TEXT NOT NULL,
  debit_fen  INTEGER NOT NULL CHECK (debit_fen >= 0),
  credit_fen INTEGER NOT NULL CHECK (credit_fen >= 0),
  CHECK ((debit_fen = 0) <> (credit_fen = 0)),
  PRIMARY KEY (entry_seq, line)
) STRICT${opts.withoutRowid ? ', WITHOUT ROWID' : ''};`;

/**
 * The `ledger_append` view and its INSTEAD OF trigger (migration 3; rebuilt by migration 4 without
 * the outbox row). One INSERT into the view writes an event whole: the entry (checked against the
 * chain head it was hashed onto), its postings (which must balance), the card op it closes and
 * its audit line. Every guard RAISEs, which undoes the whole statement.
 */
const ledgerAppend = (opts: { outboxRow: boolean; requestKey?: boolean }): string => `CREATE VIEW ledger_append AS SELECT
  NULL AS seq, NULL AS entry_id, NULL AS kind, NULL AS at, NULL AS station_id, NULL AS operator_id, NULL AS shift_id,
  NULL AS card_ref, NULL AS amount_fen, NULL AS payload, NULL AS prev_hash, NULL AS hash,
  NULL AS postings, NULL AS op_id, NULL AS audit_action, NULL AS audit_details${opts.requestKey === true ? ', NULL AS request_key' : ''}
WHERE 0;

CREATE TRIGGER ledger_append_insert INSTEAD OF INSERT ON ledger_append
BEGIN
  SELECT RAISE(ABORT, 'ledger_append: chain head moved')
  WHERE (SELECT COALESCE(MAX(seq), 0) FROM ledger_entries) <> NEW.seq - 1
     OR COALESCE((SELECT hash FROM ledger_entries WHERE seq = NEW.seq - 1), '${GENESIS_HASH}') <> NEW.prev_hash;
  SELECT RAISE(ABORT, 'ledger_append: postings do not balance')
  WHERE (SELECT SUM(json_extract(value, '$[1]')) - SUM(json_extract(value, '$[2]')) FROM json_each(NEW.postings)) <> 0;
  SELECT RAISE(ABORT, 'ledger_append: card operation is not open')
  WHERE NEW.op_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM card_ops WHERE op_id = NEW.op_id AND state IN ('intent', 'card_committed', 'in_doubt'));
  INSERT INTO ledger_entries (seq, entry_id, kind, at, station_id, operator_id, shift_id, card_ref, amount_fen, payload, prev_hash, hash)
  VALUES (NEW.seq, NEW.entry_id, NEW.kind, NEW.at, NEW.station_id, NEW.operator_id, NEW.shift_id, NEW.card_ref, NEW.amount_fen, NEW.payload, NEW.prev_hash, NEW.hash);
  INSERT INTO postings (entry_seq, line, account, debit_fen, credit_fen)
  SELECT NEW.seq, key + 1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(NEW.postings);
${opts.outboxRow ? OUTBOX_ROW : ''}  UPDATE card_ops SET state = 'recorded', entry_id = NEW.entry_id, updated_at = NEW.at WHERE NEW.op_id IS NOT NULL AND op_id = NEW.op_id;
  INSERT INTO audit (at, actor, action, outcome, details)
  SELECT NEW.at, NEW.operator_id, NEW.audit_action, 'ok', NEW.audit_details WHERE NEW.audit_action IS NOT NULL;
${opts.requestKey === true ? REQUEST_KEY_BOOKED : ''}END;
`;
/** Migration 6: the booking marks the idempotency key of the request that made it, in the same statement. */
const REQUEST_KEY_BOOKED = `  UPDATE idempotency_keys SET booked = COALESCE(booked || ' ', '') || NEW.entry_id, updated_at = NEW.at
  WHERE NEW.request_key IS NOT NULL AND key = NEW.request_key;
`;
const OUTBOX_ROW = "  INSERT INTO outbox (entry_seq, state, updated_at) VALUES (NEW.seq, 'pending', NEW.at);\n";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ledger, intents, outbox, registry, staff, shifts, audit',
    sql: `
${ledgerEntriesTable('ledger_entries', { uniqueHash: true })}
CREATE INDEX ledger_by_card ON ledger_entries(card_ref);
CREATE INDEX ledger_by_at ON ledger_entries(at);
${appendOnly('ledger_entries')}

${postingsTable('postings', { withoutRowid: false })}
CREATE INDEX postings_by_account ON postings(account);
${appendOnly('postings')}

CREATE TABLE card_ops (
  op_id         TEXT PRIMARY KEY,
  workflow      TEXT NOT NULL,
  card_ref      TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('intent', 'card_committed', 'recorded', 'aborted', 'in_doubt')),
  amount_fen    INTEGER NOT NULL,
  operator_id   TEXT,
  shift_id      TEXT,
  request       TEXT NOT NULL,
  evidence      TEXT,
  entry_id      TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX card_ops_open ON card_ops(card_ref) WHERE state IN ('intent', 'card_committed', 'in_doubt');

CREATE TABLE outbox (
  entry_seq       INTEGER PRIMARY KEY REFERENCES ledger_entries(seq),
  state           TEXT NOT NULL CHECK (state IN ('pending', 'acked', 'quarantined')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT,
  updated_at      TEXT NOT NULL
) STRICT;

CREATE TABLE cards (
  card_ref        TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('cpu', 'm1')),
  city_code       TEXT,
  status          TEXT NOT NULL CHECK (status IN ('active', 'lost', 'blocked', 'refunded', 'migrated', 'replaced', 'damaged')),
  deposit_fen     INTEGER NOT NULL DEFAULT 0 CHECK (deposit_fen >= 0),
  registered      INTEGER NOT NULL DEFAULT 0 CHECK (registered IN (0, 1)),
  holder_name     TEXT,
  id_number_masked TEXT,
  id_number_hash  TEXT,
  phone_masked    TEXT,
  issued_at       TEXT,
  updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX cards_by_id_hash ON cards(id_number_hash);

CREATE TABLE blacklist (
  card_ref  TEXT PRIMARY KEY,
  reason    TEXT NOT NULL,
  source    TEXT NOT NULL CHECK (source IN ('local', 'upstream')),
  listed_at TEXT NOT NULL
) STRICT;

CREATE TABLE requests (
  request_id  TEXT PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('replacement', 'damaged')),
  card_ref    TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('waiting', 'ready', 'done', 'cancelled')),
  ready_after TEXT NOT NULL,
  details     TEXT NOT NULL,
  entry_id    TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE staff (
  staff_id        TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  role            TEXT NOT NULL CHECK (role IN ('operator', 'supervisor', 'admin')),
  pin_salt        TEXT NOT NULL,
  pin_hash        TEXT NOT NULL,
  failed_attempts INTEGER NOT NULL DEFAULT 0,
  locked_until    TEXT,
  active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at      TEXT NOT NULL
) STRICT;

CREATE TABLE shifts (
  shift_id       TEXT PRIMARY KEY,
  operator_id    TEXT NOT NULL REFERENCES staff(staff_id),
  opened_at      TEXT NOT NULL,
  float_fen      INTEGER NOT NULL CHECK (float_fen >= 0),
  closed_at      TEXT,
  counted        TEXT,
  counted_fen    INTEGER,
  expected_fen   INTEGER,
  difference_fen INTEGER,
  signed_off_by  TEXT,
  signed_off_at  TEXT
) STRICT;
CREATE UNIQUE INDEX one_open_shift_per_operator ON shifts(operator_id) WHERE closed_at IS NULL;

CREATE TABLE audit (
  seq     INTEGER PRIMARY KEY,
  at      TEXT NOT NULL,
  actor   TEXT,
  action  TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'error')),
  details TEXT NOT NULL
) STRICT;
${appendOnly('audit')}

CREATE TABLE params (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
`,
  },
  {
    version: 2,
    name: 'sync: relay state, day checkpoints, blacklist reports',
    sql: `
CREATE TABLE sync_state (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE sync_days (
  day        TEXT PRIMARY KEY,
  first_seq  INTEGER NOT NULL,
  last_seq   INTEGER NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('acknowledged', 'mismatch', 'incomplete', 'error')),
  answer     TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE sync_blacklist_reports (
  card_ref    TEXT PRIMARY KEY,
  request_id  TEXT NOT NULL UNIQUE,
  action      TEXT NOT NULL CHECK (action IN ('add', 'remove')),
  reason      TEXT NOT NULL,
  reported_at TEXT
) STRICT;

CREATE INDEX outbox_by_state ON outbox(state, entry_seq);
`,
  },
  {
    version: 3,
    name: 'ledger_append: a business event in one statement',
    // One INSERT into this view writes an event whole: the entry (checked against the chain
    // head it was hashed onto), its postings (which must balance), its outbox row, the card op
    // it closes and its audit line. One statement is one round trip into node-sqlite3's thread
    // pool, and on its own (autocommit) one durable transaction. The hash is computed by the
    // station (common/ledger-hash.ts) and only checked for its link here. Every guard RAISEs,
    // which undoes the whole statement; the append-only triggers still hold for what it writes.
    sql: `
${ledgerAppend({ outboxRow: true })}`,
  },
  {
    version: 4,
    name: 'ledger write path: fewer pages per event (outbox as the ack cursor, postings without rowid, no index on hash)',
    rebuildsTables: true,
    // Every index an event touches is one more 4 KiB page in the WAL and in the fsync that makes
    // the event durable. Three of migration 1's were redundant:
    //  - hash UNIQUE: ledger_append refuses an entry that does not link to the head's hash, and
    //    each hash covers its seq, so hashes are unique by construction; nothing looks one up.
    //  - postings: a rowid table plus its (entry_seq, line) key is two b-trees for one; WITHOUT
    //    ROWID stores the lines in key order. postings_by_account served no query that does not
    //    scan anyway (sums by account read every line; shift sums start from the entries).
    //  - outbox rows: the relay uploads in seq order and the host's ackSeq (sync_state) already
    //    says which entries are held, so a row per entry only restated "seq > ack_seq". What the
    //    cursor cannot say — an entry quarantined with its reason — gets its own table, and
    //    `outbox` becomes a view with the same columns and states as before.
    // Before: ~11 dirty pages per event; after: ~6 (entry + 3 indexes, postings, audit).
    sql: `
DROP TRIGGER ledger_append_insert;
DROP VIEW ledger_append;

${ledgerEntriesTable('ledger_entries_v4', { uniqueHash: false })}
INSERT INTO ledger_entries_v4 (seq, entry_id, kind, at, station_id, operator_id, shift_id, card_ref, amount_fen, payload, prev_hash, hash)
  SELECT seq, entry_id, kind, at, station_id, operator_id, shift_id, card_ref, amount_fen, payload, prev_hash, hash FROM ledger_entries ORDER BY seq;

${postingsTable('postings_v4', { withoutRowid: true })}
INSERT INTO postings_v4 (entry_seq, line, account, debit_fen, credit_fen)
  SELECT entry_seq, line, account, debit_fen, credit_fen FROM postings ORDER BY entry_seq, line;

CREATE TABLE sync_quarantine (
  entry_seq      INTEGER PRIMARY KEY REFERENCES ledger_entries(seq),
  reason         TEXT NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  quarantined_at TEXT NOT NULL
) STRICT;
INSERT INTO sync_quarantine (entry_seq, reason, attempts, quarantined_at)
  SELECT entry_seq, COALESCE(last_error, ''), MAX(attempts, 1), updated_at FROM outbox WHERE state = 'quarantined';

-- The cursor must cover what the old rows said was acked (it always did: both moved together).
INSERT INTO sync_state (key, value, updated_at)
  SELECT 'ack_seq', CAST(MAX(entry_seq) AS TEXT), MAX(updated_at) FROM outbox WHERE state = 'acked'
  HAVING MAX(entry_seq) IS NOT NULL
  ON CONFLICT (key) DO UPDATE SET value = CAST(MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT);

DROP TABLE outbox;
DROP TABLE postings;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_v4 RENAME TO ledger_entries;
ALTER TABLE postings_v4 RENAME TO postings;
CREATE INDEX ledger_by_card ON ledger_entries(card_ref);
CREATE INDEX ledger_by_at ON ledger_entries(at);
${appendOnly('ledger_entries')}
${appendOnly('postings')}

CREATE VIEW outbox AS SELECT
  e.seq AS entry_seq,
  CASE WHEN q.entry_seq IS NOT NULL THEN 'quarantined'
       WHEN e.seq <= COALESCE((SELECT CAST(value AS INTEGER) FROM sync_state WHERE key = 'ack_seq'), 0) THEN 'acked'
       ELSE 'pending' END AS state,
  COALESCE(q.attempts, 0) AS attempts,
  q.reason AS last_error,
  COALESCE(q.quarantined_at, e.at) AS updated_at
FROM ledger_entries e LEFT JOIN sync_quarantine q ON q.entry_seq = e.seq;

${ledgerAppend({ outboxRow: false })}`,
  },
  {
    version: 5,
    name: 'checks inside the write: no entry or intent in a closed shift, one close per shift, one lost report per loss, idempotency keys',
    // Parallel requests (issue 14) checked a fact, awaited, then wrote: four shift closes, four
    // lost reports and a top-up after its shift's close all passed. These guards run inside the
    // statement that writes the event, so the second of two racing writers is refused whatever
    // the order (docs/RELIABILITY.md "Checks inside the write"). Each RAISE text starts with
    // 'refused:'; db/sqlite.ts storageError turns it into the typed refusal.
    // Triggers rather than unique indexes where a station that already has the duplicates (the
    // bug's own ledgers) must still migrate; \`station ledger verify\` names those.
    sql: `
CREATE TRIGGER ledger_entries_shift_open BEFORE INSERT ON ledger_entries
WHEN NEW.shift_id IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'refused: shift closed')
  WHERE EXISTS (SELECT 1 FROM shifts WHERE shift_id = NEW.shift_id AND closed_at IS NOT NULL);
END;

CREATE INDEX ledger_shift_close ON ledger_entries(shift_id) WHERE kind = 'shift_close';
CREATE TRIGGER ledger_entries_one_close BEFORE INSERT ON ledger_entries
WHEN NEW.kind = 'shift_close'
BEGIN
  SELECT RAISE(ABORT, 'refused: shift closed')
  WHERE EXISTS (SELECT 1 FROM ledger_entries WHERE kind = 'shift_close' AND shift_id = NEW.shift_id);
END;

CREATE TRIGGER ledger_entries_one_lost_report BEFORE INSERT ON ledger_entries
WHEN NEW.kind = 'lost_report'
BEGIN
  SELECT RAISE(ABORT, 'refused: card already lost')
  WHERE EXISTS (SELECT 1 FROM cards WHERE card_ref = NEW.card_ref AND status = 'lost');
END;

CREATE TRIGGER card_ops_shift_open BEFORE INSERT ON card_ops
WHEN NEW.shift_id IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'refused: shift closed')
  WHERE EXISTS (SELECT 1 FROM shifts WHERE shift_id = NEW.shift_id AND closed_at IS NOT NULL);
END;

CREATE TRIGGER shifts_close_once BEFORE UPDATE OF closed_at ON shifts
WHEN OLD.closed_at IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'refused: shift closed');
END;

CREATE TABLE idempotency_keys (
  key            TEXT PRIMARY KEY,
  method         TEXT NOT NULL,
  actor          TEXT NOT NULL,
  request_digest TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('pending', 'done')),
  answer         TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
) STRICT;
`,
  },
  {
    version: 6,
    name: 'a booking marks its request\'s idempotency key in the same statement',
    // The key's claim and answer were separate writes from the booking (issue 14): between the
    // booking and the stored answer the key said only "pending", so a refusal after a booking
    // gave the key back (a repeat could book again) and an answer that could not be stored left
    // a repeat guessing. Now ledger_append's one statement also lists the entry on the key of
    // the request that wrote it (`booked`, entry ids): a key with a booking is never given back,
    // and a repeat finds what was booked (core/idempotency.ts; docs/RELIABILITY.md "Idempotency keys").
    sql: `
ALTER TABLE idempotency_keys ADD COLUMN booked TEXT;
DROP TRIGGER ledger_append_insert;
DROP VIEW ledger_append;
${ledgerAppend({ outboxRow: false, requestKey: true })}`,
  },
  {
    version: 7,
    name: 'the registry keeps each card\'s type and its 年审 verified-until date',
    // Issue 17 item 2 (docs/COUNTER-RULES.md §2): the type sold (EF 0015 byte 28: 00 普通卡,
    // 01 学生卡, 02 老年卡, 03 爱心卡; older rows are 普通卡) and the verified-until date the
    // card's concession file holds, written with the entry that records the sale or the 年审.
    sql: `
ALTER TABLE cards ADD COLUMN card_type TEXT NOT NULL DEFAULT '00' CHECK (card_type IN ('00', '01', '02', '03'));
ALTER TABLE cards ADD COLUMN verified_until TEXT;
`,
  },
  {
    version: 8,
    name: 'blank-card stock by serial (issue 17 item 3)',
    // One row per blank card the center delivered (docs/COUNTER-RULES.md §3): received by serial
    // range with its card type and the center's document number, then issued (by the entry of
    // the sale, replacement, exchange or upgrade), spoiled or returned. The movements themselves
    // are ledger events without postings (stock_received, stock_issued, stock_spoiled,
    // stock_returned); this table is the per-card state the sale checks inside its write.
    sql: `
CREATE TABLE card_stock (
  asn             TEXT PRIMARY KEY CHECK (length(asn) = 16 AND asn NOT GLOB '*[^0-9]*'),
  card_type       TEXT NOT NULL CHECK (length(card_type) = 2 AND card_type NOT GLOB '*[^0-9]*'),
  state           TEXT NOT NULL CHECK (state IN ('in_stock', 'issued', 'spoiled', 'returned')),
  received_entry  TEXT NOT NULL,
  received_doc    TEXT NOT NULL,
  received_at     TEXT NOT NULL,
  changed_entry   TEXT,
  changed_at      TEXT,
  spoil_reason    TEXT,
  returned_doc    TEXT
) STRICT;
CREATE INDEX card_stock_type_state ON card_stock (card_type, state);`,
  },
];

export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
  const rows = await db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  const have = new Set(rows.map((r) => r.version));
  const newest = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  const unknown = rows.filter((r) => r.version > newest);
  if (unknown.length > 0) {
    throw new StationError('STORAGE', `The database was written by a newer station (schema ${unknown.map((r) => r.version).join(', ')})`, 'Update the station software');
  }
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (have.has(m.version)) continue;
    if (m.rebuildsTables === true) await db.exec('PRAGMA foreign_keys=OFF');
    try {
      await db.transaction(async (tx) => {
        for (const statement of splitStatements(m.sql)) await tx.run(statement);
        if (m.rebuildsTables === true) {
          const broken = await tx.all<{ table: string; rowid: number | null; parent: string }>('PRAGMA foreign_key_check');
          if (broken.length > 0) {
            throw new StationError('STORAGE', `Migration ${m.version} would leave rows without their parent (${broken.slice(0, 3).map((b) => `${b.table} row ${b.rowid} → ${b.parent}`).join('; ')})`, 'Nothing was changed; call support with the database file');
          }
        }
        await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, systemClock().toISOString()]); // when this machine applied it
      });
    } finally {
      if (m.rebuildsTables === true) await db.exec('PRAGMA foreign_keys=ON');
    }
    if (m.rebuildsTables === true) {
      // The old tables' pages are on the freelist now: compact the file once, so it is as small
      // as its content and grows only by what is written next. VACUUM needs about the file's
      // size again in free space; on a nearly full disk it fails, the schema is migrated all the
      // same, and the free pages are simply reused by the next writes.
      await db.exec('VACUUM').catch(() => undefined);
    }
    applied.push(m.version);
  }
  return applied;
}

/** Splits a migration script into statements, keeping trigger bodies (BEGIN … END;) whole. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let depth = 0;
  for (const line of sql.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('--')) continue;
    current += `${line}\n`;
    if (/\bBEGIN\b/i.test(trimmed) && /^CREATE TRIGGER|BEGIN/i.test(trimmed)) depth += (trimmed.match(/\bBEGIN\b/gi) ?? []).length;
    if (/\bEND;\s*$/i.test(trimmed)) depth = Math.max(0, depth - 1);
    if (depth === 0 && trimmed.endsWith(';')) {
      out.push(current.trim());
      current = '';
    }
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}
