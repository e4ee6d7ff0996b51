/**
 * What a `station` error may echo of its input (docs/SECURITY.md §9 "Hostile input at the CLI").
 * Messages quote the option or value that was wrong, and argv is whatever the caller typed or
 * a script passed: 100 KB arguments, escape sequences that would repaint or retitle the
 * operator's terminal, NULs, lone surrogates. So the message is made printable (control
 * characters and lone surrogates shown as \u escapes, line breaks kept) and bounded.
 */

/** Longest message or hint printed; the station's own texts are far shorter. */
export const MAX_ECHO_CHARS = 400;

// eslint-disable-next-line no-control-regex -- the control characters are exactly what is escaped
const UNPRINTABLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` made safe for a terminal and cut to `max` characters (saying how much was left out). */
export function forTerminal(text: string, max = MAX_ECHO_CHARS): string {
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
  return cut.replace(UNPRINTABLE, escape);
}
