/**
 * `npm run upstream -- [command] [options]`: the reference clearing host and its admin CLI.
 *
 *   (serve, default)   --port N (8787; 0 = any) --host ADDR (127.0.0.1) --keys FILE
 *   migrate            apply migrations and exit
 *   register-station   --station-id HEX12 [--name TEXT] [--city-code HEX4]   prints the secret
 *   rotate-secret      --station-id HEX12                                       prints the new secret
 *   disable-station / enable-station  --station-id HEX12
 *   stations           list registered stations
 *   blacklist          --asn HEX16 --action add|remove --reason TEXT
 *   set-param          --key NAME (--json TEXT | --file PATH)
 *
 * Database: DATABASE_URL (PostgreSQL) when set; otherwise an embedded PGlite in --data-dir
 * (default ~/.city-union-upstream/pglite), or in memory with --memory. Issuer keys: --keys or
 * UPSTREAM_KEYS. The admin HTTP endpoints are on only when UPSTREAM_ADMIN_TOKEN is set (it is
 * never taken from argv, where other users could read it).
 *
 * A PGlite data directory is one process's (upstream/store/dir-lock.ts): a serving host holds
 * its lock, and the admin commands above, run beside it, go through its admin API with the
 * per-run token it leaves in the lock file (upstream/admin-forward.ts); with no host running
 * they take the lock for their own run. PostgreSQL does its own locking.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Json } from '../common/canonical-json.ts';
import { buildHost } from './app.ts';
import { openPglite, openPostgres, type Database } from './store/database.ts';
import { migrate } from './store/migrate.ts';
import { addBlacklistChange, setParam } from './deltas.ts';
import { HostError } from './host-error.ts';
import { IssuerKeys } from './issuer-keys.ts';
import { listStations, registerStation, rotateSecret, setDisabled } from './stations.ts';
import { adminCall, forwardAdmin } from './admin-forward.ts';
import { isDirLock, takeDirLock, type DirLock } from './store/dir-lock.ts';

const USAGE = 'usage: npm run upstream -- [serve|migrate|register-station|rotate-secret|disable-station|enable-station|stations|blacklist|set-param] [options] (see upstream/server.ts)';

/** The PGlite directory this run would open, or null (PostgreSQL, or PGlite in memory). */
function pgliteDir(values: { 'data-dir'?: string; memory?: boolean }): string | null {
  const url = process.env.DATABASE_URL;
  if ((url !== undefined && url !== '') || values.memory === true) return null;
  return path.resolve(values['data-dir'] ?? path.join(os.homedir(), '.city-union-upstream', 'pglite'));
}

async function openDatabase(values: { 'data-dir'?: string; memory?: boolean }): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (url !== undefined && url !== '') return openPostgres({ connectionString: url });
  const dir = pgliteDir(values);
  if (dir === null) return openPglite();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return openPglite(dir);
}

function need(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new HostError(400, 'BAD_REQUEST', `${flag} is required`);
  return value;
}

// eslint-disable-next-line max-lines-per-function -- the host CLI: one case per command, as its usage lists them
async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      keys: { type: 'string' },
      'data-dir': { type: 'string' },
      memory: { type: 'boolean' },
      'station-id': { type: 'string' },
      name: { type: 'string' },
      'city-code': { type: 'string' },
      asn: { type: 'string' },
      action: { type: 'string' },
      reason: { type: 'string' },
      key: { type: 'string' },
      json: { type: 'string' },
      file: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = positionals[0] ?? 'serve';
  const setParamJson = (): unknown => {
    const text = values.json ?? (values.file ? readFileSync(values.file, 'utf8') : undefined);
    return JSON.parse(need(text, '--json or --file')) as unknown;
  };
  let lock: DirLock | null = null;
  const dir = pgliteDir(values);
  if (dir !== null) {
    mkdirSync(path.dirname(dir), { recursive: true });
    const call = command === 'serve' ? null : adminCall(command, values, command === 'set-param' ? setParamJson() : undefined);
    // A host starting waits a little for an admin command to finish; an admin command beside a
    // serving host goes through it (the host's admin API checks its arguments).
    const taken = await takeDirLock(dir, command === 'serve' ? 'host' : 'admin', {
      waitMs: command === 'serve' ? 10_000 : 60_000,
      stopWhen: (holder) => call !== null && holder.role === 'host' && holder.url !== undefined,
    });
    if (!isDirLock(taken)) {
      process.stdout.write(`${JSON.stringify(await forwardAdmin(taken, call!), null, 2)}\n`);
      return 0;
    }
    lock = taken;
  }
  let db: Database;
  try {
    db = await openDatabase(values);
  } catch (err) {
    lock?.release();
    throw err;
  }
  let keepOpen = false;
  try {
    await migrate(db);
    const print = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
    switch (command) {
      case 'serve': {
        const keysFile = values.keys ?? process.env.UPSTREAM_KEYS;
        const keys = keysFile ? IssuerKeys.load(keysFile) : IssuerKeys.empty();
        const localAdminToken = lock !== null ? randomBytes(32).toString('hex') : undefined;
        const app = buildHost({ db, keys, adminToken: process.env.UPSTREAM_ADMIN_TOKEN, localAdminToken, logger: process.env.UPSTREAM_LOG === '1' });
        const port = Number(values.port ?? process.env.UPSTREAM_PORT ?? 8787);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new HostError(400, 'BAD_REQUEST', `--port ${values.port} is not a port`);
        const address = await app.listen({ port, host: values.host ?? '127.0.0.1' });
        if (lock !== null && localAdminToken !== undefined) lock.publish(address, localAdminToken);
        // One line a supervisor or test can wait for (with the real port when --port 0).
        process.stdout.write(`upstream listening on ${address} (${db.kind}, issuers ${keys.cityCodes().join(',') || 'none'})\n`);
        const stop = (): void => {
          void app.close().then(() => db.close()).finally(() => lock?.release()).then(() => process.exit(0), () => process.exit(1));
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        keepOpen = true;
        return 0;
      }
      case 'migrate':
        print({ migrated: true, database: db.kind });
        return 0;
      case 'register-station': {
        const r = await registerStation(db, { stationId: need(values['station-id'], '--station-id'), name: values.name, cityCode: values['city-code'] ?? null });
        print({ ...r, note: 'give the secret to the station; it is not shown again' });
        return 0;
      }
      case 'rotate-secret':
        print({ stationId: values['station-id'], secret: await rotateSecret(db, need(values['station-id'], '--station-id')) });
        return 0;
      case 'disable-station':
      case 'enable-station':
        await setDisabled(db, need(values['station-id'], '--station-id'), command === 'disable-station');
        print({ stationId: values['station-id'], disabled: command === 'disable-station' });
        return 0;
      case 'stations':
        print(await listStations(db));
        return 0;
      case 'blacklist': {
        const action = need(values.action, '--action');
        if (action !== 'add' && action !== 'remove') throw new HostError(400, 'BAD_REQUEST', '--action is add or remove');
        const asn = need(values.asn, '--asn');
        if (!/^[0-9A-Fa-f]{16}$/.test(asn)) throw new HostError(400, 'BAD_REQUEST', '--asn is 16 hex digits');
        print(await addBlacklistChange(db, { asn, action, reason: need(values.reason, '--reason'), stationId: null, requestId: null }));
        return 0;
      }
      case 'set-param':
        print(await setParam(db, need(values.key, '--key'), setParamJson() as Json));
        return 0;
      default:
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
  } finally {
    if (!keepOpen) {
      await db.close();
      lock?.release();
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`upstream: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
