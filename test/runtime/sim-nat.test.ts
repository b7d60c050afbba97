/**
 * The simulated NATs (runtime/adapters/sim-nat.ts) and their hook in the simulated network: per
 * NAT type, which inbound datagrams pass; mappings forgotten after their idle timeout; a symmetric
 * NAT's sequential port per destination; a NATted node unreachable at its private address, seen by
 * everyone at its public mapping, and an un-NATted network unchanged.
 */
import { describe, expect, it } from 'vitest';
import type { IpPort } from '../../protocol/ip-port.js';
import { SimNat, SimNats, type NatType } from '../../runtime/adapters/sim-nat.js';
import { SimNetwork } from '../../runtime/adapters/sim-network.js';
import { makeEngine } from './helpers.js';

const at = (ip: string, port: number): IpPort => ({ family: 'ipv4', ip, port });
const PRIVATE = at('10.0.0.2', 33445);
const A = at('198.51.100.1', 33445);
const A2 = at('198.51.100.1', 40404); // same IP as A, other port
const B = at('198.51.100.2', 33445); // never sent to

function natOf(type: Exclude<NatType, 'none'>, idleTimeoutMs = 60_000): SimNat {
  return new SimNat(type, PRIVATE, { publicIp: '198.18.0.1', firstPort: 50_000, idleTimeoutMs });
}

describe('SimNat: which inbound datagrams pass, by type', () => {
  // After the node sent one datagram to A: may A, A's IP at another port, and a stranger B send in?
  type Passes = { a: boolean; a2: boolean; b: boolean };
  const expected: Record<Exclude<NatType, 'none'>, Passes> = {
    fullCone: { a: true, a2: true, b: true },
    addressRestricted: { a: true, a2: true, b: false },
    portRestricted: { a: true, a2: false, b: false },
    symmetric: { a: true, a2: false, b: false },
  };
  for (const [type, want] of Object.entries(expected) as Array<[Exclude<NatType, 'none'>, Passes]>) {
    it(`${type}: A ${want.a}, A's IP other port ${want.a2}, stranger ${want.b}`, () => {
      const nat = natOf(type);
      const pub = nat.outbound(0, PRIVATE, A);
      expect(pub).toEqual(at('198.18.0.1', 50_000));
      const pass = (from: IpPort): boolean => nat.inbound(10, from, pub.port) !== null;
      expect({ a: pass(A), a2: pass(A2), b: pass(B) }).toEqual(want);
      // Whatever passes reaches the private address; nothing passes on a port never mapped.
      expect(nat.inbound(10, A, pub.port)).toEqual(PRIVATE);
      expect(nat.inbound(10, A, pub.port + 1)).toBeNull();
    });
  }

  it('nothing passes before the node sent anything, even a full cone', () => {
    const nat = natOf('fullCone');
    expect(nat.inbound(0, A, 50_000)).toBeNull();
    expect(nat.stats.blocked).toBe(1);
  });

  it('cone NATs keep one public port for every destination; a symmetric NAT takes the next port per destination', () => {
    for (const type of ['fullCone', 'addressRestricted', 'portRestricted'] as const) {
      const nat = natOf(type);
      const ports = [A, A2, B].map((to) => nat.outbound(0, PRIVATE, to).port);
      expect(ports, type).toEqual([50_000, 50_000, 50_000]);
    }
    const sym = natOf('symmetric');
    expect([A, A2, B, A].map((to) => sym.outbound(0, PRIVATE, to).port)).toEqual([50_000, 50_001, 50_002, 50_000]);
    // A's answer on A2's port does not pass: each port admits only its own destination.
    expect(sym.inbound(1, A, 50_001)).toBeNull();
    expect(sym.inbound(1, A2, 50_001)).toEqual(PRIVATE);
    expect(sym.mappingCount(1)).toBe(3);
  });
});

