/**
 * NATs for the simulated network (sim-network.ts): a node may sit behind a NAT of its own, which
 * rewrites the source of what it sends to a public address and lets datagrams in only as its type
 * allows. Pure bookkeeping, no clock of its own: every call carries `now`.
 *
 * The types follow RFC 4787's terms (mapping behaviour, filtering behaviour), under the names
 * STUN made usual:
 *   - `fullCone`: one public port for the node whatever the destination (endpoint-independent
 *     mapping); anyone may send to it while the mapping lives;
 *   - `addressRestricted`: the same mapping; a datagram passes only from an IP the node sent to;
 *   - `portRestricted`: the same mapping; only from an IP and port the node sent to;
 *   - `symmetric`: a new public port for every destination IP and port, taken sequentially (as
 *     many real NATs do, which is what c-toxcore's port guessing counts on, DHT.c punch_holes);
 *     only that destination may answer on it.
 * A mapping lives while the node keeps sending through it: it is forgotten `idleTimeoutMs` after
 * the last datagram out (inbound traffic does not refresh it, as on most home routers), and so is
 * each permission to send in. A node behind a NAT is never reachable at its private address.
 *
 * Only IPv4 is translated (NAT is an IPv4 affair); a dual-stack node's IPv6 traffic passes as is.
 * Public IPs are taken from 198.18.0.0/15 (RFC 2544, set aside for benchmarking networks): they
 * are not LAN addresses (protocol/ip-port.ts isLanAddress), so the DHT treats them as Internet
 * peers, as c-toxcore would.
 */
import { ipPortKey, type IpPort } from '../../protocol/ip-port.js';

export type NatType = 'none' | 'fullCone' | 'addressRestricted' | 'portRestricted' | 'symmetric';

export const NAT_TYPES: readonly NatType[] = ['none', 'fullCone', 'addressRestricted', 'portRestricted', 'symmetric'];

export interface NatOptions {
  readonly publicIp: string;
  /** The first public port handed out (then sequentially, wrapping to it after 65535). Default 40000. */
  readonly firstPort?: number;
  /** A mapping (and each permission) is forgotten this long after the last datagram out. Default 120 s (RFC 4787 REQ-5 asks at least 2 min). */
  readonly idleTimeoutMs?: number;
  /** Bound on live mappings; beyond it the least recently used goes. Default 4096. */
  readonly maxMappings?: number;
}

interface Mapping {
  readonly publicPort: number;
  /** Symmetric: the one destination (ipPortKey) this mapping serves; null otherwise. */
  readonly dest: string | null;
  lastOut: number;
  /** Remotes the node sent to through this mapping (IP for addressRestricted, ipPortKey otherwise) → last time. */
  readonly sentTo: Map<string, number>;
  /** Size of `sentTo` at which its lapsed permissions are next swept (amortised: it doubles). */
  pruneAt: number;
}

export class SimNat {
  readonly publicIp: string;
  readonly idleTimeoutMs: number;
  private readonly firstPort: number;
  private readonly maxMappings: number;
  private nextPort: number;
  /** By public port. */
  private readonly byPort = new Map<number, Mapping>();
  /** By destination (symmetric) or '*' (the others). */
  private readonly byDest = new Map<string, Mapping>();
  readonly stats = { mappings: 0, passed: 0, blocked: 0, expired: 0, evicted: 0 };

  constructor(
    readonly type: Exclude<NatType, 'none'>,
    readonly privateAddress: IpPort,
    opts: NatOptions,
  ) {
    if (privateAddress.family !== 'ipv4') throw new Error('a simulated NAT translates IPv4 only');
    this.publicIp = opts.publicIp;
    this.firstPort = opts.firstPort ?? 40_000;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 120_000;
    this.maxMappings = opts.maxMappings ?? 4096;
    if (!(this.firstPort > 0 && this.firstPort <= 0xffff)) throw new RangeError(`bad first port ${this.firstPort}`);
    this.nextPort = this.firstPort;
  }

  /** Live mappings now. */
  mappingCount(now: number): number {
    this.sweep(now);
    return this.byPort.size;
  }

  /** The public address of the live mapping toward `to` (symmetric) or of the node (others), if any. */
  publicAddressFor(now: number, to: IpPort): IpPort | null {
    const m = this.live(this.byDest.get(this.destKey(to)), now);
    return m ? { family: 'ipv4', ip: this.publicIp, port: m.publicPort } : null;
  }

  /** A datagram from the node to `to` leaves: its public source address (mapping created or refreshed). */
  outbound(now: number, from: IpPort, to: IpPort): IpPort {
    if (from.family !== 'ipv4' || to.family !== 'ipv4') return from;
    const dest = this.destKey(to);
    let m = this.live(this.byDest.get(dest), now);
    if (!m) {
      this.sweep(now);
      if (this.byPort.size >= this.maxMappings) this.evictOldest();
      m = { publicPort: this.allocatePort(), dest: this.type === 'symmetric' ? dest : null, lastOut: now, sentTo: new Map(), pruneAt: 64 };
      this.byPort.set(m.publicPort, m);
      this.byDest.set(dest, m);
      this.stats.mappings++;
    }
    m.lastOut = now;
    m.sentTo.set(this.remoteKey(to), now);
    if (m.sentTo.size >= m.pruneAt) {
      for (const [k, at] of m.sentTo) if (at + this.idleTimeoutMs <= now) m.sentTo.delete(k);
      m.pruneAt = Math.max(64, 2 * m.sentTo.size);
    }
    return { family: 'ipv4', ip: this.publicIp, port: m.publicPort };
  }

