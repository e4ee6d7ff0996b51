/**
 * Serves emulated cards on vpcd slots, controlled over JSON lines (stdin → stdout).
 *
 *   node --import tsx devices/emulator/card-server.ts --port P --slots N [--host 127.0.0.1]
 *        [--cards <module path>]...
 *
 * Slot i is served on port P + i (vpcd opens PORT and PORT+1 for one reader.conf entry).
 * Requests, one JSON object per line, each with an `id` echoed in its answer:
 *   {"id":1,"op":"insert","slot":0,"card":<card JSON for cardFromJSON>,"waitMs"?:5000,"seenMs"?:0}
 *                                     → {"id":1,"ok":true,"connected":true|false} (+ "seen":true|false with seenMs)
 *   {"id":2,"op":"remove","slot":0}                                       → {"id":2,"ok":true}
 *   {"id":3,"op":"fault","slot":0,"fault":{"kind":"remove","atApdu":0,"garbageHex":"6F"}}
 *   {"id":4,"op":"state","slot":0}    → {"id":4,"ok":true,"inserted":true,"connected":true,"card":<toJSON>}
 *   {"id":5,"op":"ping"}              → {"id":5,"ok":true,"slots":N,"port":P}
 * A failure answers {"id":..,"ok":false,"error":{"code":..,"message":..}}. Nothing else is
 * written to stdout; diagnostics go to stderr. stdin closing (or SIGTERM) stops the server.
 *
 * `insert` answers once the card is connected to vpcd (the reader sees it a moment later,
 * when pcscd polls the slot), or after waitMs with connected:false while it keeps trying.
 * With `seenMs` > 0 it then also waits (up to seenMs) for pcscd to power the card — the
 * moment the reader lists it as present — and says whether that happened (`seen`): a caller
 * that acts on the card right away (a test running `station card read`) otherwise races
 * pcscd's 400 ms poll, most of all when a card replaces another on the same slot. `--cards` loads extra card factories: a module exporting
 * `cardFromJSON(json): VirtualCard | undefined`, tried before devices/emulator's own.
 */
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { BadInputError, toStationError } from '../../common/errors.ts';
import { fromHex } from '../../common/hex.ts';
import { cardFromJSON } from './index.ts';
import type { Fault, FaultKind, VirtualCard } from './virtual-card.ts';
import { VpcdCardClient } from './vpcd-client.ts';

export type CardFactory = (json: unknown) => VirtualCard | undefined;

export interface CardServerOptions {
  port: number;
  slots: number;
  host?: string;
  factories?: CardFactory[];
}

const FAULT_KINDS: readonly FaultKind[] = ['tear-before-commit', 'tear-after-commit', 'response-lost', 'remove', 'garbage'];

export class CardServer {
  readonly clients: VpcdCardClient[];
  readonly #factories: CardFactory[];
  readonly port: number;

  constructor(opts: CardServerOptions) {
    this.port = opts.port;
    this.#factories = opts.factories ?? [];
    this.clients = Array.from({ length: opts.slots }, (_, i) => new VpcdCardClient({ port: opts.port + i, host: opts.host ?? '127.0.0.1' }));
  }

