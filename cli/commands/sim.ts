import path from 'node:path';
import readline from 'node:readline';
import { BadInputError } from '../../common/errors.ts';
import { defaultStationHome } from '../../core/config.ts';
import { cardIdOf, LabSlots, serveLabControl } from '../../core/lab/lab-control.ts';
import { isTrainingHome, removeLabRecord, writeLabRecord } from '../../core/lab/lab-registry.ts';
import { PrivateLabBackend, runSimLine, SIM_HELP, VpcdBackend, type SimBackend, type SimReply } from '../../core/lab/sim-session.ts';
import { stringOpt, type CliCommand } from '../command.ts';

export const simCommand: CliCommand = {
  path: ['sim'],
  summary: 'training lab: serve emulated cards to vpcd readers (insert, remove, faults)',
  usage: [
    'station sim [--lab] [--port 35963] [--slots 2] [--card "SLOT SPEC"]... [--json]',
    '  --lab    start a private pcscd + vpcd (root). On a training station (STATION_HOME) it is',
    '           registered in STATION_HOME/lab.json: station commands in other terminals and the',
    '           counter\'s lab panel (L on the home screen) find it by themselves',
    '  default  serve the vpcd readers of the running pcscd (Debian vsmartcard-vpcd: 127.0.0.1:35963)',
    'A stock card for a sale: insert 0 cpu enabled=false',
    'Then type commands (or pipe them in); it serves until quit or Ctrl-C:',
    SIM_HELP,
  ].join('\n'),
  options: { lab: { type: 'boolean' }, port: { type: 'string' }, slots: { type: 'string' }, card: { type: 'string', multiple: true } },
  async run(input, io) {
    const slots = Number(stringOpt(input, 'slots') ?? '2');
    if (slots !== 1 && slots !== 2) throw new BadInputError('--slots must be 1 or 2');
    const port = Number(stringOpt(input, 'port') ?? '35963');
    if (!Number.isInteger(port) || port < 1 || port > 65534) throw new BadInputError('--port must be a TCP port');
    const backend: SimBackend = input.values.lab === true ? await PrivateLabBackend.start(slots) : new VpcdBackend({ port, slots });
    const say = (obj: Record<string, unknown>, human: string) => io.stdout(input.json ? `${JSON.stringify(obj)}\n` : `${human}\n`);
    const socket = backend instanceof PrivateLabBackend ? backend.socketPath : null;
    const placed = new LabSlots(backend.readerNames);
    // What is on each slot, for the lab panel: cards from the command line are 'custom'.
    const note = (line: string, r: SimReply) => {
      const [cmd, slotWord] = line.trim().split(/\s+/);
      if (!r.ok) return;
      if (cmd === 'insert' || cmd === 'load') placed.set(Number(slotWord), 'custom', cardIdOf(r.data));
      if (cmd === 'remove') placed.set(Number(slotWord), null, null);
    };
    // A private lab of a training station registers itself in the station's home (core/lab/lab-registry.ts).
    const home = defaultStationHome(io.env);
    const registered = backend instanceof PrivateLabBackend && isTrainingHome(home);
    const control = registered ? await serveLabControl(path.join(backend.dir, 'control.sock'), backend, placed) : null;
    try {
      if (registered) writeLabRecord(home, { pid: process.pid, socket: socket!, control: path.join(backend.dir, 'control.sock'), readers: backend.readerNames });
      say({ event: 'ready', readers: backend.readerNames, socket, home: registered ? home : null },
        `station sim: ${backend.description}\n  readers: ${backend.readerNames.join(', ')}` +
        (registered ? `\n  registered in ${home}: station commands there find this lab by themselves` : '') +
        (socket ? `\n  other station homes:  export PCSCLITE_CSOCK_NAME=${socket}` : '') + '\n  type help for commands');
      for (const spec of (input.values.card as string[] | undefined) ?? []) {
        const r = await runSimLine(backend, `insert ${spec}`);
        note(`insert ${spec}`, r);
        say({ event: 'reply', ok: r.ok, message: r.message }, r.ok ? r.message : `error: ${r.message}`);
      }
      const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
      const stopped = new Promise<void>((resolve) => {
        io.signal.addEventListener('abort', () => resolve(), { once: true });
        rl.on('line', (line) => {
          void runSimLine(backend, line).then((r) => {
            note(line, r);
            if (r.message !== '') say({ event: 'reply', ok: r.ok, message: r.message, ...(r.data !== undefined ? { data: r.data } : {}) }, r.ok ? r.message : `error: ${r.message}`);
            if (r.quit) resolve();
          });
        });
        // End of piped input: keep serving the cards until a signal (scripts start it in the background).
      });
      await stopped;
      rl.close();
      return 0;
    } finally {
      if (registered) removeLabRecord(home);
      await control?.close();
      await backend.stop();
    }
  },
};
