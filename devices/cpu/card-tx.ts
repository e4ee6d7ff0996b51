/**
 * The City Union CPU card's transaction manager, after Keyple's split: the card-changing
 * sequences as prepare → process steps over a CardChannel and a SecurityModule, each step
 * returning its evidence, and a prove step that asks the card what became of a step whose
 * answer was lost. It sends APDUs and asks the security module; it writes nothing else. The
 * station's intent journal runs between the steps (core/card-ops.ts: the intent is durable
 * before the first APDU that can change the card) and its settlers act on what prove answers
 * (core/card-settlers.ts).
 *
 * How a top-up talks to the card (CARD-PROTOCOL.md §8.2), in order:
 *   prepareLoad      INITIALIZE FOR LOAD: old balance, online counter N, random, MAC1 (changes nothing)
 *   authoriseLoad    the security module checks MAC1 and gives MAC2 for the host date/time
 *   prepareTacCheck  the TAC the card must return, computed while CREDIT is on its way
 *   processLoad      CREDIT FOR LOAD → the card's TAC (the one APDU that changes the card)
 *   checkLoadTac     the TAC verified (when prepareTacCheck could not compute it)
 *   proveLoad        §8.3: counter, balance, log record, GET TRANSACTION PROVE for the TAC
 * Activation (EF 0015's enable flag and issue date) and APPLICATION BLOCK follow the same shape,
 * and so does 年审 (issue 17): prepareVerification reads the concession file SFI 0x1C and builds
 * its new image, processVerification writes it (UPDATE BINARY + MAC, one APDU), and
 * proveVerification reads it back — what the receipt prints and what a settler decides from.
 */
import { StationError } from '../../common/errors.ts';
import type { CardChannel } from '../channel.ts';
import type { SecurityModule } from '../sam/security-module.ts';
import { CpuClient, SFI_EF0015, type SelectResult } from './cpu-client.ts';
import { buildConcessionFile, parseConcessionFile, SFI_CONCESSION, type ConcessionFile } from './concession-file.ts';
import { EF0015_BYTES, ef0015Activation, parseEf0015, type CuPublicInfo } from './files.ts';
import { authorizeLoad, creditLoad, initLoad, prepareLoadTacCheck, settleLoad, verifyLoadTac, type PendingLoad, type SettleLoadResult } from './load.ts';


/** The card a card-changing step is for (its ASN and issuer city, as read before the step). */
export interface CpuCardId {
  asn: string;
  cityCode: string;
}

/** What an activation writes, prepared from the card's own EF 0015 before the intent's step runs. */
export interface PreparedActivation {
  offset: number;
  data: Uint8Array;
}

export class CpuCardTransaction {
  readonly #client: CpuClient;
  readonly #sam: SecurityModule | null;

  constructor(channel: CardChannel, sam: SecurityModule | null) {
    this.#client = new CpuClient(channel);
    this.#sam = sam;
  }

  /** The security module a card-changing step needs; `what` names the step for the refusal. */
  #module(what: string): SecurityModule {
    if (this.#sam === null) throw new StationError('KEYS', `No security module: this station cannot ${what}`, 'Configure a key file or SAM (station doctor)');
    return this.#sam;
  }

  /** Refuses before any APDU when there is no security module to load with. */
  requireLoadKeys(): void {
    this.#module('load cards');
  }

  // ——— load (圈存) ———

