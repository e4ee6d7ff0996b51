/** Every `station` subcommand, in the order `station help` lists them. */
import type { CliCommand } from '../command.ts';
import { initCommand } from './init.ts';
import { fareCommand } from './fare.ts';

export const commands: CliCommand[] = [
  initCommand,
  fareCommand,
];
