/**
 * The simulated network itself (runtime/adapters/sim-network.ts): addresses for thousands of
 * nodes, latency models (uniform and heavy-tailed jitter, per-node slow links), per-node loss,
 * nodes joining, leaving for good, restarting, suspending; all on a virtual clock, seeded.
 */
import { describe, expect, it } from 'vitest';
import { encodePackedNode } from '../../protocol/packed-node.js';
import { ipPortKey, type IpPort } from '../../protocol/ip-port.js';
import { SimNetwork, type SimNode } from '../../runtime/adapters/sim-network.js';
import type { Engine, Transmit } from '../../runtime/engine.js';
import { befriend, established, handlerErrors, makeScenario } from './helpers.js';

/**
 * A stand-in engine that records what it hears and sends what a test queues: the network only
 * needs the adapter surface of an engine.
 */
class Probe {
  readonly heard: Array<{ at: number; from: string; data: Uint8Array }> = [];
  readonly timeouts: number[] = [];
  private out: Transmit[] = [];
  started = -1;
  keys = { dht: { publicKey: new Uint8Array(32) } };
  start(now: number): void {
    this.started = now;
  }
  handleDatagram(now: number, from: IpPort, data: Uint8Array): void {
    this.heard.push({ at: now, from: ipPortKey(from), data });
  }
  handleTimeout(now: number): void {
    this.timeouts.push(now);
  }
  takeTransmits(): Transmit[] {
    const t = this.out;
    this.out = [];
    return t;
  }
  takeEvents(): [] {
    return [];
  }
  /** A probe opens no TCP streams. */
  takeStreamOps(): [] {
    return [];
  }
  nextDeadline(): null {
    return null;
  }
  bootstrap(): void {}
  send(to: IpPort, n: number): void {
    for (let i = 0; i < n; i++) this.out.push({ to, data: Uint8Array.of(i & 255, i >> 8) });
  }
}

function probes(sim: SimNetwork, n: number): Array<{ node: SimNode; probe: Probe }> {
  return Array.from({ length: n }, () => {
    const probe = new Probe();
    return { node: sim.add(probe as unknown as Engine), probe };
  });
}

/** Delivery delays (ms) of `count` datagrams sent at once from a to b. */
function delays(sim: SimNetwork, count: number): number[] {
  const [a, b] = probes(sim, 2);
  const t0 = sim.now;
  a!.probe.send(b!.node.address, count);
  sim.flush([a!.node]);
  sim.runFor(100_000);
  return b!.probe.heard.map((h) => h.at - t0);
}

