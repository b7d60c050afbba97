/**
 * The Node UDP adapter: the only socket code in toxstate. It binds one UDP socket, feeds
 * datagrams and a monotonic clock into an engine (`ToxEngine`), sends what the engine wants sent, and arms
 * one real timer at the engine's next deadline.
 *
 * Destinations are policed: by default only loopback (127.0.0.0/8, ::1) may be sent to, so a
 * node on a local test network never sends anything off the machine even if a peer hands it
 * other addresses. `allowPublic: true` (the CLI's `--network public`, or a non-loopback
 * `--bootstrap`) lifts that. Refused sends are counted (`tx.refused_non_loopback`); so are
 * destinations no socket can send to (port 0, which a peer can name in a packed node and on
 * which Node's `send` throws: `tx.refused_bad_port`).
 *
 * One socket serves both address families when bound to `::` (a dual-stack udp6 socket, as
 * c-toxcore's): IPv4 peers arrive as IPv4-mapped addresses (`::ffff:a.b.c.d`), which the engine
 * sees as plain IPv4 (one identity per peer), and datagrams to IPv4 peers leave as mapped
 * addresses. Bound to an IPv4 address it reaches IPv4 only; bound to another IPv6 address (`::1`)
 * IPv6 only. The engine is started with those families (`families`), so it runs one announce task
 * per family and never hands the socket an address it cannot reach.
 *
 * Nothing thrown inside the socket and timer handlers escapes them (an exception there would end
 * the process): an application listener that throws, a command run with `run` from a listener,
 * or the engine itself. Each is counted (`error.listener`, `error.command`, `error.input`),
 * remembered (`lastError`), and reported as an `error` app event to the listeners (an `error`
 * event whose own listener throws is only counted); the node keeps running.
 *
 * TCP (runtime/adapters/node-tcp.ts): the engine's byte streams (relay connections) run over
 * `node:net` sockets under the same destination rule; `tcpPort` also serves a TCP port for
 * relay clients. `udp: false` binds no UDP socket at all (c-toxcore's udp_enabled = false): the
 * node then reaches the network through TCP relays only, its families are those of the bind
 * address, `address` is the bind address with port 0, and a datagram the engine still wants sent
 * is counted `tx.refused_udp_off`.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Bytes } from '../../protocol/bytes.js';
import { isLoopback, makeIpPort, parseIp, unmapIpv4, type IpFamily, type IpPort } from '../../protocol/ip-port.js';
import type { AppEvent } from '../app-events.js';
import type { ToxEngine } from '../tox-engine.js';
import { NodeTcp } from './node-tcp.js';

/**
 * Socket send and receive buffer size asked for, as c-toxcore does (network.c new_networking_ex:
 * SO_RCVBUF and SO_SNDBUF = 2 MiB). With Linux's 208 KiB default a burst from a c-toxcore sender
 * overflowed the receive buffer (kernel RcvbufErrors) and lost packets had to be resent. The
 * kernel caps it at net.core.rmem_max / wmem_max; a refusal is ignored.
 */
export const SOCKET_BUFFER_BYTES = 2 * 1024 * 1024;

/** c-toxcore's default port range (network.h TOX_PORTRANGE_FROM/TO). */
export const DEFAULT_PORT_FROM = 33445;
export const DEFAULT_PORT_TO = 33545;

export interface UdpNodeOptions {
  /** Address to bind (default 127.0.0.1): IPv4, or IPv6 (`::` for both families, `::1`, …). */
  readonly bind?: string;
  /** Port; 0 for any free port; omitted: the first free port in 33445..33545. */
  readonly port?: number;
  /** Allow sending to non-loopback addresses (default false). */
  readonly allowPublic?: boolean;
  /** Monotonic clock in ms (default: performance.now()). */
  readonly clock?: () => number;
  /** Bind a UDP socket (default true); false: TCP only (see the header). */
  readonly udp?: boolean;
  /** Serve TCP on this port (0: any free port) for relay clients; omitted: no TCP server. */
  readonly tcpPort?: number;
  /** Address the TCP server listens on (default: `bind`). */
  readonly tcpBind?: string;
  /** Unsent bytes a TCP stream may hold before it is cut (default MAX_STREAM_BUFFER_BYTES, 1 MiB). */
  readonly tcpBufferCap?: number;
}

export type UdpNodeListener = (event: AppEvent) => void;

