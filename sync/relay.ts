/**
 * The station's relay to the clearing host (docs/SYNC.md): the outbox goes up in seq order in
 * batches (≤ MAX_BATCH_ENTRIES and a byte budget), exactly once as far as the host's books are
 * concerned (the host is idempotent by entry id; the relay always continues from the host's
 * ackSeq + 1); blacklist and parameter deltas come down; completed days are checkpointed.
 *
 * Failures: network trouble and 5xx back off exponentially (with a cap and jitter) and retry;
 * an entry the host holds but will not clear (`rejected[]`) is quarantined without stopping
 * the entries after it; an entry the chain cannot continue past (409 ENTRY_CONFLICT, hash
 * mismatches) is quarantined and blocks the upload until a person acts. Every state the relay
 * resumes from lives in the station's database (SyncStore), so a restart continues where the
 * host's answers left off.
 *
 * Imports common only (layer rule): the database half is core/sync-store.ts.
 */
import { chinaDate } from '../common/china-time.ts';
import { StationError } from '../common/errors.ts';
import { UpstreamError } from '../common/upstream-client.ts';
import {
  MAX_BATCH_ENTRIES,
  MAX_BODY_BYTES,
  MAX_DELTA_LIMIT,
  type BlacklistDelta,
  type BlacklistReport,
  type BlacklistReportAnswer,
  type DayCheckpoint,
  type DayCheckpointAnswer,
  type EntryBatchAnswer,
  type HealthAnswer,
  type ParamDelta,
  type WireEntry,
} from '../common/upstream-protocol.ts';
import type { QuarantinedEntry, SyncStore } from './store.ts';

/** The calls of common/upstream-client.ts the relay uses (tests may hand in a stand-in). */
export interface RelayClient {
  uploadEntries(entries: readonly WireEntry[]): Promise<{ httpStatus: 200 | 409 | 422; answer: EntryBatchAnswer }>;
  blacklistDelta(since: number, limit?: number): Promise<BlacklistDelta>;
  paramDelta(since: number, limit?: number): Promise<ParamDelta>;
  reportBlacklist(report: BlacklistReport): Promise<BlacklistReportAnswer>;
  checkpointDay(checkpoint: DayCheckpoint): Promise<DayCheckpointAnswer>;
  health(): Promise<HealthAnswer>;
}

export interface RelayOptions {
  client: RelayClient;
  store: SyncStore;
  /** Entries per upload (capped at the protocol's MAX_BATCH_ENTRIES). */
  batchEntries?: number;
  /** Upper bound of one upload body; well under the host's 4 MiB. */
  maxBatchBytes?: number;
  /** Backoff after a failed cycle: base · 2^(n−1), capped, with ±50 % jitter. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Pause between successful cycles (blacklist/parameter pull schedule). */
  intervalMs?: number;
  random?: () => number;
  /** Days checkpointed per cycle at most (a station idle for weeks catches up over cycles). */
  maxDaysPerCycle?: number;
  /** Upload batches on the wire at once (default 1: the host's CPU is the bottleneck on one machine; 2 overlaps its insert with the next parse). */
  inflight?: number;
}

export interface SyncStatus {
  /** null until the first cycle has talked to (or failed to reach) the host. */
  online: boolean | null;
  ackSeq: number;
  lastSeq: number;
  /** Entries the host does not hold yet. */
  backlog: number;
  quarantined: number;
  blocked: { seq: number; code: string; reason: string } | null;
  lastError: string | null;
  /** A code for lastError: OFFLINE (network, timeout, 5xx), the host's code (AUTH, STALE, …), the refusal that blocked the chain, or the station's. */
  lastErrorCode: string | null;
  lastOkAt: string | null;
  blacklistVersion: number;
  paramsVersion: number;
  /** Consecutive failed cycles (drives the backoff). */
  failures: number;
  nextRetryMs: number | null;
}

export interface CycleReport {
  ok: boolean;
  uploaded: number;
  duplicates: number;
  quarantinedNow: QuarantinedEntry[] | number;
  blacklistChanges: number;
  paramChanges: number;
  blacklistReported: number;
  days: { day: string; status: string }[];
  error: string | null;
  status: SyncStatus;
}