describe('the simulated network', () => {
  it('gives thousands of nodes distinct, valid addresses (127.0.0.1 first, past x.x.x.255)', () => {
    const seen = new Set<string>();
    for (const n of [0, 1, 254, 255, 256, 65_535, 65_536, 100_000]) {
      const a = SimNetwork.addressFor(n);
      expect(() => encodePackedNode({ transport: 'udp', ipPort: a, publicKey: new Uint8Array(32) })).not.toThrow();
      seen.add(ipPortKey(a));
    }
    expect(seen.size).toBe(8);
    expect(SimNetwork.addressFor(0).ip).toBe('127.0.0.1');
    expect(SimNetwork.addressFor(254).ip).toBe('127.0.0.255');
    expect(SimNetwork.addressFor(255).ip).toBe('127.0.1.0');
    expect(() => SimNetwork.addressFor(0xffffff)).toThrow(RangeError);
  });

  it('uniform jitter stays within its bound; exponential jitter has the same mean and a long tail', () => {
    const uniform = delays(new SimNetwork({ seed: 3, latencyMs: 20, jitterMs: 40 }), 4000);
    const expo = delays(new SimNetwork({ seed: 3, latencyMs: 20, jitterMs: 40, jitterModel: 'exponential' }), 4000);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(uniform).toHaveLength(4000);
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...uniform)).toBeLessThan(60);
    expect(mean(uniform)).toBeGreaterThan(35);
    expect(mean(uniform)).toBeLessThan(45);
    expect(expo).toHaveLength(4000);
    expect(mean(expo)).toBeGreaterThan(50);
    expect(mean(expo)).toBeLessThan(65);
    expect(Math.max(...expo)).toBeGreaterThan(150);
    expect(Math.max(...expo)).toBeLessThanOrEqual(20 + 20 * 40);
  });

  it('a slow, lossy node link delays and drops only what goes to or from that node', () => {
    const sim = new SimNetwork({ seed: 5, latencyMs: 10 });
    const [a, b, c] = probes(sim, 3);
    sim.setLink(c!.node, { extraLatencyMs: 100, extraLoss: 0.5 });
    a!.probe.send(b!.node.address, 1000);
    a!.probe.send(c!.node.address, 1000);
    sim.flush([a!.node]);
    sim.runFor(1_000);
    expect(b!.probe.heard).toHaveLength(1000);
    expect(b!.probe.heard.every((h) => h.at === 10)).toBe(true);
    expect(c!.probe.heard.length).toBeGreaterThan(400);
    expect(c!.probe.heard.length).toBeLessThan(600);
    expect(c!.probe.heard.every((h) => h.at === 110)).toBe(true);
    expect(sim.stats.lost).toBe(1000 - c!.probe.heard.length);
  });

  it('a removed node hears nothing, its address can be taken by a newcomer, and a taken address is refused', () => {
    const sim = new SimNetwork({ seed: 6, latencyMs: 10 });
    const [a, b] = probes(sim, 2);
    a!.probe.send(b!.node.address, 3);
    sim.flush([a!.node]);
    sim.remove(b!.node);
    sim.runFor(100);
    expect(b!.probe.heard).toEqual([]);
    expect(sim.stats.unreachable).toBe(3);
    expect(() => sim.setUp(b!.node, true)).toThrow(/removed/);
    expect(() => sim.add(new Probe() as unknown as Engine, a!.node.address)).toThrow(/taken/);
    const again = new Probe();
    const n = sim.add(again as unknown as Engine, b!.node.address);
    a!.probe.send(n.address, 2);
    sim.flush([a!.node]);
    sim.runFor(100);
    expect(again.heard).toHaveLength(2);
    expect(again.started).toBe(100);
  });

  it('a suspended node hears nothing while asleep and wakes with its clock jumped', () => {
    const sim = new SimNetwork({ seed: 7, latencyMs: 10 });
    const [a, b] = probes(sim, 2);
    sim.suspend(b!.node, 60_000);
    a!.probe.send(b!.node.address, 5);
    sim.flush([a!.node]);
    sim.runFor(59_000);
    expect(b!.probe.heard).toEqual([]);
    expect(b!.probe.timeouts).toEqual([]);
    sim.runFor(2_000);
    expect(b!.probe.timeouts).toEqual([60_000]);
    expect(b!.node.suspendedUntil).toBeNull();
    a!.probe.send(b!.node.address, 1);
    sim.flush([a!.node]);
    sim.runFor(100);
    expect(b!.probe.heard.map((h) => h.at)).toEqual([61_010]);
  });

  it('a node joining a running toxstate network through a bootstrap node befriends one already there and connects', async () => {
    const net = await makeScenario({ nodes: 20, seedBase: 8100 });
    const { sim, nodes } = net;
    sim.runFor(10_000);
    const late = sim.join(net.engine(8199), [net.bootstrap[1]!]);
    expect(late.address).toEqual(SimNetwork.addressFor(20));
    befriend(sim, late, nodes[12]!);
    expect(sim.runUntilTrue(() => established(late, nodes[12]!), 10_000)).toBe(true);
    expect(late.engine.dht.stats().good).toBeGreaterThan(5);
    expect(handlerErrors([...nodes, late])).toBe(0);
  });
});
