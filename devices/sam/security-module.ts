/**
 * The security module seam (ARCHITECTURE.md "Devices"): everything that needs issuer keys.
 * Methods are async so a host-backed module (MAC2 from the clearing host for other cities'
 * cards, or a PSAM in a second reader slot) can implement the same interface. Inputs that
 * the ledger persists between steps are plain JSON (hex strings and integers).
 */
import type { HostDateTime, LoadInitFields } from '../../common/card-intents.ts';

// Typed once, with the evidence the intent journal keeps (common/card-intents.ts).
export type { HostDateTime, LoadInitFields };

export interface LoadAuthorizationRequest {
  /** Application serial number from EF 0015, 16 hex digits. */
  asn: string;
  /** Issuer city code from EF 0015, 4 hex digits: picks the issuer keys. */
  cityCode: string;
  init: LoadInitFields;
  amountFen: number;
  /** 6-byte terminal id, 12 hex digits. */
  terminalId: string;
}

export interface LoadTacCheck extends LoadAuthorizationRequest {
  hostDateTime: HostDateTime;
  /** Balance after the load (old + amount). */
  newBalanceFen: number;
  /** TAC from CREDIT FOR LOAD or GET TRANSACTION PROVE, 8 hex digits. */
  tac: string;
}

export interface SecureMessagingRequest {
  asn: string;
  cityCode: string;
  /** GET CHALLENGE answer (4 bytes). */
  challenge: Uint8Array;
  /** The command header (Lc already counting the 4 MAC bytes) and data, without the MAC. */
  commandWithoutMac: Uint8Array;
}

export interface SecurityModule {
  /** Short name for logs and `station doctor` (never key material). */
  readonly name: string;
  /** Whether this module holds (or can reach) the keys of that issuer city. */
  canServe(cityCode: string): Promise<boolean>;
  /** True when the card's MAC1 proves the INITIALIZE answer genuine. */
  verifyLoadMac1(request: LoadAuthorizationRequest): Promise<boolean>;
  /**
   * Verifies MAC1 and only then computes MAC2 for the given host date/time. A wrong MAC1 is a
   * StationError('CRYPTO'): no MAC2 is ever issued for an answer that is not the card's.
   * A module whose MAC2 comes from elsewhere (the clearing host) covers that side's date and
   * time instead and returns it as `hostDateTime`; the load then sends that to the card.
   */
  authorizeLoad(request: LoadAuthorizationRequest, hostDateTime: HostDateTime): Promise<{ mac2: string; hostDateTime?: HostDateTime }>;
  verifyLoadTac(check: LoadTacCheck): Promise<boolean>;
  /**
   * True when this module itself computes MAC2 for that city's cards, for the date/time the
   * station proposes (no host answer, so authorizeLoad never returns another hostDateTime): the
   * load's intent can then be written with that date/time before MAC2 exists. Absent: false.
   */
  localLoadKeys?(cityCode: string): Promise<boolean>;
  /**
   * The TAC a card must return for this load (8 hex digits), computed before CREDIT FOR LOAD so
   * the check after it is a comparison: the station computes it while the intent is written.
   * Null (or absent) when this module cannot (another city's card): verifyLoadTac decides then.
   */
  expectedLoadTac?(check: Omit<LoadTacCheck, 'tac'>): Promise<string | null>;
  /** 4-byte line-protection MAC with the ASN-diversified maintenance key (DAMK). */
  secureMessagingMac(request: SecureMessagingRequest): Promise<Uint8Array>;
}
