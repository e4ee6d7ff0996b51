/**
 * A typed client of the clearing host for the station's relay (sync/) and benches: signs every
 * attempt anew, bounds every call with a timeout, and checks every answer against the shared
 * schemas. It does not retry: backoff and resume are the relay's policy. Failures are
 * UpstreamError (StationError code UPSTREAM) saying whether a retry can help.
 *
 * Upload answers with HTTP 409/422 are not errors: they carry ackSeq and say which entry
 * stopped the batch, so they come back as values.
 */
import { StationError } from './errors.ts';
import {
  BlacklistDeltaSchema,
  BlacklistReportAnswerSchema,
  CardBalanceAnswerSchema,
  DayCheckpointAnswerSchema,
  EntryBatchAnswerSchema,
  ErrorAnswerSchema,
  HealthAnswerSchema,
  LoadAuthAnswerSchema,
  ParamDeltaSchema,
  PATHS,
  StationHeadSchema,
  type StationHead,
  type BlacklistDelta,
  type BlacklistReport,
  type BlacklistReportAnswer,
  type CardBalanceAnswer,
  type DayCheckpoint,
  type DayCheckpointAnswer,
  type EntryBatchAnswer,
  type HealthAnswer,
  type LoadAuthAnswer,
  type LoadAuthRequest,
  type ParamDelta,
  type WireEntry,
} from './upstream-protocol.ts';
import { signRequest } from './upstream-signing.ts';
import type { z } from 'zod';

export type UpstreamFailure = 'network' | 'timeout' | 'http' | 'protocol';

export class UpstreamError extends StationError {
  readonly kind: UpstreamFailure;
  /** HTTP status when the host answered. */
  readonly status: number | null;
  /** The host's error code (AUTH, STALE, REPLAY, CONFLICT, …) when it sent one. */
  readonly hostCode: string | null;
  /** True when the same call may succeed later (network, timeout, 5xx, a stale clock is not). */
  readonly retryable: boolean;

  constructor(kind: UpstreamFailure, message: string, opts: { status?: number; hostCode?: string; retryable: boolean; cause?: unknown }) {
    super('UPSTREAM', message, opts.retryable ? 'The clearing host is unreachable or busy; the station keeps working and retries' : 'Check the station\'s upstream configuration (URL, station id, secret, clock)', { cause: opts.cause });
    this.name = 'UpstreamError';
    this.kind = kind;
    this.status = opts.status ?? null;
    this.hostCode = opts.hostCode ?? null;
    this.retryable = opts.retryable;
  }
}

export interface UpstreamClientOptions {
  baseUrl: string;
  stationId: string;
  secret: string;
  /** Per call, connect to last byte (default 15 s). */
  timeoutMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

export interface UploadResult {
  httpStatus: 200 | 409 | 422;
  answer: EntryBatchAnswer;
}

export class UpstreamClient {
  readonly #o: Required<UpstreamClientOptions>;

  constructor(opts: UpstreamClientOptions) {
    this.#o = { timeoutMs: 15_000, now: Date.now, fetch: globalThis.fetch, ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
  }

  get stationId(): string {
    return this.#o.stationId;
  }

  /** One signed call; answers with a status in `accept` are parsed with `schema`. */
  async #call<S extends z.ZodType>(method: 'GET' | 'POST', target: string, body: unknown, schema: S, accept: readonly number[] = [200]): Promise<{ status: number; value: z.output<S> }> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = signRequest(this.#o.secret, { method, target, body: text, stationId: this.#o.stationId }, { nowMs: this.#o.now() });
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signal = AbortSignal.timeout(this.#o.timeoutMs);
    let res: Response;
    let raw: string;
    try {
      res = await this.#o.fetch(this.#o.baseUrl + target, { method, headers, body: body === undefined ? undefined : text, signal });
      raw = await res.text();
    } catch (err) {
      const timedOut = (err as { name?: string }).name === 'TimeoutError' || signal.aborted;
      throw new UpstreamError(timedOut ? 'timeout' : 'network', timedOut ? `no answer from the clearing host in ${this.#o.timeoutMs} ms` : `cannot reach the clearing host: ${(err as Error).message}`, { retryable: true, cause: err });
    }
    let json: unknown;
    try {
      json = raw === '' ? null : JSON.parse(raw);
    } catch (err) {
      throw new UpstreamError('protocol', `the clearing host answered ${res.status} with something that is not JSON`, { status: res.status, retryable: res.status >= 500, cause: err });
    }
    if (accept.includes(res.status)) {
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new UpstreamError('protocol', `unexpected answer to ${method} ${target.split('?')[0]}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { status: res.status, retryable: false });
      return { status: res.status, value: parsed.data };
    }
    const err = ErrorAnswerSchema.safeParse(json);
    const hostCode = err.success ? err.data.error.code : undefined;
    const message = err.success ? err.data.error.message : `HTTP ${res.status}`;
    // Only 5xx/429 can pass by themselves. STALE needs the station's clock fixed; REPLAY cannot
    // happen to this client (fresh nonce per attempt) unless something in between resends.
    const retryable = res.status >= 500 || res.status === 429;
    throw new UpstreamError('http', `clearing host refused ${method} ${target.split('?')[0]}: ${message}`, { status: res.status, hostCode, retryable });
  }

  async health(): Promise<HealthAnswer> {
    return (await this.#call('GET', PATHS.health, undefined, HealthAnswerSchema, [200, 503])).value;
  }

  /** Entries in seq order, at most MAX_BATCH_ENTRIES. */
  async uploadEntries(entries: readonly WireEntry[]): Promise<UploadResult> {
    const r = await this.#call('POST', PATHS.entries(this.#o.stationId), { stationId: this.#o.stationId, entries }, EntryBatchAnswerSchema, [200, 409, 422]);
    return { httpStatus: r.status as UploadResult['httpStatus'], answer: r.value };
  }

  /** How far the host holds this station's chain. */
  async head(): Promise<StationHead> {
    return (await this.#call('GET', PATHS.head(this.#o.stationId), undefined, StationHeadSchema)).value;
  }

  async blacklistDelta(since: number, limit?: number): Promise<BlacklistDelta> {
    return (await this.#call('GET', `${PATHS.blacklist}?since=${since}${limit === undefined ? '' : `&limit=${limit}`}`, undefined, BlacklistDeltaSchema)).value;
  }

  async reportBlacklist(report: BlacklistReport): Promise<BlacklistReportAnswer> {
    return (await this.#call('POST', PATHS.blacklist, report, BlacklistReportAnswerSchema)).value;
  }

  async paramDelta(since: number, limit?: number): Promise<ParamDelta> {
    return (await this.#call('GET', `${PATHS.params}?since=${since}${limit === undefined ? '' : `&limit=${limit}`}`, undefined, ParamDeltaSchema)).value;
  }

  /** Authorised or refused (both are answers); a conflict or transport failure throws. */
  async authorizeLoad(req: LoadAuthRequest): Promise<LoadAuthAnswer> {
    return (await this.#call('POST', PATHS.loadAuthorize, req, LoadAuthAnswerSchema, [200, 422])).value;
  }

  async checkpointDay(checkpoint: DayCheckpoint): Promise<DayCheckpointAnswer> {
    return (await this.#call('POST', PATHS.days(this.#o.stationId), checkpoint, DayCheckpointAnswerSchema)).value;
  }

  async cardBalance(asn: string): Promise<CardBalanceAnswer> {
    return (await this.#call('GET', PATHS.cardBalance(asn.toUpperCase()), undefined, CardBalanceAnswerSchema)).value;
  }
}
