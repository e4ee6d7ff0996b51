// The preload of the counter and customer windows (sandboxed, so CommonJS and one file: a
// sandboxed preload may require nothing but `electron`). It exposes exactly one object to the
// page, `window.stationIpc = { call(method, params), onEvent(listener) }`:
// - call forwards a method name and its params on one channel; main checks the sender and
//   parses the request against common/api.ts before the core sees it, and answers
//   `{result}` or `{error}` (renderer/src/ipc-bridge.ts parses that again and types it);
// - onEvent hands the page the message only, never Electron's event object (it carries the
//   sender), and returns the function that unsubscribes.
// No ipcRenderer, no Node, no generic send: the page cannot name another channel.
/* global module, require -- CommonJS: a sandboxed preload cannot be an ES module */
'use strict';

const CALL = 'station:call';
const EVENT = 'station:event';

/** @param {{ invoke(channel: string, ...args: unknown[]): Promise<unknown>, on(channel: string, l: (...a: unknown[]) => void): unknown, removeListener(channel: string, l: (...a: unknown[]) => void): unknown }} ipc */
function createStationIpc(ipc) {
  /** @param {unknown} method @param {unknown} params */
  function call(method, params) {
    if (typeof method !== 'string' || !/^[A-Za-z][A-Za-z0-9]{0,39}$/.test(method)) return Promise.reject(new TypeError('stationIpc.call: a method name of the station API is required'));
    return ipc.invoke(CALL, method, params === undefined ? {} : params);
  }
  /** @param {unknown} listener */
  function onEvent(listener) {
    if (typeof listener !== 'function') throw new TypeError('stationIpc.onEvent: a listener function is required');
    /** @param {unknown} _event @param {unknown} message */
    const forward = (_event, message) => { listener(message); };
    ipc.on(EVENT, forward);
    return () => { ipc.removeListener(EVENT, forward); };
  }
  return Object.freeze({ call, onEvent });
}

if (typeof module === 'object' && module !== null) module.exports = { createStationIpc, CALL, EVENT };

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the only module a sandboxed preload may load
const { contextBridge, ipcRenderer } = require('electron');
contextBridge.exposeInMainWorld('stationIpc', createStationIpc(ipcRenderer));
