/**
 * The database half of the relay (sync/store.ts's SyncStore over the station's SQLite file):
 * outbox states, the cursor and delta versions (sync_state, migration 2), blacklist and
 * parameter deltas into the local tables, lost-card reports to the host, day checkpoints.
 */
import type { Json } from '../common/canonical-json.ts';
import { addChinaDays, chinaDate, chinaDayStart } from '../common/china-time.ts';
import type { Clock } from '../common/clock.ts';
import { newId } from '../common/ids.ts';
import { GENESIS_HASH } from '../common/ledger-hash.ts';
import type {
  BlacklistChange,
  BlacklistReport,
  DayCheckpoint,
  DayCheckpointAnswer,
  EntryProblem,
  ParamChange,
  WireEntry,
} from '../common/upstream-protocol.ts';
import { readEntries } from '../db/ledger.ts';
import type { Database, Queryable } from '../db/sqlite.ts';
import type { DayRecord, QuarantinedEntry, RelayCursor, SyncStore } from '../sync/store.ts';
import { DEFAULT_POLICY, mergePolicy } from './policy.ts';

/**
 * Upper bounds of an entry's JSON besides its payload (keys, hashes, ids, times, three short
 * texts of up to 64 characters in UTF-8) and of one posting line, for sizing upload batches.
 */
const ENTRY_JSON_BOUND = 1000;
const POSTING_JSON_BOUND = 100;

/** Host parameter keys whose fields are station policy keys (merged into params 'policy'). */
const POLICY_PARAM_KEYS = ['policy', 'limits', 'fees'];
/** Host parameters are kept as params rows `host.<key>` (the whole value, as the host sent it). */
export const hostParamKey = (key: string): string => `host.${key}`;

const nextDay = (day: string): string => addChinaDays(day, 1);
/** The instant a China local date starts, in the ledger's `at` format (toISOString). */
const chinaStart = (day: string): string => chinaDayStart(day).toISOString();

/** Quarantines one entry (migration 4's sync_quarantine), or refreshes the reason of one that is. */
async function quarantineRow(db: Queryable, seq: number, reason: string, at: string, countAttempt: boolean): Promise<void> {
  await db.run(
    `INSERT INTO sync_quarantine (entry_seq, reason, attempts, quarantined_at) VALUES (?, ?, 1, ?)
     ON CONFLICT (entry_seq) DO UPDATE SET reason = excluded.reason, attempts = attempts + ?`, [seq, reason, at, countAttempt ? 1 : 0]);
}

async function setState(db: Queryable, key: string, value: string, at: string): Promise<void> {
  await db.run('INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', [key, value, at]);
}

export class SqliteSyncStore implements SyncStore {
  readonly #db: Database;
  readonly #stationId: string;
  readonly #now: Clock;

  /** `now` is the station's clock (Station.now); the relay takes "today" from it too. */
  constructor(db: Database, stationId: string, now: Clock) {
    this.#db = db;
    this.#stationId = stationId;
    this.#now = now;
  }

  now(): Date {
    return this.#now();
  }

  async cursor(): Promise<RelayCursor> {
    const rows = await this.#db.all<{ key: string; value: string }>('SELECT key, value FROM sync_state');
    const m = new Map(rows.map((r) => [r.key, r.value]));
    const num = (k: string): number => Number(m.get(k) ?? 0);
    return {
      ackSeq: num('ack_seq'),
      blacklistVersion: num('blacklist_version'),
      paramsVersion: num('params_version'),
      blocked: m.has('blocked') && m.get('blocked') !== 'null' ? (JSON.parse(m.get('blocked')!) as RelayCursor['blocked']) : null,
      lastOkAt: m.get('last_ok_at') ?? null,
      lastError: m.get('last_error') && m.get('last_error') !== '' ? m.get('last_error')! : null,
      lastErrorCode: m.get('last_error_code') && m.get('last_error_code') !== '' ? m.get('last_error_code')! : null,
    };
  }

