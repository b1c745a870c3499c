import { elasticAlertKind } from '../elastic-alert/index.js';
import { grafanaKind } from '../grafana/index.js';
import { kibanaKind } from '../kibana/index.js';
import { sentinelKind } from '../sentinel/index.js';
import type { AnySourceKind } from '../source-kind.js';
import { splunkHecKind } from '../splunk-hec/index.js';

/** Source kinds of this category, in the order `cordon parse --list` shows them. */
export const SIEM_KINDS: readonly AnySourceKind[] = [
  grafanaKind,
  elasticAlertKind,
  kibanaKind,
  sentinelKind,
  splunkHecKind,
];