export class UdpNode<E extends ToxEngine = ToxEngine> {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly listeners = new Set<UdpNodeListener>();
  readonly clock: () => number;
  /** The last exception caught in a handler, listener or command (each also counted, see the header). */
  lastError: string | null = null;

  /** The node's TCP streams and server (runtime/adapters/node-tcp.ts). */
  readonly tcp: NodeTcp;

  private constructor(
    readonly engine: E,
    /** The UDP socket; null with `udp: false`. */
    private readonly socket: Socket | null,
    /** The UDP socket's address; with `udp: false` the bind address and port 0. */
    readonly address: IpPort,
    private readonly allowPublic: boolean,
    clock: () => number,
    /** The address families the socket reaches (without UDP: those of the bind address). */
    readonly families: readonly IpFamily[],
    tcpBufferCap?: number,
  ) {
    this.clock = clock;
    const host = {
      engine,
      clock,
      allowPublic,
      families,
      isClosed: () => this.closed,
      input: (fn: () => void) => this.contained('input', fn),
      pump: () => this.pump(),
    };
    this.tcp = new NodeTcp(host, tcpBufferCap !== undefined ? { bufferCap: tcpBufferCap } : {});
  }

  /** The TCP server's port, null when the node serves no TCP. */
  get tcpPort(): number | null {
    return this.tcp.serverAddress?.port ?? null;
  }

  /** The TCP server's address, null when the node serves no TCP. */
  get tcpAddress(): IpPort | null {
    return this.tcp.serverAddress;
  }

  /** Binds a socket, starts the engine and begins serving. Errors (port in use, bad address) reject with a clear message. */
  static async start<E extends ToxEngine>(engine: E, opts: UdpNodeOptions = {}): Promise<UdpNode<E>> {
    const bind = opts.bind ?? '127.0.0.1';
    const parsed = parseIp(bind);
    if (!parsed.ok) throw new Error(`cannot bind ${bind}: ${parsed.error}`);
    const families = socketFamilies(parsed.value.family, parsed.value.ip);
    if (opts.udp === false) {
      const t0 = performance.now();
      const clock = opts.clock ?? (() => performance.now() - t0);
      const node = new UdpNode(engine, null, { ...parsed.value, port: 0 }, opts.allowPublic ?? false, clock, families, opts.tcpBufferCap);
      return UdpNode.begin(node, bind, opts);
    }
    const ports = opts.port !== undefined ? [opts.port] : range(DEFAULT_PORT_FROM, DEFAULT_PORT_TO);
    let lastError: Error | null = null;
    for (const port of ports) {
      // ipv6Only false: bound to `::` the socket is dual-stack whatever net.ipv6.bindv6only says.
      const socket =
        parsed.value.family === 'ipv6' ? createSocket({ type: 'udp6', reuseAddr: false, ipv6Only: false }) : createSocket({ type: 'udp4', reuseAddr: false });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind({ address: bind, port, exclusive: true }, () => {
            socket.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        socket.close();
        lastError = e as Error;
        continue;
      }
      try {
        socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
        socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
      } catch {
        /* the kernel's limits apply */
      }
      const local = socket.address();
      const address = makeIpPort(local.address, local.port);
      if (!address.ok) throw new Error(`bound to an address toxstate cannot represent: ${local.address}`);
      const t0 = performance.now();
      const clock = opts.clock ?? (() => performance.now() - t0);
      const node = new UdpNode(engine, socket, address.value, opts.allowPublic ?? false, clock, families, opts.tcpBufferCap);
      return UdpNode.begin(node, bind, opts);
    }
    const code = (lastError as NodeJS.ErrnoException | null)?.code;
    const what = opts.port !== undefined ? `port ${opts.port}` : `any port in ${DEFAULT_PORT_FROM}..${DEFAULT_PORT_TO}`;
    if (code === 'EADDRINUSE') throw new Error(`cannot bind ${bind}:${opts.port ?? ''}: ${what} is in use`);
    if (code === 'EADDRNOTAVAIL') throw new Error(`cannot bind ${bind}: not an address of this machine`);
    throw new Error(`cannot bind ${bind} (${what}): ${lastError?.message ?? 'unknown error'}`);
  }

  /** Opens the TCP server when asked (a failure closes the node and rejects), then serves. */
  private static async begin<E extends ToxEngine>(node: UdpNode<E>, bind: string, opts: UdpNodeOptions): Promise<UdpNode<E>> {
    if (opts.tcpPort !== undefined) {
      try {
        await node.tcp.listen(opts.tcpBind ?? bind, opts.tcpPort);
      } catch (e) {
        node.closed = true;
        if (node.socket) await new Promise<void>((resolve) => node.socket!.close(() => resolve()));
        throw e;
      }
    }
    node.serve();
    return node;
  }

  /**
   * Subscribes to application events. Events that happened before the first subscriber (the
   * engine's first progress lines, right after start) are kept and delivered to it.
   */
  onEvent(listener: UdpNodeListener): () => void {
    this.listeners.add(listener);
    const early = this.early.splice(0);
    for (const e of early) listener(e);
    return () => this.listeners.delete(listener);
  }

  private readonly early: AppEvent[] = [];

  private serve(): void {
    this.socket?.on('message', (msg, rinfo) => {
      if (this.closed) return;
      const from = makeIpPort(rinfo.address, rinfo.port);
      if (!from.ok) return;
      this.contained('input', () => this.engine.handleDatagram(this.clock(), unmapIpv4(from.value), new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength)));
      // Outputs and events move at once; the timer is re-armed once per event-loop turn (see pump).
      this.pump(true);
    });
    this.socket?.on('error', () => {
      this.engine.counters.inc('udp.socket_error');
    });
    this.engine.start(this.clock(), { families: this.families });
    this.pump();
  }

