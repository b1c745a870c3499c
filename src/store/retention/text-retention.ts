import type { EventLog } from '../event-log.js';
import type { RecordSweep, RoundResult, SweepContext } from './record-sweep.js';

export interface TextRetentionPolicy {
  /** Prompt/response text is removed this long after its event was accepted; 0 = with its event. */
  readonly ms: number;
}

/**
 * Prompt and response text of logged events (with the raw item, which carries the same text):
 * removed `ms` after the event was accepted, the event itself staying in the log until its own
 * retention, never before every correlator has read past it; and always once the event has
 * left the log. Texts are few bytes of bookkeeping
 * each, so a round removes ten batches' worth, as the dedupe memory does.
 */
export class TextRetention implements RecordSweep {
  readonly record = 'event_text';

  constructor(
    private readonly log: EventLog,
    private readonly policy: TextRetentionPolicy,
  ) {}

  async round(now: number, batch: number, context: SweepContext): Promise<RoundResult> {
    const limit = batch * 10;
    // Sources with their own `keep.text_ms` keep their texts in a list per period, each swept
    // with its own horizon; a period no connector names any more is still swept, by its own
    // length, so nothing once listed outlives it. The rest follow CORDON_RETENTION_TEXT_MS.
    const periods: (number | undefined)[] = [undefined, ...(await this.log.textPeriods())];
    let removed = 0;
    let more = false;
    for (const period of periods) {
      const ms = period ?? this.policy.ms;
      const horizon = ms > 0 ? now - ms : -1;
      // Rules may read the text: a correlator behind (or restoring an old checkpoint) must
      // still find it on the events it has yet to read, as the log is not trimmed under it.
      const n = await this.log.forgetText(horizon, limit, context.keepFrom, period);
      removed += n;
      if (n >= limit) more = true;
    }
    return { removed: { event_text: removed }, more };
  }
}
