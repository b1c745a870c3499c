/**
 * The syslog network listener: UDP and TCP receivers that frame messages (RFC 5426 / 6587)
 * and hand batches to a `deliver` callback, normally ingest through the `syslog` source kind.
 */
export { SyslogListener } from './syslog-listener.js';
export type { ListenerLogger, SyslogListenerOptions } from './syslog-listener.js';
export { StreamFramer } from './stream-framer.js';
export { toOctetCountedBody } from './octet-body.js';
export type { FramerOutput, FramingMode } from './stream-framer.js';
export type { Deliver } from './batcher.js';
