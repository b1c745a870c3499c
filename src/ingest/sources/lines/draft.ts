import type { NormalisedEvent } from '../../canonical-event.js';
import type { SyslogMessage } from '../syslog/syslog-message.js';

/** An event before its time is settled (undefined = the message carried none). */
export type DraftEvent = Omit<NormalisedEvent, 'time' | 'raw'> & { time: number | undefined };

export interface LineEnvelope {
  /** The syslog header the message rode in, if any. */
  readonly syslog: SyslogMessage | undefined;
  /** The whole message as received (raw, and the dedupe key). */
  readonly line: string;
}
