/**
 * TCP streams on the simulated network (sim-network.ts): the engines' `StreamOp`s (relay
 * connections, runtime/tcp/streams.ts) carried between simulated nodes on the virtual clock.
 *
 * A node serves TCP when its `tcpPort` is set (and its engine serves a relay, EngineOptions
 * tcpServer; otherwise `acceptStream` refuses). An `open` to a node's address at that port
 * reaches the listener after the one-way latency (`acceptStream`; a refusal comes back to the
 * opener as `handleStreamClosed` after the return trip), and the opener hears
 * `handleStreamOpened` after the round trip. Bytes written before that wait, as a connecting
 * socket's do, and leave when the opener hears it connected.
 *
 * Streams are reliable: no loss, duplication or reordering. Each direction has its latency
 * (the network's, plus each node's extra, plus a jitter draw from the network's seeded random)
 * but never overtakes what it sent before. A connection breaks when its peer cannot be reached
 * any more: a partition between them, a node down, suspended or removed. The break is noticed
 * when bytes or a connect arrive for an unreachable node, or when the surviving node next runs
 * (the network pumps it after each of its events), and each side still holding the stream hears
 * `handleStreamClosed` one latency later; a node that is down then hears it when it is back.
 * A close propagates behind the bytes sent before it. Nothing here draws randomness unless a
 * stream is used, so a simulation without TCP runs exactly as before.
 *
 * Bounds: at most MAX_SIM_STREAM_IN_FLIGHT_BYTES may be in flight one way on one connection (an
 * engine that writes faster than any link carries); beyond it the connection breaks, as the Node
 * adapter cuts a peer that does not read (node-tcp.ts). Connections themselves are bounded by the
 * engines (EngineOptions.maxStreams). A node behind a simulated NAT (sim-nat.ts) can open
 * streams (seen from its NAT's public IP) but cannot be connected to over IPv4.
 *
 * TCP facts modelled: a connect takes one round trip before the client may send
 * (TCP_client.c: the relay handshake starts once the socket connects); c-toxcore relays are
 * plain TCP servers (TCP_server.c new_TCP_server / accept_new_connection).
 */
import type { Bytes } from '../../protocol/bytes.js';
import { unmapIpv4, type IpPort } from '../../protocol/ip-port.js';
import type { Random } from '../random.js';
import type { StreamOp, ToxEngine } from '../tox-engine.js';

/** Bytes one direction of a simulated connection may have in flight. */
export const MAX_SIM_STREAM_IN_FLIGHT_BYTES = 1024 * 1024;

/** First ephemeral port given to an opener's side (then sequentially, wrapping at 65535). */
const FIRST_EPHEMERAL_PORT = 49152;

/** What this file needs of a simulated node (SimNode, structurally). */
export interface StreamSimNode {
  readonly id: number;
  readonly addresses: { readonly ipv4?: IpPort; readonly ipv6?: IpPort };
  readonly engine: ToxEngine;
  readonly up: boolean;
  readonly suspendedUntil: number | null;
  readonly group: number;
  readonly extraLatencyMs: number;
  readonly removed: boolean;
  readonly tcpPort?: number;
  readonly nat?: { readonly publicIp: string };
}

/** What this file needs of the network. */
export interface StreamSimHost<N extends StreamSimNode> {
  /** The network's clock, link conditions and seeded random (read when used). */
  readonly net: { readonly now: number; readonly conditions: { readonly latencyMs: number; readonly jitterMs: number }; readonly random: Random };
  nodes(): readonly N[];
  /** Moves a node's outputs onto the network after an input (SimNetwork.pump). */
  pump(node: N): void;
}

interface End<N> {
  readonly node: N;
  readonly id: number;
  /** The engine still holds the stream (not closed by it, not yet told it closed). */
  live: boolean;
  /** Told closed while its node was down: delivered when the node runs again. */
  closeOwed: boolean;
}

interface Conn<N> {
  readonly a: End<N>;
  b: End<N> | null;
  readonly listener: N | null;
  /** The opener's address as the listener sees it. */
  readonly from: IpPort;
  state: 'connecting' | 'open' | 'closing' | 'broken';
  /** Written by the opener before it heard it connected. */
  readonly waiting: Bytes[];
  /** Last arrival scheduled per direction: [a→b, b→a] (a direction never overtakes itself). */
  readonly lastAt: [number, number];
  readonly inFlight: [number, number];
}

interface Ev<N> {
  readonly at: number;
  readonly seq: number;
  readonly kind: 'accept' | 'opened' | 'data' | 'closed';
  readonly conn: Conn<N>;
  /** The receiving side. */
  readonly to: 'a' | 'b';
  readonly data?: Bytes;
}

/** The earliest of two optional times. */
export function earliest(x: number | null | undefined, y: number | null | undefined): number | null {
  if (x === null || x === undefined) return y ?? null;
  if (y === null || y === undefined) return x;
  return Math.min(x, y);
}

