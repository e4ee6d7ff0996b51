/**
 * Printing hand-off. The core prints receipts itself where CUPS exists (Linux, macOS: `lp`,
 * core/receipts.ts) and says so in the answer (`print: {ok, spooler, …}`). On Windows there is
 * no CUPS: main takes the receipt's PDF and hands it to the OS through Chromium's printing
 * (webContents.print of a hidden window showing the PDF). That path is UNTESTED: no Windows
 * machine and no Electron binary were available where this was written (main/README.md).
 */
import path from 'node:path';

/** The PDF main should print itself after a method's answer, or null (the core printed, or nothing to print). */
export function receiptToHandOff(result: unknown, platform: NodeJS.Platform): string | null {
  if (platform !== 'win32' || typeof result !== 'object' || result === null) return null;
  const r = result as { receipt?: unknown; print?: { ok?: unknown } };
  if (typeof r.receipt !== 'string' || path.extname(r.receipt).toLowerCase() !== '.pdf' || !path.isAbsolute(r.receipt)) return null;
  // The core printed it (a spooler answered ok): nothing for main to do.
  if (r.print !== undefined && r.print.ok === true) return null;
  return r.receipt;
}

/** The hidden window that carries a PDF to the printer: no preload, sandboxed, Chromium's PDF viewer only. */
export function printWindowOptions() {
  return {
    show: false,
    width: 600,
    height: 800,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      javascript: false,
      plugins: true, // Chromium's PDF viewer
      devTools: false,
    },
  } as const;
}
