/**
 * The CJK font every receipt and report embeds (a subset of it: only the glyphs used).
 * It ships with the app under resources/fonts (OFL 1.1), so paper looks the same on every PC.
 *
 * The font is parsed once per path and the fontkit object is shared by every document: pdfkit
 * accepts a fontkit font directly, and fontkit keeps its glyph and layout caches on that
 * object, which halves the warm render time of a receipt compared with handing pdfkit the
 * 10 MB buffer each time (measured in docs/RECEIPTS.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fontkit from 'fontkit';
import { StationError } from '../common/errors.ts';

export const FONT_FILE = 'NotoSansSC_400Regular.ttf';

/** Where the shipped font is: Electron's resources folder when packaged, else the repo. */
export function defaultFontPath(): string {
  const fromEnv = process.env['STATION_FONT'];
  if (fromEnv) return fromEnv;
  // Set by Electron in a packaged app (electron-builder extraResources: resources/fonts → fonts).
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) {
    const packaged = path.join(resourcesPath, 'fonts', FONT_FILE);
    if (existsSync(packaged)) return packaged;
  }
  return fileURLToPath(new URL(`../resources/fonts/${FONT_FILE}`, import.meta.url));
}

const loaded = new Map<string, fontkit.Font>();

export function loadReceiptFont(fontPath: string = defaultFontPath()): fontkit.Font {
  const cached = loaded.get(fontPath);
  if (cached) return cached;
  let buf: Buffer;
  try {
    buf = readFileSync(fontPath);
  } catch (err) {
    throw new StationError('CONFIG', `Receipt font not found: ${fontPath}`, 'Reinstall the station, or set STATION_FONT to a TrueType CJK font', { cause: err });
  }
  const font = fontkit.create(buf);
  if (!('layout' in font) || !font.hasGlyphForCodePoint(0x5143 /* 元 */) || !font.hasGlyphForCodePoint(0x30 /* 0 */)) {
    throw new StationError('CONFIG', `Receipt font ${fontPath} is not a single font with Chinese and Latin glyphs`, 'Use a TrueType font such as Noto Sans SC (not a .ttc collection)');
  }
  loaded.set(fontPath, font);
  return font;
}
