/**
 * Reader hot-plug and quick card swaps through the service's event logic, with a fake
 * `smartcard` binding that behaves like pcsc-lite's SCardGetStatusChange (returns when a
 * reader's state differs from the caller's, or the reader count changed for the PnP pseudo
 * reader). The vpcd lab cannot plug a reader at run time: pcsc-lite 1.9.9 cancels its
 * reader.conf recheck when the configuration changed (docs/PCSC.md), so this part is tested
 * here; everything else runs on the real stack in test/integration/pcsc-*.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { NoReaderError, ReaderGoneError } from '../../common/errors.ts';
import { toHex } from '../../common/hex.ts';
import type { NativeContext, NativeReader, NativeReaderState, PcscBinding } from '../../devices/pcsc/binding.ts';
import { PNP_READER } from '../../devices/pcsc/binding.ts';
import { PcscReaderService } from '../../devices/pcsc/index.ts';
import { recordEvents } from '../harness/pcsc-wait.ts';

const C = {
  SCARD_SHARE_EXCLUSIVE: 1,
  SCARD_SHARE_SHARED: 2,
  SCARD_PROTOCOL_T0: 1,
  SCARD_PROTOCOL_T1: 2,
  SCARD_LEAVE_CARD: 0,
  SCARD_RESET_CARD: 1,
  SCARD_UNPOWER_CARD: 2,
  SCARD_STATE_CHANGED: 0x2,
  SCARD_STATE_UNKNOWN: 0x4,
  SCARD_STATE_UNAVAILABLE: 0x8,
  SCARD_STATE_EMPTY: 0x10,
  SCARD_STATE_PRESENT: 0x20,
  SCARD_STATE_MUTE: 0x200,
};

/** The readers and cards pcscd would know about. */
class World {
  readers = new Map<string, { events: number; atr: Buffer | null }>();
  alive = true;
  waits = 0;
  #listeners = new Set<() => void>();

  state(name: string): number {
    const r = this.readers.get(name);
    if (r === undefined) return C.SCARD_STATE_UNKNOWN;
    return (r.events << 16) | (r.atr === null ? C.SCARD_STATE_EMPTY : C.SCARD_STATE_PRESENT);
  }
  changed(): void {
    for (const l of [...this.#listeners]) l();
  }
  onChange(l: () => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
  plug(name: string, atr: string | null = null): void {
    this.readers.set(name, { events: 0, atr: atr === null ? null : Buffer.from(atr, 'hex') });
    this.changed();
  }
  unplug(name: string): void {
    this.readers.delete(name);
    this.changed();
  }
  /** Remove + insert faster than anyone looks: only the event counter tells. */
  swap(name: string, atr: string): void {
    const r = this.readers.get(name)!;
    r.events += 2;
    r.atr = Buffer.from(atr, 'hex');
    this.changed();
  }
}

function fakeBinding(world: World): PcscBinding {
  class FakeContext implements NativeContext {
    isValid = true;
    #cancel: (() => void) | null = null;
    constructor() {
      if (!world.alive) throw new Error('PC/SC service not running');
    }
    listReaders(): NativeReader[] {
      if (!world.alive) throw new Error('PC/SC service not running');
      return [...world.readers.keys()].map((name) => ({
        name,
        state: world.state(name),
        atr: world.readers.get(name)!.atr,
        connect: () => Promise.reject(new Error('Sharing violation')),
      }));
    }
    waitForChange(query: { name: string; state: number }[]): Promise<NativeReaderState[] | null> {
      world.waits++;
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (!world.alive) {
            off();
            reject(new Error('Unknown PC/SC error'));
            return true;
          }
          const out: NativeReaderState[] = [];
          let any = false;
          for (const q of query) {
            if (q.name === PNP_READER) {
              const changed = q.state >>> 16 !== world.readers.size;
              any ||= changed;
              out.push({ name: q.name, state: world.readers.size << 16, changed, atr: null });
              continue;
            }
            const now = world.state(q.name);
            const changed = (now & ~C.SCARD_STATE_CHANGED) !== (q.state & ~C.SCARD_STATE_CHANGED);
            any ||= changed;
            out.push({ name: q.name, state: changed ? now | C.SCARD_STATE_CHANGED : now, changed, atr: world.readers.get(q.name)?.atr ?? null });
          }
          if (!any) return false;
          off();
          resolve(out);
          return true;
        };
        const off = world.onChange(() => void check());
        this.#cancel = () => {
          off();
          resolve(null);
        };
        check();
      });
    }
    cancel(): void {
      this.#cancel?.();
    }
    close(): void {
      this.isValid = false;
    }
  }
  return { Context: FakeContext, ...C };
}