export class SimStreams<N extends StreamSimNode> {
  readonly stats = { opens: 0, accepted: 0, refused: 0, bytes: 0, broken: 0, overflow: 0 };
  private readonly events = new EventHeap<N>();
  private readonly ends = new Map<string, { conn: Conn<N>; side: 'a' | 'b' }>();
  private readonly byNode = new Map<number, Set<Conn<N>>>();
  private seq = 0;
  private nextPort = FIRST_EPHEMERAL_PORT;

  constructor(private readonly host: StreamSimHost<N>) {}

  /** Connections some engine still holds. */
  get size(): number {
    let n = 0;
    for (const set of this.byNode.values()) n += set.size;
    return n;
  }

  /** The time of the next stream event, or null. */
  nextAt(): number | null {
    return this.events.peek()?.at ?? null;
  }

  /** Processes the next stream event if it is due at `at`; false when none is. */
  stepIfDue(at: number): boolean {
    const ev = this.events.peek();
    if (ev === undefined || ev.at > at) return false;
    this.events.pop();
    this.deliver(ev);
    return true;
  }

  /** After a node's input: executes its stream ops and checks its connections (see the header). */
  pump(node: N): void {
    const ops = node.engine.takeStreamOps();
    for (const op of ops) this.execute(node, op);
    const conns = this.byNode.get(node.id);
    if (conns === undefined || !this.live(node)) return;
    for (const conn of conns) {
      const mine = conn.a.node === node ? conn.a : conn.b!;
      if (mine.closeOwed) {
        mine.closeOwed = false;
        this.schedule(conn, mine === conn.a ? 'a' : 'b', 'closed', this.host.net.now);
      }
      const other = mine === conn.a ? conn.b : conn.a;
      if (conn.state === 'open' && other !== null && !this.reachable(node, other.node)) this.break(conn);
    }
  }

  private execute(node: N, op: StreamOp): void {
    if (op.op === 'open') return this.open(node, op.id, op.to);
    const e = this.ends.get(`${node.id}:${op.id}`);
    if (e === undefined) return;
    const { conn, side } = e;
    if (op.op === 'write') {
      // A copy: the bytes are in flight, the engine may reuse its buffer.
      if (conn.state === 'connecting') conn.waiting.push(op.data.slice());
      else if (conn.state === 'open') this.send(conn, side, op.data.slice());
      return;
    }
    // close: nothing more is reported for this end; the other side hears it behind the bytes sent.
    this.release(conn, side);
    if (conn.state === 'open') {
      conn.state = 'closing';
      this.schedule(conn, side === 'a' ? 'b' : 'a', 'closed');
    } else if (conn.state === 'connecting') conn.state = 'broken'; // the accept will find it gone
  }

  private open(node: N, id: number, to: IpPort): void {
    this.stats.opens++;
    const dest = unmapIpv4(to);
    const own = node.addresses[dest.family];
    const listener = own === undefined ? undefined : this.host.nodes().find((n) => this.listensAt(n, dest));
    const ip = dest.family === 'ipv4' && node.nat ? node.nat.publicIp : (own?.ip ?? '');
    const port = this.nextPort;
    this.nextPort = this.nextPort >= 0xffff ? FIRST_EPHEMERAL_PORT : this.nextPort + 1;
    const a: End<N> = { node, id, live: true, closeOwed: false };
    const conn: Conn<N> = { a, b: null, listener: listener ?? null, from: { family: dest.family, ip, port }, state: 'connecting', waiting: [], lastAt: [0, 0], inFlight: [0, 0] };
    this.ends.set(`${node.id}:${id}`, { conn, side: 'a' });
    this.index(node, conn);
    if (listener === undefined || !this.reachable(node, listener)) {
      // Nobody there (a reset comes back) or nobody reachable: the opener hears a failed connect.
      this.stats.refused++;
      conn.state = 'broken';
      const rtt = own === undefined ? 0 : 2 * this.latency(node, listener ?? node);
      this.schedule(conn, 'a', 'closed', this.host.net.now + rtt);
      return;
    }
    this.schedule(conn, 'b', 'accept');
  }

  private listensAt(n: N, to: IpPort): boolean {
    if (n.removed || n.tcpPort !== to.port) return false;
    const addr = n.addresses[to.family];
    // Behind a NAT a node has no reachable IPv4 address (no port forwarding).
    return addr !== undefined && addr.ip === to.ip && !(to.family === 'ipv4' && n.nat);
  }

  private send(conn: Conn<N>, from: 'a' | 'b', data: Bytes): void {
    const dir = from === 'a' ? 0 : 1;
    if (conn.inFlight[dir] + data.length > MAX_SIM_STREAM_IN_FLIGHT_BYTES) {
      this.stats.overflow++;
      return this.break(conn);
    }
    conn.inFlight[dir] += data.length;
    this.schedule(conn, from === 'a' ? 'b' : 'a', 'data', undefined, data);
  }

