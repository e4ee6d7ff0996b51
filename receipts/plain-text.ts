/**
 * A fast path for placing many short, single-line strings (table cells) with the document's
 * embedded font: one glyph per code point at its default advance, written straight into the
 * page content as Tj operators.
 *
 * Why: pdfkit's text() runs the full OpenType shaper (fontkit GSUB/GPOS) for every string it
 * has not seen; entry ids, card numbers and amounts are all different, and a 20,000-row
 * journal spent ~20 s there. Table cells need no shaping — Chinese and digits have no
 * ligatures, and kerning in a table cell does not matter — so this writes them in a fraction
 * of the time. Glyphs go through the font's own subset (includeGlyph), widths and ToUnicode
 * tables, so the PDF embeds them like any pdfkit text and pdftotext reads them back.
 *
 * It uses pdfkit's EmbeddedFont internals (subset, widths, unicode, id, ref); the constructor
 * checks they exist, so a pdfkit upgrade that changes them fails loudly, not silently.
 */
import { StationError } from '../common/errors.ts';

interface FontkitGlyph {
  id: number;
  advanceWidth: number;
  codePoints: number[];
}

interface EmbeddedFontInternals {
  id: string;
  ascender: number;
  scale: number;
  font: { glyphForCodePoint(cp: number): FontkitGlyph };
  subset: { includeGlyph(id: number): number };
  widths: number[];
  unicode: number[][];
  ref(): unknown;
}

interface DocInternals {
  _font: EmbeddedFontInternals | null;
  page: { height: number; fonts: Record<string, unknown> } | null;
}

interface GlyphInfo {
  /** The glyph id as the two bytes of a PDF literal string (Identity-H), escaped. */
  bytes: string;
  /** Advance in 1/1000 em. */
  advance: number;
}

function num(n: number): string {
  return (Math.round(n * 100) / 100).toString();
}

/** One byte of a PDF literal string: ( ) \ and line ends escaped, the rest as is (latin1). */
function literalByte(b: number): string {
  switch (b) {
    case 0x28:
      return '\\(';
    case 0x29:
      return '\\)';
    case 0x5c:
      return '\\\\';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    default:
      return String.fromCharCode(b);
  }
}

export class PlainTextWriter {
  private readonly font: EmbeddedFontInternals;
  /** BMP code points in a preallocated array (faster than a Map on this hot path); the rest in a Map. */
  private readonly bmp = new Array<GlyphInfo | undefined>(0x10000);
  private readonly astral = new Map<number, GlyphInfo>();
  private readonly encoded = new Map<string, { bytes: string; advance: number }>();

  constructor(private readonly doc: PDFKit.PDFDocument) {
    const f = (doc as unknown as DocInternals)._font;
    if (!f || typeof f.subset?.includeGlyph !== 'function' || !Array.isArray(f.widths) || !Array.isArray(f.unicode) || typeof f.font?.glyphForCodePoint !== 'function') {
      throw new StationError('INTERNAL', 'pdfkit font internals changed: the report fast path cannot encode text', 'Pin pdfkit to 0.20.x or update receipts/plain-text.ts');
    }
    this.font = f;
  }

  private glyph(cp: number): GlyphInfo {
    let g = cp < 0x10000 ? this.bmp[cp] : this.astral.get(cp);
    if (!g) {
      const fg = this.font.font.glyphForCodePoint(cp);
      const gid = this.font.subset.includeGlyph(fg.id);
      const advance = fg.advanceWidth * this.font.scale;
      this.font.widths[gid] ??= advance;
      this.font.unicode[gid] ??= fg.codePoints.length > 0 ? fg.codePoints : [cp];
      g = { bytes: literalByte(gid >> 8) + literalByte(gid & 0xff), advance };
      if (cp < 0x10000) this.bmp[cp] = g;
      else this.astral.set(cp, g);
    }
    return g;
  }

  private encode(text: string): { bytes: string; advance: number } {
    let e = this.encoded.get(text);
    if (!e) {
      let bytes = '';
      let advance = 0;
      for (let i = 0; i < text.length; i++) {
        const cp = text.codePointAt(i)!;
        if (cp > 0xffff) i++;
        const g = this.glyph(cp);
        bytes += g.bytes;
        advance += g.advance;
      }
      e = { bytes, advance };
      // Only short repeated strings are worth remembering (names, times, amounts recur; ids do not).
      if (this.encoded.size < 50_000) this.encoded.set(text, e);
    }
    return e;
  }

  width(text: string, size: number): number {
    return (this.encode(text).advance * size) / 1000;
  }

  /**
   * Draws strings on one line: each item is [text, x, top y] in pdfkit's top-left user space,
   * all at `size` in the current fill colour. One text object per call; items on the same
   * baseline move with Td (relative), which keeps a table row's content short.
   */
  line(items: readonly (readonly [string, number, number])[], size: number): void {
    const page = (this.doc as unknown as DocInternals).page;
    if (!page) throw new StationError('INTERNAL', 'PlainTextWriter.line called before a page was added');
    page.fonts[this.font.id] ??= this.font.ref();
    const dy = (this.font.ascender / 1000) * size;
    let ops = `q 1 0 0 -1 0 ${num(page.height)} cm BT /${this.font.id} ${num(size)} Tf`;
    let px = 0;
    let py = 0;
    let first = true;
    for (const [text, x, top] of items) {
      if (text === '') continue;
      const bx = Math.round(x * 100) / 100;
      const by = Math.round((page.height - top - dy) * 100) / 100;
      ops += first ? ` ${bx} ${by} Td` : ` ${num(bx - px)} ${num(by - py)} Td`;
      ops += ` (${this.encode(text).bytes}) Tj`;
      px = bx;
      py = by;
      first = false;
    }
    // pdfkit's page stream takes bytes as they are; latin1 keeps each glyph byte one byte.
    (this.doc as unknown as { addContent(data: Uint8Array): void }).addContent(Buffer.from(`${ops} ET Q\n`, 'latin1'));
  }
}
