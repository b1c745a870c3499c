import { alertmanagerNormaliser } from './alertmanager.js';
import { genericNormaliser } from './generic.js';
import { splunkWebhookNormaliser } from './splunk-webhook.js';
import type { Normaliser } from './types.js';

/** Wire formats a source connector can declare; the ingest route looks its normaliser up here. */
export const NORMALISER_FORMATS = ['generic', 'alertmanager', 'splunk-webhook'] as const;
export type NormaliserFormat = (typeof NORMALISER_FORMATS)[number];

const NORMALISERS: ReadonlyMap<string, Normaliser> = new Map<NormaliserFormat, Normaliser>([
  ['generic', genericNormaliser],
  ['alertmanager', alertmanagerNormaliser],
  ['splunk-webhook', splunkWebhookNormaliser],
]);

/** The normaliser for a format name, or undefined for an unknown one (a config error upstream). */
export function getNormaliser(format: string): Normaliser | undefined {
  return NORMALISERS.get(format);
}

export { alertmanagerNormaliser, genericNormaliser, splunkWebhookNormaliser };
export { MAX_ERRORS } from './findings.js';
export { TIME_CLAMPED_LABEL } from './time-clamp.js';
export { FUTURE_SKEW_MS, MAX_EVENT_TIME, MIN_EVENT_TIME } from './time.js';
export type { FieldError, NormaliseContext, NormaliseResult, Normaliser } from './types.js';
