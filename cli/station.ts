/**
 * `station` — the headless face of the counter station (PRODUCT.md "The station command").
 * Dispatches to cli/commands/*. Every failure becomes a StationError with a code and a hint.
 */
import { parseArgs } from 'node:util';
import { toStationError } from '../common/errors.ts';
import type { CliCommand, CliIO } from './command.ts';
import { commands } from './commands/index.ts';
import { usePrivateUmask } from '../core/home-permissions.ts';
import { stopOnSignals } from './shutdown.ts';
import { forTerminal } from './terminal-text.ts';

function findCommand(argv: string[]): { command: CliCommand; rest: string[] } | null {
  let best: { command: CliCommand; rest: string[] } | null = null;
  for (const command of commands) {
    const n = command.path.length;
    if (argv.length >= n && command.path.every((w, i) => argv[i] === w)) {
      if (best === null || n > best.command.path.length) best = { command, rest: argv.slice(n) };
    }
  }
  return best;
}

export function helpText(): string {
  const lines = ['station — City Union counter station', '', 'Commands:'];
  for (const c of commands) lines.push(`  station ${c.path.join(' ').padEnd(18)} ${c.summary}`);
  lines.push('', 'Every command takes --json for machine-readable output. Data lives in STATION_HOME.');
  return lines.join('\n') + '\n';
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  // Everything the station writes is private to its user (docs/SECURITY.md "Secrets at rest").
  usePrivateUmask();
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    io.stdout(helpText());
    return 0;
  }
  const found = findCommand(argv);
  if (found === null) {
    io.stderr(`station: unknown command "${forTerminal(argv.join(' '), 80)}"\n\n${helpText()}`);
    return 2;
  }
  const { command, rest } = found;
  const json = rest.includes('--json');
  try {
    const parsed = parseArgs({
      args: rest,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...(command.options ?? {}) },
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
    if (parsed.values.help === true) {
      io.stdout(`station ${command.path.join(' ')} — ${command.summary}\n${command.usage ?? ''}\n`);
      return 0;
    }
    return await command.run({ values: parsed.values, positionals: parsed.positionals, json }, io);
  } catch (err) {
    const e = toStationError(err);
    // parseArgs errors are bad input, not internal faults; their next step is the command's help.
    const argsError = (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
    const code = argsError ? 'BAD_INPUT' : e.code;
    const hint = argsError ? `\`station ${command.path.join(' ')} --help\` lists its options` : e.hint;
    // The message may quote the input (an unknown option, a bad value): printable and bounded.
    const message = forTerminal(e.message);
    const out = { code, message, ...(hint ? { hint: forTerminal(hint) } : {}) };
    if (json) io.stdout(`${JSON.stringify({ error: out }, null, 2)}\n`);
    io.stderr(`station: ${message}${out.hint ? `\n  → ${out.hint}` : ''}\n`);
    return 1;
  }
}

/** The `station` process: arguments from argv, output to stdout/stderr, SIGINT/SIGTERM as in cli/shutdown.ts. */
export async function runProcess(): Promise<void> {
  const controller = new AbortController();
  stopOnSignals(controller);
  const io: CliIO = {
    env: process.env,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    signal: controller.signal,
  };
  try {
    process.exitCode = await main(process.argv.slice(2), io);
  } catch (err) {
    process.stderr.write(`station: ${forTerminal(String(err))}\n`);
    process.exitCode = 1;
  }
}

const isEntry = process.argv[1] !== undefined && import.meta.filename === process.argv[1];
if (isEntry) await runProcess();
