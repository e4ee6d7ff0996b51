/**
 * What the relay needs from the station's database, as a small interface the core implements
 * (core/sync-store.ts over SQLite; sync/ may not import db/). Every method that changes more
 * than one row does it in one transaction, so a crash between two calls leaves a state the
 * relay resumes from: the cursor (ackSeq) only ever moves together with the quarantine of the
 * entries the host held but will not clear.
 */
import type {
  BlacklistChange,
  BlacklistReport,
  DayCheckpoint,
  DayCheckpointAnswer,
  EntryProblem,
  ParamChange,
  WireEntry,
} from '../common/upstream-protocol.ts';

export interface RelayCursor {
  /** Highest seq the host has confirmed holding (every entry ≤ it is acked or quarantined). */
  ackSeq: number;
  /** Blacklist and parameter delta versions applied locally. */
  blacklistVersion: number;
  paramsVersion: number;
  /** Set when the host refused an entry the chain cannot continue past (409/422 other than a gap). */
  blocked: { seq: number; code: string; reason: string } | null;
  lastOkAt: string | null;
  lastError: string | null;
  /** SyncStatus.lastErrorCode of lastError. */
  lastErrorCode: string | null;
}

export interface QuarantinedEntry {
  seq: number;
  entryId: string;
  kind: string;
  reason: string;
}

export interface DayRecord {
  day: string;
  status: 'acknowledged' | 'mismatch' | 'incomplete' | 'error';
  detail: string;
}

export interface SyncStore {
  cursor(): Promise<RelayCursor>;
  /** Persists the error/ok marks and the blocked flag (status survives restarts for the doctor). */
  setMarks(marks: Partial<Pick<RelayCursor, 'lastOkAt' | 'lastError' | 'lastErrorCode' | 'blocked'>>): Promise<void>;
  /**
   * Entries with seq > afterSeq, in seq order, at most `limit`, exactly as stored; with
   * `maxBytes`, only as many as fit in that much JSON (bounded from above without serialising
   * them), but always at least one.
   */
  entriesAfter(afterSeq: number, limit: number, maxBytes?: number): Promise<WireEntry[]>;
  /** Highest seq in the ledger (0 when empty). */
  lastSeq(): Promise<number>;
  /**
   * One transaction: the cursor moves to ackSeq (entries ≤ it are acked: the host holds them)
   * and the rejected ones are quarantined with their reason. When ackSeq is below the current
   * cursor (the host holds less than we thought), the entries above it are pending again.
   */
  acknowledge(ackSeq: number, rejected: readonly EntryProblem[]): Promise<void>;
  /** The host refused this entry: quarantined with the reason (shown in the UI and the doctor). */
  quarantine(seq: number, reason: string): Promise<void>;
  counts(): Promise<{ pending: number; quarantined: number }>;
  quarantined(limit: number): Promise<QuarantinedEntry[]>;

  /** Applies one page of blacklist changes and its version, in one transaction. */
  applyBlacklist(changes: readonly BlacklistChange[], version: number): Promise<void>;
  /** Applies one page of parameter changes and its version, in one transaction. */
  applyParams(changes: readonly ParamChange[], version: number): Promise<void>;
  /** Cards this station blacklisted that the host has not been told about (request ids fixed before sending). */
  unreportedBlacklist(): Promise<BlacklistReport[]>;
  markReported(asn: string, requestId: string): Promise<void>;

  /**
   * The station's clock (Station.now): the relay's "today" and its marks read the same clock
   * as the entries it uploads, so a moved clock (tests, a training lab) moves them together.
   */
  now(): Date;
  /** Checkpoints of completed days (before `today`, China date) the host has not acknowledged. */
  pendingDays(today: string, max: number): Promise<DayCheckpoint[]>;
  recordDay(checkpoint: DayCheckpoint, answer: DayCheckpointAnswer | { status: 'error'; message: string }): Promise<void>;
  days(limit: number): Promise<DayRecord[]>;
}
