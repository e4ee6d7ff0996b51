/**
 * The clearing host's HTTP surface (docs/UPSTREAM.md). Every route but /v1/health is signed
 * by a registered station; /v1/admin/* answers only when the host was given an admin token.
 * Handlers parse with the shared zod schemas (entry batches by a hand-written check that
 * accepts only what the schema accepts, upstream/entry-batch-check.ts) and hold no state between requests: all of it is
 * in the database, so any number of these processes can serve one PostgreSQL.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Json } from '../common/canonical-json.ts';
import {
  BlacklistReportSchema,
  DayCheckpointSchema,
  DeltaQuerySchema,
  EntryBatchSchema,
  LoadAuthRequestSchema,
  MAX_BODY_BYTES,
  PARAM_KEYS,
  PROTOCOL_VERSION,
  ParamKeySchema,
  StationIdSchema,
  AsnSchema,
  type ErrorAnswer,
  type HealthAnswer,
} from '../common/upstream-protocol.ts';
import { authenticate } from './auth.ts';
import { cardBalance } from './cards.ts';
import { checkDay } from './days.ts';
import { addBlacklistChange, blacklistDelta, paramDelta, reportBlacklist, setParam } from './deltas.ts';
import { ingestBatch, stationHead } from './entries.ts';
import { fastCheckBatch, fromParsedBatch } from './entry-batch-check.ts';
import { HostError } from './host-error.ts';
import { ping, type Database } from './store/database.ts';
import { IssuerKeys } from './issuer-keys.ts';
import { authorizeLoad } from './loads.ts';
import { registerStation, rotateSecret, setDisabled, listStations } from './stations.ts';

export interface HostOptions {
  db: Database;
  keys?: IssuerKeys;
  /** Clock (ms) for signatures and host date/time; tests move it. */
  now?: () => number;
  windowSeconds?: number;
  /** Enables /v1/admin/* with `Authorization: Bearer <token>`. */
  adminToken?: string;
  /** A per-run admin token kept in the PGlite directory's lock file, for the admin CLI beside a live host (upstream/store/dir-lock.ts). */
  localAdminToken?: string;
  logger?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    rawBody: Buffer | undefined;
    stationId: string | undefined;
  }
}

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new HostError(400, 'BAD_REQUEST', `${what}: ${z.prettifyError(r.error).slice(0, 2000)}`);
  return r.data;
}

const errorBody = (code: ErrorAnswer['error']['code'], message: string): ErrorAnswer => ({ error: { code, message } });

/** Connection-level failures of the database: the host is up but cannot serve (503). */
function isDatabaseDown(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006'].includes(code)) return true;
  // pg reports a connection lost mid-query or a pool wait timeout without a code.
  return err instanceof Error && /Connection terminated|timeout exceeded when trying to connect/i.test(err.message);
}

export function buildHost(opts: HostOptions): FastifyInstance {
  const db = opts.db;
  const now = opts.now ?? Date.now;
  const keys = opts.keys ?? IssuerKeys.empty();
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: MAX_BODY_BYTES });

  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('stationId', undefined);
  // Keep the exact bytes: the signature covers them, not a re-serialisation. JSON only: any
  // other content type is 415 (Fastify's text parser would hide the bytes from the signature).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const buf = body as Buffer;
    req.rawBody = buf;
    if (buf.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(buf.toString('utf8')));
    } catch {
      done(new HostError(400, 'BAD_REQUEST', 'body is not JSON'), undefined);
    }
  });

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof HostError) return reply.status(err.status).send(errorBody(err.code, err.message));
    const status = (err as { statusCode?: unknown }).statusCode;
    if (status === 413) return reply.status(413).send(errorBody('TOO_LARGE', `body above ${MAX_BODY_BYTES} bytes`));
    if (typeof status === 'number' && status >= 400 && status < 500) return reply.status(status).send(errorBody('BAD_REQUEST', (err as Error).message));
    if (isDatabaseDown(err)) return reply.status(503).send(errorBody('UNAVAILABLE', 'the clearing database is unreachable; retry later'));
    req.log.error(err);
    return reply.status(500).send(errorBody('INTERNAL', 'internal error'));
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)));

  const signed = async (req: FastifyRequest): Promise<void> => {
    req.stationId = await authenticate({ db, now, windowSeconds: opts.windowSeconds }, {
      method: req.method,
      target: req.url,
      body: req.rawBody ?? Buffer.alloc(0),
      headers: req.headers,
    });
  };
  /** The station in the path must be the one that signed. */
  const sameStation = (req: FastifyRequest<{ Params: { stationId: string } }>): string => {
    const id = parse(StationIdSchema, req.params.stationId, 'station id');
    if (id !== req.stationId) throw new HostError(403, 'FORBIDDEN', `station ${req.stationId} may not act for station ${id}`);
    return id;
  };

  app.get('/v1/health', async (_req, reply) => {
    let dbState: HealthAnswer['db'] = 'ok';
    try {
      await ping(db);
    } catch {
      dbState = 'down';
    }
    const answer: HealthAnswer = { ok: dbState === 'ok', service: 'city-union-upstream', protocol: PROTOCOL_VERSION, db: dbState, time: new Date(now()).toISOString() };
    return reply.status(dbState === 'ok' ? 200 : 503).send(answer);
  });

  app.post<{ Params: { stationId: string } }>('/v1/stations/:stationId/entries', { preHandler: signed }, async (req, reply) => {
    const stationId = sameStation(req);
    // The hand-written check of the hot shape; what it does not take, zod judges (same answer).
    const checked = fastCheckBatch(req.body) ?? fromParsedBatch(parse(EntryBatchSchema, req.body, 'entry batch'));
    if (checked.batch.stationId !== stationId) throw new HostError(400, 'BAD_REQUEST', 'batch stationId differs from the path');
    const r = await ingestBatch(db, stationId, checked, keys);
    return reply.status(r.httpStatus).send(r.answer);
  });

  app.get<{ Params: { stationId: string } }>('/v1/stations/:stationId/head', { preHandler: signed }, async (req) => stationHead(db, sameStation(req)));

  app.post<{ Params: { stationId: string } }>('/v1/stations/:stationId/days', { preHandler: signed }, async (req) => {
    const stationId = sameStation(req);
    const checkpoint = parse(DayCheckpointSchema, req.body, 'day checkpoint');
    if (checkpoint.stationId !== stationId) throw new HostError(400, 'BAD_REQUEST', 'checkpoint stationId differs from the path');
    return checkDay(db, stationId, checkpoint);
  });

  app.get('/v1/blacklist', { preHandler: signed }, async (req) => blacklistDelta(db, parse(DeltaQuerySchema, req.query, 'query')));
  app.post('/v1/blacklist', { preHandler: signed }, async (req) => reportBlacklist(db, req.stationId!, parse(BlacklistReportSchema, req.body, 'blacklist report')));
  app.get('/v1/params', { preHandler: signed }, async (req) => paramDelta(db, parse(DeltaQuerySchema, req.query, 'query')));

  app.post('/v1/loads/authorize', { preHandler: signed }, async (req, reply) => {
    const answer = await authorizeLoad({ db, keys, now }, req.stationId!, parse(LoadAuthRequestSchema, req.body, 'load authorisation'));
    return reply.status(answer.status === 'authorised' ? 200 : 422).send(answer);
  });

  app.get<{ Params: { asn: string } }>('/v1/cards/:asn/balance', { preHandler: signed }, async (req) => cardBalance(db, keys, parse(AsnSchema, req.params.asn, 'ASN')));

  const adminTokens = [opts.adminToken, opts.localAdminToken].filter((t): t is string => t !== undefined && t.length > 0);
  if (adminTokens.length > 0) registerAdmin(app, db, adminTokens);
  return app;
}

