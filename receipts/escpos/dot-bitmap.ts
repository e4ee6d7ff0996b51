/**
 * A 1-bit picture in printer dots, and text drawn into it with the receipt font (Noto Sans SC,
 * receipts/font.ts) on the printer's character grid: 12 × 24 dots for a one-byte character,
 * 24 × 24 for a two-byte one. Used where a printer has no Chinese font (the receipt goes out
 * as raster lines) and by the test printer to render what it received to PNG.
 *
 * The glyph outlines are filled by scanline with the non-zero rule, sampled at dot centres
 * (fontkit gives outlines only; no canvas library is needed). Glyphs are cached per size.
 */
import type * as fontkit from 'fontkit';

export class DotBitmap {
  readonly dots: Uint8Array;
  constructor(readonly width: number, readonly height: number) {
    this.dots = new Uint8Array(width * height);
  }

  set(x: number, y: number): void {
    if (x >= 0 && y >= 0 && x < this.width && y < this.height) this.dots[y * this.width + x] = 1;
  }

  get(x: number, y: number): boolean {
    return this.dots[y * this.width + x] === 1;
  }

  fillRect(x: number, y: number, w: number, h: number): void {
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) this.set(xx, yy);
  }

  /** White on black over a band (the banners). */
  invertRect(x: number, y: number, w: number, h: number): void {
    for (let yy = Math.max(0, y); yy < Math.min(this.height, y + h); yy++) {
      for (let xx = Math.max(0, x); xx < Math.min(this.width, x + w); xx++) this.dots[yy * this.width + xx] = this.get(xx, yy) ? 0 : 1;
    }
  }

  /** Copies `src` with its top-left corner at (x, y). */
  blit(src: DotBitmap, x: number, y: number): void {
    for (let yy = 0; yy < src.height; yy++) for (let xx = 0; xx < src.width; xx++) if (src.get(xx, yy)) this.set(x + xx, y + yy);
  }

  /** Rows packed 8 dots a byte, most significant bit first (GS v 0's layout). */
  packed(): { bits: Uint8Array; widthBytes: number } {
    const widthBytes = Math.ceil(this.width / 8);
    const bits = new Uint8Array(widthBytes * this.height);
    for (let y = 0; y < this.height; y++) {
      for (let x = 0; x < this.width; x++) if (this.dots[y * this.width + x]) bits[y * widthBytes + (x >> 3)]! |= 0x80 >> (x & 7);
    }
    return { bits, widthBytes };
  }

  static unpack(bits: Uint8Array, widthBytes: number, rows: number): DotBitmap {
    const b = new DotBitmap(widthBytes * 8, rows);
    for (let y = 0; y < rows; y++) for (let x = 0; x < widthBytes * 8; x++) if (bits[y * widthBytes + (x >> 3)]! & (0x80 >> (x & 7))) b.dots[y * b.width + x] = 1;
    return b;
  }
}

/** One dot column of the printer's font A. */
export const CELL_DOTS = 12;
/** A character row's height in dots. */
export const ROW_DOTS = 24;

type Edge = { x0: number; y0: number; x1: number; y1: number; dir: number };

