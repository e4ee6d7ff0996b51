/**
 * The card side of vpcd, against a fake vpcd (a TCP server in this process) so the wire
 * details can be checked byte by byte: framing, partial frames, control messages, one write
 * per frame, removal = socket close, reconnect when vpcd restarts. And the card server's
 * JSON-lines control protocol, as a real child process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { toHex } from '../../common/hex.ts';
import { encodeFrame, FrameReader, VpcdCardClient } from '../../devices/emulator/vpcd-client.ts';
import { processGone } from '../harness/pcsc-lab.ts';
import { hex } from '../harness/pcsc-wait.ts';
import { contactlessAtr, TestCard } from '../harness/test-card.ts';
import { PCSC_LAB, suiteNeeding } from '../harness/system-needs.ts';

// Without PCSC_LAB on this machine every test here skips, saying why (under CI they run).
const { after, test } = suiteNeeding(PCSC_LAB);

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** A fake vpcd slot: accepts card connections, sends frames, collects answers. */
class FakeVpcd {
  server = net.createServer();
  conns: net.Socket[] = [];
  chunks: Buffer[] = [];
  frames: Buffer[] = [];
  #reader = new FrameReader();
  #waiters: (() => void)[] = [];

  async listen(port = 0): Promise<number> {
    this.server.on('connection', (s) => {
      s.setNoDelay(true);
      this.conns.push(s);
      this.#reader.clear();
      s.on('data', (c: Buffer) => {
        this.chunks.push(c);
        this.frames.push(...this.#reader.push(c));
        this.#wake();
      });
      s.on('close', () => this.#wake());
      this.#wake();
    });
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', () => r()));
    return (this.server.address() as net.AddressInfo).port;
  }

  #wake(): void {
    const ws = this.#waiters;
    this.#waiters = [];
    for (const w of ws) w();
  }

  async until<T>(what: string, probe: () => T | undefined): Promise<T> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const v = probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`fake vpcd: no ${what}`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  get last(): net.Socket {
    return this.conns[this.conns.length - 1]!;
  }

  /** Sends one frame and waits for the card's answer frame. */
  async exchange(payload: Uint8Array, split = false): Promise<Buffer> {
    const n = this.frames.length;
    const bytes = encodeFrame(payload);
    if (split) {
      for (const b of bytes) {
        this.last.write(Uint8Array.of(b));
        await new Promise((r) => setTimeout(r, 2));
      }
    } else this.last.write(bytes);
    return this.until('answer', () => this.frames[n]);
  }

  closed(s: net.Socket): Promise<void> {
    return this.until('close', () => (s.destroyed || s.readableEnded ? true : undefined)).then(() => undefined);
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('FrameReader reassembles frames split at every byte and several frames in one chunk', () => {
  const stream = Buffer.concat([encodeFrame(hex('01')), encodeFrame(hex('00A4040002 3F00')), encodeFrame(hex('9000'))]);
  const r = new FrameReader();
  const got: string[] = [];
  for (const b of stream) for (const f of r.push(Buffer.of(b))) got.push(toHex(f));
  assert.deepEqual(got, ['01', '00A40400023F00', '9000']);
  assert.deepEqual(new FrameReader().push(stream).map((f) => toHex(f)), got);
  assert.equal(toHex(encodeFrame(hex('6A82'))), '00026A82');
});

test('vpcd client: ATR request, power on, APDUs (also split byte by byte), one write per answer', async () => {
  const vpcd = new FakeVpcd();
  const port = await vpcd.listen();
  const client = new VpcdCardClient({ port });
  cleanups.push(() => client.close(), () => vpcd.close());
  const card = new TestCard();
  // Spy on the card side's socket writes (those going to vpcd's port).
  const writes: Buffer[] = [];
  const realWrite = net.Socket.prototype.write;
  net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
    if (this.remotePort === port && Buffer.isBuffer(chunk)) writes.push(Buffer.from(chunk));
    return (realWrite as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof realWrite;
  cleanups.push(() => {
    net.Socket.prototype.write = realWrite;
  });
  await client.insert(card);
  await vpcd.until('connection', () => vpcd.conns[0]);
  assert.equal(client.connected, true);

  assert.equal(toHex(await vpcd.exchange(Uint8Array.of(4))), toHex(contactlessAtr(card.hist)));
  vpcd.last.write(encodeFrame(Uint8Array.of(1))); // power on: no answer expected
  assert.equal(toHex(await vpcd.exchange(hex('FFCA000000'), true)), '04A1B2C39000');
  assert.equal(toHex(await vpcd.exchange(hex('8032000004'))), '000000019000');
  assert.equal(client.apduCount, 2);
  net.Socket.prototype.write = realWrite;
  // Each answer left in ONE write holding length and payload (two writes = Nagle/delayed-ACK stalls).
  assert.equal(writes.length, 3, 'ATR + two APDU answers');
  for (const w of writes) assert.equal(w.length, 2 + w.readUInt16BE(0), `write ${toHex(w)} is not one whole frame`);
});

test('vpcd client: remove() closes the socket; a card answer with response null closes it too', async () => {
  const vpcd = new FakeVpcd();
  const port = await vpcd.listen();
  const client = new VpcdCardClient({ port });
  cleanups.push(() => client.close(), () => vpcd.close());
  const card = new TestCard();
  await client.insert(card);
  const first = await vpcd.until('connection', () => vpcd.conns[0]);
  client.remove();
  await vpcd.closed(first);
  assert.equal(client.inserted, false);

  await client.insert(card);
  const second = await vpcd.until('second connection', () => vpcd.conns[1]);
  card.armFault({ kind: 'tear-after-commit', atApdu: 0 });
  second.write(encodeFrame(hex('8032000004')));
  await vpcd.closed(second);
  assert.equal(client.inserted, false, 'a torn card is out of the field');
  assert.equal(card.counter, 1, 'tear-after-commit committed');
  assert.equal(vpcd.conns.length, 2, 'no reconnect after the card left');
});

test('vpcd client: insert while vpcd is down keeps trying; remove() settles the pending insert', async () => {
  const vpcd = new FakeVpcd();
  const port = await vpcd.listen();
  await vpcd.close(); // nobody listens on `port` now
  const client = new VpcdCardClient({ port, retryMs: 5, maxRetryMs: 20 });
  cleanups.push(() => client.close());
  const pending = client.insert(new TestCard());
  await new Promise((r) => setTimeout(r, 50));
  client.remove();
  await assert.rejects(pending, /removed before vpcd accepted it/);
  assert.equal(client.connected, false);

  const once = new VpcdCardClient({ port, reconnect: false });
  await assert.rejects(once.insert(new TestCard()), /closed or refused/);
  once.close();
});

test('vpcd client: reconnects while inserted when vpcd goes away and comes back (pcscd restart)', async () => {
  const vpcd = new FakeVpcd();
  const port = await vpcd.listen();
  const client = new VpcdCardClient({ port, retryMs: 10, maxRetryMs: 50 });
  cleanups.push(() => client.close());
  await client.insert(new TestCard());
  await vpcd.until('connection', () => vpcd.conns[0]);
  await vpcd.close();

  const again = new FakeVpcd();
  cleanups.push(() => again.close());
  await again.listen(port);
  await again.until('reconnection', () => again.conns[0]);
  assert.equal(toHex(await again.exchange(hex('FFCA000000'))), '04A1B2C39000');
});

test('card server: JSON lines on stdin/stdout drive slots (ping, insert, state, fault, remove, errors)', async () => {
  const a = new FakeVpcd();
  const b = new FakeVpcd();
  let port = 0;
  for (let i = 0; i < 20 && port === 0; i++) {
    const p = 40000 + 2 * Math.floor(Math.random() * 10000);
    try {
      await a.listen(p);
      try {
        await b.listen(p + 1);
        port = p;
      } catch {
        await new Promise<void>((r) => a.server.close(() => r()));
        a.server = net.createServer();
      }
    } catch {
      a.server = net.createServer();
    }
  }
  assert.ok(port > 0, 'found two free consecutive ports');
  cleanups.push(() => a.close(), () => b.close());

  const child = spawn(process.execPath, ['--import', 'tsx', 'devices/emulator/card-server.ts', '--port', String(port), '--slots', '2', '--cards', 'test/harness/test-card.ts'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const lines: Record<string, unknown>[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  const ask = async (req: Record<string, unknown> | string) => {
    const n = lines.length;
    child.stdin!.write(`${typeof req === 'string' ? req : JSON.stringify(req)}\n`);
    return a.until('card server answer', () => lines[n]);
  };

  assert.deepEqual(await ask({ id: 1, op: 'ping' }), { id: 1, ok: true, slots: 2, port });
  assert.deepEqual(await ask({ id: 2, op: 'insert', slot: 1, card: { kind: 'test', counter: 5 } }), { id: 2, ok: true, connected: true });
  const conn = await b.until('slot 1 connection', () => b.conns[0]);
  assert.equal(a.conns.length, 0, 'slot 1 is served on port+1 only');
  assert.equal(toHex(await b.exchange(hex('8032000004'))), '000000069000');
  const state = await ask({ id: 3, op: 'state', slot: 1 });
  assert.equal(state.ok, true);
  assert.equal(state.inserted, true);
  assert.equal((state.card as { counter: number }).counter, 6);

  const badFault = await ask({ id: 4, op: 'fault', slot: 1, fault: { kind: 'melt', atApdu: 0 } });
  assert.equal(badFault.ok, false);
  assert.equal((badFault.error as { code: string }).code, 'BAD_INPUT');
  assert.equal((await ask({ id: 5, op: 'fault', slot: 1, fault: { kind: 'garbage', atApdu: 0, garbageHex: '6F' } })).ok, true);
  assert.equal(toHex(await b.exchange(hex('FFCA000000'))), '6F');
  assert.equal((await ask({ id: 6, op: 'frobnicate' })).ok, false);
  // seenMs: the answer waits for the reader to power the card (what pcscd does once its poll sees it).
  const seenAnswer = ask({ id: 11, op: 'insert', slot: 0, card: { kind: 'test' }, seenMs: 3000 });
  const conn0 = await a.until('slot 0 connection', () => a.conns[0]);
  conn0.write(encodeFrame(Uint8Array.of(1))); // power on: a control frame, no answer
  assert.deepEqual(await seenAnswer, { id: 11, ok: true, connected: true, seen: true });
  assert.deepEqual(await ask({ id: 12, op: 'insert', slot: 0, card: { kind: 'test' }, seenMs: 200 }), { id: 12, ok: true, connected: true, seen: false }, 'never powered: seen false after seenMs');
  assert.deepEqual(await ask({ id: 13, op: 'remove', slot: 0 }), { id: 13, ok: true });
  assert.equal((await ask({ id: 7, op: 'insert', slot: 9, card: { kind: 'test' } })).ok, false);
  assert.equal((await ask({ id: 8, op: 'insert', slot: 0, card: { kind: 'no-such-card' } })).ok, false);
  const garbled = await ask('{not json');
  assert.equal(garbled.ok, false);
  assert.equal(garbled.id, null);

  assert.deepEqual(await ask({ id: 9, op: 'remove', slot: 1 }), { id: 9, ok: true });
  await b.closed(conn);
  assert.equal((await ask({ id: 10, op: 'state', slot: 1 })).inserted, false);

  child.stdin!.end(); // closing stdin stops the server
  assert.equal(await exited, 0);
  assert.ok(processGone(child.pid!));
});
