// Real process death: a child appends ledger entries and is killed with SIGKILL at random
// moments, KILLS times. After each kill the file must pass integrity_check, the chain must
// verify, and every entry the child reported as committed must still be there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyLedger } from '../../db/ledger.ts';
import { openStationDb } from '../../db/station-db.ts';

const KILLS = Number(process.env.KILL9_ROUNDS ?? 50);
const root = path.resolve(import.meta.dirname, '../..');

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

async function runAndKill(file: string, delayMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/harness/ledger-writer.ts'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let lastCommitted = 0;
  let buffer = '';
  let readyResolve: () => void = () => undefined;
  const ready = new Promise<void>((r) => { readyResolve = r; });
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'ready') readyResolve();
      else if (/^\d+$/.test(line)) lastCommitted = Number(line);
    }
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await Promise.race([ready, exited]);
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await exited;
  return lastCommitted;
}

test(`ledger survives ${KILLS} kill -9 during writes`, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kill9-'));
  const file = path.join(dir, 'station.sqlite');
  const rand = seeded(20261123);
  let totalEntries = 0;
  try {
    for (let round = 0; round < KILLS; round++) {
      const promised = await runAndKill(file, Math.floor(rand() * 60));
      const db = await openStationDb(file); // runs integrity_check; throws if the file is damaged
      const v = await verifyLedger(db);
      await db.close();
      assert.equal(v.ok, true, `round ${round}: ${JSON.stringify(v.firstBreak)}`);
      assert.ok(v.entries >= promised, `round ${round}: child reported seq ${promised} committed, file has ${v.entries}`);
      assert.ok(v.entries >= totalEntries, `round ${round}: entries went backwards`);
      totalEntries = v.entries;
    }
    assert.ok(totalEntries > 0, 'the writer committed something');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
