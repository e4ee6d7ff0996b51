/**
 * The ESC/POS commands the station sends, as bytes (Epson's command reference; the Chinese
 * printers — 佳博, 芯烨 … — implement the same set plus FS & for their GB18030 font). One place
 * for every code, so the encoder and the test printer's parser (test/harness/escpos-printer.ts)
 * can be read side by side.
 *
 * Why not a library: the npm encoders (@point-of-sale/receipt-printer-encoder, esc-pos-encoder,
 * escpos) encode text through single-byte code pages only — none has GB18030 or the FS & Chinese
 * mode — so the Chinese text, which is most of a receipt, would need our own path anyway; the rest
 * is a dozen fixed byte strings. GB18030 itself comes from iconv-lite (pure JS).
 */
import iconv from 'iconv-lite';

export const ESC = 0x1b;
export const GS = 0x1d;
export const FS = 0x1c;
export const DLE = 0x10;
export const LF = 0x0a;

/** ESC @: reset the printer's modes (not its buffer or its status). */
export const INIT = [ESC, 0x40];
/** FS &: Chinese character mode — two-byte codes print from the printer's GB18030 font. */
export const CHINESE_ON = [FS, 0x26];
/** FS .: Chinese mode off (single-byte code page only). */
export const CHINESE_OFF = [FS, 0x2e];

export const bold = (on: boolean): number[] => [ESC, 0x45, on ? 1 : 0];
/** GS ! n: character size; 0x01 = double height (titles: width stays, so columns stay). */
export const size = (doubleHeight: boolean): number[] => [GS, 0x21, doubleHeight ? 0x01 : 0x00];
/** GS B n: white on black (the 重印 and 培训模式 banners). */
export const invert = (on: boolean): number[] => [GS, 0x42, on ? 1 : 0];
/** ESC a n: 0 left, 1 centre (used for the QR and raster images, which are not padded text). */
export const align = (where: 'left' | 'center'): number[] => [ESC, 0x61, where === 'center' ? 1 : 0];
/** ESC d n: print and feed n lines. */
export const feed = (lines: number): number[] => [ESC, 0x64, lines];
/** GS V 1: partial cut (the roll stays attached at one point, as counters want). */
export const CUT = [GS, 0x56, 0x01];
/**
 * ESC p m t1 t2: a pulse on the drawer kick-out connector, pin 2 (m = 0), on t1 × 2 ms, off t2 × 2 ms.
 * 100 ms on / 500 ms off is what drawer makers ask for (a shorter pulse may not release the latch).
 */
export const DRAWER_PULSE = [ESC, 0x70, 0x00, 50, 250];

/** DLE EOT n: real-time status. 1 printer (drawer, offline), 2 offline cause (cover, paper end), 3 errors, 4 roll paper sensor. */
export const statusRequest = (n: 1 | 2 | 3 | 4): number[] => [DLE, 0x04, n];

/** GS ( k: the printer's own QR (model 2, module size in dots, error correction M, then store and print). */
export function nativeQr(payload: string, moduleDots: number): number[] {
  const data = Buffer.from(payload, 'ascii');
  const store = data.length + 3;
  return [
    GS, 0x28, 0x6b, 4, 0, 0x31, 0x41, 0x32, 0x00, // fn 165: model 2
    GS, 0x28, 0x6b, 3, 0, 0x31, 0x43, moduleDots, // fn 167: module size
    GS, 0x28, 0x6b, 3, 0, 0x31, 0x45, 0x31, // fn 169: error correction M (as the PDF's)
    GS, 0x28, 0x6b, store & 0xff, store >> 8, 0x31, 0x50, 0x30, ...data, // fn 180: store
    GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30, // fn 181: print
  ];
}

/** GS v 0: a raster image, `rows` of `widthBytes` bytes each, 1 bit per dot, MSB first, 1 = black. */
export function rasterImage(bits: Uint8Array, widthBytes: number, rows: number): number[] {
  if (bits.length !== widthBytes * rows) throw new RangeError(`raster of ${widthBytes}×${rows} bytes needs ${widthBytes * rows} bytes, got ${bits.length}`);
  return [GS, 0x76, 0x30, 0x00, widthBytes & 0xff, widthBytes >> 8, rows & 0xff, rows >> 8, ...bits];
}

/**
 * Text in GB18030. ¥ (U+00A5) has no two-byte GB code: a printer's GB2312/GBK font prints its
 * four-byte GB18030 form as "?" or garbage, the classic ¥ misprint of POS software; the fullwidth
 * ￥ (U+FFE5, A3 A4) is in every Chinese printer font, so amounts go out with that.
 */
export function gb18030(text: string): Buffer {
  return iconv.encode(text.replaceAll('¥', '￥'), 'gb18030');
}

/** Printed width of one character in columns of the 12-dot font: a two-byte (or longer) GB code prints 24 dots wide. */
export function columnsOf(text: string): number {
  let n = 0;
  for (const ch of text.replaceAll('¥', '￥')) n += ch.codePointAt(0)! < 0x80 ? 1 : 2;
  return n;
}