  /**
   * Runs a command against the engine and then moves its outputs (for commands outside an input).
   * Returns what the command returns. A command that throws is counted (`error.command`) and
   * reported (an `error` event), the outputs it produced before throwing still move, and the
   * exception is rethrown to the caller — inside a listener that is the listener's exception,
   * which the node contains (see the header).
   */
  run<T>(command: (engine: E, now: number) => T): T {
    try {
      return command(this.engine, this.clock());
    } catch (e) {
      this.noteError('command', e);
      this.lastCommandError = e;
      throw e;
    } finally {
      this.pump();
    }
  }

  /**
   * Sends what the engine produced, executes its stream ops, delivers its events, re-arms the one
   * timer. With `batched` (a datagram) the re-arm waits for the end of this event-loop turn
   * (setImmediate, before the next timers phase): libuv hands over up to 32 datagrams per socket
   * wake-up, and the deadline is computed once for all of them instead of once each — under a
   * flood of requests (bench/dht-serve.ts) that was a tenth of the time per request.
   */
  pump(batched = false): void {
    if (this.closed || this.pumping) return;
    this.pumping = true;
    try {
      this.moveOutputs();
      // Events raised while delivering (a listener's commands, a reported error) are delivered
      // in this same loop, in order.
      for (let events = this.takeEvents(); events.length > 0 && !this.closed; events = this.takeEvents()) {
        for (const e of events) this.deliver(e);
        if (this.closed) break;
        this.moveOutputs();
      }
    } finally {
      this.pumping = false;
    }
    if (this.closed) return;
    if (!batched) return this.rearm();
    if (this.rearmQueued) return;
    this.rearmQueued = true;
    setImmediate(() => {
      this.rearmQueued = false;
      if (!this.closed) this.rearm();
    });
  }

  private rearmQueued = false;

  /** The deadline the timer is armed for (meaningful while `timer` is set). */
  private timerAt = 0;

