/**
 * Where `station lost` / `station replace` take the holder's ID number from. A value on the
 * command line is visible to every local user (ps, /proc/<pid>/cmdline) and lands in shell
 * history, so the private ways come first:
 *   1. STATION_ID_NUMBER in the environment (like STATION_PIN);
 *   2. --id-number-stdin: the first line of standard input (a prompt, a pipe or a here-string);
 *   3. --id-number ID: still accepted for old scripts, with a warning on stderr.
 */
import { BadInputError } from '../common/errors.ts';
import { stringOpt, type CliIO, type CommandInput, type OptionSpec } from './command.ts';

export const ID_NUMBER_OPTIONS: OptionSpec = { 'id-number': { type: 'string' }, 'id-number-stdin': { type: 'boolean' } };

export const ID_NUMBER_USAGE = '  The ID number: STATION_ID_NUMBER in the environment, or --id-number-stdin (first line of stdin);\n'
  + '  --id-number ID also works but shows the number to every user of the PC (ps), so it warns.\n';

export async function idNumberInput(input: CommandInput, io: CliIO): Promise<string | undefined> {
  const fromArgv = stringOpt(input, 'id-number');
  const fromEnv = io.env.STATION_ID_NUMBER;
  const fromStdin = input.values['id-number-stdin'] === true;
  const given = [fromArgv !== undefined, fromEnv !== undefined && fromEnv !== '', fromStdin].filter(Boolean).length;
  if (given > 1) {
    throw new BadInputError('The ID number was given more than one way (--id-number, --id-number-stdin, STATION_ID_NUMBER)', 'Give it once, preferably in STATION_ID_NUMBER');
  }
  if (fromStdin) {
    const line = (await io.readStdin()).split(/\r?\n/, 1)[0]?.trim() ?? '';
    if (line === '') throw new BadInputError('--id-number-stdin: standard input has no ID number', 'Type or pipe the ID number on the first line');
    return line;
  }
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv.trim();
  if (fromArgv !== undefined) {
    io.stderr('warning: --id-number puts the ID number on the command line, where other users of this PC can see it (ps); use STATION_ID_NUMBER or --id-number-stdin\n');
  }
  return fromArgv;
}
