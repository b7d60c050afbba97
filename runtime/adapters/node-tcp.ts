/**
 * The TCP side of the Node adapter (`UdpNode`): it carries the engine's byte streams (relay
 * connections, runtime/tcp/streams.ts) over real `node:net` sockets. The engine asks
 * (`StreamOp`: open, write, close, drained by `UdpNode.pump`) and this class reports back
 * (`handleStreamOpened`, `handleStreamData`, `handleStreamClosed`, `acceptStream`); after every
 * report the node pumps as it does after a datagram.
 *
 * What a hostile network or a careless peer cannot do here:
 * - make us connect off loopback: an open is policed like a UDP send (loopback only unless the
 *   public network was asked for, no port 0, only the families the node reaches); a refused open
 *   is reported closed, asynchronously as a failed connect is, and counted
 *   `tx.refused_tcp_<reason>`;
 * - grow our memory by not reading: a socket whose unsent bytes pass MAX_STREAM_BUFFER_BYTES is
 *   destroyed and reported closed (`tcp.write_overflow`). c-toxcore bounds the same thing with
 *   its priority queue and drops the connection when it cannot send (TCP_common.c
 *   write_packet_tcp_secure_connection, TCP_server.c / TCP_client.c kill on send failure);
 * - make us report a stream twice: each stream is reported closed exactly once, and never after
 *   the engine closed it itself (`StreamOp` close: nothing more is reported for it).
 *
 * The server socket (`tcpPort`) listens on the node's bind address, 127.0.0.1 by default, as the
 * UDP socket (c-toxcore's TCP server binds every address, TCP_server.c new_TCP_server; toxstate
 * keeps its loopback default). Every connection is offered to the engine (`acceptStream`), and
 * destroyed at once when the engine refuses it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Bytes } from '../../protocol/bytes.js';
import { isLoopback, makeIpPort, unmapIpv4, type IpFamily, type IpPort } from '../../protocol/ip-port.js';
import type { StreamOp, ToxEngine } from '../tox-engine.js';

/** Unsent bytes one stream may hold before it is cut (a relay that does not read). */
export const MAX_STREAM_BUFFER_BYTES = 1024 * 1024;

/** What the TCP side needs of its node. */
export interface TcpHost {
  readonly engine: ToxEngine;
  readonly clock: () => number;
  readonly allowPublic: boolean;
  /** The families the node reaches (its UDP socket's, or its bind address's without UDP). */
  readonly families: readonly IpFamily[];
  /** Whether the node is closing or closed (nothing more is reported to the engine). */
  isClosed(): boolean;
  /** Runs an engine input; an exception is counted and reported, never thrown. */
  input(fn: () => void): void;
  /** Moves the engine's outputs and re-arms the timer (after every input). */
  pump(): void;
}

export class NodeTcp {
  private readonly sockets = new Map<number, Socket>();
  private server: Server | null = null;
  /** The bound TCP server address, null when not serving. */
  serverAddress: IpPort | null = null;
  /** Bytes allowed to wait unsent in one socket. */
  readonly bufferCap: number;

  constructor(
    private readonly host: TcpHost,
    opts: { readonly bufferCap?: number } = {},
  ) {
    this.bufferCap = opts.bufferCap ?? MAX_STREAM_BUFFER_BYTES;
  }

  /** Streams with a live socket. */
  get size(): number {
    return this.sockets.size;
  }

  /** Listens on `bind`:`port` (0: any free port). A bind error rejects with a clear message. */
  async listen(bind: string, port: number): Promise<IpPort> {
    const server = createServer({ allowHalfOpen: false, noDelay: true });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // ipv6Only false: bound to `::` it accepts IPv4 too, as the UDP socket does.
        server.listen({ host: bind, port, exclusive: true, ipv6Only: false }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      server.close();
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new Error(`cannot listen on ${bind}:${port} (TCP): the port is in use`);
      if (code === 'EADDRNOTAVAIL') throw new Error(`cannot listen on ${bind} (TCP): not an address of this machine`);
      throw new Error(`cannot listen on ${bind}:${port} (TCP): ${(e as Error).message}`);
    }
    server.on('error', () => this.host.engine.counters.inc('tcp.server_error'));
    server.on('connection', (socket) => this.accepted(socket));
    const a = server.address();
    const address = typeof a === 'object' && a !== null ? makeIpPort(a.address, a.port) : null;
    if (address === null || !address.ok) {
      server.close();
      throw new Error(`TCP server bound to an address toxstate cannot represent: ${JSON.stringify(a)}`);
    }
    this.server = server;
    this.serverAddress = address.value;
    return address.value;
  }

