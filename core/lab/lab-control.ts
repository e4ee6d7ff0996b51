/**
 * The training lab's control socket: the counter's lab panel (core/api/handlers/lab.ts) puts the lab's
 * ready-made cards on or off its readers through it, while `station sim --lab` runs.
 *
 * A unix socket in the lab's private temp dir (0700, root's), named in STATION_HOME/lab.json
 * (lab-registry.ts). One JSON request per line, one JSON answer per line:
 *   {"op":"slots"}                        → {"ok":true,"slots":[…]}
 *   {"op":"place","slot":0,"preset":"stock"} → {"ok":true,"slots":[…]}
 *   {"op":"remove","slot":0}              → {"ok":true,"slots":[…]}
 * A failure answers {"ok":false,"message":…}. Only preset cards can be placed this way: the
 * socket is no general card factory (faults, saved states stay on the sim's own command line).
 * Whether a station may use the lab at all is the core's decision (training only), not this
 * socket's.
 */
import net from 'node:net';
import readline from 'node:readline';
import { BadInputError, StationError } from '../../common/errors.ts';
import { LAB_PRESET_IDS, type LabPresetId, type LabSlotDto } from '../../common/api-lab.ts';
import { m1PrintedNumber, makeLabCard, parseLabCardSpec } from './card-specs.ts';
import type { SimBackend } from './sim-session.ts';

/** What each preset is, in the `station sim` card syntax (card-specs.ts). */
export const PRESET_SPECS: Readonly<Record<LabPresetId, string>> = {
  stock: 'cpu enabled=false',
  customer: 'cpu balance=5000 log=5',
  m1: 'm1 balance=3000',
  tunion: 'tunion balance=2000',
  damaged: 'damaged',
  blacklisted: 'm1 balance=1500 blacklisted=true',
};

/** What is on each slot, as far as the lab knows (placed here or by the sim's own commands). */
export class LabSlots {
  readonly #slots: LabSlotDto[];
  constructor(readers: readonly string[]) {
    this.#slots = readers.map((reader, slot) => ({ slot, reader, preset: null, card: null }));
  }
  set(slot: number, preset: LabPresetId | 'custom' | null, card: string | null): void {
    const s = this.#slots[slot];
    if (s !== undefined) this.#slots[slot] = { ...s, preset, card };
  }
  list(): LabSlotDto[] {
    return this.#slots.map((s) => ({ ...s }));
  }
}

/**
 * The number on a lab card's face, from its saved JSON: a CPU card's ASN (EF 0015 bytes 12–19),
 * a T-Union card's number (EF 0015 bytes 10–19), an M1 card's printed number, a damaged card's printed ASN.
 */
export function cardIdOf(json: unknown): string | null {
  const j = json as Record<string, unknown> | null;
  const ef0015 = typeof j?.ef0015 === 'string' ? j.ef0015 : '';
  switch (j?.kind) {
    case 'cpu': return ef0015.slice(24, 40) || null;
    case 'tunion': return ef0015.slice(20, 40) || null;
    case 'dual': return cardIdOf(j.cu);
    case 'm1': return typeof j.uid === 'string' ? m1PrintedNumber(j.uid) : null;
    case 'damaged': return typeof j.printedAsn === 'string' ? j.printedAsn : null;
    default: return null;
  }
}

function slotOf(backend: SimBackend, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= backend.readerNames.length) throw new BadInputError(`slot must be 0..${backend.readerNames.length - 1}`);
  return v;
}

/** One lab request against a backend: the control socket's, and station serve's own in-process lab's (core/api/handlers/lab.ts). */
export async function answerLabRequest(backend: SimBackend, slots: LabSlots, req: Record<string, unknown>): Promise<{ ok: true; slots: LabSlotDto[] }> {
  switch (req.op) {
    case 'slots':
      break;
    case 'place': {
      const slot = slotOf(backend, req.slot);
      const preset = req.preset as LabPresetId;
      if (!LAB_PRESET_IDS.includes(preset)) throw new BadInputError(`preset must be one of ${LAB_PRESET_IDS.join(', ')}`);
      const json = makeLabCard(parseLabCardSpec(PRESET_SPECS[preset])).toJSON();
      // The card on the slot leaves first, as a clerk takes one card off before placing the next.
      await backend.remove(slot);
      await backend.insert(slot, json);
      slots.set(slot, preset, cardIdOf(json));
      break;
    }
    case 'remove': {
      const slot = slotOf(backend, req.slot);
      await backend.remove(slot);
      slots.set(slot, null, null);
      break;
    }
    default:
      throw new BadInputError(`unknown op ${String(req.op)}`);
  }
  return { ok: true, slots: slots.list() };
}

/** Serves the control socket at `socketPath` until `close()`. Requests run one at a time. */
export async function serveLabControl(socketPath: string, backend: SimBackend, slots: LabSlots): Promise<{ close(): Promise<void> }> {
  let tail: Promise<unknown> = Promise.resolve();
  const server = net.createServer((sock) => {
    sock.on('error', () => undefined);
    readline.createInterface({ input: sock }).on('line', (line) => {
      tail = tail.then(async () => {
        let out: Record<string, unknown>;
        try {
          out = await answerLabRequest(backend, slots, JSON.parse(line) as Record<string, unknown>);
        } catch (err) {
          out = { ok: false, message: (err as Error).message };
        }
        if (!sock.destroyed) sock.write(`${JSON.stringify(out)}\n`);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** One request to a running lab's control socket (the core's side). */
export function labRequest(socketPath: string, req: Record<string, unknown>, timeoutMs = 20_000): Promise<LabSlotDto[]> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    const fail = (why: string) => {
      sock.destroy();
      reject(new StationError('NO_READER', `The training lab did not answer: ${why}`, 'Start the station with npm start, which starts the training lab'));
    };
    const timer = setTimeout(() => fail('no answer in time'), timeoutMs);
    sock.once('error', (err) => { clearTimeout(timer); fail(err.message); });
    sock.once('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    readline.createInterface({ input: sock }).once('line', (line) => {
      clearTimeout(timer);
      sock.end();
      const a = JSON.parse(line) as { ok: boolean; slots?: LabSlotDto[]; message?: string };
      if (a.ok && a.slots) resolve(a.slots);
      else reject(new BadInputError(a.message ?? 'the training lab refused the request'));
    });
  });
}
