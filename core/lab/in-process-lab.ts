/**
 * The training lab with its readers in this process: the same emulated cards (devices/emulator)
 * behind the same CardChannel code (InProcessChannel, which the simulation and the unit tests
 * use), for a training station on a machine without PC/SC — no `smartcard` binding (an
 * optional dependency: it needs libpcsclite-dev to build), or no pcscd/vpcd (Windows, macOS, a
 * fresh Debian). `station serve` in training mode takes this path by itself when the PC/SC
 * path cannot be had (pcscPath), and `station doctor` names the path in use and what a real
 * reader needs. A live station never gets virtual readers.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { BadInputError } from '../../common/errors.ts';
import { parseFault } from '../../devices/emulator/card-server.ts';
import { cardFromJSON } from '../../devices/emulator/index.ts';
import type { InProcessChannel } from '../../devices/emulator/in-process.ts';
import type { CardAnswer, Fault, VirtualCard } from '../../devices/emulator/virtual-card.ts';
import { loadBinding, type PcscServiceEvents } from '../../devices/pcsc/index.ts';
import { InProcessCardAccess } from './in-process-access.ts';
import { configPath, defaultStationHome, loadConfig } from '../config.ts';
import type { WatchedCardAccess } from '../card-watch.ts';
import { makeLabCard, parseLabCardSpec } from './card-specs.ts';
import { pcscSocketFor } from './lab-registry.ts';
import type { SimBackend } from './sim-session.ts';

/** What a real reader needs, per system (doctor's hint, npm start's note). */
export const REAL_READER_NEEDS = 'For a real card reader: on Debian/Ubuntu apt-get install pcscd libpcsclite-dev, then npm ci (builds the smartcard binding); on Windows the Smart Card service (SCardSvr), on macOS the built-in CryptoTokenKit service — then restart the station. 接真实读卡器：Debian/Ubuntu 安装 pcscd 与 libpcsclite-dev 后重新 npm ci；Windows 启用 Smart Card 服务；macOS 自带。';

class InProcessReaderEvents extends EventEmitter<PcscServiceEvents> {
  constructor(readonly access: InProcessCardAccess) { super(); }
  get up(): boolean { return true; }
  readers(): Array<{ name: string; cardPresent: boolean }> {
    return [...this.access.slots].map(([name, ch]) => ({ name, cardPresent: ch?.present === true }));
  }
}

/**
 * In-process readers that announce their field like the PC/SC reader service does (card
 * inserted / removed events, a reader list, always up), so `station serve`'s server
 * (core/api/server.ts) reads a card when it is placed and settles its incomplete operations,
 * exactly as with pcscd.
 */
export class WatchedInProcessAccess extends InProcessCardAccess implements WatchedCardAccess {
  readonly service = new InProcessReaderEvents(this);

  async start(): Promise<void> {}

  /** A card placed on the reader (one already there leaves first, as a hand would take it off). */
  override insert(reader: string, card: VirtualCard): InProcessChannel {
    if (this.slots.get(reader)?.present === true) this.remove(reader);
    const ch = super.insert(reader, card);
    this.service.emit('card-inserted', { reader, atr: card.atr() });
    return ch;
  }

  /** The card leaves the field: a workflow still holding its channel finds it gone (CardRemovedError). */
  override remove(reader: string): void {
    const ch = this.slots.get(reader);
    ch?.remove();
    super.remove(reader);
    if (ch) this.service.emit('card-removed', { reader });
  }
}

/** The lab's two readers, named so a clerk and the doctor see they are not hardware. */
export const IN_PROCESS_READERS = ['Training Lab (in-process) 00 00', 'Training Lab (in-process) 00 01'];

/**
 * A lab card as an in-process reader holds it. When an armed fault strikes (a tear, the card
 * taken off, an answer that never comes) the card leaves the reader and the reader says so
 * (`card-removed`), as vpcd reports the card gone to pcscd in the PC/SC lab (vpcd-client.ts):
 * the station sees the same removal on either path, and the card comes back by being placed
 * again from its saved state, as there.
 */
class CardInReader implements VirtualCard {
  /** The reader's channel onto this card, once placed (a fault removes only this card, never a later one). */
  channel: InProcessChannel | null = null;

  constructor(readonly card: VirtualCard, private readonly leave: (self: CardInReader) => void) {}

  get kind(): VirtualCard['kind'] { return this.card.kind; }
  atr(): Uint8Array { return this.card.atr(); }
  reset(): void { this.card.reset(); }
  armFault(fault: Fault | null): void { this.card.armFault(fault); }
  toJSON(): unknown { return this.card.toJSON(); }

  process(apdu: Uint8Array): CardAnswer {
    const answer = this.card.process(apdu);
    if (answer.response === null || answer.removed) this.leave(this);
    return answer;
  }
}

/**
 * A fault in the PC/SC lab's spec (LabFault: kind, atApdu, garbageHex; what `station sim`'s
 * `fault` line and the card server take), or one already parsed (garbage as bytes).
 */
function labFault(spec: unknown): Fault | null {
  const fault = parseFault(spec);
  const garbage = (spec as { garbage?: unknown } | null)?.garbage;
  if (fault !== null && garbage instanceof Uint8Array) fault.garbage = garbage;
  return fault;
}

