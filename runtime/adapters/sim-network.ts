/**
 * The simulated network: many engines in one process on an in-memory network with a virtual
 * clock that jumps from event to event (a datagram arriving, an engine deadline). Seeded:
 * the same seed gives the same run. Link behaviour is configurable at any time: latency with
 * jitter (which also reorders), loss, duplication, partitions, nodes going down and coming back,
 * and suspending a node (its clock jumps when it wakes, as a laptop's does).
 *
 * Addresses are virtual (127.x.y.z:port by default, any IpPort when given); nothing here touches
 * a socket. A node has an IPv4 address, an IPv6 address (`addressFor6`: `[::1]:port`), or both
 * (dual-stack): its engine is started with those families, a datagram leaves from its address of
 * the destination's family, and one to a family the sender has no address of is unreachable. Besides engines, an address can be served by a plain function (`addEndpoint`: a
 * scripted peer such as an attacker). A node may sit behind a NAT (`add`'s `nat` option, sim-nat.ts).
 */
import type { Bytes } from '../../protocol/bytes.js';
import { ipPortKey, unmapIpv4, type IpFamily, type IpPort } from '../../protocol/ip-port.js';
import type { AppEvent } from '../app-events.js';
import { DeadlineHeap } from '../deadline-heap.js';
import type { Engine } from '../engine.js';
import type { ToxEngine } from '../tox-engine.js';
import { fromHex } from '../../protocol/bytes.js';
import { seededRandom, type Random } from '../random.js';
import { SimNats, type NatType, type SimNat } from './sim-nat.js';
import { earliest, SimStreams } from './sim-streams.js';

export interface LinkConditions {
  /** One-way base latency. */
  latencyMs: number;
  /** Extra uniform random latency in [0, jitterMs): packets overtake each other. */
  jitterMs: number;
  /** Probability a datagram is lost. */
  loss: number;
  /** Probability a datagram arrives twice. */
  duplicate: number;
}

/**
 * How the jitter part of a datagram's latency is drawn: `uniform` in [0, jitterMs); or
 * `exponential` with mean jitterMs (most datagrams arrive quickly, a few very late — a heavy
 * tail that reorders more), capped at 20 × jitterMs.
 */
export type JitterModel = 'uniform' | 'exponential';

/** Cap of an exponential jitter draw, in multiples of its mean. */
const EXPONENTIAL_JITTER_CAP = 20;

export interface SimOptions extends Partial<LinkConditions> {
  readonly seed?: number;
  readonly jitterModel?: JitterModel;
  /** Virtual time at the start. */
  readonly startAt?: number;
  /** Bound on datagrams in flight; beyond it new ones are dropped and counted. */
  readonly maxInFlight?: number;
}

/** A node's addresses: one per family it has (at least one). */
export interface SimAddresses {
  readonly ipv4?: IpPort;
  readonly ipv6?: IpPort;
}

export interface SimNode<E extends ToxEngine = Engine> {
  readonly id: number;
  /** Its IPv4 address, or its IPv6 address when it has no IPv4 one. */
  readonly address: IpPort;
  /** Every address of the node, by family (a dual-stack node has both). */
  readonly addresses: SimAddresses;
  readonly engine: E;
  up: boolean;
  /** While suspended the node sees nothing; on wake its clock jumps to the network's. */
  suspendedUntil: number | null;
  /** Partition group: nodes only hear nodes of the same group. */
  group: number;
  /** Extra one-way latency of every datagram from or to this node (a slow link). */
  extraLatencyMs: number;
  /** Extra probability that a datagram from or to this node is lost (a lossy link). */
  extraLoss: number;
  /** The node left the network for good (`remove`): its address is free again. */
  removed: boolean;
  readonly events: Array<AppEvent & { node: number }>;
  /** The NAT in front of the node (`add`'s `nat` option; sim-nat.ts), if any. */
  nat?: SimNat;
  /** The node serves TCP (relay clients) on this port of its addresses (sim-streams.ts). */
  tcpPort?: number;
}

interface Flight {
  at: number;
  seq: number;
  from: IpPort;
  to: string;
  data: Bytes;
}

