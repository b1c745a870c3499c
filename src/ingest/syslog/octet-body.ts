/**
 * Turns a batch of received messages into one body for the `syslog` source kind. Octet
 * counting, not newlines: a message may itself hold a line feed (octet-counted TCP senders,
 * multi-line stack traces), and the kind reads a body starting `LEN <` as octet-counted.
 */
export function toOctetCountedBody(messages: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const message of messages) parts.push(Buffer.from(`${message.length} `), message);
  return Buffer.concat(parts);
}