/** Clearing-center operators: register stations, blacklist cards, set parameters. */
function registerAdmin(app: FastifyInstance, db: Database, tokens: readonly string[]): void {
  const wanted = tokens.map((t) => createHash('sha256').update(t).digest());
  const admin = async (req: FastifyRequest): Promise<void> => {
    const h = req.headers.authorization ?? '';
    const given = createHash('sha256').update(h.startsWith('Bearer ') ? h.slice(7) : '').digest();
    // Every token compared (constant time each), so the answer's timing does not say which matched.
    let ok = false;
    for (const want of wanted) ok = timingSafeEqual(want, given) || ok;
    if (!ok) throw new HostError(401, 'AUTH', 'admin token required');
  };
  const NewStation = z.strictObject({ stationId: StationIdSchema, name: z.string().max(200).optional(), cityCode: z.string().regex(/^[0-9A-F]{4}$/).nullable().optional() });
  const Blacklist = z.strictObject({ asn: AsnSchema, action: z.enum(['add', 'remove']), reason: z.string().min(1).max(200) });

  app.get('/v1/admin/stations', { preHandler: admin }, async () => ({ stations: await listStations(db) }));
  app.post('/v1/admin/stations', { preHandler: admin }, async (req, reply) => {
    const body = parse(NewStation, req.body, 'station');
    return reply.status(201).send(await registerStation(db, { stationId: body.stationId, name: body.name, cityCode: body.cityCode ?? null }));
  });
  app.post<{ Params: { stationId: string } }>('/v1/admin/stations/:stationId/rotate', { preHandler: admin }, async (req) => ({
    stationId: req.params.stationId,
    secret: await rotateSecret(db, parse(StationIdSchema, req.params.stationId, 'station id')),
  }));
  app.post<{ Params: { stationId: string }; Body: unknown }>('/v1/admin/stations/:stationId/disabled', { preHandler: admin }, async (req) => {
    const body = parse(z.strictObject({ disabled: z.boolean() }), req.body, 'body');
    await setDisabled(db, parse(StationIdSchema, req.params.stationId, 'station id'), body.disabled);
    return { stationId: req.params.stationId, disabled: body.disabled };
  });
  app.post('/v1/admin/blacklist', { preHandler: admin }, async (req) => {
    const b = parse(Blacklist, req.body, 'blacklist change');
    return addBlacklistChange(db, { ...b, stationId: null, requestId: null });
  });
  app.put<{ Params: { key: string } }>('/v1/admin/params/:key', { preHandler: admin }, async (req) => {
    const key = parse(ParamKeySchema, req.params.key, 'parameter key');
    return setParam(db, key, parse(z.json(), req.body, 'parameter value') as Json);
  });
  app.get('/v1/admin/param-keys', { preHandler: admin }, async () => ({ known: PARAM_KEYS }));
}
