import { cefKind } from '../cef/cef-kind.js';
import { leefKind } from '../leef/leef-kind.js';
import type { AnySourceKind } from '../source-kind.js';
import { syslogKind } from '../syslog/syslog-kind.js';

/** Source kinds of this category, in the order `cordon parse --list` shows them. */
export const LINE_KINDS: readonly AnySourceKind[] = [cefKind, leefKind, syslogKind];