  /** The one timer, at the engine's next deadline (left alone when that has not moved). */
  private rearm(): void {
    const d = this.engine.nextDeadline();
    if (this.timer && d !== null && d.at === this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (d === null) return;
    this.timerAt = d.at;
    const delay = Math.max(0, Math.min(d.at - this.clock(), 2_147_000_000));
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.closed) return;
      this.contained('input', () => this.engine.handleTimeout(this.clock()));
      this.pump();
    }, delay);
  }

  /** Datagrams to the socket, stream ops to the TCP side. */
  private moveOutputs(): void {
    for (const t of this.engine.takeTransmits()) this.transmit(t.to, t.data);
    this.tcp.execute(this.engine.takeStreamOps());
  }

  private pumping = false;
  /** The exception a `run` command threw last (a listener that lets it through is not reported twice). */
  private lastCommandError: unknown = undefined;
  /** `error` events raised by this adapter, delivered with the engine's next events. */
  private readonly errors: AppEvent[] = [];

  private takeEvents(): AppEvent[] {
    const events = this.engine.takeEvents();
    if (this.errors.length > 0) events.push(...this.errors.splice(0));
    return events;
  }

  private deliver(e: AppEvent): void {
    if (this.listeners.size === 0) {
      if (this.early.length < 10_000) this.early.push(e);
      return;
    }
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        // A command run from this listener that threw was reported already (error.command).
        if (err === this.lastCommandError) continue;
        // A listener that throws on an `error` event is only counted: reporting it would loop.
        if (e.type === 'error') this.engine.counters.inc('error.listener');
        else this.noteError('listener', err);
      }
    }
  }

  /** Runs part of an input (datagram, timer); an exception is counted and reported, never thrown. */
  private contained(source: 'input', fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.noteError(source, e);
    }
  }

  private noteError(source: 'listener' | 'command' | 'input', e: unknown): void {
    this.engine.counters.inc(`error.${source}`);
    this.lastError = e instanceof Error ? (e.stack ?? e.message) : String(e);
    // Bounded: a listener that throws on every event cannot grow this beyond one pump's events.
    if (this.errors.length < 1_000) {
      this.errors.push({ type: 'error', source, message: e instanceof Error ? e.message : String(e), t: this.engine.now });
    }
  }

  private transmit(to: IpPort, data: Bytes, done?: () => void): void {
    if (this.socket === null) {
      this.engine.counters.inc('tx.refused_udp_off');
      return done?.();
    }
    const ip = this.destination(to);
    if (ip === null) return done?.();
    try {
      this.socket.send(data, to.port, ip, (e) => {
        if (e) this.engine.counters.inc('udp.send_error');
        done?.();
      });
    } catch {
      this.engine.counters.inc('udp.send_error');
      done?.();
    }
  }

  /**
   * The address to hand the socket for `to`, or null (counted) when it must not or cannot be
   * sent: off loopback without allowPublic, port 0, or a family the socket does not reach. On a
   * dual-stack socket an IPv4 destination is written as its IPv4-mapped IPv6 address.
   */
  private destination(to: IpPort): string | null {
    const dest = unmapIpv4(to);
    if (!this.allowPublic && !isLoopback(dest)) {
      this.engine.counters.inc('tx.refused_non_loopback');
      return null;
    }
    // Node's send throws (synchronously) on port 0; a peer can name port 0 in a packed node.
    if (!Number.isInteger(dest.port) || dest.port < 1 || dest.port > 0xffff) {
      this.engine.counters.inc('tx.refused_bad_port');
      return null;
    }
    if (!this.families.includes(dest.family)) {
      this.engine.counters.inc('tx.refused_family');
      return null;
    }
    return dest.family === 'ipv4' && this.address.family === 'ipv6' ? `::ffff:${dest.ip}` : dest.ip;
  }

  /**
   * Stops serving and closes the sockets (UDP, TCP streams, TCP server). By default the engine
   * shuts down first (kill packets to every friend with a session, as c-toxcore's tox_kill), and
   * those are sent before the sockets close (datagrams, and bytes the shutdown wrote to streams);
   * `{ sendKills: false }` closes silently (what a crash looks like to friends).
   */
  async close(opts: { readonly sendKills?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (opts.sendKills !== false && this.engine.started) {
      // Kill packets to friends and the announce tasks stopped (ToxEngine.shutdown).
      this.engine.shutdown(this.clock());
      const sent = this.engine.takeTransmits().map((t) => new Promise<void>((resolve) => this.transmit(t.to, t.data, resolve)));
      this.tcp.execute(this.engine.takeStreamOps());
      await Promise.all([...sent, this.tcp.close()]);
    } else {
      if (this.engine.started) {
        // Closed silently (what a crash looks like to friends): nothing is sent, but the announce
        // tasks still end here.
        this.engine.stop(this.clock());
        this.engine.takeTransmits();
        this.engine.takeStreamOps();
      }
      await this.tcp.close(0);
    }
    if (this.socket) await new Promise<void>((resolve) => this.socket!.close(() => resolve()));
  }
}

/**
 * The families a socket bound to `ip` reaches: IPv4 for an IPv4 address; both for `::` (dual-stack);
 * IPv4 for an IPv4-mapped address; IPv6 for any other IPv6 address (`::1` cannot send to IPv4).
 */
export function socketFamilies(family: IpFamily, ip: string): readonly IpFamily[] {
  if (family === 'ipv4') return ['ipv4'];
  if (ip === '::') return ['ipv4', 'ipv6'];
  return unmapIpv4({ family, ip, port: 0 }).family === 'ipv4' ? ['ipv4'] : ['ipv6'];
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let p = from; p <= to; p++) out.push(p);
  return out;
}
