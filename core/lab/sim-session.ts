/**
 * The training lab's control surface (`station sim`): a backend that serves emulated cards to
 * vpcd readers, and a small line language to drive it:
 *   insert SLOT SPEC…      e.g. insert 0 cpu city=2000 balance=5000   (see card-specs.ts)
 *   remove SLOT
 *   fault SLOT KIND [AT]    KIND: tear-before-commit | tear-after-commit | response-lost | remove
 *   save SLOT FILE          the card's state as JSON (balance, counters, log, keys)
 *   load SLOT FILE          put a saved card back in the field
 *   state SLOT | readers | help | quit
 * Saved state is the card's own toJSON, so a card can leave the lab and come back unchanged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { BadInputError } from '../../common/errors.ts';
import { CardServer, parseFault } from '../../devices/emulator/card-server.ts';
import { cardFromJSON } from '../../devices/emulator/index.ts';
import { startPcscLab, type LabFault, type PcscLab } from '../../devices/pcsc/lab.ts';
import { makeLabCard, parseLabCardSpec } from './card-specs.ts';

export interface SimBackend {
  readonly readerNames: string[];
  readonly description: string;
  insert(slot: number, cardJson: unknown): Promise<void>;
  remove(slot: number): Promise<void>;
  fault(slot: number, fault: unknown): Promise<void>;
  cardState(slot: number): Promise<unknown>;
  stop(): Promise<void>;
}

/** Serves cards to an already running pcscd's vpcd (Debian's default: 127.0.0.1:35963/35964). */
export class VpcdBackend implements SimBackend {
  readonly #server: CardServer;
  readonly readerNames: string[];
  readonly description: string;

  constructor(opts: { port?: number; slots?: number; host?: string } = {}) {
    const port = opts.port ?? 35963;
    const slots = opts.slots ?? 2;
    this.#server = new CardServer({ port, slots, host: opts.host ?? '127.0.0.1' });
    // pcscd names vpcd's readers after its reader.conf FRIENDLYNAME; Debian's is "Virtual PCD".
    this.readerNames = Array.from({ length: slots }, (_, i) => `Virtual PCD 00 0${i}`);
    this.description = `serving ${slots} slot(s) to vpcd on ${opts.host ?? '127.0.0.1'}:${port}${slots > 1 ? `–${port + slots - 1}` : ''}`;
  }

