/**
 * Numbers in events may arrive as text (`"150"` from a CSV export or a label). Sigma compares
 * them numerically, so text counts as a number when, trimmed, it is plainly one: optional sign,
 * decimal digits, optional fraction and exponent. Hex, blanks and `Infinity` are not numbers.
 */
export function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}
