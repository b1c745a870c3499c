import { Findings } from '../../normalizers/findings.js';
import { parseJsonBody } from '../../normalizers/parse-json-body.js';
import type { NormaliseResult } from '../../normalizers/types.js';
import type { SourceKind } from '../source-kind.js';
import { readAlertDocument } from './alert-document.js';
import { findDocuments } from './documents.js';

export { readAlertDocument } from './alert-document.js';
export type { RuleContext } from './alert-document.js';
export { findDocuments, fromItem } from './documents.js';
export type { FoundDocument } from './documents.js';

/**
 * Elastic Security alert documents (ingest-formats §2.2), as exported or forwarded: one
 * document, an array of them, or a search response. Dotted and nested field spellings are
 * both read (conflicts reported) and 7.x `signal.*` names are accepted. Each document of a
 * list is a batch item.
 */
export const elasticAlertKind: SourceKind<undefined> = {
  type: 'elastic-alert',
  title: 'Elastic Security alert documents (document, array or search response)',
  category: 'siem',
  contentTypes: ['application/json'],
  auth: ['basic', 'bearer', 'header'],
  normalise(request, ctx): NormaliseResult {
    const findings = new Findings();
    const root = findings.root();
    const parsed = parseJsonBody(request.body, root, {
      maxDepth: ctx.maxDepth,
      expected: 'an Elastic Security alert document, an array of them or a search response',
    });
    if (!parsed.ok) return findings.result([]);
    const documents = findDocuments(parsed.value, root);
    for (const found of documents ?? []) {
      const event = readAlertDocument(found, ctx);
      if (event !== undefined) findings.emit(event, found.itemAt);
    }
    return findings.batch();
  },
};
