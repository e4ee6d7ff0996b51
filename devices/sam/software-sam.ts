/**
 * A SecurityModule that holds issuer master keys from the key file (training and tests; a
 * live station uses a SAM or the upstream host). Card keys are diversified with the ASN per
 * call and wiped after use; nothing here returns or prints key bytes.
 */
import { BadInputError, StationError } from '../../common/errors.ts';
import { bytesEqual, fromHex, isHex, toHex } from '../../common/hex.ts';
import { bcdFromDigits } from '../../common/bcd.ts';
import { algorithmIdOf, suiteFor, type CryptoSuite } from '../crypto/suite.ts';
import type { IssuerKeySet, KeyName } from './key-file.ts';
import type {
  HostDateTime, LoadAuthorizationRequest, LoadTacCheck, SecureMessagingRequest, SecurityModule,
} from './security-module.ts';

function hexField(name: string, value: unknown, bytes: number): Uint8Array {
  if (typeof value !== 'string' || !isHex(value, bytes)) throw new BadInputError(`${name} must be ${bytes * 2} hex digits, got "${String(value)}"`);
  return fromHex(value);
}

function dateTimeBytes(dt: HostDateTime): { date: Uint8Array; time: Uint8Array } {
  if (!/^[0-9]{8}$/.test(dt.date) || !/^[0-9]{6}$/.test(dt.time)) {
    throw new BadInputError(`host date/time must be YYYYMMDD and hhmmss digits, got ${dt.date} ${dt.time}`);
  }
  return { date: bcdFromDigits(dt.date), time: bcdFromDigits(dt.time) };
}

export class SoftwareSam implements SecurityModule {
  readonly name = 'software';
  readonly #keys: IssuerKeySet;

  constructor(keys: IssuerKeySet) {
    this.#keys = keys;
  }

  /** True when built from test keys (live mode must refuse this module). */
  get usesTestKeys(): boolean {
    return this.#keys.isTest;
  }

  async canServe(cityCode: string): Promise<boolean> {
    return isHex(cityCode, 2) && this.#keys.has(cityCode);
  }

  /** Checks the card's key version and algorithm against the key file, returns the suite. */
  #suiteFor(request: LoadAuthorizationRequest): CryptoSuite {
    const info = this.#keys.info(request.cityCode);
    if (request.init.keyVersion !== info.version) {
      throw new StationError('KEYS', `card uses load key version ${request.init.keyVersion}, key file has version ${info.version} for issuer ${info.cityCode}`);
    }
    const expected = algorithmIdOf(info.algorithm);
    if (request.init.algorithmId !== expected) {
      throw new StationError('KEYS', `card uses algorithm id ${request.init.algorithmId}, key file has ${info.algorithm} for issuer ${info.cityCode}`);
    }
    return suiteFor(request.init.algorithmId);
  }

  #withCardKey<T>(cityCode: string, name: KeyName, asn: Uint8Array, suite: CryptoSuite, use: (cardKey: Uint8Array) => T): T {
    return this.#keys.withMasterKey(cityCode, name, (mk) => {
      const cardKey = suite.diversify(mk, asn);
      try {
        return use(cardKey);
      } finally {
        cardKey.fill(0);
      }
    });
  }

  #sessionKey(request: LoadAuthorizationRequest, suite: CryptoSuite): Uint8Array {
    const asn = hexField('asn', request.asn, 8);
    const random = hexField('init.random', request.init.random, 4);
    return this.#withCardKey(request.cityCode, 'dlk', asn, suite, (dlk) => suite.loadSessionKey(dlk, random, request.init.onlineAtc));
  }

  #mac1Verifies(request: LoadAuthorizationRequest, suite: CryptoSuite, seslk: Uint8Array): boolean {
    const mac1 = hexField('init.mac1', request.init.mac1, 4);
    const expected = suite.loadMac1(seslk, {
      oldBalanceFen: request.init.oldBalanceFen, amountFen: request.amountFen, terminalId: hexField('terminalId', request.terminalId, 6),
    });
    return bytesEqual(expected, mac1);
  }

  async verifyLoadMac1(request: LoadAuthorizationRequest): Promise<boolean> {
    const suite = this.#suiteFor(request);
    const seslk = this.#sessionKey(request, suite);
    try {
      return this.#mac1Verifies(request, suite, seslk);
    } finally {
      seslk.fill(0);
    }
  }

  async authorizeLoad(request: LoadAuthorizationRequest, hostDateTime: HostDateTime): Promise<{ mac2: string }> {
    const suite = this.#suiteFor(request);
    const { date, time } = dateTimeBytes(hostDateTime);
    // One session key for MAC1 and MAC2 (one diversification, on the load's critical path).
    const seslk = this.#sessionKey(request, suite);
    try {
      if (!this.#mac1Verifies(request, suite, seslk)) {
        throw new StationError('CRYPTO', `MAC1 from card ${request.asn} does not verify: the INITIALIZE answer is not genuine or the keys are wrong`, 'Do not load this card; report it to the supervisor');
      }
      const mac2 = suite.loadMac2(seslk, { amountFen: request.amountFen, terminalId: hexField('terminalId', request.terminalId, 6), hostDate: date, hostTime: time });
      return { mac2: toHex(mac2) };
    } finally {
      seslk.fill(0);
    }
  }

  async verifyLoadTac(check: LoadTacCheck): Promise<boolean> {
    const tac = hexField('tac', check.tac, 4);
    return bytesEqual(this.#loadTac(check), tac);
  }

  async localLoadKeys(cityCode: string): Promise<boolean> {
    return this.canServe(cityCode);
  }

  async expectedLoadTac(check: Omit<LoadTacCheck, 'tac'>): Promise<string> {
    return toHex(this.#loadTac(check));
  }

  #loadTac(check: Omit<LoadTacCheck, 'tac'>): Uint8Array {
    const suite = this.#suiteFor(check);
    const { date, time } = dateTimeBytes(check.hostDateTime);
    const asn = hexField('asn', check.asn, 8);
    return this.#withCardKey(check.cityCode, 'dtk', asn, suite, (dtk) => suite.loadTac(dtk, {
      newBalanceFen: check.newBalanceFen, onlineAtc: check.init.onlineAtc, amountFen: check.amountFen,
      terminalId: hexField('terminalId', check.terminalId, 6), hostDate: date, hostTime: time,
    }));
  }

  async secureMessagingMac(request: SecureMessagingRequest): Promise<Uint8Array> {
    const info = this.#keys.info(request.cityCode);
    const suite = suiteFor(algorithmIdOf(info.algorithm));
    const asn = hexField('asn', request.asn, 8);
    return this.#withCardKey(request.cityCode, 'damk', asn, suite, (damk) => suite.secureMessagingMac(damk, request.challenge, request.commandWithoutMac));
  }

  toJSON(): { name: string; keys: unknown } {
    return { name: this.name, keys: this.#keys.toJSON() };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SoftwareSam(${this.#keys.cityCodes().join(',')})`;
  }
}