  private deliver(ev: Ev<N>): void {
    const { conn } = ev;
    const now = this.host.net.now;
    if (ev.kind === 'accept') {
      const listener = conn.listener!;
      if (conn.state !== 'connecting') return; // the opener gave up before it arrived
      if (!this.reachable(conn.a.node, listener)) return this.break(conn);
      const id = listener.engine.acceptStream(now, conn.from);
      if (id === null) {
        this.stats.refused++;
        conn.state = 'broken';
        this.schedule(conn, 'a', 'closed');
      } else {
        this.stats.accepted++;
        conn.b = { node: listener, id, live: true, closeOwed: false };
        conn.state = 'open';
        this.ends.set(`${listener.id}:${id}`, { conn, side: 'b' });
        this.index(listener, conn);
        this.schedule(conn, 'a', 'opened');
      }
      this.host.pump(listener);
      return;
    }
    const end = ev.to === 'a' ? conn.a : conn.b!;
    const sender = ev.to === 'a' ? conn.b : conn.a;
    if (ev.kind === 'data') conn.inFlight[ev.to === 'b' ? 0 : 1] -= ev.data!.length;
    if (!end.live || end.node.removed) return;
    if (ev.kind === 'closed') {
      if (!this.live(end.node)) {
        end.closeOwed = true;
        return;
      }
      this.release(conn, ev.to);
      end.node.engine.handleStreamClosed(now, end.id);
      this.host.pump(end.node);
      return;
    }
    if (conn.state === 'broken') return;
    if (sender !== null && !this.reachable(sender.node, end.node)) return this.break(conn);
    if (ev.kind === 'opened') {
      if (conn.state !== 'open') return;
      // What the opener wrote while connecting leaves now, ahead of anything it writes next.
      for (const d of conn.waiting.splice(0)) this.send(conn, 'a', d);
      end.node.engine.handleStreamOpened(now, end.id);
    } else {
      this.stats.bytes += ev.data!.length;
      end.node.engine.handleStreamData(now, end.id, ev.data!);
    }
    this.host.pump(end.node);
  }

  /** The connection is lost: each side still holding it hears it closed after a latency. */
  private break(conn: Conn<N>): void {
    if (conn.state === 'broken') return;
    conn.state = 'broken';
    this.stats.broken++;
    const now = this.host.net.now;
    for (const side of ['a', 'b'] as const) {
      const end = side === 'a' ? conn.a : conn.b;
      if (end === null || !end.live) continue;
      const other = side === 'a' ? conn.b : conn.a;
      this.schedule(conn, side, 'closed', now + this.latency(end.node, other?.node ?? end.node));
    }
  }

  /** One side is done with the connection (closed it, or was told it closed). */
  private release(conn: Conn<N>, side: 'a' | 'b'): void {
    const end = side === 'a' ? conn.a : conn.b!;
    end.live = false;
    end.closeOwed = false;
    this.ends.delete(`${end.node.id}:${end.id}`);
    if (!conn.a.live && !(conn.b?.live ?? false)) {
      this.byNode.get(conn.a.node.id)?.delete(conn);
      if (conn.b) this.byNode.get(conn.b.node.id)?.delete(conn);
    }
  }

  private index(node: N, conn: Conn<N>): void {
    let set = this.byNode.get(node.id);
    if (set === undefined) this.byNode.set(node.id, (set = new Set()));
    set.add(conn);
  }

  private live(n: N): boolean {
    return n.up && !n.removed && n.suspendedUntil === null;
  }

  private reachable(x: N, y: N): boolean {
    return this.live(x) && this.live(y) && x.group === y.group;
  }

  /** One-way latency between two nodes, with a jitter draw. */
  private latency(x: N, y: N): number {
    const c = this.host.net.conditions;
    const jitter = c.jitterMs > 0 ? this.host.net.random.int(c.jitterMs) : 0;
    return c.latencyMs + x.extraLatencyMs + (x === y ? 0 : y.extraLatencyMs) + jitter;
  }

  /** Queues an event for side `to`: at `at`, or after the latency without overtaking its direction. */
  private schedule(conn: Conn<N>, to: 'a' | 'b', kind: Ev<N>['kind'], at?: number, data?: Bytes): void {
    const dir = to === 'b' ? 0 : 1;
    if (at === undefined) {
      const from = to === 'b' ? conn.a.node : (conn.b?.node ?? conn.listener!);
      const toNode = to === 'b' ? (conn.b?.node ?? conn.listener!) : conn.a.node;
      at = Math.max(this.host.net.now + this.latency(from, toNode), conn.lastAt[dir]);
      conn.lastAt[dir] = at;
    }
    this.events.push({ at, seq: this.seq++, kind, conn, to, ...(data !== undefined ? { data } : {}) });
  }
}

/** A binary min-heap of stream events by time, then scheduling order. */
class EventHeap<N> {
  private readonly h: Ev<N>[] = [];
  peek(): Ev<N> | undefined {
    return this.h[0];
  }
  push(e: Ev<N>): void {
    const h = this.h;
    h.push(e);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): Ev<N> | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
const before = <N>(x: Ev<N>, y: Ev<N>): boolean => x.at < y.at || (x.at === y.at && x.seq < y.seq);
