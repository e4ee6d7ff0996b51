/** Every `station` subcommand, in the order `station help` lists them. */
import type { CliCommand } from '../command.ts';

export const commands: CliCommand[] = [
];
