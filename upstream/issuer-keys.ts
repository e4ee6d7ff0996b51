/**
 * The host's issuer key file, in the format of PRODUCT.md "Keys":
 *   {"issuers": {"<cityCodeHex>": {"algorithm": "3des", "version": 1, "dlk": "<32 hex>", "dtk": "…", "damk": "…"}}}
 * The host uses DLK (load MAC1/MAC2) and DTK (the card's TAC on a load it authorised). Key bytes
 * stay in a private map: nothing prints them.
 * Parsed by the host itself because upstream/ may not import devices/sam.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Key16 = z.string().regex(/^[0-9A-Fa-f]{32}$/, '32 hex digits');
const IssuerSchema = z.object({
  algorithm: z.enum(['3des', 'sm4']),
  version: z.int().min(0).max(255),
  dlk: Key16,
  dtk: Key16.optional(),
  damk: Key16.optional(),
  dpk: Key16.optional(),
});
const KeyFileSchema = z.object({
  test: z.boolean().optional(),
  issuers: z.record(z.string().regex(/^[0-9A-Fa-f]{4}$/, 'city code: 4 hex digits'), IssuerSchema),
});

export interface IssuerInfo {
  cityCode: string;
  algorithm: '3des' | 'sm4';
  version: number;
}

export class IssuerKeys {
  readonly #issuers: Map<string, IssuerInfo & { dlk: Buffer; dtk: Buffer | null }>;
  readonly source: string;

  private constructor(issuers: Map<string, IssuerInfo & { dlk: Buffer; dtk: Buffer | null }>, source: string) {
    this.#issuers = issuers;
    this.source = source;
  }

  static empty(): IssuerKeys {
    return new IssuerKeys(new Map(), '(no key file)');
  }

  static parse(json: unknown, source = '(inline)'): IssuerKeys {
    const r = KeyFileSchema.safeParse(json);
    if (!r.success) throw new Error(`issuer key file ${source}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const map = new Map<string, IssuerInfo & { dlk: Buffer; dtk: Buffer | null }>();
    for (const [city, k] of Object.entries(r.data.issuers)) {
      const cityCode = city.toUpperCase();
      map.set(cityCode, { cityCode, algorithm: k.algorithm, version: k.version, dlk: Buffer.from(k.dlk, 'hex'), dtk: k.dtk === undefined ? null : Buffer.from(k.dtk, 'hex') });
    }
    return new IssuerKeys(map, source);
  }

  static load(file: string): IssuerKeys {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`cannot read issuer key file ${file}: ${(err as Error).message}`, { cause: err });
    }
    return IssuerKeys.parse(json, file);
  }

  info(cityCode: string): IssuerInfo | undefined {
    const s = this.#issuers.get(cityCode.toUpperCase());
    return s && { cityCode: s.cityCode, algorithm: s.algorithm, version: s.version };
  }

  cityCodes(): string[] {
    return [...this.#issuers.keys()].sort();
  }

  /** Lends a copy of the DLK master key to `use`, then wipes the copy. */
  withDlk<T>(cityCode: string, use: (dlk: Buffer) => T): T {
    const s = this.#issuers.get(cityCode.toUpperCase());
    if (!s) throw new Error(`no keys for issuer ${cityCode}`);
    const copy = Buffer.from(s.dlk);
    try {
      return use(copy);
    } finally {
      copy.fill(0);
    }
  }

  /** Lends a copy of the DTK master key to `use` (null: the key file has none for that city), then wipes the copy. */
  withDtk<T>(cityCode: string, use: (dtk: Buffer) => T): T | null {
    const s = this.#issuers.get(cityCode.toUpperCase());
    if (!s || s.dtk === null) return null;
    const copy = Buffer.from(s.dtk);
    try {
      return use(copy);
    } finally {
      copy.fill(0);
    }
  }

  toJSON(): { source: string; issuers: IssuerInfo[] } {
    return { source: this.source, issuers: this.cityCodes().map((c) => this.info(c)!) };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `IssuerKeys(${this.source}, cities ${this.cityCodes().join(',')})`;
  }
}
