/**
 * A test receipt printer on TCP (the raw port 9100 of network thermal printers): it parses the
 * ESC/POS stream the station sends — text (GB18030 in Chinese mode, FS &), styles, raster
 * images (GS v 0), the printer's own QR (GS ( k), feed, cut, the drawer pulse (ESC p) — and
 * answers status requests (DLE EOT 1/2/3/4, GS a) like a real printer, from a state the test
 * sets: paper ok / near end / out, cover open, drawer open. What it received is kept per cut
 * receipt: the decoded text (for text checks) and a PNG drawn the way a 203 dpi head prints it
 * (text with the receipt font on the 12/24-dot grid, the QR from its payload), so tests decode
 * the QR with zbarimg.
 *
 * Like a real printer it prints nothing without paper: printing data that arrives while the
 * paper is out is dropped (counted in `dropped`); the drawer pulse still fires.
 *
 * For the training lab: `node --import tsx test/harness/escpos-printer.ts [--port 9100] [--out DIR] [--paper 80|58]`
 * writes each receipt's PNG and text to DIR; then `station printer set --escpos tcp://127.0.0.1:9100`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { loadReceiptFont, qrModules } from '../../receipts/index.ts';
import { DLE, ESC, FS, GS, LF } from '../../receipts/escpos/commands.ts';
import { CELL_DOTS, DotBitmap, GridText, ROW_DOTS } from '../../receipts/escpos/dot-bitmap.ts';
import { statusBytes, type EscposStatus } from '../../receipts/escpos/status.ts';

export type PrintedItem =
  | { kind: 'text'; text: string; bold: boolean; tall: boolean; invert: boolean }
  | { kind: 'raster'; bitmap: DotBitmap; center: boolean }
  | { kind: 'qr'; payload: string; moduleDots: number; ec: string; center: boolean }
  | { kind: 'feed'; lines: number };

export interface PrintedReceipt {
  items: PrintedItem[];
  /** The text lines, decoded (trailing spaces trimmed). */
  text: string;
  qrPayloads: string[];
  rasterImages: number;
  bytes: number;
}

