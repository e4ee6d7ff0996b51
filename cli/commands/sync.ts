import { defaultStationHome, loadConfig } from '../../core/config.ts';
import { openStationDb } from '../../core/station-db.ts';
import { openRelay, setUpstream, upstreamReport, type CycleReport, type SyncStatus } from '../../core/sync.ts';
import { PASSPHRASE_ENV } from '../../core/station-keys.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { withStation } from '../session.ts';

function statusLine(s: SyncStatus): string {
  return `${s.online === null ? 'not tried' : s.online ? 'online' : 'OFFLINE'}; host holds through seq ${s.ackSeq} of ${s.lastSeq} (backlog ${s.backlog}), ` +
    `${s.quarantined} quarantined${s.blocked ? `, BLOCKED at seq ${s.blocked.seq} (${s.blocked.code})` : ''}; blacklist v${s.blacklistVersion}, parameters v${s.paramsVersion}` +
    `${s.lastError ? `\n  last error: ${s.lastError}` : ''}`;
}

function cycleText(r: CycleReport): string {
  const q = Array.isArray(r.quarantinedNow) ? r.quarantinedNow : [];
  return [
    r.ok ? 'sync: done' : `sync: incomplete — ${r.error}`,
    `  uploaded ${r.uploaded} entr${r.uploaded === 1 ? 'y' : 'ies'} (${r.duplicates} the host already had), reported ${r.blacklistReported} lost card(s)`,
    `  pulled ${r.blacklistChanges} blacklist and ${r.paramChanges} parameter change(s)`,
    ...r.days.map((d) => `  day ${d.day}: ${d.status}`),
    ...q.map((e) => `  QUARANTINED #${e.seq} ${e.kind}: ${e.reason}`),
    `  ${statusLine(r.status)}`,
  ].join('\n');
}

export const syncCommand: CliCommand = {
  path: ['sync'],
  summary: 'send the ledger to the clearing host, pull blacklist and parameters (--once: one round)',
  usage: 'station sync [--once] [--status] [--json]   (--status: show the relay state and probe the host, send nothing)',
  options: { once: { type: 'boolean' }, status: { type: 'boolean' } },
  async run(input, io) {
    if (input.values.status === true) {
      const home = defaultStationHome(io.env);
      const config = loadConfig(home);
      const db = await openStationDb(home, config);
      try {
        const r = await upstreamReport(home, db, config, true, io.env);
        emit(io, input.json, r, r.configured
          ? `${r.url} as ${r.stationId}: ${r.reachable ? `reachable, holds through seq ${r.hostAckSeq}` : `not reachable (${r.error})`}\n  ${statusLine(r.status!)}${r.quarantinedEntries.map((q) => `\n  QUARANTINED #${q.seq} ${q.kind}: ${q.reason}`).join('')}`
          : 'no clearing host configured (station upstream set --url URL)');
        return 0;
      } finally {
        await db.close();
      }
    }
    return withStation(io, async (station) => {
      const relay = openRelay(station, {}, io.env);
      if (relay === null) {
        emit(io, input.json, { ok: false, error: 'no clearing host configured' }, 'sync: no clearing host configured\n  → station upstream set --url URL (secret in STATION_UPSTREAM_SECRET)');
        return 1;
      }
      if (input.values.once === true) {
        const r = await relay.syncOnce();
        emit(io, input.json, r, cycleText(r));
        return r.ok ? 0 : 1;
      }
      // Until Ctrl-C: cycles on the schedule, a line per status change.
      relay.on((e) => {
        if (e.type === 'online' || e.type === 'offline') io.stdout(input.json ? `${JSON.stringify(e)}\n` : `sync: ${e.type}\n`);
        else if (e.type === 'quarantined') io.stdout(input.json ? `${JSON.stringify(e)}\n` : `sync: QUARANTINED #${e.seq}: ${e.reason}\n`);
        else if (e.type === 'status' && !input.json) io.stdout(`sync: ${statusLine(e.status)}\n`);
        else if (e.type === 'status') io.stdout(`${JSON.stringify(e)}\n`);
      });
      relay.start();
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        else io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await relay.stop();
      return 0;
    });
  },
};

export const upstreamSetCommand: CliCommand = {
  path: ['upstream', 'set'],
  summary: 'point the station at its clearing host (secret from STATION_UPSTREAM_SECRET, stored encrypted with STATION_KEYS_PASSPHRASE)',
  usage: 'STATION_UPSTREAM_SECRET=<64 hex> STATION_KEYS_PASSPHRASE=… station upstream set --url URL [--station-id HEX12]\n' +
    '       STATION_KEYS_PASSPHRASE=… station upstream set   (keeps the URL and secret: rewrites an upstream.json with the secret in the clear encrypted)',
  options: { url: { type: 'string' }, 'station-id': { type: 'string' } },
  async run(input, io) {
    const home = defaultStationHome(io.env);
    const config = loadConfig(home);
    const db = await openStationDb(home, config);
    try {
      const { settings, stationIdChanged } = await setUpstream(home, config, db, {
        url: stringOpt(input, 'url'), stationId: stringOpt(input, 'station-id'), secret: io.env.STATION_UPSTREAM_SECRET, passphrase: io.env[PASSPHRASE_ENV],
      });
      const stored = settings.encrypted
        ? `secret stored encrypted in ${home}/upstream.json (mode 600, opens with ${PASSPHRASE_ENV})`
        : `secret stored IN THE CLEAR in ${home}/upstream.json (mode 600): set ${PASSPHRASE_ENV} and run station upstream set again to encrypt it`;
      emit(io, input.json, { ...settings, stationIdChanged },
        `clearing host ${settings.url}, station ${settings.stationId}${stationIdChanged ? ' (station id adopted)' : ''}; ${stored}\n  → station sync --once`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