  /** A datagram from `from` reaches public port `port`: the node's private address if it passes, else null. */
  inbound(now: number, from: IpPort, port: number): IpPort | null {
    const m = this.live(this.byPort.get(port), now);
    const allowed =
      m !== undefined &&
      (this.type === 'fullCone' || (m.sentTo.get(this.remoteKey(from)) ?? -Infinity) + this.idleTimeoutMs > now);
    if (!allowed) {
      this.stats.blocked++;
      return null;
    }
    this.stats.passed++;
    return this.privateAddress;
  }

  private destKey(to: IpPort): string {
    return this.type === 'symmetric' ? ipPortKey(to) : '*';
  }

  /** What a permission to send in names: the remote IP (addressRestricted) or IP and port. */
  private remoteKey(a: IpPort): string {
    return this.type === 'addressRestricted' ? a.ip : ipPortKey(a);
  }

  private allocatePort(): number {
    // Sequential, skipping ports still in use (after a wrap).
    for (let i = 0; i <= 0xffff; i++) {
      const p = this.nextPort;
      this.nextPort = p >= 0xffff ? this.firstPort : p + 1;
      if (!this.byPort.has(p)) return p;
    }
    throw new Error('simulated NAT: no free public port');
  }

  /** `m` if it is still alive at `now`; an idle one is forgotten on the spot. */
  private live(m: Mapping | undefined, now: number): Mapping | undefined {
    if (m === undefined || m.lastOut + this.idleTimeoutMs > now) return m;
    this.forget(m);
    this.stats.expired++;
    return undefined;
  }

  /** Forgets every idle mapping (before a new one is made, so that the table stays bounded). */
  private sweep(now: number): void {
    for (const m of [...this.byPort.values()]) this.live(m, now);
  }

  private evictOldest(): void {
    let oldest: Mapping | undefined;
    for (const m of this.byPort.values()) if (!oldest || m.lastOut < oldest.lastOut) oldest = m;
    if (!oldest) return;
    this.forget(oldest);
    this.stats.evicted++;
  }

  private forget(m: Mapping): void {
    this.byPort.delete(m.publicPort);
    this.byDest.delete(m.dest ?? '*');
  }
}

/**
 * The NATs of one simulated network, for its two hooks: the source of a datagram a node sends,
 * and where a datagram in flight lands. Each NATted node has a NAT of its own, with its own
 * public IP (198.18.0.1, 198.18.0.2, …); its private address is unreachable from outside.
 */
export class SimNats {
  private readonly byPublicIp = new Map<string, SimNat>();
  private readonly byPrivate = new Map<string, SimNat>();
  private ips = 0;

  constructor(private readonly defaults: Omit<NatOptions, 'publicIp'> = {}) {}

  get size(): number {
    return this.byPrivate.size;
  }

  /**
   * The NAT in front of `privateAddress` for a node added there: a new one of `type`, the one
   * already there if it has that type (a restart behind the same router keeps its mappings), or
   * none for 'none' (a NAT there before is taken away).
   */
  attach(type: NatType, privateAddress: IpPort): SimNat | undefined {
    const key = ipPortKey(privateAddress);
    const existing = this.byPrivate.get(key);
    if (existing && existing.type === type) return existing;
    if (existing) {
      this.byPrivate.delete(key);
      this.byPublicIp.delete(existing.publicIp);
    }
    if (type === 'none') return undefined;
    const n = ++this.ips;
    if (n > 0x1fffe) throw new RangeError('simulated NAT: out of public IPs');
    const nat = new SimNat(type, privateAddress, { ...this.defaults, publicIp: `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}` });
    this.byPrivate.set(key, nat);
    this.byPublicIp.set(nat.publicIp, nat);
    return nat;
  }

  /** The NAT with public IP `ip`, if any. */
  byIp(ip: string): SimNat | undefined {
    return this.byPublicIp.get(ip);
  }

  /**
   * Where a datagram from `from` to `toKey` (ipPortKey) lands: the private address (ipPortKey)
   * behind the NAT it is addressed to, null when that NAT (or a private address) refuses it, or
   * undefined when no NAT is concerned.
   */
  inbound(now: number, from: IpPort, toKey: string): string | null | undefined {
    if (this.byPrivate.size === 0) return undefined; // no NAT at all (large simulations): nothing to parse
    if (this.byPrivate.has(toKey)) return null;
    const colon = toKey.lastIndexOf(':');
    const nat = this.byPublicIp.get(toKey.slice(0, colon));
    if (nat === undefined) return undefined;
    const to = nat.inbound(now, from, Number(toKey.slice(colon + 1)));
    return to === null ? null : ipPortKey(to);
  }

  /** The private address (ipPortKey) behind a datagram's public source `from`, if a NAT's (partitions apply to the node). */
  privateOf(from: IpPort): string | undefined {
    if (this.byPublicIp.size === 0) return undefined;
    const nat = from.family === 'ipv4' ? this.byPublicIp.get(from.ip) : undefined;
    return nat ? ipPortKey(nat.privateAddress) : undefined;
  }
}
