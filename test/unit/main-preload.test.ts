// The preload's surface (main/preload.cjs), run as Electron runs it — one CommonJS file given a
// `require` that knows only `electron` — with a recording contextBridge and ipcRenderer: the page
// gets exactly { call, onEvent } under window.stationIpc, calls go on one channel, the page never
// receives Electron's event object, and nothing else can be required.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IPC_CHANNELS } from '../../main/ipc-relay.ts';

const SOURCE = readFileSync(path.resolve(import.meta.dirname, '../../main/preload.cjs'), 'utf8');

function loadPreload() {
  const exposed = new Map<string, unknown>();
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Set<(...a: unknown[]) => void>>();
  const required: string[] = [];
  const ipcRenderer = {
    invoke: async (...args: unknown[]) => { invoked.push(args); return { result: 'ok' }; },
    on: (ch: string, l: (...a: unknown[]) => void) => { (listeners.get(ch) ?? listeners.set(ch, new Set()).get(ch)!).add(l); },
    removeListener: (ch: string, l: (...a: unknown[]) => void) => { listeners.get(ch)?.delete(l); },
    send: () => assert.fail('the preload must not send on its own'),
  };
  const fakeRequire = (name: string) => {
    required.push(name);
    if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
    return { contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) }, ipcRenderer };
  };
  const module = { exports: {} as Record<string, unknown> };
  new Function('require', 'module', 'exports', SOURCE)(fakeRequire, module, module.exports);
  return { exposed, invoked, listeners, required, exports: module.exports };
}

test('the page gets window.stationIpc = { call, onEvent } and nothing else', () => {
  const p = loadPreload();
  assert.deepEqual([...p.exposed.keys()], ['stationIpc']);
  const api = p.exposed.get('stationIpc') as Record<string, unknown>;
  assert.deepEqual(Object.keys(api).sort(), ['call', 'onEvent']);
  assert.equal(typeof api.call, 'function');
  assert.equal(typeof api.onEvent, 'function');
  assert.ok(Object.isFrozen(api));
  assert.deepEqual(p.required, ['electron'], 'requires electron only');
});

test('its channels are the ones main answers on', () => {
  const p = loadPreload();
  assert.equal(p.exports.CALL, IPC_CHANNELS.call);
  assert.equal(p.exports.EVENT, IPC_CHANNELS.event);
});

test('call forwards a method name and params on the call channel; a non-name is refused before IPC', async () => {
  const p = loadPreload();
  const api = p.exposed.get('stationIpc') as { call(m: unknown, params?: unknown): Promise<unknown> };
  assert.deepEqual(await api.call('status', {}), { result: 'ok' });
  assert.deepEqual(await api.call('status'), { result: 'ok' });
  assert.deepEqual(p.invoked, [[IPC_CHANNELS.call, 'status', {}], [IPC_CHANNELS.call, 'status', {}]]);
  for (const bad of ['', 'station:call', '__proto__', 'a b', 42, null, 'x'.repeat(41)]) {
    await assert.rejects(api.call(bad, {}), TypeError, String(bad));
  }
  assert.equal(p.invoked.length, 2, 'refused calls never reach IPC');
});

test('onEvent hands the page the message only (not the IPC event), and unsubscribes', () => {
  const p = loadPreload();
  const api = p.exposed.get('stationIpc') as { onEvent(l: unknown): () => void };
  const got: unknown[][] = [];
  const off = api.onEvent((...args: unknown[]) => got.push(args));
  const ls = p.listeners.get(IPC_CHANNELS.event)!;
  assert.equal(ls.size, 1);
  const secret = { sender: { id: 1, send() { /* would let the page forge IPC */ } } };
  for (const l of ls) l(secret, { event: 'cleared', reader: 'R0' });
  assert.deepEqual(got, [[{ event: 'cleared', reader: 'R0' }]]);
  off();
  assert.equal(ls.size, 0);
  assert.throws(() => api.onEvent('not a function'), TypeError);
});
