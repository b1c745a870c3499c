import { alertmanagerNormaliser } from '../../normalizers/alertmanager.js';
import { genericNormaliser } from '../../normalizers/generic.js';
import { splunkWebhookNormaliser } from '../../normalizers/splunk-webhook.js';
import type { Normaliser } from '../../normalizers/types.js';
import type {
  AnySourceKind,
  SenderAuthScheme,
  SourceCategory,
  SourceKind,
} from '../source-kind.js';

/** A body-only normaliser (no headers, no options) as a source kind. */
function fromNormaliser(
  normaliser: Normaliser,
  meta: {
    title: string;
    category: SourceCategory;
    auth: readonly SenderAuthScheme[];
    offload?: SourceKind<undefined>['offload'];
  },
): SourceKind<undefined> {
  return {
    type: normaliser.format,
    ...meta,
    contentTypes: normaliser.contentTypes,
    normalise: (request, ctx) => normaliser.normalise(request.body, ctx),
  };
}

export const BUILTIN_KINDS: readonly AnySourceKind[] = [
  fromNormaliser(genericNormaliser, {
    title: "Cordon's canonical events (JSON, array or NDJSON; Cordon's own export included)",
    category: 'canonical',
    auth: ['bearer', 'basic', 'hmac'],
    // Stateless: a big NDJSON batch may be read on an ingest worker thread.
    offload: {},
  }),
  fromNormaliser(alertmanagerNormaliser, {
    title: 'Prometheus Alertmanager webhook (version 4)',
    category: 'siem',
    auth: ['bearer', 'basic'],
  }),
  fromNormaliser(splunkWebhookNormaliser, {
    title: 'Splunk webhook alert action',
    category: 'siem',
    auth: ['bearer', 'none'],
  }),
];
