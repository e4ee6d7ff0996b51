/**
 * The admin CLI through a running host: when a host serves a PGlite data directory, it holds
 * the directory's lock (upstream/store/dir-lock.ts) and publishes its address and a per-run
 * admin token there; `register-station`, `rotate-secret` and the other admin commands started
 * beside it send their change to its admin API instead of opening the directory a second time
 * (which lost registrations: PGlite is one process's database).
 */
import { HostError } from './host-error.ts';
import type { LockInfo } from './store/dir-lock.ts';

export interface AdminValues {
  'station-id'?: string;
  name?: string;
  'city-code'?: string;
  asn?: string;
  action?: string;
  reason?: string;
  key?: string;
}

interface Call {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
  /** What the command prints, from the host's answer. */
  print?: (answer: unknown) => unknown;
}

/** The admin API call for a CLI command (arguments already checked by the caller), or null when it has none. */
export function adminCall(command: string, v: AdminValues, json: unknown): Call | null {
  const id = (v['station-id'] ?? '').toUpperCase();
  switch (command) {
    case 'migrate':
      return { method: 'GET', path: '/v1/admin/param-keys', print: () => ({ migrated: true, database: 'pglite', via: 'the running host' }) };
    case 'register-station':
      return {
        method: 'POST', path: '/v1/admin/stations', body: { stationId: id, ...(v.name !== undefined ? { name: v.name } : {}), ...(v['city-code'] !== undefined ? { cityCode: v['city-code'].toUpperCase() } : {}) },
        print: (a) => ({ ...(a as object), note: 'give the secret to the station; it is not shown again' }),
      };
    case 'rotate-secret':
      return { method: 'POST', path: `/v1/admin/stations/${id}/rotate` };
    case 'disable-station':
    case 'enable-station':
      return { method: 'POST', path: `/v1/admin/stations/${id}/disabled`, body: { disabled: command === 'disable-station' } };
    case 'stations':
      return { method: 'GET', path: '/v1/admin/stations', print: (a) => (a as { stations: unknown }).stations };
    case 'blacklist':
      return { method: 'POST', path: '/v1/admin/blacklist', body: { asn: (v.asn ?? '').toUpperCase(), action: v.action, reason: v.reason } };
    case 'set-param':
      return { method: 'PUT', path: `/v1/admin/params/${encodeURIComponent(v.key ?? '')}`, body: json };
    default:
      return null;
  }
}

export async function forwardAdmin(host: LockInfo, call: Call): Promise<unknown> {
  const res = await fetch(new URL(call.path, host.url), {
    method: call.method,
    headers: { authorization: `Bearer ${host.token ?? ''}`, ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
  });
  const text = await res.text();
  const answer = text === '' ? null : (JSON.parse(text) as unknown);
  if (!res.ok) {
    const err = (answer as { error?: { code?: string; message?: string } } | null)?.error;
    throw new HostError(res.status, 'UNAVAILABLE', `the running host (pid ${host.pid}) refused: ${err?.message ?? `HTTP ${res.status}`}`);
  }
  return call.print ? call.print(answer) : answer;
}