export type SyncEvent =
  | { type: 'status'; status: SyncStatus }
  | { type: 'online' | 'offline'; status: SyncStatus }
  | { type: 'quarantined'; seq: number; reason: string }
  | { type: 'params'; keys: string[] };

/** Why a failure happened, in one line for the operator (never secrets: the client puts none in messages). */
function describe(err: unknown): string {
  if (err instanceof UpstreamError) return `${err.kind}${err.status !== null ? ` ${err.status}` : ''}${err.hostCode ? ` ${err.hostCode}` : ''}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** The host refused an entry the chain cannot pass (409/422 other than a gap): later entries wait. */
class ChainBlocked extends StationError {
  readonly refusal: string;
  constructor(refusal: string, message: string, hint: string) {
    super('UPSTREAM', message, hint);
    this.refusal = refusal;
  }
}

/** The code kept with the last error (SyncStatus.lastErrorCode). */
export function errorCode(err: unknown): string {
  if (err instanceof UpstreamError) return err.hostCode ?? (err.kind === 'protocol' ? 'PROTOCOL' : err.retryable ? 'OFFLINE' : 'UPSTREAM');
  if (err instanceof ChainBlocked) return err.refusal;
  if (err instanceof StationError) return err.code;
  return 'ERROR';
}

/** The host could not be reached or could not serve (network, timeout, 5xx): offline. */
const unreachable = (err: unknown): boolean => err instanceof UpstreamError && err.retryable;

export class SyncRelay {
  readonly #o: Required<Omit<RelayOptions, 'client' | 'store'>>;
  readonly #client: RelayClient;
  readonly #store: SyncStore;
  readonly #listeners = new Set<(e: SyncEvent) => void>();
  #online: boolean | null = null;
  #failures = 0;
  #nextRetryMs: number | null = null;
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #cycle: Promise<CycleReport> | null = null;
  /** Set by stop(): no new batch goes out (those in flight are still answered and recorded). */
  #stopping = false;
  /** notify() came while no sleep was waiting: the next sleep ends at once. */
  #wakePending = false;

  constructor(opts: RelayOptions) {
    this.#client = opts.client;
    this.#store = opts.store;
    this.#o = {
      batchEntries: Math.max(1, Math.min(MAX_BATCH_ENTRIES, opts.batchEntries ?? MAX_BATCH_ENTRIES)),
      maxBatchBytes: Math.min(opts.maxBatchBytes ?? 3 * 1024 * 1024, MAX_BODY_BYTES - 64 * 1024),
      backoffBaseMs: opts.backoffBaseMs ?? 1000,
      backoffCapMs: opts.backoffCapMs ?? 5 * 60_000,
      intervalMs: opts.intervalMs ?? 30_000,
      random: opts.random ?? Math.random,
      maxDaysPerCycle: opts.maxDaysPerCycle ?? 31,
      inflight: Math.max(1, Math.min(4, opts.inflight ?? 1)),
    };
  }

  on(listener: (e: SyncEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: SyncEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        /* a listener's failure is not the relay's */
      }
    }
  }

  async status(): Promise<SyncStatus> {
    const [c, lastSeq, counts] = await Promise.all([this.#store.cursor(), this.#store.lastSeq(), this.#store.counts()]);
    return {
      online: this.#online, ackSeq: c.ackSeq, lastSeq, backlog: Math.max(0, lastSeq - c.ackSeq), quarantined: counts.quarantined,
      blocked: c.blocked, lastError: c.lastError, lastErrorCode: c.lastError === null ? null : (c.lastErrorCode ?? 'ERROR'), lastOkAt: c.lastOkAt, blacklistVersion: c.blacklistVersion, paramsVersion: c.paramsVersion,
      failures: this.#failures, nextRetryMs: this.#nextRetryMs,
    };
  }

  async #setOnline(online: boolean): Promise<void> {
    if (this.#online === online) return;
    this.#online = online;
    this.#emit({ type: online ? 'online' : 'offline', status: await this.status() });
  }

  /** Backoff before the next attempt after `failures` consecutive failed cycles. */
  backoffMs(failures: number): number {
    if (failures <= 0) return 0;
    const raw = Math.min(this.#o.backoffCapMs, this.#o.backoffBaseMs * 2 ** Math.min(failures - 1, 30));
    return Math.round(raw * (0.5 + this.#o.random() * 0.5));
  }

  // ------------------------------------------------------------------------------ upload
  /** Reads the next batch after `afterSeq`, cut to the byte budget by the store (at least one entry). */
  async #readBatch(afterSeq: number): Promise<WireEntry[]> {
    return this.#store.entriesAfter(afterSeq, this.#o.batchEntries, this.#o.maxBatchBytes);
  }

  /**
   * Uploads until the host holds everything (or a failure). Up to `inflight` batches are on
   * the wire at once (the host takes one station's batches in turn under its row lock, so the
   * next batch's parsing overlaps the previous one's insert); answers are handled in seq
   * order, and anything but a clean answer drops the rest and resends from the host's ackSeq.
   */
  // eslint-disable-next-line max-lines-per-function -- one upload cycle: batch, send, settle each answer; the ordering of its steps is the protocol (SYNC.md)
  async push(): Promise<{ uploaded: number; duplicates: number; quarantined: QuarantinedEntry[] }> {
    // A blocked (forked) chain is still tried once per cycle: the host may have been fixed.
    const cursor = await this.#store.cursor();
    let ackSeq = cursor.ackSeq;
    let sentThrough = ackSeq;
    let confirmed = false;
    let uploaded = 0;
    let duplicates = 0;
    const quarantined: QuarantinedEntry[] = [];
    let gapRetries = 0;
    type Settled = { ok: true; value: Awaited<ReturnType<RelayClient['uploadEntries']>> } | { ok: false; reason: unknown };
    const flights: { batch: WireEntry[]; last: number; answer: Promise<Settled> }[] = [];
    let readAhead: { after: number; batch: Promise<WireEntry[]> } | null = null;
    const settleAll = async (): Promise<void> => {
      await Promise.all(flights.splice(0).map((f) => f.answer));
    };
    try {
      for (;;) {
        while (flights.length < this.#o.inflight && !this.#stopping) {
          const batch = readAhead !== null && readAhead.after === sentThrough ? await readAhead.batch : await this.#readBatch(sentThrough);
          readAhead = null;
          if (batch.length === 0) break;
          const last = batch[batch.length - 1]!.seq;
          const answer = this.#client.uploadEntries(batch).then((value): Settled => ({ ok: true, value }), (reason: unknown): Settled => ({ ok: false, reason }));
          flights.push({ batch, last, answer });
          sentThrough = last;
        }
        // The next batch is read from the station's disk while the host works on this one.
        if (readAhead === null && flights.length > 0 && !this.#stopping) {
          const p = this.#readBatch(sentThrough);
          p.catch(() => undefined);
          readAhead = { after: sentThrough, batch: p };
        }
        const f = flights.shift();
        if (f === undefined) break;
        const up = await f.answer;
        if (!up.ok) throw up.reason;
        const { httpStatus, answer } = up.value;
        await this.#setOnline(true);
        const refused = answer.refused;
        const clean = httpStatus === 200 && refused === null;
        if (refused?.code === 'CHAIN_GAP' && confirmed && answer.ackSeq < ackSeq) {
          // A later batch overtook its predecessor on the way in: stale, resend from what we know.
          await settleAll();
          sentThrough = ackSeq;
          continue;
        }
        // Never more than this batch (the host may hold beyond it: those come with their own
        // answers, rejected entries included); a conflict can sit at or below the host's head
        // (it holds *another* entry there), so the cursor stops before the refused entry.
        let held = Math.min(answer.ackSeq, f.last);
        if (refused !== null && refused.code !== 'CHAIN_GAP') held = Math.min(held, refused.seq - 1);
        if (refused?.code === 'CHAIN_GAP') held = answer.ackSeq;
        await this.#store.acknowledge(held, answer.rejected.filter((r) => r.seq <= held));
        for (const r of answer.rejected) {
          if (r.seq > ackSeq && r.seq <= held) {
            quarantined.push({ seq: r.seq, entryId: r.entryId, kind: f.batch.find((e) => e.seq === r.seq)?.kind ?? '?', reason: `${r.code}: ${r.reason}` });
            this.#emit({ type: 'quarantined', seq: r.seq, reason: `${r.code}: ${r.reason}` });
          }
        }
        uploaded += Math.max(0, answer.stored);
        duplicates += answer.duplicates;
        const moved = held !== ackSeq;
        ackSeq = held;
        if (clean) {
          confirmed = true;
          if (cursor.blocked !== null) {
            cursor.blocked = null;
            await this.#store.setMarks({ blocked: null });
          }
          if (this.#listeners.size > 0) this.#emit({ type: 'status', status: await this.status() });
          if (held === f.last) continue;
          await settleAll();
          sentThrough = ackSeq;
          continue;
        }
        await settleAll();
        sentThrough = ackSeq;
        if (refused!.code === 'CHAIN_GAP') {
          // The host holds a different amount than we sent from: resend from its ackSeq + 1.
          if (!moved && ++gapRetries > 2) throw new StationError('UPSTREAM', `the host keeps answering a chain gap at seq ${refused!.seq} (holds up to ${ackSeq})`);
          continue;
        }
        // ENTRY_CONFLICT (409), PREV_HASH_MISMATCH, HASH_MISMATCH, SEQ_ORDER, STATION_MISMATCH:
        // the chain cannot continue past this entry; it needs a person.
        const r = refused!;
        const reason = `${r.code}: ${r.reason}`;
        await this.#store.quarantine(r.seq, reason);
        await this.#store.setMarks({ blocked: { seq: r.seq, code: r.code, reason: r.reason } });
        quarantined.push({ seq: r.seq, entryId: r.entryId, kind: f.batch.find((e) => e.seq === r.seq)?.kind ?? '?', reason });
        this.#emit({ type: 'quarantined', seq: r.seq, reason });
        throw new ChainBlocked(r.code, `the clearing host refused entry ${r.seq} (${reason}); later entries wait`, 'The station\'s ledger and the host\'s copy differ: call support (station doctor shows the entry)');
      }
    } finally {
      await settleAll();
    }
    return { uploaded, duplicates, quarantined };
  }

  // ------------------------------------------------------------------------------ pull
  async pullBlacklist(): Promise<number> {
    let { blacklistVersion: since } = await this.#store.cursor();
    let n = 0;
    for (let page = 0; page < 1000; page++) {
      const d = await this.#client.blacklistDelta(since, MAX_DELTA_LIMIT);
      await this.#setOnline(true);
      if (d.changes.length > 0 || d.version !== since) await this.#store.applyBlacklist(d.changes, d.version);
      n += d.changes.length;
      since = d.version;
      if (!d.more) break;
    }
    return n;
  }

  async pullParams(): Promise<string[]> {
    let { paramsVersion: since } = await this.#store.cursor();
    const keys = new Set<string>();
    for (let page = 0; page < 1000; page++) {
      const d = await this.#client.paramDelta(since, MAX_DELTA_LIMIT);
      await this.#setOnline(true);
      if (d.changes.length > 0 || d.version !== since) await this.#store.applyParams(d.changes, d.version);
      for (const c of d.changes) keys.add(c.key);
      since = d.version;
      if (!d.more) break;
    }
    if (keys.size > 0) this.#emit({ type: 'params', keys: [...keys] });
    return [...keys];
  }

  /** Lost cards this station blacklisted go up, so other stations refuse them after their next pull. */
  async reportBlacklist(): Promise<number> {
    const reports = await this.#store.unreportedBlacklist();
    for (const r of reports) {
      await this.#client.reportBlacklist(r);
      await this.#store.markReported(r.asn, r.requestId);
    }
    return reports.length;
  }

  async checkpointDays(): Promise<{ day: string; status: string }[]> {
    const out: { day: string; status: string }[] = [];
    // "Today" is the station's clock (the store's), never the wall clock: a day is complete
    // when the station's own entries say so.
    const days = await this.#store.pendingDays(chinaDate(this.#store.now()), this.#o.maxDaysPerCycle);
    for (const cp of days) {
      let answer: DayCheckpointAnswer;
      try {
        answer = await this.#client.checkpointDay(cp);
      } catch (err) {
        if (err instanceof UpstreamError && !err.retryable) {
          // 409: the host acknowledged a different checkpoint for this day. Recorded for a person.
          await this.#store.recordDay(cp, { status: 'error', message: describe(err) });
          out.push({ day: cp.day, status: 'error' });
          continue;
        }
        throw err;
      }
      await this.#store.recordDay(cp, answer);
      out.push({ day: cp.day, status: answer.status });
      if (answer.status === 'incomplete') break; // upload first; the next cycle sends it again
    }
    return out;
  }

  // ------------------------------------------------------------------------------ cycles
  /**
   * One full cycle: upload, report blacklisted cards, pull blacklist and parameters,
   * checkpoint completed days. Never throws: the report says what failed.
   */
  syncOnce(): Promise<CycleReport> {
    // Two callers (the schedule and `station sync`) share one cycle instead of racing.
    if (this.#cycle === null) this.#cycle = this.#runCycle().finally(() => (this.#cycle = null));
    return this.#cycle;
  }

  async #runCycle(): Promise<CycleReport> {
    const report: Omit<CycleReport, 'status' | 'ok' | 'error'> = { uploaded: 0, duplicates: 0, quarantinedNow: [], blacklistChanges: 0, paramChanges: 0, blacklistReported: 0, days: [] };
    let error: string | null = null;
    let code: string | null = null;
    try {
      const p = await this.push();
      report.uploaded = p.uploaded;
      report.duplicates = p.duplicates;
      report.quarantinedNow = p.quarantined;
    } catch (err) {
      error = describe(err);
      code = errorCode(err);
      if (unreachable(err)) await this.#setOnline(false);
    }
    if ((error === null || this.#online === true) && !this.#stopping) {
      // Pulls do not depend on the upload: a blocked chain still gets the blacklist.
      try {
        report.blacklistReported = await this.reportBlacklist();
        report.blacklistChanges = await this.pullBlacklist();
        report.paramChanges = (await this.pullParams()).length;
        if (error === null) report.days = await this.checkpointDays();
      } catch (err) {
        if (error === null) {
          error = describe(err);
          code = errorCode(err);
        }
        if (unreachable(err)) await this.#setOnline(false);
      }
    }
    const at = this.#store.now().toISOString();
    if (error === null) {
      this.#failures = 0;
      this.#nextRetryMs = null;
      await this.#store.setMarks({ lastOkAt: at, lastError: null, lastErrorCode: null });
    } else {
      this.#failures++;
      this.#nextRetryMs = this.backoffMs(this.#failures);
      await this.#store.setMarks({ lastError: `${at} ${error}`, lastErrorCode: code });
    }
    const status = await this.status();
    this.#emit({ type: 'status', status });
    return { ...report, ok: error === null, error, status };
  }

  /** Runs cycles on the schedule until stop(): after a failure the backoff, else the interval. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopping = false;
    this.#wakePending = false;
    this.#loop = (async () => {
      while (this.#running) {
        const r = await this.syncOnce();
        if (!this.#running) break;
        await this.#sleep(r.ok ? this.#o.intervalMs : (this.#nextRetryMs ?? this.#o.backoffBaseMs));
      }
    })();
  }

  /**
   * New entries (or an operator's `station sync`): run a cycle now instead of waiting. Said
   * during a cycle, it runs the next one right after (it is not lost).
   */
  notify(): void {
    if (this.#wake !== null) this.#wake();
    else this.#wakePending = true;
  }

  /** New entries: a cycle now, unless the relay is backing off (then the backoff stands). */
  notifyNewEntries(): void {
    if (this.#failures === 0) this.notify();
  }

  #sleep(ms: number): Promise<void> {
    if (this.#wakePending) {
      this.#wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  /**
   * Ends the schedule: no new batch or pull starts; the batches in flight are answered (each
   * bounded by the client's timeout) and recorded, so a restart resumes exactly from there.
   */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stopping = true;
    this.notify();
    await this.#loop;
    await this.#cycle?.catch(() => undefined);
    this.#loop = null;
    // Stopped: a later syncOnce/push (e.g. `station sync`) works normally again.
    this.#stopping = false;
    this.#wakePending = false;
  }
}
