// The training lab's core rules (issue 16 item 9): a live station refuses every lab request in
// the core, even with a running lab registered in its home; a training station's requests reach
// the lab's control socket, which puts the preset's card on the slot (a recording backend
// stands in for the PC/SC lab here; the real one: cli-lab-find, ui-lab-e2e). The damaged and
// customer presets are what they say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StationError } from '../../common/errors.ts';
import type { Actor } from '../../core/auth.ts';
import type { StationConfig } from '../../core/config.ts';
import { makeLabCard, parseLabCardSpec } from '../../core/lab/card-specs.ts';
import { InProcessLabBackend } from '../../core/lab/in-process-lab.ts';
import { LabSlots, serveLabControl } from '../../core/lab/lab-control.ts';
import { writeLabRecord } from '../../core/lab/lab-registry.ts';
import type { SimBackend } from '../../core/lab/sim-session.ts';
import { labHandlers } from '../../core/api/handlers/lab.ts';

class RecordingBackend implements SimBackend {
  readonly readerNames = ['Lab 00 00', 'Lab 00 01'];
  readonly description = 'recording';
  readonly calls: Array<{ op: string; slot: number; card?: unknown }> = [];
  async insert(slot: number, card: unknown) { this.calls.push({ op: 'insert', slot, card }); }
  async remove(slot: number) { this.calls.push({ op: 'remove', slot }); }
  async fault() { /* not used */ }
  async cardState() { return null; }
  async stop() { /* nothing */ }
}

const actor = { staffId: 'admin', name: 'Admin', role: 'admin' } as Actor;

async function withLab(fn: (home: string, backend: RecordingBackend) => Promise<void>): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lab-core-'));
  const backend = new RecordingBackend();
  const control = path.join(home, 'control.sock');
  const server = await serveLabControl(control, backend, new LabSlots(backend.readerNames));
  const socket = path.join(home, 'pcscd.comm');
  writeFileSync(socket, '');
  writeLabRecord(home, { pid: process.pid, socket, control, readers: backend.readerNames });
  try {
    await fn(home, backend);
  } finally {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  }
}

test('a live station refuses lab requests in the core, with a running lab in its home', async () => {
  await withLab(async (home, backend) => {
    const lab = labHandlers<null>({ station: { home, config: { mode: 'live' } as StationConfig }, actorOf: () => actor });
    for (const call of [() => lab.labSlots({}, null), () => lab.labPlace({ slot: 0, preset: 'stock' }, null), () => lab.labRemove({ slot: 1 }, null)]) {
      await assert.rejects(call(), (e: StationError) => e.code === 'FORBIDDEN' && /training stations only/.test(e.message) && e.hint !== undefined);
    }
    assert.deepEqual(backend.calls, [], 'nothing reached the lab');
  });
});

test('a training station places and removes preset cards through the lab', async () => {
  await withLab(async (home, backend) => {
    const lab = labHandlers<null>({ station: { home, config: { mode: 'training' } as StationConfig }, actorOf: () => actor });
    assert.deepEqual((await lab.labSlots({}, null)).slots.map((s) => s.preset), [null, null]);
    const placed = await lab.labPlace({ slot: 1, preset: 'stock' }, null);
    assert.equal(placed.slots[1]!.preset, 'stock');
    assert.match(placed.slots[1]!.card ?? '', /^[0-9A-F]{16}$/);
    // The card there leaves first, then the stock card goes on: a CPU card awaiting activation.
    assert.deepEqual(backend.calls.map((c) => `${c.op} ${c.slot}`), ['remove 1', 'insert 1']);
    const card = backend.calls[1]!.card as { kind: string; ef0015: string };
    assert.equal(card.kind, 'cpu');
    assert.equal(card.ef0015.slice(24, 40), placed.slots[1]!.card);
    const removed = await lab.labRemove({ slot: 1 }, null);
    assert.equal(removed.slots[1]!.preset, null);
    await assert.rejects(lab.labPlace({ slot: 2 as 1, preset: 'm1' }, null), /slot must be 0\.\.1/);
  });
  // No lab registered: a clear refusal with the next step, not a hang.
  const bare = mkdtempSync(path.join(os.tmpdir(), 'lab-core-'));
  try {
    const lab = labHandlers<null>({ station: { home: bare, config: { mode: 'training' } as StationConfig }, actorOf: () => actor });
    await assert.rejects(lab.labSlots({}, null), (e: StationError) => e.code === 'NO_READER' && /No training lab/.test(e.message));
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});

test('the damaged card answers nothing useful; the customer card has a history', () => {
  const damaged = makeLabCard(parseLabCardSpec('damaged id=3100000000000999'));
  for (const apdu of [[0x00, 0xa4, 0x04, 0x00, 0x00], [0x00, 0xb0, 0x95, 0x00, 0x1e], [0x80, 0x5c, 0x00, 0x02, 0x04]]) {
    assert.deepEqual([...damaged.process(Uint8Array.from(apdu)).response!], [0x6f, 0x00]);
  }
  assert.deepEqual(damaged.toJSON(), { kind: 'damaged', printedAsn: '3100000000000999' });
  const customer = makeLabCard(parseLabCardSpec('cpu balance=5000 log=5')).toJSON() as { balanceFen: number; log: string[] };
  assert.equal(customer.balanceFen, 5000);
  // EF 0018 records, newest first: seq 5 … 1, a ¥50.00 load (type 02) among the rides (type 06).
  assert.deepEqual(customer.log.map((r) => r.slice(0, 4)), ['0005', '0004', '0003', '0002', '0001']);
  assert.equal(customer.log[2]!.slice(10, 20), '0000138802');
  assert.deepEqual((makeLabCard(parseLabCardSpec('cpu balance=5000')).toJSON() as { log: string[] }).log, []);
});

test('station serve\'s in-process lab: the panel places its cards there on a training station, never on a live one', async () => {
  const backend = new InProcessLabBackend();
  try {
    const local = { backend, slots: new LabSlots(backend.readerNames) };
    const live = labHandlers<null>({ station: { home: os.tmpdir(), config: { mode: 'live' } as StationConfig }, actorOf: () => actor, local });
    await assert.rejects(live.labPlace({ slot: 0, preset: 'stock' }, null), (e: StationError) => e.code === 'FORBIDDEN');
    assert.equal(backend.access.slots.get(backend.readerNames[0]!)?.present ?? false, false, 'nothing placed on a live station');
    const training = labHandlers<null>({ station: { home: os.tmpdir(), config: { mode: 'training' } as StationConfig }, actorOf: () => actor, local });
    const placed = await training.labPlace({ slot: 0, preset: 'm1' }, null);
    assert.equal(placed.slots[0]!.preset, 'm1');
    assert.equal(backend.access.slots.get(backend.readerNames[0]!)?.present, true);
    assert.equal((await backend.cardState(0) as { kind: string }).kind, 'm1');
  } finally {
    await backend.stop();
  }
});