/**
 * `station sim`'s line language (runSimLine) over the in-process readers: cards on and off by
 * slot, and the PC/SC lab's card faults (tear at APDU n, card removed, answer lost, garbage).
 */
export class InProcessLabBackend implements SimBackend {
  readonly access = new WatchedInProcessAccess(IN_PROCESS_READERS);
  readonly readerNames = IN_PROCESS_READERS;
  readonly description = 'in-process training readers (no PC/SC service)';
  readonly #cards = new Map<number, CardInReader>();

  async insert(slot: number, cardJson: unknown): Promise<void> {
    const reader = this.#reader(slot);
    const card = new CardInReader(cardFromJSON(cardJson), (gone) => {
      if (gone.channel !== null && this.access.slots.get(reader) === gone.channel) this.access.remove(reader);
    });
    card.channel = this.access.insert(reader, card);
    this.#cards.set(slot, card);
  }
  async remove(slot: number): Promise<void> {
    this.access.remove(this.#reader(slot));
  }
  /** Arms `fault` (LabFault's spec; null disarms) on the card in the slot's reader, as the PC/SC lab's card server does. */
  async fault(slot: number, fault: unknown): Promise<void> {
    const card = this.#cards.get(slot);
    if (card === undefined || this.access.slots.get(this.#reader(slot)) !== card.channel) throw new BadInputError(`no card on slot ${slot}`);
    card.armFault(labFault(fault));
  }
  async cardState(slot: number): Promise<unknown> {
    return this.#cards.get(slot)?.toJSON() ?? null;
  }
  async stop(): Promise<void> {
    await this.access.close();
  }
  #reader(slot: number): string {
    const name = this.readerNames[slot];
    if (name === undefined) throw new BadInputError(`slot must be 0..${this.readerNames.length - 1}`);
    return name;
  }
}

export type CardPath =
  | { kind: 'pcsc'; socket: string }
  | { kind: 'in-process'; reason: string };

const SYSTEM_SOCKET = '/run/pcscd/pcscd.comm';

/**
 * Whether this process can use PC/SC: the binding loads and a service is there to talk to
 * (PCSCLITE_CSOCK_NAME, e.g. the PC/SC lab's, or the system's pcscd socket on Linux; on
 * Windows and macOS the system service is always there once the binding loads). Otherwise why not.
 * STATION_LAB=in-process asks for the in-process readers whatever is installed; a socket named in
 * PCSCLITE_CSOCK_NAME is always PC/SC, even when nothing answers there.
 */
export function pcscPath(env: NodeJS.ProcessEnv): CardPath {
  if (env.STATION_LAB === 'in-process') return { kind: 'in-process', reason: 'STATION_LAB=in-process asks for them' };
  try {
    loadBinding();
  } catch (err) {
    return { kind: 'in-process', reason: (err as Error).message.split('\n')[0]! };
  }
  // A socket named in PCSCLITE_CSOCK_NAME is the service this station was told to use: when it is
  // down the station says so (reader service down) instead of quietly swapping in virtual readers.
  if (env.PCSCLITE_CSOCK_NAME !== undefined && env.PCSCLITE_CSOCK_NAME !== '') return { kind: 'pcsc', socket: env.PCSCLITE_CSOCK_NAME };
  const socket = SYSTEM_SOCKET;
  if (process.platform === 'linux' && !existsSync(socket)) {
    return { kind: 'in-process', reason: `no PC/SC service is running (no pcscd socket at ${socket})` };
  }
  return { kind: 'pcsc', socket };
}

export interface InProcessTrainingLab {
  readonly backend: InProcessLabBackend;
  readonly access: WatchedInProcessAccess;
  readonly readerNames: string[];
  /** Why not PC/SC (said on serve's ready line and by doctor). */
  readonly reason: string;
  /** Puts the lab's card on the first reader: after the server watches the readers, so its panel reads it. */
  placeCard(): Promise<void>;
}

/**
 * For `station serve`: the in-process training lab when the station is in training mode and
 * PC/SC cannot be had here, and its card — a CPU card holding ¥50.00 of the station's city,
 * as `npm start`'s PC/SC lab has — for the first reader; null when PC/SC is there, or the station is live
 * (a live station reports the missing service instead), or there is no station yet.
 */
export async function trainingLabWithoutPcsc(env: NodeJS.ProcessEnv): Promise<InProcessTrainingLab | null> {
  const home = defaultStationHome(env);
  if (!existsSync(configPath(home))) return null;
  const config = loadConfig(home);
  if (config.mode !== 'training') return null;
  // A running PC/SC lab of this home (npm start's, found through lab.json) counts as PC/SC.
  const socket = pcscSocketFor(home, env);
  const path = pcscPath(socket === undefined ? env : { ...env, PCSCLITE_CSOCK_NAME: socket });
  if (path.kind === 'pcsc') return null;
  const backend = new InProcessLabBackend();
  const card = makeLabCard(parseLabCardSpec(`cpu city=${config.cityCode} balance=5000`)).toJSON();
  return { backend, access: backend.access, readerNames: backend.readerNames, reason: path.reason, placeCard: () => backend.insert(0, card) };
}
