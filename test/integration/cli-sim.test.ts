// `station sim --lab` as a trainer uses it: a private pcscd with virtual readers, cards
// inserted by command, read by another `station` process through the printed socket, a
// saved card state loaded back, and a fault armed from the command line.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { runStation, spawnStation } from '../harness/cli.ts';
import { PCSC_LAB, testsNeeding } from '../harness/system-needs.ts';

// `station sim --lab` is the PC/SC lab: without it the test skips, saying why (under CI it runs).
const test = testsNeeding(PCSC_LAB);

test('station sim --lab serves cards that station card read sees', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sim-'));
  const sim = spawnStation(['sim', '--lab', '--json', '--card', '0 cpu city=3100 balance=4242 id=0000000000004242'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: sim.stdout! });
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  lines.on('line', (l) => { events.push(JSON.parse(l)); waiters.splice(0).forEach((w) => w()); });
  const next = async (pred: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = events.find(pred);
      if (found) { events.splice(events.indexOf(found), 1); return found; }
      if (Date.now() > deadline) throw new Error(`no such sim event; have ${JSON.stringify(events)}`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 500); });
    }
  };
  const send = (line: string) => sim.stdin!.write(`${line}\n`);
  // pcscd learns of a card inserted into vpcd at its next poll of the driver (400 ms, longer on a
  // loaded machine: docs/PCSC.md), so the sim's "ok" can come before the reader shows the card.
  // A trainer would wait for the card to show; so does this read, on NO_CARD only, within a bound.
  const read = async (socket: string, reader: string) => {
    const env = { ...process.env, PCSCLITE_CSOCK_NAME: socket, STATION_HOME: path.join(dir, 'home') };
    const args = ['card', 'read', '--json', '--reader', reader];
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await runStation(args, env);
      if (r.code !== 0 && r.json?.error?.code === 'NO_CARD' && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 200));
        continue;
      }
      if (r.code !== 0) throw new Error(`station ${args.join(' ')} exited ${r.code}\n${r.stderr}\n${r.stdout}`);
      return r.json as { balanceFen: number; asn: string; kind: string };
    }
  };
  try {
    const ready = await next((e) => e.event === 'ready');
    const socket = ready.socket as string;
    const readers = ready.readers as string[];
    assert.equal(readers.length, 2);
    assert.ok((await next((e) => e.event === 'reply')).ok);
    const v = await read(socket, readers[0]!);
    assert.equal(v.balanceFen, 4242);
    assert.equal(v.asn, '0000000000004242');

    send(`save 0 ${path.join(dir, 'card.json')}`);
    assert.ok((await next((e) => e.event === 'reply')).ok);
    assert.equal(JSON.parse(readFileSync(path.join(dir, 'card.json'), 'utf8')).kind, 'cpu');
    send(`load 1 ${path.join(dir, 'card.json')}`);
    assert.ok((await next((e) => e.event === 'reply')).ok);
    assert.equal((await read(socket, readers[1]!)).asn, '0000000000004242');

    send('insert 0 m1 balance=900');
    assert.ok((await next((e) => e.event === 'reply')).ok);
    const m1 = await read(socket, readers[0]!);
    assert.equal(m1.kind, 'm1');
    assert.equal(m1.balanceFen, 900);

    send('insert 0 cpu balance=100');
    await next((e) => e.event === 'reply');
    send('fault 0 remove 1');
    assert.ok((await next((e) => e.event === 'reply')).ok);
    await assert.rejects(read(socket, readers[0]!), /CARD_REMOVED|left the field/);

    send('bogus');
    const bad = await next((e) => e.event === 'reply');
    assert.equal(bad.ok, false);
    assert.match(String(bad.message), /unknown command/);
    send('quit');
    const code = await new Promise<number | null>((r) => sim.once('exit', (c) => r(c)));
    assert.equal(code, 0);
  } finally {
    if (sim.exitCode === null) sim.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
