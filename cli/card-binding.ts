/**
 * `--card` / `--new-card` on the card-changing commands (core/card-binding.ts): when given, the
 * command refuses any other card in the field with CARD_CHANGED before it changes anything.
 * A CPU card is named by its ASN (16 hex digits), an M1 card by its UID (8 or 14 hex digits).
 */
import { BadInputError } from '../common/errors.ts';
import type { ConfirmedCard } from '../core/card-binding.ts';
import { stringOpt, type CommandInput, type OptionSpec } from './command.ts';

export const CARD_BINDING_OPTIONS = { card: { type: 'string' }, 'new-card': { type: 'string' } } satisfies OptionSpec;

/** The card `--NAME` binds the command to (on `reader` when it is named), or undefined. */
export function cliBinding(input: CommandInput, name: 'card' | 'new-card', reader: string | undefined): ConfirmedCard | undefined {
  const text = stringOpt(input, name);
  if (text === undefined) return undefined;
  const id = text.replace(/\s/g, '').toUpperCase();
  const at = reader === undefined ? {} : { reader };
  if (/^[0-9A-F]{16}$/.test(id)) return { ...at, asn: id };
  if (/^[0-9A-F]{8}([0-9A-F]{6})?$/.test(id)) return { ...at, uid: id };
  throw new BadInputError(`--${name} must be the card's number: 16 hex digits (ASN of a CPU card) or 8/14 hex digits (UID of an M1 card), got "${text}"`,
    'Read it with station card read');
}
