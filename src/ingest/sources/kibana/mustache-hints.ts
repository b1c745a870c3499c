import type { Location } from '../../normalizers/findings.js';

/**
 * Kibana renders the webhook body from a Mustache template (ingest-formats §2.1): `{{var}}`
 * JSON-string-escapes, `{{{var}}}` does not, objects need `.asJSON`. When the rendered body is
 * not JSON, the likely template mistake is named beside the syntax error.
 */
export function reportMustacheCause(text: string, at: Location): void {
  const causes: string[] = [];
  if (/:\s*[[{]+\s*\\"/.test(text))
    causes.push(
      'an object or array arrived JSON-string-escaped (\\" outside a string): it was rendered with {{var}}; use {{{var.asJSON}}} (triple braces) outside quotes',
    );
  if (/:\s*(?=[,}\]])/.test(text) || /:\s*$/.test(text))
    causes.push(
      'a value is empty: a bare {{var}} outside quotes rendered nothing (the variable is not set for this rule or frequency); quote it ("{{var}}") or use one that is always set',
    );
  if (text.split('\n').some(hasUnescapedQuote))
    causes.push(
      'a string seems to hold an unescaped quote: {{{var}}} inside quotes does not escape; use {{var}} inside JSON strings',
    );
  if (/\[object Object\]/.test(text))
    causes.push(
      '"[object Object]" was rendered: reference objects with .asJSON ({{{context.alerts.asJSON}}})',
    );
  const found = causes.length > 0 ? `Likely cause: ${causes.join('; ')}. ` : '';
  at.error(
    `${found}If this body comes from a Kibana webhook action template: use {{var}} inside JSON strings, ` +
      '{{{var.asJSON}}} (triple braces) outside them for objects and arrays, and check it with the connector\'s "Test" tab.',
  );
}

/** A string value still holding `{{…}}`: the template was sent as is, not rendered by Kibana. */
export function reportUnrendered(value: unknown, at: Location): boolean {
  if (typeof value !== 'string') return false;
  const tag = /\{\{\{?[^}]*\}?\}\}/.exec(value)?.[0];
  if (tag === undefined) return false;
  at.error(
    `still holds the Mustache tag ${JSON.stringify(tag)}: the body was not rendered by a Kibana rule action. ` +
      'Post it from the rule (or the connector\'s "Test" tab with real values), not the template text.',
  );
  return true;
}

/** `"key": "a "quoted" word",` on one line: a string value with a bare `"` inside. */
function hasUnescapedQuote(line: string): boolean {
  const value = /^\s*"[^"\\]*"\s*:\s*"(.*)"\s*,?\s*$/.exec(line)?.[1];
  return value !== undefined && /(^|[^\\])"/.test(value);
}
