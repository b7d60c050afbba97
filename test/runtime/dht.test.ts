/**
 * The DHT layer on the simulated network: bootstrap, tables filling, answering nodes
 * requests, finding a searched node's address, and dropping bad input.
 */
import { describe, expect, it } from 'vitest';
import { makeNetwork } from './helpers.js';
import { formatIpPort } from '../../protocol/ip-port.js';

describe('DHT', () => {
  it('a 50-node network bootstrapped to one node fills the close lists within 20 s of virtual time', async () => {
    const { sim, nodes } = await makeNetwork(50, { latencyMs: 10, jitterMs: 5 });
    sim.runFor(20_000);
    const goods = nodes.map((n) => n.engine.dht.goodCount).sort((a, b) => a - b);
    // Every node knows several good nodes; the median knows a dozen (buckets cap the far ones at 8).
    expect(goods[0]).toBeGreaterThanOrEqual(4);
    expect(goods[25]).toBeGreaterThanOrEqual(12);
    expect(nodes.every((n) => n.events.some((e) => e.type === 'dht_connected'))).toBe(true);
  });

  it('a search for a DHT key reports the address of that node', async () => {
    const { sim, nodes } = await makeNetwork(20, { latencyMs: 10 });
    sim.runFor(10_000);
    const seeker = nodes[3]!;
    const target = nodes[17]!;
    const found: string[] = [];
    const orig = seeker.engine.dhtAddressFound.bind(seeker.engine);
    seeker.engine.dhtAddressFound = (hex, ipPort, source) => {
      if (hex === target.engine.keys.dhtPkHex) found.push(`${formatIpPort(ipPort)} ${source}`);
      orig(hex, ipPort, source);
    };
    seeker.engine.dht.search('f'.repeat(64), target.engine.keys.dhtPkHex);
    sim.runFor(3_000);
    expect(found).toContain(`${formatIpPort(target.address)} dhtKeyPacket`);
  });

  it('keeps working with 20% loss', async () => {
    const { sim, nodes } = await makeNetwork(30, { latencyMs: 10, loss: 0.2 });
    sim.runFor(30_000);
    expect(nodes.filter((n) => n.engine.dht.goodCount >= 4).length).toBeGreaterThanOrEqual(28);
  });

  it('counts and drops malformed and unauthenticated DHT packets', async () => {
    const { sim, nodes } = await makeNetwork(2);
    const e = nodes[0]!.engine;
    const from = nodes[1]!.address;
    e.handleDatagram(sim.now, from, new Uint8Array([0x02, 1, 2, 3]));
    const forged = new Uint8Array(113);
    forged[0] = 0x02;
    forged.set(nodes[1]!.engine.keys.dht.publicKey, 1);
    e.handleDatagram(sim.now, from, forged);
    expect(e.counters.get('drop.dht.malformed')).toBe(1);
    expect(e.counters.get('drop.dht.nodes_request_invalid')).toBe(1);
    expect(e.takeTransmits()).toEqual([]);
  });
});
