import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { MessageBatcher } from './batcher.js';
import type { Deliver } from './batcher.js';
import { StreamFramer } from './stream-framer.js';

/** The few logger methods the listener uses (pino's signature). */
export interface ListenerLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface SyslogListenerOptions {
  /** Address to bind (`0.0.0.0`, `::`, `127.0.0.1`). */
  readonly host: string;
  /** UDP port (0 = any free one); absent = no UDP. */
  readonly udpPort?: number;
  /** TCP port (0 = any free one); absent = no TCP. */
  readonly tcpPort?: number;
  /** Largest message accepted, in octets (default 64 KiB). */
  readonly maxFrameBytes?: number;
  /** A TCP connection silent this long is closed (default 5 minutes). */
  readonly idleTimeoutMs?: number;
  /** Concurrent TCP connections; more are refused (default 256). */
  readonly maxConnections?: number;
  /** Messages per delivery (default 500). */
  readonly batchSize?: number;
  /** Longest a message waits for its batch to fill (default 50 ms). */
  readonly batchDelayMs?: number;
  /** Hands a batch of one peer's messages to ingest (the `syslog` source kind). */
  readonly deliver: Deliver;
  readonly logger?: ListenerLogger;
}

const SILENT: ListenerLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** Batches in flight per connection before it is paused (backpressure on the sender). */
const MAX_IN_FLIGHT = 4;

/**
 * Receives syslog over UDP (one message per datagram) and TCP (octet-counted or LF-framed,
 * detected per connection) and delivers the messages in batches. Framing errors reset the
 * offending connection only; delivery errors are logged and never stop the listener.
 */
export class SyslogListener {
  readonly #o: Required<Omit<SyslogListenerOptions, 'udpPort' | 'tcpPort' | 'logger'>> &
    Pick<SyslogListenerOptions, 'udpPort' | 'tcpPort'>;
  readonly #log: ListenerLogger;
  readonly #batcher: MessageBatcher;
  readonly #connections = new Set<Socket>();
  #udp: UdpSocket | undefined;
  #tcp: Server | undefined;

  constructor(options: SyslogListenerOptions) {
    this.#o = {
      maxFrameBytes: 64 * 1024,
      idleTimeoutMs: 5 * 60_000,
      maxConnections: 256,
      batchSize: 500,
      batchDelayMs: 50,
      ...options,
    };
    this.#log = options.logger ?? SILENT;
    this.#batcher = new MessageBatcher(
      options.deliver,
      this.#o.batchSize,
      this.#o.batchDelayMs,
      (error, peer, count) =>
        this.#log.error({ err: error, peer, count }, 'syslog listener: delivering a batch failed'),
    );
  }

  /** Bound addresses (after `start`), e.g. to learn the ports picked for port 0. */
  addresses(): { udp?: AddressInfo; tcp?: AddressInfo } {
    const out: { udp?: AddressInfo; tcp?: AddressInfo } = {};
    if (this.#udp) out.udp = this.#udp.address();
    const tcp = this.#tcp?.address();
    if (tcp !== undefined && tcp !== null && typeof tcp !== 'string') out.tcp = tcp;
    return out;
  }

  async start(): Promise<{ udp?: AddressInfo; tcp?: AddressInfo }> {
    if (this.#o.udpPort === undefined && this.#o.tcpPort === undefined)
      throw new Error('The syslog listener needs a UDP port, a TCP port or both.');
    if (this.#o.udpPort !== undefined) await this.#startUdp(this.#o.udpPort);
    if (this.#o.tcpPort !== undefined) await this.#startTcp(this.#o.tcpPort);
    return this.addresses();
  }

  /** Stops accepting, closes connections, and delivers what was already received. */
  async stop(): Promise<void> {
    const udp = this.#udp;
    const tcp = this.#tcp;
    this.#udp = undefined;
    this.#tcp = undefined;
    for (const socket of this.#connections) socket.destroy();
    this.#connections.clear();
    await Promise.all([
      udp ? new Promise<void>((resolve) => udp.close(() => resolve())) : undefined,
      tcp ? new Promise<void>((resolve) => tcp.close(() => resolve())) : undefined,
    ]);
    await this.#batcher.drain();
  }

  async #startUdp(port: number): Promise<void> {
    const family = this.#o.host.includes(':') ? 'udp6' : 'udp4';
    const udp = createSocket({ type: family, reuseAddr: false });
    udp.on('message', (datagram: Buffer, remote: RemoteInfo) => this.#datagram(datagram, remote));
    udp.on('error', (error) =>
      this.#log.error({ err: error }, 'syslog listener: UDP socket error'),
    );
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, this.#o.host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    this.#udp = udp;
  }

  #datagram(datagram: Buffer, remote: RemoteInfo): void {
    const peer = `${remote.address}:${remote.port}`;
    if (datagram.length > this.#o.maxFrameBytes) {
      this.#log.warn(
        { peer, octets: datagram.length, max: this.#o.maxFrameBytes },
        'syslog listener: datagram above the maximum frame size dropped',
      );
      return;
    }
    let end = datagram.length;
    while (
      end > 0 &&
      (datagram[end - 1] === 0x0a || datagram[end - 1] === 0x0d || datagram[end - 1] === 0)
    )
      end -= 1;
    if (end > 0) this.#batcher.add(peer, [datagram.subarray(0, end)]);
  }

  async #startTcp(port: number): Promise<void> {
    const server = createServer((socket) => this.#connection(socket));
    server.maxConnections = this.#o.maxConnections;
    server.on('drop', (data) =>
      this.#log.warn(
        {
          peer: `${data?.remoteAddress ?? '?'}:${data?.remotePort ?? '?'}`,
          max: this.#o.maxConnections,
        },
        'syslog listener: connection refused, too many connections',
      ),
    );
    server.on('error', (error) =>
      this.#log.error({ err: error }, 'syslog listener: TCP server error'),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.#o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#tcp = server;
  }

  #connection(socket: Socket): void {
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const framer = new StreamFramer(this.#o.maxFrameBytes);
    this.#connections.add(socket);
    socket.setTimeout(this.#o.idleTimeoutMs);
    socket.on('timeout', () => {
      this.#log.info(
        { peer, idleMs: this.#o.idleTimeoutMs },
        'syslog listener: idle connection closed',
      );
      this.#finish(framer, peer);
      // Not end(): a peer that stopped talking may never answer our FIN either.
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      const out = framer.push(chunk);
      this.#batcher.add(peer, out.messages);
      if (out.error !== undefined) {
        this.#log.warn(
          { peer, framing: framer.mode, reason: out.error },
          'syslog listener: framing error, connection reset',
        );
        socket.resetAndDestroy();
        return;
      }
      if (this.#batcher.inFlight(peer) >= MAX_IN_FLIGHT) {
        socket.pause();
        void this.#batcher.settled(peer).then(() => socket.resume());
      }
    });
    socket.on('end', () => this.#finish(framer, peer));
    socket.on('error', (error) =>
      this.#log.warn({ peer, err: error }, 'syslog listener: connection error'),
    );
    socket.on('close', () => {
      this.#connections.delete(socket);
      this.#log.info(
        { peer, framing: framer.mode, messages: framer.count },
        'syslog listener: connection closed',
      );
    });
  }

  #finish(framer: StreamFramer, peer: string): void {
    const out = framer.end();
    this.#batcher.add(peer, out.messages);
    if (out.error !== undefined)
      this.#log.warn(
        { peer, framing: framer.mode, reason: out.error },
        'syslog listener: stream ended mid-frame',
      );
  }
}
