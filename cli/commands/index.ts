/** Every `station` subcommand, in the order `station help` lists them. */
import type { CliCommand } from '../command.ts';
import { initCommand } from './init.ts';

export const commands: CliCommand[] = [
  initCommand,
];
