import { BadInputError } from '../../common/errors.ts';
import { defaultStationHome } from '../../core/config.ts';
import { printerCheck, reprintReceipt } from '../../core/receipts.ts';
import { changePrinter, loadReceiptSettings, saveReceiptSettings } from '../../core/receipt-settings.ts';
import { emit, stringOpt, type CliCommand } from '../command.ts';
import { printChoice, PRINT_OPTIONS, receiptLines } from '../receipt-output.ts';
import { ACTOR_OPTIONS, cliActor, withStation } from '../session.ts';

export const printerSetCommand: CliCommand = {
  path: ['printer', 'set'],
  summary: 'choose the receipt printer: a CUPS queue, an ESC/POS thermal printer (with the cash drawer), a folder (file spooler), or none',
  usage: 'station printer set --queue NAME [--server SOCKET|HOST] | --escpos tcp://HOST:9100|/dev/usb/lp0|serial:/dev/ttyS0 [--raster-text] [--raster-qr] | --dir PATH | --none   [--paper 80|58] [--station-name NAME] [--phone TEL]',
  options: {
    queue: { type: 'string' }, server: { type: 'string' }, dir: { type: 'string' }, none: { type: 'boolean' }, paper: { type: 'string' },
    escpos: { type: 'string' }, 'raster-text': { type: 'boolean' }, 'raster-qr': { type: 'boolean' },
    'station-name': { type: 'string' }, phone: { type: 'string' },
  },
  async run(input, io) {
    const home = defaultStationHome(io.env);
    const change = {
      queue: stringOpt(input, 'queue'), server: stringOpt(input, 'server'), dir: stringOpt(input, 'dir'), none: input.values.none === true,
      escpos: stringOpt(input, 'escpos'), rasterText: input.values['raster-text'] === true, rasterQr: input.values['raster-qr'] === true,
      paper: stringOpt(input, 'paper'), stationName: stringOpt(input, 'station-name'), phone: stringOpt(input, 'phone'),
    };
    if (Object.values(change).every((v) => v === undefined || v === false)) throw new BadInputError('nothing to set', 'station printer set --queue NAME | --escpos ADDRESS | --dir PATH | --none');
    const next = changePrinter(loadReceiptSettings(home), Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)));
    saveReceiptSettings(home, next);
    const check = await printerCheck(home, io.env);
    const p = next.printer;
    emit(io, input.json, { settings: next, check }, [
      p === null ? 'Receipts are saved, not printed (no printer)'
        : p.kind === 'cups' ? `Receipts print on CUPS queue "${p.queue}"`
          : p.kind === 'escpos' ? `Receipts print on the ESC/POS printer ${p.address} (${p.chineseFont ? 'Chinese font' : 'raster text'}, ${p.qr} QR); its drawer opens when cash moves`
            : `Receipts are copied to ${p.dir}`,
      `  ${next.paper} mm roll; header: ${next.stationName ?? '(default name)'}`,
      `  printer check: ${check.status} — ${check.detail}${check.hint ? `\n  → ${check.hint}` : ''}`,
    ].join('\n'));
    return 0;
  },
};

export const receiptReprintCommand: CliCommand = {
  path: ['receipt', 'reprint'],
  summary: 'print a receipt again, marked 重印 第N次 (counted when the printer accepts it; audited)',
  usage: 'station receipt reprint --entry ENTRY_ID [--print|--no-print] --operator ID   (PIN in STATION_PIN)',
  options: { ...ACTOR_OPTIONS, ...PRINT_OPTIONS, entry: { type: 'string' } },
  async run(input, io) {
    const entry = stringOpt(input, 'entry');
    if (entry === undefined || entry === '') throw new BadInputError('--entry ENTRY_ID is required (流水号 on the receipt)');
    const choice = printChoice(input);
    return withStation(io, async (station) => {
      const actor = await cliActor(station, input, io);
      const r = await reprintReceipt(station, actor, entry, choice, io.env);
      const lines = receiptLines(io, { receipt: r.receipt, receiptEntryId: r.entryId, ...(r.print ? { print: r.print } : {}) }, input.json);
      // Only a copy the spooler accepted is counted (docs/RECEIPTS.md "Reprint counting"): say which this was.
      const counted = r.print?.ok === true;
      const head = counted ? `Reprint ${r.count} (重印 第${r.count}次) of entry ${r.entryId} printed`
        : r.print ? `Reprint ${r.count} (重印 第${r.count}次) of entry ${r.entryId} did not print: not counted, the next try is number ${r.count} again`
          : `Reprint copy ${r.count} (重印 第${r.count}次) of entry ${r.entryId} saved, not printed: not counted until a printer accepts one`;
      emit(io, input.json, { ...r, counted }, [head, ...lines].join('\n'));
      return 0;
    });
  },
};