  async setMarks(marks: Partial<Pick<RelayCursor, 'lastOkAt' | 'lastError' | 'lastErrorCode' | 'blocked'>>): Promise<void> {
    const at = this.#now().toISOString();
    await this.#db.transaction(async (tx) => {
      if (marks.lastOkAt !== undefined && marks.lastOkAt !== null) await setState(tx, 'last_ok_at', marks.lastOkAt, at);
      if (marks.lastError !== undefined) await setState(tx, 'last_error', marks.lastError ?? '', at);
      if (marks.lastErrorCode !== undefined) await setState(tx, 'last_error_code', marks.lastErrorCode ?? '', at);
      if (marks.blocked !== undefined) await setState(tx, 'blocked', JSON.stringify(marks.blocked), at);
    });
  }

  async entriesAfter(afterSeq: number, limit: number, maxBytes?: number): Promise<WireEntry[]> {
    if (maxBytes !== undefined) {
      // How many fit, from the stored payload's bytes plus a bound on everything else, summed
      // in SQLite (over the next `limit` rows only): the relay no longer serialises each entry
      // once to size the batch and again to send it.
      const fit = await this.#db.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM (
           SELECT SUM(length(CAST(payload AS BLOB)) + ? + ? * (SELECT COUNT(*) FROM postings p WHERE p.entry_seq = e.seq)) OVER (ORDER BY seq) AS total
           FROM (SELECT seq, payload FROM ledger_entries WHERE seq > ? ORDER BY seq LIMIT ?) AS e)
         WHERE total <= ?`, [ENTRY_JSON_BOUND, POSTING_JSON_BOUND, afterSeq, limit, maxBytes]);
      limit = Math.max(1, Math.min(limit, fit?.n ?? 1));
    }
    return (await readEntries(this.#db, 'seq > ?', [afterSeq], limit)) as WireEntry[];
  }

  async lastSeq(): Promise<number> {
    return (await this.#db.get<{ s: number | null }>('SELECT MAX(seq) AS s FROM ledger_entries'))?.s ?? 0;
  }

  /**
   * The host's answer in one transaction: the cursor moves to ackSeq (every entry ≤ it is held
   * by the host — that is all "acked" means, so no row per entry is written; migration 4's
   * `outbox` view derives the states) and the entries it held but will not clear are
   * quarantined with their reason. A lower ackSeq than before (a restored host database) makes
   * the entries above it pending again by itself.
   */
  async acknowledge(ackSeq: number, rejected: readonly EntryProblem[]): Promise<void> {
    const at = this.#now().toISOString();
    await this.#db.transaction(async (tx) => {
      // A repeated answer (duplicates after a lost reply) names the same entries again: the
      // reason is refreshed, the attempt not counted twice.
      for (const r of rejected) await quarantineRow(tx, r.seq, `${r.code}: ${r.reason}`, at, false);
      await setState(tx, 'ack_seq', String(ackSeq), at);
    });
  }

  /** A refusal the chain cannot pass (the relay retries it once per cycle: each is counted). */
  async quarantine(seq: number, reason: string): Promise<void> {
    await quarantineRow(this.#db, seq, reason, this.#now().toISOString(), true);
  }

  async counts(): Promise<{ pending: number; quarantined: number }> {
    // Both from keys, not a scan: entries above the cursor (a rowid range) less those among
    // them already quarantined.
    const row = await this.#db.get<{ pending: number; quarantined: number }>(
      `WITH c AS (SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM sync_state WHERE key = 'ack_seq'), 0) AS ack)
       SELECT (SELECT COUNT(*) FROM ledger_entries WHERE seq > c.ack) - (SELECT COUNT(*) FROM sync_quarantine WHERE entry_seq > c.ack) AS pending,
              (SELECT COUNT(*) FROM sync_quarantine) AS quarantined FROM c`);
    return { pending: row?.pending ?? 0, quarantined: row?.quarantined ?? 0 };
  }

  async quarantined(limit: number): Promise<QuarantinedEntry[]> {
    const rows = await this.#db.all<{ seq: number; entry_id: string; kind: string; reason: string }>(
      'SELECT q.entry_seq AS seq, e.entry_id, e.kind, q.reason FROM sync_quarantine q JOIN ledger_entries e ON e.seq = q.entry_seq ORDER BY q.entry_seq LIMIT ?', [limit]);
    return rows.map((r) => ({ seq: r.seq, entryId: r.entry_id, kind: r.kind, reason: r.reason }));
  }

  async applyBlacklist(changes: readonly BlacklistChange[], version: number): Promise<void> {
    const at = this.#now().toISOString();
    await this.#db.transaction(async (tx) => {
      for (const c of changes) {
        const ref = `cpu:${c.asn.toUpperCase()}`;
        if (c.action === 'add') {
          await tx.run("INSERT INTO blacklist (card_ref, reason, source, listed_at) VALUES (?, ?, 'upstream', ?) ON CONFLICT(card_ref) DO NOTHING", [ref, c.reason || 'blacklisted by the clearing host', c.at || at]);
        } else {
          // The host lifted it (card found): only the host's own listing goes; a local one stays.
          await tx.run("DELETE FROM blacklist WHERE card_ref = ? AND source = 'upstream'", [ref]);
        }
      }
      await setState(tx, 'blacklist_version', String(version), at);
    });
  }

  async applyParams(changes: readonly ParamChange[], version: number): Promise<void> {
    const at = this.#now().toISOString();
    await this.#db.transaction(async (tx) => {
      let policyTouched = false;
      for (const c of changes) {
        await tx.run('INSERT INTO params (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
          [hostParamKey(c.key), JSON.stringify(c.value), at]);
        if (POLICY_PARAM_KEYS.includes(c.key)) policyTouched = true;
      }
      if (policyTouched) await this.#derivePolicy(tx, at);
      await setState(tx, 'params_version', String(version), at);
    });
  }

  /**
   * The station policy (params 'policy', core/policy.ts) from the host's `policy`, `limits`
   * and `fees` values: their fields that are policy keys, later keys winning. A value the
   * policy refuses is kept under host.<key> but not applied (the doctor shows the last error).
   */
  async #derivePolicy(tx: Queryable, at: string): Promise<void> {
    const merged: Record<string, unknown> = {};
    for (const key of ['limits', 'fees', 'policy']) {
      const row = await tx.get<{ value: string }>('SELECT value FROM params WHERE key = ?', [hostParamKey(key)]);
      if (!row) continue;
      const v = JSON.parse(row.value) as Json;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) continue;
      for (const [k, val] of Object.entries(v)) if (k in DEFAULT_POLICY) merged[k] = val;
    }
    try {
      mergePolicy({ ...DEFAULT_POLICY }, merged);
    } catch (err) {
      await setState(tx, 'params_error', (err as Error).message, at);
      return;
    }
    await tx.run("INSERT INTO params (key, value, updated_at) VALUES ('policy', ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at", [JSON.stringify(merged), at]);
  }

  async unreportedBlacklist(): Promise<BlacklistReport[]> {
    const rows = await this.#db.all<{ card_ref: string; reason: string; request_id: string | null }>(
      `SELECT b.card_ref, b.reason, r.request_id FROM blacklist b LEFT JOIN sync_blacklist_reports r ON r.card_ref = b.card_ref
       WHERE b.source = 'local' AND b.card_ref LIKE 'cpu:%' AND (r.card_ref IS NULL OR r.reported_at IS NULL) ORDER BY b.listed_at`);
    const out: BlacklistReport[] = [];
    for (const row of rows) {
      const asn = row.card_ref.slice(4);
      if (!/^[0-9A-F]{16}$/.test(asn)) continue;
      let requestId = row.request_id;
      if (requestId === null) {
        // Fixed before the first attempt, so a retry after a lost answer is the same request.
        requestId = newId();
        await this.#db.run("INSERT INTO sync_blacklist_reports (card_ref, request_id, action, reason) VALUES (?, ?, 'add', ?) ON CONFLICT(card_ref) DO NOTHING", [row.card_ref, requestId, row.reason]);
      }
      out.push({ requestId, asn, action: 'add', reason: (row.reason || 'reported at the station').slice(0, 200) });
    }
    return out;
  }

  async markReported(asn: string, requestId: string): Promise<void> {
    await this.#db.run('UPDATE sync_blacklist_reports SET reported_at = ? WHERE card_ref = ? AND request_id = ?', [this.#now().toISOString(), `cpu:${asn}`, requestId]);
  }

  async #checkpoint(day: string): Promise<DayCheckpoint> {
    const upTo = async (iso: string): Promise<number> => (await this.#db.get<{ s: number | null }>('SELECT MAX(seq) AS s FROM ledger_entries WHERE at < ?', [iso]))?.s ?? 0;
    const before = await upTo(chinaStart(day));
    const lastSeq = Math.max(before, await upTo(chinaStart(nextDay(day))));
    const byKind = await this.#db.all<{ kind: string; count: number; amountFen: number }>(
      'SELECT kind, COUNT(*) AS count, COALESCE(SUM(amount_fen), 0) AS amountFen FROM ledger_entries WHERE seq BETWEEN ? AND ? GROUP BY kind ORDER BY kind', [before + 1, lastSeq]);
    const head = lastSeq === 0 ? null : await this.#db.get<{ hash: string }>('SELECT hash FROM ledger_entries WHERE seq = ?', [lastSeq]);
    return {
      stationId: this.#stationId, day, firstSeq: before + 1, lastSeq, entryCount: lastSeq - before,
      byKind: byKind.map((k) => ({ kind: k.kind, count: k.count, amountFen: k.amountFen })), headHash: head?.hash ?? GENESIS_HASH,
    };
  }

  async pendingDays(today: string, max: number): Promise<DayCheckpoint[]> {
    const first = await this.#db.get<{ at: string | null }>('SELECT MIN(at) AS at FROM ledger_entries');
    if (!first?.at) return [];
    const done = await this.#db.all<{ day: string; status: string }>("SELECT day, status FROM sync_days WHERE status IN ('acknowledged', 'mismatch', 'error')");
    const settled = new Set(done.map((d) => d.day));
    const lastAck = done.filter((d) => d.status === 'acknowledged').map((d) => d.day).sort().at(-1);
    let day = lastAck !== undefined ? nextDay(lastAck) : chinaDate(first.at);
    const out: DayCheckpoint[] = [];
    for (let guard = 0; day < today && out.length < max && guard < 3660; guard++, day = nextDay(day)) {
      // A mismatch or a conflict needs a person; later days still go up.
      if (!settled.has(day)) out.push(await this.#checkpoint(day));
    }
    return out;
  }

  async recordDay(cp: DayCheckpoint, answer: DayCheckpointAnswer | { status: 'error'; message: string }): Promise<void> {
    await this.#db.run(
      `INSERT INTO sync_days (day, first_seq, last_seq, status, answer, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(day) DO UPDATE SET first_seq = excluded.first_seq, last_seq = excluded.last_seq, status = excluded.status, answer = excluded.answer, updated_at = excluded.updated_at`,
      [cp.day, cp.firstSeq, cp.lastSeq, answer.status, JSON.stringify(answer), this.#now().toISOString()]);
  }

  async days(limit: number): Promise<DayRecord[]> {
    const rows = await this.#db.all<{ day: string; status: DayRecord['status']; answer: string }>('SELECT day, status, answer FROM sync_days ORDER BY day DESC LIMIT ?', [limit]);
    return rows.map((r) => {
      const a = JSON.parse(r.answer) as { differences?: { field: string }[]; message?: string; heldThroughSeq?: number };
      const detail = r.status === 'mismatch' ? `differs in ${(a.differences ?? []).map((d) => d.field).join(', ')}` : r.status === 'error' ? a.message ?? '' : r.status === 'incomplete' ? `host holds through seq ${a.heldThroughSeq}` : 'acknowledged';
      return { day: r.day, status: r.status, detail };
    });
  }
}