  /** INITIALIZE FOR LOAD on the (selected) card: the evidence a torn load is settled from. Changes nothing on the card. */
  prepareLoad(o: CpuCardId & { amountFen: number; terminalId: string; keyIndex: number }): Promise<PendingLoad> {
    return initLoad(this.#client, o);
  }

  /** MAC1 checked and MAC2 issued by the security module, for the date/time `at` (a host-backed module may answer with the host's own). */
  authoriseLoad(prepared: PendingLoad, at: Date): Promise<PendingLoad> {
    return authorizeLoad(this.#module('load cards'), prepared, at);
  }

  /** The TAC check as a comparison computed ahead of CREDIT (null: checkLoadTac after it). Never throws. */
  prepareTacCheck(authorised: PendingLoad): Promise<((tac: string) => boolean) | null> {
    return prepareLoadTacCheck(this.#module('load cards'), authorised).catch(() => null);
  }

  /** CREDIT FOR LOAD: the card's TAC. A lost answer leaves the outcome unknown: proveLoad decides it. */
  processLoad(authorised: PendingLoad): Promise<string> {
    return creditLoad(this.#client, authorised);
  }

  /** Whether the card's TAC is the one this load must produce. */
  checkLoadTac(authorised: PendingLoad, tac: string): Promise<boolean> {
    return verifyLoadTac(this.#module('load cards'), authorised, tac);
  }

  /** What became of a load whose CREDIT answer was lost, from the card itself (§8.3). */
  proveLoad(prepared: PendingLoad): Promise<SettleLoadResult> {
    return settleLoad(this.#client, prepared, this.#sam ?? undefined);
  }

  // ——— activation of a stock card ———

  /**
   * Reads EF 0015 and returns the bytes that set its enable flag and issue date (YYYYMMDD), and
   * with `cardType` also byte 28, the card type sold. Changes nothing.
   */
  async prepareActivation(issueDate: string, cardType?: string): Promise<PreparedActivation> {
    this.#module('activate cards');
    return ef0015Activation(await this.#client.readEf0015Raw(), issueDate, cardType);
  }

  /** Writes the prepared EF 0015 bytes with line protection (UPDATE BINARY + MAC). */
  async processActivation(card: CpuCardId, prepared: PreparedActivation): Promise<void> {
    await this.#client.updateBinarySecure(this.#module('activate cards'), { ...card, sfi: SFI_EF0015, offset: prepared.offset, data: prepared.data });
  }

  /** The card's EF 0015 as it is now: which card, and whether it is activated. */
  async proveActivation(): Promise<CuPublicInfo> {
    return this.#ef0015(await this.#client.select());
  }

  // ——— 年审: the concession file SFI 0x1C ———

  /**
   * The concession file's new image for a verification; refuses (CARD_UNSUPPORTED) a card
   * personalised without the file. Changes nothing.
   */
  async prepareVerification(o: { cardType: string; verifiedUntil: string; lastVerified: string; stationId: string }): Promise<{ before: ConcessionFile; data: Uint8Array }> {
    this.#module('verify concession cards');
    const raw = await this.#client.readConcessionFileRaw();
    if (raw === null) throw new StationError('CARD_UNSUPPORTED', 'This card has no concession file (SFI 1C): it cannot carry a verification date', 'Exchange it for a concession card');
    return { before: parseConcessionFile(raw), data: buildConcessionFile(o) };
  }

  /** Writes the concession file whole with line protection (UPDATE BINARY + MAC). */
  async processVerification(card: CpuCardId, data: Uint8Array): Promise<void> {
    await this.#client.updateBinarySecure(this.#module('verify concession cards'), { ...card, sfi: SFI_CONCESSION, offset: 0, data });
  }

  /** The concession file as the card holds it now (null: no such file), after SELECT. */
  async proveVerification(): Promise<ConcessionFile | null> {
    await this.#client.select();
    return this.readConcessionFile();
  }

  /** The concession file of the selected application, or null when the card has none. */
  async readConcessionFile(): Promise<ConcessionFile | null> {
    const raw = await this.#client.readConcessionFileRaw();
    return raw === null ? null : parseConcessionFile(raw);
  }

  // ——— application block ———

  /** APPLICATION BLOCK with line protection. */
  async processBlock(card: CpuCardId): Promise<void> {
    await this.#client.applicationBlock(this.#module('block cards'), card);
  }

  /** Whether the application is blocked now; when it is not, which card this is. */
  async proveBlock(): Promise<{ blocked: true } | { blocked: false; info: CuPublicInfo }> {
    return this.publicInfo();
  }

  /** SELECT, and EF 0015 from its FCI (or read when the FCI does not carry it). A blocked application answers blocked before EF 0015 is read. */
  async publicInfo(): Promise<{ blocked: true } | { blocked: false; info: CuPublicInfo }> {
    const selected = await this.#client.select();
    return selected.blocked ? { blocked: true } : { blocked: false, info: await this.#ef0015(selected) };
  }

  async #ef0015(selected: SelectResult): Promise<CuPublicInfo> {
    const disc = selected.fci?.discretionary;
    return parseEf0015(disc && disc.length === EF0015_BYTES ? disc : await this.#client.readEf0015Raw());
  }
}