export interface TestPrinter {
  address: string;
  port: number;
  receipts: PrintedReceipt[];
  /** ESC p pulses, in order. */
  pulses: { pin: number; onMs: number; offMs: number }[];
  statusRequests: number;
  /** Printing bytes dropped while the paper was out. */
  dropped: number;
  /** Commands the parser did not know (a test fails on any: the station must send only what it means). */
  unknown: string[];
  state: EscposStatus;
  setPaper(p: 'ok' | 'near-end' | 'out'): void;
  render(receipt: PrintedReceipt, file: string): void;
  waitForReceipts(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A minimal PNG writer: 8-bit grey, one IDAT. */
export function writePng(bitmap: DotBitmap, file: string, margin = 16): void {
  const w = bitmap.width + 2 * margin, h = bitmap.height + 2 * margin;
  const raw = Buffer.alloc((w + 1) * h, 0xff);
  for (let y = 0; y < h; y++) {
    raw[y * (w + 1)] = 0;
    for (let x = 0; x < w; x++) {
      const bx = x - margin, by = y - margin;
      if (bx >= 0 && by >= 0 && bx < bitmap.width && by < bitmap.height && bitmap.get(bx, by)) raw[y * (w + 1) + 1 + x] = 0;
    }
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  writeFileSync(file, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}

const EC_LEVELS: Record<number, string> = { 0x30: 'L', 0x31: 'M', 0x32: 'Q', 0x33: 'H' };

/** One connection's parser; `more` = the command is incomplete, wait for bytes. */
class StreamParser {
  private buf = Buffer.alloc(0);
  private chinese = false;
  private bold = false;
  private tall = false;
  private invert = false;
  private center = false;
  private line: number[] = [];
  private qrSize = 3;
  private qrEc = 'M';
  private qrData = '';

  constructor(private readonly printer: PrinterCore, private readonly reply: (b: Buffer) => void) {}

  feed(data: Buffer): void {
    this.buf = Buffer.concat([this.buf, data]);
    let used: number;
    while (this.buf.length > 0 && (used = this.step()) > 0) this.buf = this.buf.subarray(used);
  }

  private flushLine(): void {
    const bytes = Buffer.from(this.line);
    this.line = [];
    const text = this.chinese ? new TextDecoder('gb18030').decode(bytes) : bytes.toString('latin1');
    this.printer.item({ kind: 'text', text, bold: this.bold, tall: this.tall, invert: this.invert }, bytes.length + 1);
  }

  /** Parses one command or byte at the start of the buffer; returns the bytes used, 0 when incomplete. */
  private step(): number {
    const b = this.buf;
    const need = (n: number): boolean => b.length >= n;
    const c0 = b[0]!;
    if (c0 === LF) { this.flushLine(); return 1; }
    if (c0 === DLE) {
      if (!need(3)) return 0;
      if (b[1] === 0x04) { this.reply(Buffer.from([this.printer.statusByte(b[2]!)])); this.printer.statusRequests++; return 3; }
      if (b[1] === 0x14) { if (!need(5)) return 0; if (b[2] === 1) this.printer.pulse(b[3]!, b[4]! * 100, b[4]! * 100); return 5; }
      this.printer.unknown.push(`DLE ${b[1]}`);
      return 2;
    }
    if (c0 === ESC) {
      if (!need(2)) return 0;
      switch (b[1]) {
        case 0x40: this.chinese = false; this.bold = this.tall = this.invert = this.center = false; return 2;
        case 0x45: if (!need(3)) return 0; this.bold = (b[2]! & 1) === 1; return 3;
        case 0x61: if (!need(3)) return 0; this.center = b[2] === 1 || b[2] === 0x31; return 3;
        case 0x64: if (!need(3)) return 0; if (this.line.length) this.flushLine(); this.printer.item({ kind: 'feed', lines: b[2]! }, 3); return 3;
        case 0x70: if (!need(5)) return 0; this.printer.pulse(b[2]! & 1, b[3]! * 2, b[4]! * 2); return 5;
        default: this.printer.unknown.push(`ESC 0x${b[1]!.toString(16)}`); return 2;
      }
    }
    if (c0 === FS) {
      if (!need(2)) return 0;
      if (b[1] === 0x26) { this.chinese = true; return 2; }
      if (b[1] === 0x2e) { this.chinese = false; return 2; }
      this.printer.unknown.push(`FS 0x${b[1]!.toString(16)}`);
      return 2;
    }
    if (c0 === GS) {
      if (!need(2)) return 0;
      switch (b[1]) {
        case 0x21: if (!need(3)) return 0; this.tall = (b[2]! & 0x0f) > 0; return 3;
        case 0x42: if (!need(3)) return 0; this.invert = (b[2]! & 1) === 1; return 3;
        case 0x56: {
          if (!need(3)) return 0;
          const len = b[2] === 0x41 || b[2] === 0x42 || b[2] === 65 || b[2] === 66 ? 4 : 3;
          if (!need(len)) return 0;
          if (this.line.length) this.flushLine();
          this.printer.cut();
          return len;
        }
        case 0x61: {
          if (!need(3)) return 0;
          if (b[2] !== 0) this.reply(this.printer.asb());
          return 3;
        }
        case 0x76: {
          if (!need(8)) return 0;
          const wb = b[4]! | (b[5]! << 8), rows = b[6]! | (b[7]! << 8);
          if (!need(8 + wb * rows)) return 0;
          this.printer.item({ kind: 'raster', bitmap: DotBitmap.unpack(b.subarray(8, 8 + wb * rows), wb, rows), center: this.center }, 8 + wb * rows);
          return 8 + wb * rows;
        }
        case 0x28: {
          if (!need(5)) return 0;
          const len = b[3]! | (b[4]! << 8);
          if (!need(5 + len)) return 0;
          if (b[2] !== 0x6b) { this.printer.unknown.push(`GS ( 0x${b[2]!.toString(16)}`); return 5 + len; }
          const fn = b[6];
          if (fn === 0x43) this.qrSize = b[7]!;
          else if (fn === 0x45) this.qrEc = EC_LEVELS[b[7]!] ?? '?';
          else if (fn === 0x50) this.qrData = b.subarray(8, 5 + len).toString('latin1');
          else if (fn === 0x51) this.printer.item({ kind: 'qr', payload: this.qrData, moduleDots: this.qrSize, ec: this.qrEc, center: this.center }, 5 + len);
          else if (fn !== 0x41) this.printer.unknown.push(`GS ( k fn 0x${fn?.toString(16)}`);
          return 5 + len;
        }
        default: this.printer.unknown.push(`GS 0x${b[1]!.toString(16)}`); return 2;
      }
    }
    if (c0 < 0x20) { this.printer.unknown.push(`control 0x${c0.toString(16)}`); return 1; }
    this.line.push(c0);
    return 1;
  }
}

class PrinterCore {
  receipts: PrintedReceipt[] = [];
  pulses: { pin: number; onMs: number; offMs: number }[] = [];
  statusRequests = 0;
  dropped = 0;
  unknown: string[] = [];
  state: EscposStatus = { offline: false, drawerOpen: false, coverOpen: false, paperNearEnd: false, paperOut: false, error: false };
  private current: PrintedItem[] = [];
  private currentBytes = 0;
  private waiters: (() => void)[] = [];

  item(i: PrintedItem, bytes: number): void {
    if (this.state.paperOut || this.state.coverOpen) { this.dropped += bytes; return; }
    this.current.push(i);
    this.currentBytes += bytes;
  }

  pulse(pin: number, onMs: number, offMs: number): void {
    this.pulses.push({ pin, onMs, offMs });
  }

  cut(): void {
    if (this.state.paperOut || this.state.coverOpen) return;
    const items = this.current;
    this.current = [];
    const text = items.filter((i) => i.kind === 'text').map((i) => i.text.trimEnd()).join('\n');
    this.receipts.push({
      items, text, bytes: this.currentBytes,
      qrPayloads: items.flatMap((i) => (i.kind === 'qr' ? [i.payload] : [])),
      rasterImages: items.filter((i) => i.kind === 'raster').length,
    });
    this.currentBytes = 0;
    for (const w of this.waiters.splice(0)) w();
  }

  statusByte(n: number): number {
    const [printer, offline, paper] = statusBytes(this.state);
    if (n === 1) return printer;
    if (n === 2) return offline;
    if (n === 3) return 0x12 | (this.state.error ? 0x40 : 0);
    return paper;
  }

  /** GS a: automatic status back, 4 bytes (drawer, offline, cover / errors / roll sensors / fixed). */
  asb(): Buffer {
    const s = this.state;
    return Buffer.from([
      0x10 | (s.drawerOpen ? 0x04 : 0) | (s.offline || s.paperOut || s.coverOpen ? 0x08 : 0) | (s.coverOpen ? 0x20 : 0),
      s.error ? 0x40 : 0,
      (s.paperNearEnd || s.paperOut ? 0x03 : 0) | (s.paperOut ? 0x0c : 0),
      0x0f,
    ]);
  }

  waitFor(n: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the test printer got ${this.receipts.length} receipts, expected ${n}`)), timeoutMs);
      const check = (): void => {
        if (this.receipts.length >= n) { clearTimeout(timer); resolve(); } else this.waiters.push(check);
      };
      check();
    });
  }
}

/** Draws a received receipt as the print head would: `dots` wide (576 for 80 mm, 384 for 58 mm). */
export function renderReceipt(receipt: PrintedReceipt, dots: number): DotBitmap {
  const grid = new GridText(loadReceiptFont());
  const heights = receipt.items.map((i) => {
    switch (i.kind) {
      case 'text': return ROW_DOTS * (i.tall ? 2 : 1) + 6;
      case 'raster': return i.bitmap.height;
      case 'qr': return (qrModules(i.payload).length + 4) * i.moduleDots;
      case 'feed': return i.lines * (ROW_DOTS + 6);
    }
  });
  const out = new DotBitmap(dots, heights.reduce((a, b) => a + b, 0));
  let y = 0;
  receipt.items.forEach((i, k) => {
    if (i.kind === 'text') {
      const used = grid.draw(out, i.text, 0, y + 3, { bold: i.bold, scaleY: i.tall ? 2 : 1 });
      if (i.invert) out.invertRect(0, y, Math.max(used * CELL_DOTS, dots), heights[k]!);
    } else if (i.kind === 'raster') {
      out.blit(i.bitmap, i.center ? Math.floor((dots - i.bitmap.width) / 2) : 0, y);
    } else if (i.kind === 'qr') {
      const rows = qrModules(i.payload);
      const m = i.moduleDots;
      const left = (i.center ? Math.floor((dots - (rows.length + 4) * m) / 2) : 0) + 2 * m;
      rows.forEach((row, r) => { for (let c = 0; c < row.length; c++) if (row[c] === '1') out.fillRect(left + c * m, y + (r + 2) * m, m, m); });
    }
    y += heights[k]!;
  });
  return out;
}

export async function startTestPrinter(opts: { port?: number; dots?: 576 | 384 } = {}): Promise<TestPrinter> {
  const core = new PrinterCore();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const parser = new StreamParser(core, (b) => socket.write(b));
    socket.on('data', (d: Buffer) => parser.feed(d));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const dots = opts.dots ?? 576;
  return {
    address: `tcp://127.0.0.1:${port}`,
    port,
    get receipts() { return core.receipts; },
    get pulses() { return core.pulses; },
    get statusRequests() { return core.statusRequests; },
    get dropped() { return core.dropped; },
    get unknown() { return core.unknown; },
    get state() { return core.state; },
    setPaper(p) {
      core.state.paperNearEnd = p === 'near-end';
      core.state.paperOut = p === 'out';
    },
    render(receipt, file) { writePng(renderReceipt(receipt, dots), file); },
    waitForReceipts: (n, timeoutMs = 15_000) => core.waitFor(n, timeoutMs),
    stop: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

// Standalone, for the training lab.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '9100' }, out: { type: 'string', default: 'test-printer-out' }, paper: { type: 'string', default: '80' } } });
  const out = path.resolve(values.out);
  mkdirSync(out, { recursive: true });
  const printer = await startTestPrinter({ port: Number(values.port), dots: values.paper === '58' ? 384 : 576 });
  console.log(`ESC/POS test printer on ${printer.address}; receipts go to ${out} (Ctrl-C stops)`);
  let n = 0;
  setInterval(() => {
    while (n < printer.receipts.length) {
      const r = printer.receipts[n++]!;
      printer.render(r, path.join(out, `receipt-${n}.png`));
      writeFileSync(path.join(out, `receipt-${n}.txt`), `${r.text}\n`);
      console.log(`receipt ${n}: ${r.bytes} bytes, QR ${r.qrPayloads.join(' ')}; drawer pulses so far ${printer.pulses.length}`);
    }
  }, 200);
}
