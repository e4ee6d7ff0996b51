/**
 * What a cashier types is yuan ("50", "50.5", "0.05"); the station keeps integer fen. This is
 * the one place typed yuan become fen: string arithmetic only, never a float.
 */
export function parseYuanInput(text: string): number | null {
  const m = /^\s*([0-9]{1,9})(?:\.([0-9]{0,2}))?\s*$/.exec(text);
  if (!m) return null;
  const fenPart = (m[2] ?? '').padEnd(2, '0');
  return Number(m[1]) * 100 + Number(fenPart);
}