const tick = () => new Promise<void>((r) => setImmediate(r));
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
}

let svc: PcscReaderService | null = null;
afterEach(async () => {
  await svc?.stop();
  svc = null;
});

test('a reader plugged in (with a card) and unplugged: reader-added, card-inserted, card-removed, reader-removed', async () => {
  const world = new World();
  world.plug('Desk 00 00');
  svc = new PcscReaderService({ binding: fakeBinding(world) });
  const log = recordEvents(svc);
  await svc.start();
  world.plug('Field 00 00', '3B8180018080');
  await settle();
  assert.deepEqual(svc.readers().map((r) => [r.name, r.cardPresent, r.atr === null ? null : toHex(r.atr)]), [
    ['Desk 00 00', false, null],
    ['Field 00 00', true, '3B8180018080'],
  ]);
  world.unplug('Field 00 00');
  await settle();
  assert.deepEqual(log, ['service-up', 'reader-added:Desk 00 00', 'reader-added:Field 00 00', 'card-inserted:Field 00 00', 'card-removed:Field 00 00', 'reader-removed:Field 00 00']);
  assert.deepEqual(svc.readers().map((r) => r.name), ['Desk 00 00']);
});

test('a card swapped between two looks is reported as removed then inserted with the new ATR', async () => {
  const world = new World();
  world.plug('Desk 00 00', '3B8180018080');
  svc = new PcscReaderService({ binding: fakeBinding(world) });
  const atrs: string[] = [];
  svc.on('card-inserted', (e) => atrs.push(toHex(e.atr)));
  const log = recordEvents(svc);
  await svc.start();
  world.swap('Desk 00 00', '3B82800186880D');
  await settle();
  assert.deepEqual(log, ['service-up', 'reader-added:Desk 00 00', 'card-inserted:Desk 00 00', 'card-removed:Desk 00 00', 'card-inserted:Desk 00 00']);
  assert.deepEqual(atrs, ['3B8180018080', '3B82800186880D']);
});

test('the status wait blocks while nothing changes (no polling loop)', async () => {
  const world = new World();
  world.plug('Desk 00 00');
  svc = new PcscReaderService({ binding: fakeBinding(world) });
  await svc.start();
  for (let i = 0; i < 50; i++) await tick();
  assert.equal(world.waits, 1, 'one outstanding SCardGetStatusChange, not a loop');
  world.plug('Other 00 00');
  for (let i = 0; i < 50; i++) await tick();
  assert.equal(world.waits, 2, 'one more wait after the change, then blocked again');
});

test('pcscd dying and returning: service-down (with what was lost), then service-up with the current picture', async () => {
  const world = new World();
  world.plug('Desk 00 00', '3B8180018080');
  svc = new PcscReaderService({ binding: fakeBinding(world), backoffMs: { initial: 1, max: 5 } });
  const log = recordEvents(svc);
  await svc.start();
  const down = new Promise<void>((r) => svc!.once('service-down', () => r()));
  world.alive = false;
  world.changed();
  await down;
  assert.equal(svc.up, false);
  world.readers.clear();
  world.plug('Desk 00 00');
  const up = new Promise<void>((r) => svc!.once('service-up', () => r()));
  world.alive = true;
  await up;
  assert.deepEqual(log, ['service-up', 'reader-added:Desk 00 00', 'card-inserted:Desk 00 00', 'service-down', 'card-removed:Desk 00 00', 'reader-removed:Desk 00 00', 'service-up', 'reader-added:Desk 00 00']);
});

test('connect to a reader that vanished → ReaderGoneError; to a name never seen → NoReaderError', async () => {
  const world = new World();
  world.plug('Desk 00 00', '3B8180018080');
  svc = new PcscReaderService({ binding: fakeBinding(world) });
  await svc.start();
  world.unplug('Desk 00 00');
  const gone = svc.connect('Desk 00 00'); // before the status wait has reported the unplug
  await assert.rejects(gone, ReaderGoneError);
  await assert.rejects(svc.connect('Never 00 00'), NoReaderError);
});