  /** Executes the engine's stream ops, in order. */
  execute(ops: readonly StreamOp[]): void {
    for (const op of ops) {
      if (op.op === 'open') this.open(op.id, op.to);
      else if (op.op === 'write') this.write(op.id, op.data);
      else this.forget(op.id)?.destroy();
    }
  }

  private open(id: number, to: IpPort): void {
    const refused = this.refusal(to);
    if (refused !== null) {
      this.host.engine.counters.inc(`tx.refused_tcp_${refused}`);
      // Reported as a failed connect is: later, never inside the pump that asked.
      setImmediate(() => this.report(id, 'closed'));
      return;
    }
    const dest = unmapIpv4(to);
    const socket = connect({ host: dest.ip, port: dest.port, noDelay: true, allowHalfOpen: false });
    this.sockets.set(id, socket);
    this.host.engine.counters.inc('tcp.connect');
    socket.once('connect', () => {
      if (this.sockets.get(id) === socket) this.report(id, 'opened');
    });
    this.wire(id, socket);
  }

  /** Why an open to `to` must not be made (a counter suffix), or null. Same rule as a UDP send. */
  private refusal(to: IpPort): string | null {
    const dest = unmapIpv4(to);
    if (!this.host.allowPublic && !isLoopback(dest)) return 'non_loopback';
    if (!Number.isInteger(dest.port) || dest.port < 1 || dest.port > 0xffff) return 'bad_port';
    if (!this.host.families.includes(dest.family)) return 'family';
    return null;
  }

  private write(id: number, data: Bytes): void {
    const socket = this.sockets.get(id);
    if (socket === undefined) return; // already cut or closed by the peer; its close is reported
    socket.write(data);
    if (socket.writableLength > this.bufferCap) {
      this.host.engine.counters.inc('tcp.write_overflow');
      this.forget(id);
      socket.destroy();
      setImmediate(() => this.report(id, 'closed'));
    }
  }

  private accepted(socket: Socket): void {
    const from = socket.remoteAddress !== undefined && socket.remotePort !== undefined ? makeIpPort(socket.remoteAddress, socket.remotePort) : null;
    if (this.host.isClosed() || from === null || !from.ok) {
      socket.destroy();
      return;
    }
    let id = null as number | null;
    this.host.input(() => {
      id = this.host.engine.acceptStream(this.host.clock(), unmapIpv4(from.value));
    });
    if (id === null) {
      socket.destroy();
    } else {
      this.sockets.set(id, socket);
      this.wire(id, socket);
    }
    this.host.pump();
  }

  /** Data and the end of a socket go to the engine; errors only end it ('close' follows 'error'). */
  private wire(id: number, socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      if (this.sockets.get(id) !== socket) return;
      this.report(id, 'data', new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    socket.on('error', () => this.host.engine.counters.inc('tcp.socket_error'));
    socket.once('close', () => {
      if (this.sockets.get(id) !== socket) return; // closed by the engine, or cut and reported
      this.sockets.delete(id);
      this.report(id, 'closed');
    });
  }

  private forget(id: number): Socket | undefined {
    const s = this.sockets.get(id);
    this.sockets.delete(id);
    return s;
  }

  /** One report to the engine, then the usual pump. */
  private report(id: number, what: 'opened' | 'data' | 'closed', data?: Bytes): void {
    if (this.host.isClosed()) return;
    const { engine, clock } = this.host;
    this.host.input(() => {
      if (what === 'opened') engine.handleStreamOpened(clock(), id);
      else if (what === 'data') engine.handleStreamData(clock(), id, data!);
      else engine.handleStreamClosed(clock(), id);
    });
    this.host.pump();
  }

  /**
   * Ends every stream and stops listening. Bytes already written get `graceMs` to leave (the
   * kill packets of a shutdown); then every socket is destroyed. Nothing is reported.
   */
  async close(graceMs = 1_000): Promise<void> {
    const sockets = [...this.sockets.values()];
    this.sockets.clear();
    const server = this.server;
    this.server = null;
    const stopped = server === null ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(
      sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              s.destroy();
              resolve();
            }, graceMs);
            s.end(() => {
              clearTimeout(t);
              s.destroy();
              resolve();
            });
          }),
      ),
    );
    await stopped;
  }
}
