/**
 * `station fare [FILE] [--explain]` — FARES.md's calculator: the input JSON on stdin (or FILE,
 * "-" = stdin), the result JSON on stdout: {"rides":[{"charged","transfer"}],"total"}; with
 * --explain (or "explain": true in the input) also "explain": one explanation per ride.
 * Invalid input exits 1 with the message on stderr (and {"error": …} on stdout under --json).
 */
import { readFile } from 'node:fs/promises';
import { BadInputError } from '../../common/errors.ts';
import { parseFareInput, priceFares } from '../../core/fares/index.ts';
import type { CliCommand } from '../command.ts';

export const fareCommand: CliCommand = {
  path: ['fare'],
  summary: 'price rides by the fare rules (FARES.md JSON on stdin or FILE)',
  usage: 'station fare [FILE] [--explain] [--json]\n  FILE: FARES.md input JSON (default: standard input; "-" = standard input)',
  options: { explain: { type: 'boolean' } },
  allowPositionals: true,
  async run(input, io) {
    if (input.positionals.length > 1) throw new BadInputError(`station fare takes at most one FILE, got ${input.positionals.length}`);
    const file = input.positionals[0];
    let text: string;
    if (file === undefined || file === '-') {
      text = await io.readStdin();
    } else {
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new BadInputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    if (text.trim() === '') throw new BadInputError(`no fare input: ${file === undefined || file === '-' ? 'standard input' : file} is empty`, 'Give FARES.md JSON: {"city", "card", "rides"}');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new BadInputError(`fare input is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = parseFareInput(raw);
    const result = priceFares(parsed, parsed.explain || input.values.explain === true);
    io.stdout(`${JSON.stringify(result)}\n`);
    return 0;
  },
};