  #slot(req: Record<string, unknown>): VpcdCardClient {
    const slot = req.slot;
    if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < 0 || slot >= this.clients.length) {
      throw new BadInputError(`slot must be an integer in 0..${this.clients.length - 1}, got ${String(slot)}`);
    }
    return this.clients[slot]!;
  }

  #card(json: unknown): VirtualCard {
    for (const f of this.#factories) {
      const card = f(json);
      if (card !== undefined) return card;
    }
    return cardFromJSON(json);
  }

  /** Handles one request object; returns the answer fields (without id/ok). */
  async handle(req: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (req.op) {
      case 'ping':
        return { slots: this.clients.length, port: this.port };
      case 'insert': {
        // Answers once vpcd accepted the card, or after `waitMs` (default 5000) with
        // connected:false while the client keeps trying (pcscd down: the card is "placed"
        // and appears when pcscd comes up).
        const client = this.#slot(req);
        const waitMs = typeof req.waitMs === 'number' && req.waitMs >= 0 ? req.waitMs : 5000;
        const seenMs = typeof req.seenMs === 'number' && req.seenMs >= 0 ? Math.min(req.seenMs, 30_000) : 0;
        // Listen before connecting: pcscd may power the card before the connect promise runs.
        const powered = seenMs > 0 ? poweredSignal(client) : null;
        const inserted = client.insert(this.#card(req.card));
        let timer: NodeJS.Timeout | undefined;
        const connected = await Promise.race([
          inserted.then(() => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
        ]).finally(() => clearTimeout(timer));
        if (!connected) inserted.catch(() => undefined); // settled later by connect or remove
        if (powered === null) return { connected };
        const seen = connected && (await powered.within(seenMs));
        powered.cancel();
        return { connected, seen };
      }
      case 'remove':
        this.#slot(req).remove();
        return {};
      case 'fault': {
        const client = this.#slot(req);
        const card = client.card;
        if (card === null) throw new BadInputError(`no card on slot ${String(req.slot)}`);
        card.armFault(parseFault(req.fault));
        return {};
      }
      case 'state': {
        const client = this.#slot(req);
        return { inserted: client.inserted, connected: client.connected, card: client.card === null ? null : client.card.toJSON() };
      }
      default:
        throw new BadInputError(`unknown op: ${String(req.op)}`);
    }
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

/**
 * Notes the client's next 'powered' event from now on; `within(ms)` then resolves true if it
 * came (already, or within ms), false otherwise. `cancel` drops the listener.
 */
function poweredSignal(client: VpcdCardClient): { within(ms: number): Promise<boolean>; cancel(): void } {
  let fired = false;
  let wake: (() => void) | null = null;
  const onPowered = () => {
    fired = true;
    wake?.();
  };
  client.once('powered', onPowered);
  return {
    within: (ms) => fired ? Promise.resolve(true) : new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(fired), ms);
      wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    }),
    cancel: () => client.off('powered', onPowered),
  };
}

export function parseFault(json: unknown): Fault | null {
  if (json === null) return null;
  if (typeof json !== 'object') throw new BadInputError('fault must be an object or null');
  const f = json as { kind?: unknown; atApdu?: unknown; garbageHex?: unknown };
  if (typeof f.kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(f.kind)) {
    throw new BadInputError(`fault.kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const atApdu = f.atApdu ?? 0;
  if (typeof atApdu !== 'number' || !Number.isInteger(atApdu) || atApdu < 0) throw new BadInputError('fault.atApdu must be an integer >= 0');
  const fault: Fault = { kind: f.kind as FaultKind, atApdu };
  if (typeof f.garbageHex === 'string') fault.garbage = fromHex(f.garbageHex);
  return fault;
}

function parseArgs(argv: string[]): { port: number; slots: number; host: string; cards: string[] } {
  let port = NaN;
  let slots = 2;
  let host = '127.0.0.1';
  const cards: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (v === undefined || !['--port', '--slots', '--host', '--cards'].includes(a ?? '')) {
      throw new BadInputError(`card-server: unexpected argument ${String(a)}`);
    }
    i++;
    if (a === '--port') port = Number(v);
    else if (a === '--slots') slots = Number(v);
    else if (a === '--host') host = v;
    else cards.push(v);
  }
  if (!Number.isInteger(port) || port <= 0 || port > 65534) throw new BadInputError('card-server: --port P is required (1..65534)');
  if (!Number.isInteger(slots) || slots < 1 || slots > 16) throw new BadInputError('card-server: --slots must be 1..16');
  return { port, slots, host, cards };
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const factories: CardFactory[] = [];
  for (const mod of args.cards) {
    const loaded = (await import(pathToFileURL(path.resolve(mod)).href)) as { cardFromJSON?: CardFactory };
    if (typeof loaded.cardFromJSON !== 'function') throw new BadInputError(`${mod} exports no cardFromJSON`);
    factories.push(loaded.cardFromJSON);
  }
  const server = new CardServer({ port: args.port, slots: args.slots, host: args.host, factories });
  const out = (obj: unknown) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const stop = () => {
    server.close();
    rl.close();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    let req: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('request must be a JSON object');
      req = parsed as Record<string, unknown>;
    } catch (err) {
      out({ id: null, ok: false, error: { code: 'BAD_INPUT', message: `bad request line: ${(err as Error).message}` } });
      return;
    }
    server.handle(req).then(
      (fields) => out({ id: req.id ?? null, ok: true, ...fields }),
      (err: unknown) => out({ id: req.id ?? null, ok: false, error: toStationError(err).toJSON() }),
    );
  });
  rl.on('close', () => server.close());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`card-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
