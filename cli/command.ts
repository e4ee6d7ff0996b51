/**
 * The shape of a `station` subcommand. Each command lives in cli/commands/<name>.ts, declares
 * its options (node:util parseArgs), and returns an exit code. Output rules (PRODUCT.md):
 * with --json, stdout carries exactly one JSON document; failures exit non-zero with a clear
 * message on stderr (and {"error": {...}} on stdout under --json).
 */
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CliIO {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads all of standard input (for `station fare` and friends). */
  readStdin: () => Promise<string>;
  /** Aborted on SIGINT/SIGTERM, for long-running commands (sim, serve, sync). */
  signal: AbortSignal;
}

export interface CommandInput {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  json: boolean;
}

export interface CliCommand {
  /** Words after `station`, e.g. ['card', 'read']. */
  path: string[];
  summary: string;
  usage?: string;
  options?: OptionSpec;
  allowPositionals?: boolean;
  run(input: CommandInput, io: CliIO): Promise<number>;
}

/** Prints a result: JSON under --json, else the human text. */
export function emit(io: CliIO, json: boolean, value: unknown, human: string): void {
  io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : human.endsWith('\n') ? human : `${human}\n`);
}

export function stringOpt(input: CommandInput, name: string): string | undefined {
  const v = input.values[name];
  return typeof v === 'string' ? v : undefined;
}
