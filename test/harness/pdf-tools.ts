/** poppler-utils and zbar-tools from tests: text, page images, page size, fonts, QR codes. */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

export function pdfText(file: string, layout = true): string {
  return execFileSync('pdftotext', [...(layout ? ['-layout'] : []), '-enc', 'UTF-8', file, '-'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** Renders pages to PNG (prefix-N.png) and returns their paths in page order. */
export function pdfToPngs(file: string, outPrefix: string, opts: { dpi?: number; first?: number; last?: number } = {}): string[] {
  const args = ['-r', String(opts.dpi ?? 150), '-png'];
  if (opts.first) args.push('-f', String(opts.first));
  if (opts.last) args.push('-l', String(opts.last));
  execFileSync('pdftoppm', [...args, file, outPrefix]);
  const dir = path.dirname(outPrefix);
  const base = path.basename(outPrefix);
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${base}-`) && f.endsWith('.png'))
    .sort((a, b) => Number(/-(\d+)\.png$/.exec(a)![1]) - Number(/-(\d+)\.png$/.exec(b)![1]))
    .map((f) => path.join(dir, f));
}

export function pdfInfo(file: string): { pages: number; widthPt: number; heightPt: number } {
  const out = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  const pages = Number(/^Pages:\s+(\d+)/m.exec(out)![1]);
  const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(out)!;
  return { pages, widthPt: Number(size[1]), heightPt: Number(size[2]) };
}

export function pdfFonts(file: string): string {
  return execFileSync('pdffonts', [file], { encoding: 'utf8' });
}

/** Every QR code zbarimg finds in the image, as text. */
export function decodeQr(png: string): string[] {
  const out = execFileSync('zbarimg', ['-q', '--raw', png], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '');
}
