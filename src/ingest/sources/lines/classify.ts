import type { EventKind, Outcome, Severity } from '../../canonical-event.js';
import { DEFAULT_ALERT_SEVERITY } from '../../normalizers/severity.js';
import type { LineOptions } from './options.js';

const LOGIN = /\b(?:auth\w*|log[io]n|logon|sign-?in|sso|credential\w*|password|mfa)\b|^auth/i;
const DRIFT = /drift/i;

/**
 * The event kind of a CEF/LEEF message: the connector's `kind` option, else its category
 * (`cat`, or the event class id when there is none): login-ish → login, drift → drift,
 * anything else an alert (what a SIEM forwards is mostly detections).
 */
export function inferKind(options: LineOptions, ...hints: (string | undefined)[]): EventKind {
  if (options.kind !== 'auto') return options.kind;
  for (const hint of hints) {
    if (hint === undefined || hint === '') continue;
    const words = hint.replace(/[._:/-]/g, ' ');
    if (LOGIN.test(words)) return 'login';
    if (DRIFT.test(words)) return 'drift';
  }
  return 'alert';
}

/** CEF 0–10 and LEEF 1–10 by the Elastic banding (ingest-formats §0.5). */
export function severityFromScale(level: number): Severity {
  if (level <= 3) return 'low';
  if (level <= 6) return 'medium';
  if (level <= 8) return 'high';
  return 'critical';
}

const CEF_WORDS: ReadonlyMap<string, Severity> = new Map<string, Severity>([
  ['unknown', DEFAULT_ALERT_SEVERITY],
  ['low', 'low'],
  ['medium', 'medium'],
  ['high', 'high'],
  ['very-high', 'critical'],
  ['very high', 'critical'],
  ['veryhigh', 'critical'],
]);

/** CEF severity: an integer 0–10 or one of its words; undefined = not one of those. */
export function cefSeverity(text: string): Severity | undefined {
  const trimmed = text.trim();
  if (/^\d{1,2}$/.test(trimmed)) {
    const level = Number(trimmed);
    return level <= 10 ? severityFromScale(level) : undefined;
  }
  return CEF_WORDS.get(trimmed.toLowerCase());
}

/** Syslog 0 (emergency) … 7 (debug): inverted onto ours (§0.5). */
export function syslogSeverity(level: number | undefined): Severity {
  if (level === undefined) return 'info';
  if (level <= 2) return 'critical';
  if (level === 3) return 'high';
  if (level === 4) return 'medium';
  if (level === 5) return 'low';
  return 'info';
}

const SUCCESS =
  /^(?:success(?:ful)?|succeeded|ok|allow(?:ed)?|accept(?:ed)?|pass(?:ed)?|permit(?:ted)?)$/i;
const FAILURE =
  /^(?:fail(?:ure|ed)?|denied|deny|block(?:ed)?|reject(?:ed)?|drop(?:ped)?|error|invalid|unauthori[sz]ed|forbidden)$/i;

export function outcomeFromWord(word: string | undefined): Outcome {
  if (word === undefined) return 'unknown';
  const text = word.trim().replace(/^\/+/, '');
  if (SUCCESS.test(text)) return 'success';
  if (FAILURE.test(text)) return 'failure';
  return 'unknown';
}
