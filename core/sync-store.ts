/**
 * The station's half of the relay (sync/store.ts's SyncStore over the station's SQLite file;
 * its rows and queries are db/sync-state.ts and db/ledger-stats.ts):
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
import { entriesAfter, entriesFitting, firstEntryAt, hashAt, kindTotals, lastSeq, lastSeqBefore } from '../db/ledger-stats.ts';
import { readParam, writeParam } from '../db/params.ts';
import type { Database, Queryable } from '../db/sqlite.ts';
import {
  dayRows, fixListingReport, listFromHost, markListingReported, outboxCounts, quarantineEntry, quarantineRows, readSyncState, settledDays,
  unlistFromHost, unreportedListings, writeDay, writeSyncState,
} from '../db/sync-state.ts';
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
    const m = await readSyncState(this.#db);
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
      if (marks.lastOkAt !== undefined && marks.lastOkAt !== null) await writeSyncState(tx, 'last_ok_at', marks.lastOkAt, at);
      if (marks.lastError !== undefined) await writeSyncState(tx, 'last_error', marks.lastError ?? '', at);
      if (marks.lastErrorCode !== undefined) await writeSyncState(tx, 'last_error_code', marks.lastErrorCode ?? '', at);
      if (marks.blocked !== undefined) await writeSyncState(tx, 'blocked', JSON.stringify(marks.blocked), at);
    });
  }

  async entriesAfter(afterSeq: number, limit: number, maxBytes?: number): Promise<WireEntry[]> {
    if (maxBytes !== undefined) {
      // How many fit, from the stored payload's bytes plus a bound on everything else, summed
      // in SQLite (over the next `limit` rows only): the relay no longer serialises each entry
      // once to size the batch and again to send it.
      const fit = await entriesFitting(this.#db, afterSeq, limit, maxBytes, ENTRY_JSON_BOUND, POSTING_JSON_BOUND);
      limit = Math.max(1, Math.min(limit, fit ?? 1));
    }
    return (await entriesAfter(this.#db, afterSeq, limit)) as WireEntry[];
  }

  async lastSeq(): Promise<number> {
    return lastSeq(this.#db);
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
      for (const r of rejected) await quarantineEntry(tx, r.seq, `${r.code}: ${r.reason}`, at, false);
      await writeSyncState(tx, 'ack_seq', String(ackSeq), at);
    });
  }

  /** A refusal the chain cannot pass (the relay retries it once per cycle: each is counted). */
  async quarantine(seq: number, reason: string): Promise<void> {
    await quarantineEntry(this.#db, seq, reason, this.#now().toISOString(), true);
  }

  async counts(): Promise<{ pending: number; quarantined: number }> {
    return outboxCounts(this.#db);
  }

  async quarantined(limit: number): Promise<QuarantinedEntry[]> {
    const rows = await quarantineRows(this.#db, limit);
    return rows.map((r) => ({ seq: r.seq, entryId: r.entry_id, kind: r.kind, reason: r.reason }));
  }

  async applyBlacklist(changes: readonly BlacklistChange[], version: number): Promise<void> {
    const at = this.#now().toISOString();
    await this.#db.transaction(async (tx) => {
      for (const c of changes) {
        const ref = `cpu:${c.asn.toUpperCase()}`;
        if (c.action === 'add') {
          await listFromHost(tx, ref, c.reason || 'blacklisted by the clearing host', c.at || at);
        } else {
          // The host lifted it (card found): only the host's own listing goes; a local one stays.
          await unlistFromHost(tx, ref);
        }
      }
      await writeSyncState(tx, 'blacklist_version', String(version), at);
    });
  }

  async applyParams(changes: readonly ParamChange[], version: number): Promise<void> {
    const at = this.#now().toISOString();
    await this.#db.transaction(async (tx) => {
      let policyTouched = false;
      for (const c of changes) {
        await writeParam(tx, hostParamKey(c.key), JSON.stringify(c.value), at);
        if (POLICY_PARAM_KEYS.includes(c.key)) policyTouched = true;
      }
      if (policyTouched) await this.#derivePolicy(tx, at);
      await writeSyncState(tx, 'params_version', String(version), at);
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
      const value = await readParam(tx, hostParamKey(key));
      if (value === undefined) continue;
      const v = JSON.parse(value) as Json;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) continue;
      for (const [k, val] of Object.entries(v)) if (k in DEFAULT_POLICY) merged[k] = val;
    }
    try {
      mergePolicy({ ...DEFAULT_POLICY }, merged);
    } catch (err) {
      await writeSyncState(tx, 'params_error', (err as Error).message, at);
      return;
    }
    await writeParam(tx, 'policy', JSON.stringify(merged), at);
  }

  async unreportedBlacklist(): Promise<BlacklistReport[]> {
    const rows = await unreportedListings(this.#db);
    const out: BlacklistReport[] = [];
    for (const row of rows) {
      const asn = row.card_ref.slice(4);
      if (!/^[0-9A-F]{16}$/.test(asn)) continue;
      let requestId = row.request_id;
      if (requestId === null) {
        // Fixed before the first attempt, so a retry after a lost answer is the same request.
        requestId = newId();
        await fixListingReport(this.#db, row.card_ref, requestId, row.reason);
      }
      out.push({ requestId, asn, action: 'add', reason: (row.reason || 'reported at the station').slice(0, 200) });
    }
    return out;
  }

  async markReported(asn: string, requestId: string): Promise<void> {
    await markListingReported(this.#db, `cpu:${asn}`, requestId, this.#now().toISOString());
  }

  async #checkpoint(day: string): Promise<DayCheckpoint> {
    const upTo = (iso: string): Promise<number> => lastSeqBefore(this.#db, iso);
    const before = await upTo(chinaStart(day));
    const last = Math.max(before, await upTo(chinaStart(nextDay(day))));
    const byKind = await kindTotals(this.#db, before + 1, last);
    const head = last === 0 ? undefined : await hashAt(this.#db, last);
    return {
      stationId: this.#stationId, day, firstSeq: before + 1, lastSeq: last, entryCount: last - before,
      byKind: byKind.map((k) => ({ kind: k.kind, count: k.count, amountFen: k.amountFen })), headHash: head ?? GENESIS_HASH,
    };
  }

  async pendingDays(today: string, max: number): Promise<DayCheckpoint[]> {
    const firstAt = await firstEntryAt(this.#db);
    if (!firstAt) return [];
    const done = await settledDays(this.#db);
    const settled = new Set(done.map((d) => d.day));
    const lastAck = done.filter((d) => d.status === 'acknowledged').map((d) => d.day).sort().at(-1);
    let day = lastAck !== undefined ? nextDay(lastAck) : chinaDate(firstAt);
    const out: DayCheckpoint[] = [];
    for (let guard = 0; day < today && out.length < max && guard < 3660; guard++, day = nextDay(day)) {
      // A mismatch or a conflict needs a person; later days still go up.
      if (!settled.has(day)) out.push(await this.#checkpoint(day));
    }
    return out;
  }

  async recordDay(cp: DayCheckpoint, answer: DayCheckpointAnswer | { status: 'error'; message: string }): Promise<void> {
    await writeDay(this.#db, { day: cp.day, firstSeq: cp.firstSeq, lastSeq: cp.lastSeq, status: answer.status, answer: JSON.stringify(answer), at: this.#now().toISOString() });
  }

  async days(limit: number): Promise<DayRecord[]> {
    const rows = await dayRows<DayRecord['status']>(this.#db, limit);
    return rows.map((r) => {
      const a = JSON.parse(r.answer) as { differences?: { field: string }[]; message?: string; heldThroughSeq?: number };
      const detail = r.status === 'mismatch' ? `differs in ${(a.differences ?? []).map((d) => d.field).join(', ')}` : r.status === 'error' ? a.message ?? '' : r.status === 'incomplete' ? `host holds through seq ${a.heldThroughSeq}` : 'acknowledged';
      return { day: r.day, status: r.status, detail };
    });
  }
}