describe('SimNat: idle timeout', () => {
  it('a mapping lives while the node sends through it and is forgotten idleTimeoutMs after the last datagram out', () => {
    const nat = natOf('portRestricted', 30_000);
    nat.outbound(0, PRIVATE, A);
    expect(nat.inbound(29_999, A, 50_000)).toEqual(PRIVATE);
    // Inbound traffic does not refresh it.
    expect(nat.inbound(30_000, A, 50_000)).toBeNull();
    expect(nat.mappingCount(30_000)).toBe(0);
    expect(nat.stats.expired).toBe(1);
    // Refreshed by outbound traffic, it lives on.
    nat.outbound(40_000, PRIVATE, A);
    nat.outbound(60_000, PRIVATE, A);
    expect(nat.inbound(89_000, A, nat.publicAddressFor(89_000, A)!.port)).toEqual(PRIVATE);
  });

  it('a permission lapses on its own while the mapping lives on through another destination', () => {
    const nat = natOf('addressRestricted', 30_000);
    nat.outbound(0, PRIVATE, A);
    nat.outbound(20_000, PRIVATE, B);
    expect(nat.inbound(35_000, B, 50_000)).toEqual(PRIVATE);
    expect(nat.inbound(35_000, A, 50_000)).toBeNull();
  });

  it('a symmetric NAT maps a destination anew (the next port) after its mapping expired', () => {
    const nat = natOf('symmetric', 30_000);
    expect(nat.outbound(0, PRIVATE, A).port).toBe(50_000);
    expect(nat.outbound(30_000, PRIVATE, A).port).toBe(50_001);
    expect(nat.inbound(30_001, A, 50_000)).toBeNull();
  });

  it('the table is bounded: beyond maxMappings the least recently used mapping goes', () => {
    const nat = new SimNat('symmetric', PRIVATE, { publicIp: '198.18.0.1', maxMappings: 16 });
    for (let i = 0; i < 100; i++) nat.outbound(i, PRIVATE, at('198.51.100.9', 1000 + i));
    expect(nat.mappingCount(100)).toBe(16);
    expect(nat.stats.evicted).toBe(84);
    expect(nat.publicAddressFor(100, at('198.51.100.9', 1099))).not.toBeNull();
    expect(nat.publicAddressFor(100, at('198.51.100.9', 1000))).toBeNull();
  });
});

describe('SimNats and the simulated network', () => {
  it('each NAT has its own public IP; a private address is unreachable; none takes a NAT away', () => {
    const nats = new SimNats();
    const n1 = nats.attach('portRestricted', at('10.0.0.2', 33445))!;
    const n2 = nats.attach('symmetric', at('10.0.1.2', 33445))!;
    expect([n1.publicIp, n2.publicIp]).toEqual(['198.18.0.1', '198.18.0.2']);
    expect(nats.attach('portRestricted', at('10.0.0.2', 33445))).toBe(n1);
    const pub = n1.outbound(0, at('10.0.0.2', 33445), A);
    expect(nats.inbound(1, A, `${pub.ip}:${pub.port}`)).toBe('10.0.0.2:33445');
    expect(nats.inbound(1, B, `${pub.ip}:${pub.port}`)).toBeNull();
    expect(nats.inbound(1, A, '10.0.0.2:33445')).toBeNull();
    expect(nats.inbound(1, A, '198.51.100.7:1')).toBeUndefined();
    expect(nats.privateOf(pub)).toBe('10.0.0.2:33445');
    expect(nats.attach('none', at('10.0.0.2', 33445))).toBeUndefined();
    expect(nats.inbound(1, A, '10.0.0.2:33445')).toBeUndefined();
  });

  it("a NATted engine is seen at its public mapping; only what its NAT admits reaches it", async () => {
    const sim = new SimNetwork({ seed: 5, latencyMs: 10 });
    const seen: IpPort[] = [];
    sim.addEndpoint(A, (_now, from) => seen.push(from));
    const stranger = sim.addEndpoint(B, () => undefined);
    const node = sim.add(await makeEngine(71), at('10.0.0.2', 33445), { nat: 'portRestricted' });
    expect(node.nat?.type).toBe('portRestricted');
    node.engine.bootstrap(sim.now, A, new Uint8Array(32).fill(7));
    sim.flush();
    sim.runFor(100);
    expect(seen.length).toBeGreaterThan(0);
    const pub = seen[0]!;
    expect(pub.ip).toBe(node.nat!.publicIp);
    const before = node.engine.counters.get('rx.datagrams');
    const delivered = sim.stats.delivered;
    // A stranger's datagram to the mapping, and anyone's to the private address, are stopped.
    stranger.send(pub, new Uint8Array([0x21, ...new Uint8Array(32)]));
    stranger.send(node.address, new Uint8Array([0x21, ...new Uint8Array(32)]));
    sim.runFor(50);
    expect(sim.stats.delivered).toBe(delivered);
    expect(node.engine.counters.get('rx.datagrams')).toBe(before);
    expect(node.nat!.stats.blocked).toBe(1);
  });

  it('without a NAT the network is unchanged: a node is seen at its own address', async () => {
    const sim = new SimNetwork({ seed: 5, latencyMs: 10 });
    const seen: IpPort[] = [];
    sim.addEndpoint(A, (_now, from) => seen.push(from));
    const node = sim.add(await makeEngine(72), at('10.0.0.3', 33445));
    expect(node.nat).toBeUndefined();
    node.engine.bootstrap(sim.now, A, new Uint8Array(32).fill(7));
    sim.flush();
    sim.runFor(100);
    expect(seen[0]).toEqual(at('10.0.0.3', 33445));
  });
});
