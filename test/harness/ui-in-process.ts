// `station serve`'s real API server (core/api/server.ts, real WebSocket) on a fixture station
// whose in-process readers announce their cards, for fast tests of requests over the socket.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startUiServer, type UiServer } from '../../core/api/server.ts';
import { WatchedInProcessAccess } from '../sim/ui-access.ts';
import { READER, stationFixture, type Fixture } from './station-fixture.ts';

export interface UiInProcess {
  fx: Fixture;
  cards: WatchedInProcessAccess;
  server: UiServer;
  stop(): Promise<void>;
}

export async function startUiInProcess(): Promise<UiInProcess> {
  const cards = new WatchedInProcessAccess([READER]);
  const fx = await stationFixture({ cards });
  const dist = mkdtempSync(path.join(os.tmpdir(), 'ui-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>t</title>');
  const server = await startUiServer({ station: fx.station, access: cards, staticDir: dist, idleLockMs: 600_000 });
  return {
    fx, cards, server,
    async stop() {
      await server.close();
      await fx.cleanup();
      rmSync(dist, { recursive: true, force: true });
    },
  };
}