/** The glyph's outline as straight edges in dots (curves flattened), y downwards from the baseline. */
function glyphEdges(glyph: fontkit.Glyph, scaleX: number, scaleY: number): Edge[] {
  const edges: Edge[] = [];
  let cx = 0, cy = 0, sx = 0, sy = 0;
  const line = (x: number, y: number): void => {
    if (cy !== y) edges.push({ x0: cx * scaleX, y0: -cy * scaleY, x1: x * scaleX, y1: -y * scaleY, dir: y > cy ? -1 : 1 });
    cx = x; cy = y;
  };
  const STEPS = 6;
  for (const c of glyph.path.commands) {
    const a = c.args;
    switch (c.command) {
      case 'moveTo': cx = sx = a[0]!; cy = sy = a[1]!; break;
      case 'lineTo': line(a[0]!, a[1]!); break;
      case 'quadraticCurveTo': {
        const [x0, y0] = [cx, cy];
        for (let i = 1; i <= STEPS; i++) {
          const t = i / STEPS, u = 1 - t;
          line(u * u * x0 + 2 * u * t * a[0]! + t * t * a[2]!, u * u * y0 + 2 * u * t * a[1]! + t * t * a[3]!);
        }
        break;
      }
      case 'bezierCurveTo': {
        const [x0, y0] = [cx, cy];
        for (let i = 1; i <= STEPS; i++) {
          const t = i / STEPS, u = 1 - t;
          line(u * u * u * x0 + 3 * u * u * t * a[0]! + 3 * u * t * t * a[2]! + t * t * t * a[4]!, u * u * u * y0 + 3 * u * u * t * a[1]! + 3 * u * t * t * a[3]! + t * t * t * a[5]!);
        }
        break;
      }
      case 'closePath': line(sx, sy); break;
    }
  }
  return edges;
}

/**
 * A glyph filled into a bitmap `w` × `h` dots, the baseline at `baseline`, the advance centred;
 * `stretchY` 2 for double height. A glyph wider than its cell (Latin m, W) is narrowed to fit,
 * as a printer's own 12-dot font draws it.
 */
function rasterGlyph(font: fontkit.Font, codePoint: number, w: number, h: number, emDots: number, baseline: number, stretchY: number): DotBitmap {
  const glyph = font.glyphForCodePoint(codePoint);
  const scale = emDots / font.unitsPerEm;
  const scaleX = glyph.advanceWidth * scale > w ? w / glyph.advanceWidth : scale;
  const dx = (w - glyph.advanceWidth * scaleX) / 2;
  const edges = glyphEdges(glyph, scaleX, scale * stretchY);
  const out = new DotBitmap(w, h);
  const xs: { x: number; dir: number }[] = [];
  for (let y = 0; y < h; y++) {
    const sy = y + 0.5 - baseline;
    xs.length = 0;
    for (const e of edges) {
      const lo = Math.min(e.y0, e.y1), hi = Math.max(e.y0, e.y1);
      if (sy < lo || sy >= hi) continue;
      xs.push({ x: e.x0 + ((sy - e.y0) * (e.x1 - e.x0)) / (e.y1 - e.y0) + dx, dir: e.dir });
    }
    xs.sort((a, b) => a.x - b.x);
    let winding = 0;
    for (let i = 0; i < xs.length - 1; i++) {
      winding += xs[i]!.dir;
      if (winding === 0) continue;
      for (let x = Math.ceil(xs[i]!.x - 0.5); x + 0.5 < xs[i + 1]!.x; x++) out.set(x, y);
    }
  }
  return out;
}

/**
 * Draws text on the character grid: one cell of CELL_DOTS per column (two for a two-byte
 * character), `scaleY` 2 for double height. Returns the columns used.
 */
export class GridText {
  private readonly cache = new Map<string, DotBitmap>();
  constructor(private readonly font: fontkit.Font) {}

  draw(into: DotBitmap, text: string, col: number, top: number, opts: { bold?: boolean; scaleY?: 1 | 2 } = {}): number {
    const sy = opts.scaleY ?? 1;
    let c = col;
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      const wide = cp >= 0x80;
      const w = (wide ? 2 : 1) * CELL_DOTS;
      if (cp !== 0x20) {
        const key = `${cp}/${sy}`;
        let g = this.cache.get(key);
        if (!g) {
          // The em is 22 dots of the 24-dot row (Latin and CJK alike), baseline 4 dots above the bottom.
          g = rasterGlyph(this.font, cp, w, ROW_DOTS * sy, 22, (ROW_DOTS - 4) * sy, sy);
          this.cache.set(key, g);
        }
        into.blit(g, c * CELL_DOTS, top);
        if (opts.bold) into.blit(g, c * CELL_DOTS + 1, top);
      }
      c += wide ? 2 : 1;
    }
    return c - col;
  }
}
