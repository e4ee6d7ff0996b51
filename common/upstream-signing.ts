/**
 * Request signing between a station and the clearing host. Pure functions over node:crypto so
 * the station's relay and the host share one definition of what is signed.
 *
 *   string to sign = "CU1-HMAC-SHA256\n" + METHOD + "\n" + target + "\n" + sha256hex(body)
 *                    + "\n" + timestamp + "\n" + stationId + "\n" + nonce
 *   signature      = hex(HMAC-SHA256(secret, string to sign))
 *
 * `target` is the path with its query string exactly as sent, so a delta's `since` is signed
 * too. The timestamp (unix seconds) bounds a captured request's life to the window; the nonce,
 * remembered by the host for longer than the window, refuses a replay inside it. Every attempt
 * (also a retry) is signed anew with a fresh nonce.
 */
import { systemClock } from './clock.ts';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_SCHEME = 'CU1-HMAC-SHA256';
export const HEADER_STATION = 'x-cu-station';
export const HEADER_TIMESTAMP = 'x-cu-timestamp';
export const HEADER_NONCE = 'x-cu-nonce';
export const HEADER_SIGNATURE = 'x-cu-signature';
/** A request is valid for this many seconds either side of the host's clock. */
export const DEFAULT_WINDOW_SECONDS = 300;
/** Per-station secrets are 32 random bytes, written as 64 hex digits. */
export const SECRET_HEX_LENGTH = 64;

const NONCE_RE = /^[0-9a-f]{32}$/;
const SIGNATURE_RE = /^[0-9a-f]{64}$/;
const TIMESTAMP_RE = /^[0-9]{1,12}$/;
const SECRET_RE = /^[0-9a-f]{64}$/;

export interface SignInput {
  method: string;
  /** Path and query, e.g. "/v1/blacklist?since=4". */
  target: string;
  body: string | Uint8Array;
  stationId: string;
  /** Unix seconds. */
  timestamp: number;
  nonce: string;
}

export type SignedHeaders = Record<typeof HEADER_STATION | typeof HEADER_TIMESTAMP | typeof HEADER_NONCE | typeof HEADER_SIGNATURE, string>;

export function newSecret(): string {
  return randomBytes(SECRET_HEX_LENGTH / 2).toString('hex');
}

export function isSecret(value: unknown): value is string {
  return typeof value === 'string' && SECRET_RE.test(value);
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

export function bodyHash(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

export function stringToSign(input: SignInput): string {
  return [SIGNATURE_SCHEME, input.method.toUpperCase(), input.target, bodyHash(input.body), String(input.timestamp), input.stationId, input.nonce].join('\n');
}

export function signature(secret: string, input: SignInput): string {
  if (!isSecret(secret)) throw new TypeError('a station secret is 64 lower-case hex digits');
  return createHmac('sha256', Buffer.from(secret, 'hex')).update(stringToSign(input)).digest('hex');
}

/** The headers of one signed request; `now` and `nonce` are for tests. */
export function signRequest(
  secret: string,
  req: { method: string; target: string; body: string | Uint8Array; stationId: string },
  opts: { nowMs?: number; nonce?: string } = {},
): SignedHeaders {
  const timestamp = Math.floor((opts.nowMs ?? systemClock().getTime()) / 1000);
  const nonce = opts.nonce ?? newNonce();
  const sig = signature(secret, { ...req, timestamp, nonce });
  return { [HEADER_STATION]: req.stationId, [HEADER_TIMESTAMP]: String(timestamp), [HEADER_NONCE]: nonce, [HEADER_SIGNATURE]: sig };
}

/** The signature headers as received, before anything is trusted. */
export interface ReceivedSignature {
  stationId: string;
  timestamp: number;
  nonce: string;
  signature: string;
}

export type SignatureProblem = 'MISSING' | 'MALFORMED' | 'STALE' | 'BAD_SIGNATURE';

/** Reads the four headers (case-insensitive names, as node gives them: lower case). */
export function readSignatureHeaders(headers: Record<string, string | string[] | undefined>): ReceivedSignature | 'MISSING' | 'MALFORMED' {
  const one = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? undefined : v;
  };
  const stationId = one(HEADER_STATION);
  const ts = one(HEADER_TIMESTAMP);
  const nonce = one(HEADER_NONCE);
  const sig = one(HEADER_SIGNATURE);
  if (stationId === undefined || ts === undefined || nonce === undefined || sig === undefined) return 'MISSING';
  if (!TIMESTAMP_RE.test(ts) || !NONCE_RE.test(nonce) || !SIGNATURE_RE.test(sig) || stationId.length > 64) return 'MALFORMED';
  return { stationId, timestamp: Number(ts), nonce, signature: sig };
}

/**
 * Checks the time window and the HMAC (constant-time). The caller still has to refuse a nonce
 * it has seen (the host keeps them in its database, so every host process sees all).
 */
export function verifySignature(
  secret: string,
  req: { method: string; target: string; body: string | Uint8Array },
  received: ReceivedSignature,
  opts: { nowMs?: number; windowSeconds?: number } = {},
): SignatureProblem | null {
  const now = Math.floor((opts.nowMs ?? systemClock().getTime()) / 1000);
  const window = opts.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
  if (Math.abs(now - received.timestamp) > window) return 'STALE';
  const expected = Buffer.from(signature(secret, { ...req, stationId: received.stationId, timestamp: received.timestamp, nonce: received.nonce }), 'hex');
  const given = Buffer.from(received.signature, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given) ? null : 'BAD_SIGNATURE';
}
