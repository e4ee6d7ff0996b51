/** Opening the station for a CLI command, and establishing who acts (--operator + STATION_PIN). */
import { randomUUID } from 'node:crypto';
import { IdempotencyKeySchema } from '../common/api.ts';
import { BadInputError, StationError } from '../common/errors.ts';
import { authenticate, type Actor } from '../core/auth.ts';
import type { CardAccess } from '../core/card-access.ts';
import { once } from '../core/idempotency.ts';
import { defaultStationHome, loadConfig } from '../core/config.ts';
import { PcscCardAccess } from '../core/pcsc-access.ts';
import { pcscSocketFor } from '../core/lab/lab-registry.ts';
import { openStation, type Station } from '../core/station.ts';
import { stringOpt, type CliIO, type CommandInput, type OptionSpec } from './command.ts';

export const ACTOR_OPTIONS: OptionSpec = {
  operator: { type: 'string' },
};

/** `cards`: the card access to use instead of PC/SC (station serve's in-process training readers). */
export async function openCliStation(io: CliIO, cards?: CardAccess): Promise<Station> {
  const home = defaultStationHome(io.env);
  const config = loadConfig(home);
  return openStation({ home, env: io.env, cards: cards ?? new PcscCardAccess({ socketPath: pcscSocketFor(home, io.env), defaultReader: config.defaultReader }), config });
}

/** Runs `fn` with an open station and always closes it (reader service, database). */
export async function withStation<T>(io: CliIO, fn: (station: Station) => Promise<T>, cards?: CardAccess): Promise<T> {
  const station = await openCliStation(io, cards);
  try {
    return await fn(station);
  } finally {
    await station.close();
  }
}

export async function cliActor(station: Station, input: CommandInput, io: CliIO): Promise<Actor> {
  return authenticate(station.db, stringOpt(input, 'operator'), io.env.STATION_PIN, station.now());
}

/** A second person (supervisor sign-off) authenticates with STATION_SUPERVISOR_PIN. */
export async function cliSupervisor(station: Station, input: CommandInput, io: CliIO): Promise<Actor | null> {
  const id = stringOpt(input, 'supervisor');
  if (id === undefined) return null;
  if (!io.env.STATION_SUPERVISOR_PIN) throw new StationError('AUTH', 'No supervisor PIN given', 'Set STATION_SUPERVISOR_PIN');
  return authenticate(station.db, id, io.env.STATION_SUPERVISOR_PIN, station.now());
}

/**
 * A fee waiver (issue 17): `--waiver ID --waive-reason TEXT`, the supervisor's PIN in
 * STATION_WAIVER_PIN (or STATION_SUPERVISOR_PIN). The core checks the role, the four eyes and the reason.
 */
export const WAIVER_OPTIONS: OptionSpec = { waiver: { type: 'string' }, 'waive-reason': { type: 'string' } };
export async function cliWaiver(station: Station, input: CommandInput, io: CliIO): Promise<{ supervisor: Actor; reason: string } | null> {
  const id = stringOpt(input, 'waiver');
  const reason = stringOpt(input, 'waive-reason');
  if (id === undefined && reason === undefined) return null;
  if (id === undefined || reason === undefined) throw new StationError('BAD_INPUT', 'A fee waiver needs both --waiver ID (the supervisor) and --waive-reason TEXT');
  const pin = io.env.STATION_WAIVER_PIN ?? io.env.STATION_SUPERVISOR_PIN;
  if (!pin) throw new StationError('AUTH', 'No PIN given for the waiving supervisor', 'Set STATION_WAIVER_PIN (or STATION_SUPERVISOR_PIN)');
  return { supervisor: await authenticate(station.db, id, pin, station.now()), reason };
}

/** Money commands take `--idempotency-key KEY` (core/idempotency.ts). */
export const IDEMPOTENCY_OPTIONS: OptionSpec = {
  'idempotency-key': { type: 'string' },
};
export const IDEMPOTENCY_USAGE = '  --idempotency-key KEY: run again with the same KEY (16–64 letters, digits, - _) and get the first answer instead of a second booking';

/** How the answer is shown, not what is asked: left out of what makes two runs "the same request". */
const PRESENTATION = new Set(['json', 'print', 'no-print', 'idempotency-key']);

/**
 * A money command runs once per idempotency key: the one given with --idempotency-key (a script
 * retrying after a lost answer passes the same one), or a new one for this run.
 */
export async function cliOnce<T>(station: Station, input: CommandInput, actor: Actor, method: string, run: () => Promise<T>): Promise<T> {
  const given = stringOpt(input, 'idempotency-key');
  if (given !== undefined && !IdempotencyKeySchema.safeParse(given).success) {
    throw new BadInputError(`--idempotency-key must be 16 to 64 letters, digits, - or _ (got ${given.length} characters)`, 'Use a fresh random value per transaction, e.g. from uuidgen');
  }
  const params = Object.fromEntries(Object.entries(input.values).filter(([k]) => !PRESENTATION.has(k)));
  return once(station, { key: given ?? randomUUID(), method, actor: actor.staffId, params }, run);
}
