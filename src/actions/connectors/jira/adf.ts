/**
 * Plain text → Atlassian Document Format, which Jira v3 requires for descriptions and comment
 * bodies (a plain string is a 400). One paragraph per blank-line-separated block, hard breaks
 * for single newlines.
 */
export interface AdfDoc {
  readonly type: 'doc';
  readonly version: 1;
  readonly content: readonly unknown[];
}

export function toAdf(text: string): AdfDoc {
  const paragraphs = text.split(/\n\s*\n/).filter((p) => p.trim() !== '');
  return {
    type: 'doc',
    version: 1,
    content: (paragraphs.length ? paragraphs : ['']).map((p) => ({
      type: 'paragraph',
      content: p
        .split('\n')
        .flatMap((line, i) => [
          ...(i > 0 ? [{ type: 'hardBreak' }] : []),
          ...(line ? [{ type: 'text', text: line }] : []),
        ]),
    })),
  };
}

/** The text of an ADF document (to find Cordon's reference in an existing comment). */
export function adfText(node: unknown): string {
  if (typeof node !== 'object' || node === null) return '';
  const n = node as { text?: unknown; content?: unknown };
  const own = typeof n.text === 'string' ? n.text : '';
  const kids = Array.isArray(n.content) ? n.content.map(adfText).join(' ') : '';
  return `${own} ${kids}`;
}
