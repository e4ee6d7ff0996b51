/**
 * A SecurityModule that serves other member cities' cards through the clearing host's load
 * authorisation (POST /v1/loads/authorize, 异地充值): the host verifies MAC1 with the issuer's
 * key and issues MAC2 over its own date and time, which the card then gets in CREDIT FOR LOAD.
 * Cities whose keys the station holds go to the local module unchanged, so local cards keep
 * loading while the host is down; a card only the host can serve is refused with a clear
 * message instead.
 */
import { StationError } from '../common/errors.ts';
import { UpstreamError } from '../common/upstream-client.ts';
import type { HealthAnswer, LoadAuthAnswer, LoadAuthRequest } from '../common/upstream-protocol.ts';
import type {
  HostDateTime, LoadAuthorizationRequest, LoadTacCheck, SecureMessagingRequest, SecurityModule,
} from '../devices/sam/security-module.ts';

/** The calls of common/upstream-client.ts this module uses. */
export interface LoadAuthorizer {
  authorizeLoad(req: LoadAuthRequest): Promise<LoadAuthAnswer>;
  health(): Promise<HealthAnswer>;
}

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

export class HostBackedSecurityModule implements SecurityModule {
  readonly name: string;
  readonly #local: SecurityModule | null;
  readonly #host: LoadAuthorizer;

  constructor(local: SecurityModule | null, host: LoadAuthorizer) {
    this.#local = local;
    this.#host = host;
    this.name = `${local?.name ?? 'none'}+clearing-host`;
  }

  async #isLocal(cityCode: string): Promise<boolean> {
    return this.#local !== null && (await this.#local.canServe(cityCode));
  }

  /** Local keys, or the host reachable now (it answers UNKNOWN_ISSUER for a city it cannot serve). */
  async canServe(cityCode: string): Promise<boolean> {
    if (await this.#isLocal(cityCode)) return true;
    try {
      const h = await this.#host.health();
      return h.ok && h.db === 'ok';
    } catch {
      return false;
    }
  }

  async verifyLoadMac1(request: LoadAuthorizationRequest): Promise<boolean> {
    if (await this.#isLocal(request.cityCode)) return this.#local!.verifyLoadMac1(request);
    // The host verifies MAC1 as part of authorising; it holds the key, the station does not.
    throw new StationError('KEYS', `MAC1 of a ${request.cityCode} card is verified by the clearing host when it authorises the load`);
  }

  async authorizeLoad(request: LoadAuthorizationRequest, hostDateTime: HostDateTime): Promise<{ mac2: string; hostDateTime?: HostDateTime }> {
    if (await this.#isLocal(request.cityCode)) return this.#local!.authorizeLoad(request, hostDateTime);
    let answer: LoadAuthAnswer;
    try {
      answer = await this.#host.authorizeLoad({
        asn: request.asn, cityCode: request.cityCode, keyVersion: request.init.keyVersion, algorithmId: hex2(request.init.algorithmId),
        onlineAtc: request.init.onlineAtc, random: request.init.random, oldBalanceFen: request.init.oldBalanceFen,
        amountFen: request.amountFen, txType: '02', terminalId: request.terminalId, mac1: request.init.mac1,
      });
    } catch (err) {
      if (err instanceof UpstreamError && err.retryable) {
        throw new StationError('UPSTREAM', `Cards of city ${request.cityCode} are loaded only with the clearing host's authorisation, and the host cannot be reached now (${err.kind})`,
          'Nothing was loaded or charged. Local cards can still be loaded; try this card again when the host is back', { cause: err });
      }
      throw err;
    }
    if (answer.status === 'refused') {
      const code = answer.code === 'MAC1_INVALID' ? 'CRYPTO' : answer.code === 'BLACKLISTED' || answer.code === 'LIMIT' ? 'POLICY' : 'KEYS';
      throw new StationError(code, `The clearing host refuses to authorise this load (${answer.code}): ${answer.reason}`,
        answer.code === 'BLACKLISTED' ? 'Keep the card and call the supervisor' : 'Nothing was loaded or charged');
    }
    return { mac2: answer.mac2, hostDateTime: { date: answer.hostDate, time: answer.hostTime } };
  }

  /** Only with local keys: the host does not verify TACs for the station (recorded as not verified). */
  async verifyLoadTac(check: LoadTacCheck): Promise<boolean> {
    if (await this.#isLocal(check.cityCode)) return this.#local!.verifyLoadTac(check);
    return false;
  }

  /** Local keys only: the host's MAC2 covers the host's own date/time. */
  async localLoadKeys(cityCode: string): Promise<boolean> {
    return (await this.#isLocal(cityCode)) && ((await this.#local!.localLoadKeys?.(cityCode)) ?? false);
  }

  async expectedLoadTac(check: Omit<LoadTacCheck, 'tac'>): Promise<string | null> {
    if (await this.#isLocal(check.cityCode)) return (await this.#local!.expectedLoadTac?.(check)) ?? null;
    return null;
  }

  async secureMessagingMac(request: SecureMessagingRequest): Promise<Uint8Array> {
    if (await this.#isLocal(request.cityCode)) return this.#local!.secureMessagingMac(request);
    throw new StationError('KEYS', `No maintenance key for cards of ${request.cityCode}: only their issuer can change them`);
  }
}