  async insert(slot: number, cardJson: unknown): Promise<void> {
    await this.#server.handle({ op: 'insert', slot, card: cardJson, waitMs: 2000 });
  }
  async remove(slot: number): Promise<void> {
    await this.#server.handle({ op: 'remove', slot });
  }
  async fault(slot: number, fault: unknown): Promise<void> {
    await this.#server.handle({ op: 'fault', slot, fault });
  }
  async cardState(slot: number): Promise<unknown> {
    return (await this.#server.handle({ op: 'state', slot })).card;
  }
  async stop(): Promise<void> {
    this.#server.close();
  }
}

export interface SimReply {
  ok: boolean;
  message: string;
  data?: unknown;
  quit?: boolean;
}

export const SIM_HELP = [
  'insert SLOT SPEC…   e.g. insert 0 cpu city=2000 balance=5000 | insert 1 m1 balance=800 | insert 0 tunion city=2900 | insert 0 dual tu-balance=1300',
  '                    cpu options: city= balance= id= enabled=false expiry=YYYY-MM-DD; m1: blacklisted= in-progress=',
  'remove SLOT',
  'fault SLOT KIND [AT] KIND = tear-before-commit | tear-after-commit | response-lost | remove; AT = APDU index (0 = next)',
  'save SLOT FILE | load SLOT FILE | state SLOT | readers | help | quit',
].join('\n');

function slotArg(backend: SimBackend, word: string | undefined): number {
  const slot = Number(word);
  if (word === undefined || !Number.isInteger(slot) || slot < 0 || slot >= backend.readerNames.length) {
    throw new BadInputError(`slot must be 0..${backend.readerNames.length - 1}`);
  }
  return slot;
}

/** Runs one command line against the backend. Never throws: errors become {ok:false}. */
export async function runSimLine(backend: SimBackend, line: string): Promise<SimReply> {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const [cmd, ...rest] = words;
  try {
    switch (cmd) {
      case undefined:
        return { ok: true, message: '' };
      case 'help':
        return { ok: true, message: SIM_HELP };
      case 'quit':
      case 'exit':
        return { ok: true, message: 'bye', quit: true };
      case 'readers':
        return { ok: true, message: backend.readerNames.map((n, i) => `${i}: ${n}`).join('\n'), data: backend.readerNames };
      case 'insert': {
        const slot = slotArg(backend, rest[0]);
        const card = makeLabCard(parseLabCardSpec(rest.slice(1).join(' ')));
        const json = card.toJSON();
        await backend.insert(slot, json);
        return { ok: true, message: `slot ${slot}: ${rest.slice(1).join(' ')} inserted`, data: json };
      }
      case 'remove': {
        const slot = slotArg(backend, rest[0]);
        await backend.remove(slot);
        return { ok: true, message: `slot ${slot}: removed` };
      }
      case 'fault': {
        const slot = slotArg(backend, rest[0]);
        const at = rest[2] === undefined ? 0 : Number(rest[2]);
        await backend.fault(slot, parseFault({ kind: rest[1], atApdu: at }));
        return { ok: true, message: `slot ${slot}: ${rest[1]} armed at APDU ${at}` };
      }
      case 'state': {
        const slot = slotArg(backend, rest[0]);
        const state = await backend.cardState(slot);
        return { ok: true, message: JSON.stringify(state, null, 2), data: state };
      }
      case 'save': {
        const slot = slotArg(backend, rest[0]);
        if (!rest[1]) throw new BadInputError('save SLOT FILE');
        const state = await backend.cardState(slot);
        if (state === null || state === undefined) throw new BadInputError(`no card on slot ${slot}`);
        writeFileSync(rest[1], `${JSON.stringify(state, null, 2)}\n`);
        return { ok: true, message: `slot ${slot}: saved to ${rest[1]}` };
      }
      case 'load': {
        const slot = slotArg(backend, rest[0]);
        if (!rest[1]) throw new BadInputError('load SLOT FILE');
        const json: unknown = JSON.parse(readFileSync(rest[1], 'utf8'));
        cardFromJSON(json); // validates before the card goes into the field
        await backend.insert(slot, json);
        return { ok: true, message: `slot ${slot}: ${rest[1]} inserted` };
      }
      default:
        throw new BadInputError(`unknown command "${cmd}"; try help`);
    }
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

/**
 * A private pcscd with vpcd and the card server, in its own mount and network namespaces
 * (devices/pcsc/lab.ts; needs root for unshare). Station commands reach it through
 * PCSCLITE_CSOCK_NAME = `socketPath`.
 */
export class PrivateLabBackend implements SimBackend {
  private constructor(private readonly lab: PcscLab) {}

  static async start(slots: 1 | 2 = 2): Promise<PrivateLabBackend> {
    return new PrivateLabBackend(await startPcscLab({ slots, friendlyName: 'Training Lab' }));
  }

  get readerNames(): string[] {
    return this.lab.readerNames;
  }
  get socketPath(): string {
    return this.lab.socketPath;
  }
  /** The lab's private temp dir (0700): its control socket lives here (lab-control.ts). */
  get dir(): string {
    return this.lab.dir;
  }
  get description(): string {
    return `private pcscd at ${this.lab.socketPath} (${this.lab.quickack ? 'quickack loopback' : 'plain loopback'})`;
  }
  insert(slot: number, cardJson: unknown): Promise<void> {
    return this.lab.insert(slot, cardJson);
  }
  remove(slot: number): Promise<void> {
    return this.lab.remove(slot);
  }
  fault(slot: number, fault: unknown): Promise<void> {
    return this.lab.fault(slot, fault as LabFault | null);
  }
  cardState(slot: number): Promise<unknown> {
    return this.lab.cardState(slot);
  }
  stop(): Promise<void> {
    return this.lab.stop();
  }
}
