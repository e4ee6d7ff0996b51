import { StationError } from '../../common/errors.ts';
import { ensureRendererBuilt, RENDERER_DIST } from '../../core/ui-build.ts';
import { startUiServer } from '../../core/api/server.ts';
import { PcscCardAccess } from '../../core/pcsc-access.ts';
import { trainingLabWithoutPcsc } from '../../core/lab/in-process-lab.ts';
import { LabSlots } from '../../core/lab/lab-control.ts';
import { stringOpt, type CliCommand } from '../command.ts';
import { withStation } from '../session.ts';

export const serveCommand: CliCommand = {
  path: ['serve'],
  summary: 'the counter UI and its API for a browser on 127.0.0.1 (prints the link with this run\'s token)',
  usage: 'station serve [--port N] [--idle-lock SECONDS] [--json]',
  options: { port: { type: 'string' }, 'idle-lock': { type: 'string' } },
  async run(input, io) {
    const portText = stringOpt(input, 'port') ?? '0';
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) throw new StationError('BAD_INPUT', `--port must be 0–65535, got "${portText}"`);
    const idleText = stringOpt(input, 'idle-lock') ?? '300';
    if (!/^[0-9]{1,6}$/.test(idleText) || Number(idleText) < 10) throw new StationError('BAD_INPUT', `--idle-lock is seconds (at least 10), got "${idleText}"`);
    await ensureRendererBuilt((line) => io.stderr(`${line}\n`));
    const lab = await trainingLabWithoutPcsc(io.env);
    // The lab panel (L on the home screen) drives these readers too; the ¥50.00 card is on the first.
    const labSlots = lab === null ? null : new LabSlots(lab.readerNames);
    labSlots?.set(0, 'custom', null);
    return withStation(io, async (station) => {
      const server = await startUiServer({
        station, access: lab?.access ?? station.cards as PcscCardAccess, staticDir: RENDERER_DIST, port: Number(portText), idleLockMs: Number(idleText) * 1000, env: io.env,
        ...(lab !== null && labSlots !== null ? { lab: { backend: lab.backend, slots: labSlots } } : {}),
      });
      try {
        await lab?.placeCard();
        io.stdout(input.json
          ? `${JSON.stringify({ event: 'ready', url: server.url, port: server.port, mode: station.config.mode, customerUrl: server.customerUrl, lab: lab === null ? null : { readers: lab.readerNames, reason: lab.reason } })}\n`
          : `Counter UI (${station.config.mode === 'training' ? 'training mode' : 'live'}): ${server.url}\nOpen that link in a browser on this machine (Ctrl-C stops the station).\nCustomer display (read-only, for a second screen): ${server.customerUrl}\n` +
            (lab === null ? '' : `Card readers: in-process training readers (${lab.reason}): ${lab.readerNames.join(', ')}; a CPU card with ¥50.00 on the first.\n`));
        await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
        return 0;
      } finally {
        await server.close();
      }
    }, lab?.access);
  },
};
