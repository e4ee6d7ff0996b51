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
  hex: string;
  /** Advance in 1/1000 em. */
  advance: number;
}

function num(n: number): string {
  return (Math.round(n * 100) / 100).toString();
}

export class PlainTextWriter {
  private readonly font: EmbeddedFontInternals;
  private readonly glyphs = new Map<number, GlyphInfo>();
  private readonly encoded = new Map<string, { hex: string; advance: number }>();

  constructor(private readonly doc: PDFKit.PDFDocument) {
    const f = (doc as unknown as DocInternals)._font;
    if (!f || typeof f.subset?.includeGlyph !== 'function' || !Array.isArray(f.widths) || !Array.isArray(f.unicode) || typeof f.font?.glyphForCodePoint !== 'function') {
      throw new StationError('INTERNAL', 'pdfkit font internals changed: the report fast path cannot encode text', 'Pin pdfkit to 0.20.x or update receipts/plain-text.ts');
    }
    this.font = f;
  }

  private glyph(cp: number): GlyphInfo {
    let g = this.glyphs.get(cp);
    if (!g) {
      const fg = this.font.font.glyphForCodePoint(cp);
      const gid = this.font.subset.includeGlyph(fg.id);
      const advance = fg.advanceWidth * this.font.scale;
      this.font.widths[gid] ??= advance;
      this.font.unicode[gid] ??= fg.codePoints.length > 0 ? fg.codePoints : [cp];
      g = { hex: gid.toString(16).padStart(4, '0'), advance };
      this.glyphs.set(cp, g);
    }
    return g;
  }

  private encode(text: string): { hex: string; advance: number } {
    let e = this.encoded.get(text);
    if (!e) {
      let hex = '';
      let advance = 0;
      for (const ch of text) {
        const g = this.glyph(ch.codePointAt(0)!);
        hex += g.hex;
        advance += g.advance;
      }
      e = { hex, advance };
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
   * all at `size` in the current fill colour. One text object for the whole line.
   */
  line(items: readonly (readonly [string, number, number])[], size: number): void {
    const page = (this.doc as unknown as DocInternals).page;
    if (!page) throw new StationError('INTERNAL', 'PlainTextWriter.line called before a page was added');
    page.fonts[this.font.id] ??= this.font.ref();
    const dy = (this.font.ascender / 1000) * size;
    let ops = `q 1 0 0 -1 0 ${num(page.height)} cm BT /${this.font.id} ${num(size)} Tf`;
    for (const [text, x, top] of items) {
      if (text === '') continue;
      ops += ` 1 0 0 1 ${num(x)} ${num(page.height - top - dy)} Tm <${this.encode(text).hex}> Tj`;
    }
    this.doc.addContent(`${ops} ET Q`);
  }
}
