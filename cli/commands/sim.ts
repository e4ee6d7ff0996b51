import readline from 'node:readline';
import { BadInputError } from '../../common/errors.ts';
import { PrivateLabBackend, runSimLine, SIM_HELP, VpcdBackend, type SimBackend } from '../../core/lab/sim-session.ts';
import { stringOpt, type CliCommand } from '../command.ts';

export const simCommand: CliCommand = {
  path: ['sim'],
  summary: 'training lab: serve emulated cards to vpcd readers (insert, remove, faults)',
  usage: [
    'station sim [--lab] [--port 35963] [--slots 2] [--card "SLOT SPEC"]... [--json]',
    '  --lab    start a private pcscd + vpcd (root; prints the PCSCLITE_CSOCK_NAME to use)',
    '  default  serve the vpcd readers of the running pcscd (Debian vsmartcard-vpcd: 127.0.0.1:35963)',
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
    say({ event: 'ready', readers: backend.readerNames, socket },
      `station sim: ${backend.description}\n  readers: ${backend.readerNames.join(', ')}` +
      (socket ? `\n  in another terminal:  export PCSCLITE_CSOCK_NAME=${socket}` : '') + '\n  type help for commands');
    try {
      for (const spec of (input.values.card as string[] | undefined) ?? []) {
        const r = await runSimLine(backend, `insert ${spec}`);
        say({ event: 'reply', ok: r.ok, message: r.message }, r.ok ? r.message : `error: ${r.message}`);
      }
      const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
      const stopped = new Promise<void>((resolve) => {
        io.signal.addEventListener('abort', () => resolve(), { once: true });
        rl.on('line', (line) => {
          void runSimLine(backend, line).then((r) => {
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
      await backend.stop();
    }
  },
};