export type SimListener<E extends ToxEngine = Engine> = (node: SimNode<E>, event: AppEvent) => void;

/**
 * A raw endpoint: an address on the simulated network served by a plain function instead of an
 * engine (a scripted peer, e.g. an attacker that answers only some packets). It hears every
 * datagram sent to its address (no partition groups, no per-node link settings) and sends with
 * `send`, which takes the network's latency and loss like any node's datagram.
 */
export interface SimEndpoint {
  readonly address: IpPort;
  /** Sends a datagram from this endpoint's address (at the network's current time). */
  send(to: IpPort, data: Bytes): void;
}
export type SimEndpointHandler = (now: number, from: IpPort, data: Bytes, endpoint: SimEndpoint) => void;

/**
 * A binary heap of datagrams in flight by arrival time (then send order: a strict order, so the
 * pops are the same whatever the layout). Sifts move a hole instead of swapping pairs.
 */
class FlightQueue {
  private readonly h: Flight[] = [];
  get size(): number {
    return this.h.length;
  }
  peek(): Flight | undefined {
    return this.h[0];
  }
  push(f: Flight): void {
    const h = this.h;
    let i = h.length;
    h.push(f);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!less(f, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = f;
  }
  pop(): Flight | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    const n = h.length;
    if (n > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && less(h[r]!, h[l]!) ? r : l;
        if (!less(h[m]!, last)) break;
        h[i] = h[m]!;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}
const less = (a: Flight, b: Flight): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

function toAddresses(a: IpPort | SimAddresses): SimAddresses {
  if ('family' in a) return a.family === 'ipv4' ? { ipv4: a } : { ipv6: a };
  if (!a.ipv4 && !a.ipv6) throw new Error('a simulated node needs at least one address');
  if (a.ipv4 && a.ipv4.family !== 'ipv4') throw new Error('SimAddresses.ipv4 must be an IPv4 address');
  if (a.ipv6 && a.ipv6.family !== 'ipv6') throw new Error('SimAddresses.ipv6 must be an IPv6 address');
  return a;
}

function addressList(a: SimAddresses): IpPort[] {
  return [a.ipv4, a.ipv6].filter((x): x is IpPort => x !== undefined);
}

/** A node's DHT public key as bytes (what a newcomer bootstraps with). */
function dhtKeyOf(engine: ToxEngine): Uint8Array {
  const k = fromHex(engine.dhtKeyHex);
  if (!k.ok) throw new Error(`engine ${engine.selfHex}: bad DHT key`);
  return k.value;
}

export class SimNetwork<E extends ToxEngine = Engine> {
  now: number;
  readonly conditions: LinkConditions;
  jitterModel: JitterModel;
  readonly random: Random;
  readonly stats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, unreachable: 0, overflow: 0, steps: 0 };
  private readonly byAddress = new Map<string, SimNode<E>>();
  private readonly nodesById: SimNode<E>[] = [];
  private readonly deadlines = new DeadlineHeap<number>();
  private readonly flights = new FlightQueue();
  private readonly listeners = new Set<SimListener<E>>();
  private readonly endpoints = new Map<string, { endpoint: SimEndpoint; handler: SimEndpointHandler }>();
  private seq = 0;
  private readonly maxInFlight: number;
  /** The NATs in front of nodes (sim-nat.ts). */
  readonly nats = new SimNats();
  /** TCP streams between nodes (sim-streams.ts). */
  readonly streams: SimStreams<SimNode<E>> = new SimStreams({ net: this, nodes: () => this.nodesById, pump: (n) => this.pump(n) });
  /** Keep each node's app events in `node.events` (tests read them; big simulations turn it off). */
  recordEvents = true;

  constructor(opts: SimOptions = {}) {
    this.now = opts.startAt ?? 0;
    this.random = seededRandom(opts.seed ?? 1);
    this.conditions = {
      latencyMs: opts.latencyMs ?? 10,
      jitterMs: opts.jitterMs ?? 0,
      loss: opts.loss ?? 0,
      duplicate: opts.duplicate ?? 0,
    };
    this.jitterModel = opts.jitterModel ?? 'uniform';
    this.maxInFlight = opts.maxInFlight ?? 1_000_000;
  }

  get nodes(): readonly SimNode<E>[] {
    return this.nodesById;
  }

  /** Virtual address of the n-th node: 127.a.b.c:33445 where a.b.c is n + 1 in base 256 (127.0.0.1 first). */
  static addressFor(n: number): IpPort {
    const m = n + 1;
    if (!Number.isInteger(n) || n < 0 || m > 0xffffff) throw new RangeError(`no virtual address for node ${n}`);
    return { family: 'ipv4', ip: `127.${(m >> 16) & 255}.${(m >> 8) & 255}.${m & 255}`, port: 33445 };
  }

  /** Virtual IPv6 address of the n-th node: [::1]:(10000 + n). */
  static addressFor6(n: number): IpPort {
    if (!Number.isInteger(n) || n < 0 || 10_000 + n > 0xffff) throw new RangeError(`no virtual IPv6 address for node ${n}`);
    return { family: 'ipv6', ip: '::1', port: 10_000 + n };
  }

  /** The n-th node's addresses for `families`: addressFor(n) and/or addressFor6(n). */
  static addressesFor(n: number, families: readonly IpFamily[]): SimAddresses {
    return {
      ...(families.includes('ipv4') ? { ipv4: SimNetwork.addressFor(n) } : {}),
      ...(families.includes('ipv6') ? { ipv6: SimNetwork.addressFor6(n) } : {}),
    };
  }

  /** The id the next node added gets. */
  get nextId(): number {
    return this.nodesById.length;
  }

  /**
   * Attaches an engine and starts it at the current virtual time with the families of its
   * address(es): one address (default addressFor(id), IPv4), or a node's addresses by family.
   */
  add(engine: E, address?: IpPort | SimAddresses, opts: { nat?: NatType } = {}): SimNode<E> {
    const id = this.nodesById.length;
    const addresses = toAddresses(address ?? SimNetwork.addressFor(id));
    const at = addresses.ipv4 ?? addresses.ipv6!;
    for (const a of [addresses.ipv4, addresses.ipv6]) {
      if (a === undefined) continue;
      const holder = this.byAddress.get(ipPortKey(a));
      if (holder && !holder.removed && holder.up) throw new Error(`address ${ipPortKey(a)} is taken by node ${holder.id}`);
    }
    const node: SimNode<E> = {
      id,
      address: at,
      addresses,
      engine,
      up: true,
      suspendedUntil: null,
      group: 0,
      extraLatencyMs: 0,
      extraLoss: 0,
      removed: false,
      events: [],
    };
    this.nodesById.push(node);
    const nat = addresses.ipv4 ? this.nats.attach(opts.nat ?? 'none', addresses.ipv4) : undefined;
    if (nat) node.nat = nat;
    for (const a of addressList(addresses)) this.byAddress.set(ipPortKey(a), node);
    engine.start(this.now, { families: addressList(addresses).map((a) => a.family) });
    this.pump(node);
    return node;
  }

  /**
   * A node joins a running network: its engine is added and bootstrapped to `via` (nodes
   * already on the network, by address and DHT key), and its outputs go out at once.
   */
  join(engine: E, via: readonly SimNode<E>[], address?: IpPort | SimAddresses, opts: { nat?: NatType } = {}): SimNode<E> {
    const node = this.add(engine, address, opts);
    for (const v of via) {
      // Through an address of a family both have (the newcomer's IPv4 first).
      const at = (node.addresses.ipv4 && v.addresses.ipv4) ?? (node.addresses.ipv6 && v.addresses.ipv6);
      if (at) engine.bootstrap(this.now, at, dhtKeyOf(v.engine));
    }
    this.pump(node);
    return node;
  }

  /** Serves `address` with `handler` (see SimEndpoint); the address must not be a node's. */
  addEndpoint(address: IpPort, handler: SimEndpointHandler): SimEndpoint {
    const key = ipPortKey(address);
    if (this.byAddress.has(key) || this.endpoints.has(key)) throw new Error(`address ${key} is taken`);
    const endpoint: SimEndpoint = { address, send: (to, data) => this.transmitFrom(address, 0, to, data) };
    this.endpoints.set(key, { endpoint, handler });
    return endpoint;
  }

  /** A node leaves the network for good: nothing reaches it any more and its address is free. */
  remove(node: SimNode<E>): void {
    node.up = false;
    node.removed = true;
    node.suspendedUntil = null;
    this.deadlines.set(node.id, null);
    for (const a of addressList(node.addresses)) if (this.byAddress.get(ipPortKey(a)) === node) this.byAddress.delete(ipPortKey(a));
  }

  /** Puts a node on a worse link: extra one-way latency and loss for datagrams from or to it. */
  setLink(node: SimNode<E>, link: { extraLatencyMs?: number; extraLoss?: number }): void {
    if (link.extraLatencyMs !== undefined) node.extraLatencyMs = link.extraLatencyMs;
    if (link.extraLoss !== undefined) node.extraLoss = link.extraLoss;
  }

  onEvent(listener: SimListener<E>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes a node off the network (its engine keeps its state, hears nothing, sends nothing). */
  setUp(node: SimNode<E>, up: boolean): void {
    if (node.removed) throw new Error(`node ${node.id} was removed`);
    node.up = up;
    if (up) {
      node.engine.handleTimeout(this.now);
      this.pump(node);
    } else this.deadlines.set(node.id, null);
  }

  /** Suspends a node for `ms` of virtual time: on wake its clock has jumped by that much. */
  suspend(node: SimNode<E>, ms: number): void {
    node.suspendedUntil = this.now + ms;
    this.deadlines.set(node.id, node.suspendedUntil);
  }

  /** Splits the network: nodes hear only nodes in the same group. */
  partition(groups: ReadonlyArray<readonly SimNode<E>[]>): void {
    groups.forEach((g, i) => g.forEach((n) => (n.group = i + 1)));
  }

  heal(): void {
    for (const n of this.nodesById) n.group = 0;
  }

  /** Replaces a node's engine (a restart: new engine, same or new address); the old node is removed. */
  replace(node: SimNode<E>, engine: E, address?: IpPort | SimAddresses): SimNode<E> {
    this.remove(node);
    return this.add(engine, address ?? node.addresses, { nat: node.nat?.type ?? 'none' });
  }

  /** After commands given to engines directly (outside an input): move their outputs onto the network. */
  flush(nodes: readonly SimNode<E>[] = this.nodesById): void {
    for (const n of nodes) if (n.up) this.pump(n);
  }

  /** Moves a node's outputs onto the network and re-arms its deadline. */
  private pump(node: SimNode<E>): void {
    const e = node.engine;
    for (const t of e.takeTransmits()) this.transmit(node, t.to, t.data);
    this.streams.pump(node);
    for (const ev of e.takeEvents()) {
      if (this.recordEvents) node.events.push({ ...ev, node: node.id });
      for (const l of this.listeners) l(node, ev);
    }
    if (node.suspendedUntil !== null) return;
    const d = node.up ? e.nextDeadline() : null;
    this.deadlines.set(node.id, d === null ? null : Math.max(d.at, this.now));
  }

  private transmit(from: SimNode<E>, to: IpPort, data: Bytes): void {
    // From the sender's address of the destination's family (a socket of that family).
    const source = from.addresses[unmapIpv4(to).family];
    if (source === undefined) {
      this.stats.sent++;
      this.stats.unreachable++;
      return;
    }
    this.transmitFrom(from.nat ? from.nat.outbound(this.now, source, to) : source, from.extraLoss, to, data, from.extraLatencyMs);
  }

  private transmitFrom(fromAddress: IpPort, fromExtraLoss: number, to: IpPort, data: Bytes, fromExtraLatencyMs = 0): void {
    this.stats.sent++;
    const c = this.conditions;
    const toKey = ipPortKey(to);
    const receiver = this.byAddress.get(toKey);
    // Independent losses: the network's, the sender's link and the receiver's link.
    const extra = 1 - (1 - fromExtraLoss) * (1 - (receiver?.extraLoss ?? 0));
    const loss = extra === 0 ? c.loss : 1 - (1 - c.loss) * (1 - extra);
    // Both draws happen whatever the probabilities, so that a seed gives the same run as before.
    if (this.random.int(1_000_000) < loss * 1_000_000) {
      this.stats.lost++;
      return;
    }
    const copies = this.random.int(1_000_000) < c.duplicate * 1_000_000 ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    const base = c.latencyMs + fromExtraLatencyMs + (receiver?.extraLatencyMs ?? 0);
    for (let i = 0; i < copies; i++) {
      if (this.flights.size >= this.maxInFlight) {
        this.stats.overflow++;
        return;
      }
      this.flights.push({ at: this.now + base + this.jitter(), seq: this.seq++, from: fromAddress, to: toKey, data });
    }
  }

  /** One jitter draw (whole milliseconds) under the current model. */
  private jitter(): number {
    const j = this.conditions.jitterMs;
    if (j <= 0) return 0;
    if (this.jitterModel === 'uniform') return this.random.int(j);
    // Exponential with mean j: −j·ln(U), U uniform in (0, 1].
    const u = (this.random.int(1_000_000) + 1) / 1_000_000;
    return Math.min(Math.floor(-j * Math.log(u)), EXPONENTIAL_JITTER_CAP * j);
  }

  /** The time of the next event, or null when nothing will ever happen. */
  nextEventAt(): number | null {
    const f = this.flights.peek()?.at ?? null;
    const d = earliest(this.deadlines.peek()?.at, this.streams.nextAt()); // timers, TCP streams
    if (f === null) return d;
    if (d === null) return f;
    return Math.min(f, d);
  }

  /** Processes the earliest event. Returns false when there is none. */
  step(): boolean {
    const at = this.nextEventAt();
    if (at === null) return false;
    this.now = Math.max(this.now, at);
    this.stats.steps++;
    const f = this.flights.peek();
    if (f && f.at <= at) {
      this.flights.pop();
      this.deliverFlight(f);
      return true;
    }
    if (this.streams.stepIfDue(at)) return true;
    const top = this.deadlines.peek()!;
    const node = this.nodesById[top.key]!;
    if (node.suspendedUntil !== null && node.suspendedUntil <= this.now) node.suspendedUntil = null;
    node.engine.handleTimeout(this.now);
    this.pump(node);
    return true;
  }

  private deliverFlight(f: Flight): void {
    const natTo = this.nats.inbound(this.now, f.from, f.to); // sim-nat.ts: a NAT's public address → its node's private one
    if (natTo === null) return void this.stats.unreachable++;
    const node = this.byAddress.get(natTo ?? f.to);
    const raw = node === undefined ? this.endpoints.get(f.to) : undefined;
    if (raw !== undefined) {
      this.stats.delivered++;
      raw.handler(this.now, f.from, f.data, raw.endpoint);
      return;
    }
    const sender = this.byAddress.get(this.nats.privateOf(f.from) ?? ipPortKey(f.from));
    if (!node || !node.up || node.suspendedUntil !== null || (sender && sender.group !== node.group)) {
      this.stats.unreachable++;
      return;
    }
    this.stats.delivered++;
    node.engine.handleDatagram(this.now, f.from, f.data);
    this.pump(node);
  }

  /** Runs until virtual time `t` (every event before or at it is processed). */
  runUntil(t: number): void {
    for (;;) {
      const at = this.nextEventAt();
      if (at === null || at > t) break;
      this.step();
    }
    this.now = Math.max(this.now, t);
  }

  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /**
   * Runs until `done()` holds (checked after every event) or `maxMs` of virtual time pass.
   * Returns whether it held.
   */
  runUntilTrue(done: () => boolean, maxMs: number): boolean {
    const end = this.now + maxMs;
    if (done()) return true;
    for (;;) {
      const at = this.nextEventAt();
      if (at === null || at > end) {
        this.now = Math.max(this.now, end);
        return done();
      }
      this.step();
      if (done()) return true;
    }
  }
}
