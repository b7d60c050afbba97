/**
 * A session that came up through a TCP relay before either side knew the other's address (every
 * datagram between A and B blocked, their DHT packets too, so no address check passed) moves to
 * UDP once the block is lifted: the DHT finds the friend's node, the established session learns
 * the address, and net_crypto's connection follows it at once (runtime/net-crypto/net-crypto.ts
 * sessionChanged; c-toxcore 0.2.18 friend_connection.c dht_ip_callback → net_crypto.c
 * set_direct_ip_port). Without that, the friend's direct packets were dropped as coming from an
 * unknown address (`net_crypto.data_unknown_address`) and the session stayed on the relay for
 * good — found by the toxstate ↔ c-toxcore interop test (test/interop/tcp-relays-path.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { SimNode } from '../../runtime/adapters/sim-network.js';
import { RelayPair } from './tcp-sim-helpers.js';

/** Drops every datagram x sends to y while `block.on` (on top of RelayPair's own session-packet switch). */
function firewall(x: SimNode, y: SimNode, block: { on: boolean; dropped: number }): void {
  const take = x.engine.takeTransmits.bind(x.engine);
  x.engine.takeTransmits = () =>
    take().filter((t) => {
      if (!block.on || t.to.ip !== y.address.ip) return true;
      block.dropped++;
      return false;
    });
}

const connOf = (x: SimNode, y: SimNode) => x.engine.netCrypto.connection(y.engine.selfHex);

describe('net_crypto: an address learned after the session came up through a relay', () => {
  it('no datagram between the friends: Established over TCP with no address; lifted: the connection takes the address, both report udp, never offline', async () => {
    const p = await RelayPair.create(41);
    const block = { on: true, dropped: 0 };
    firewall(p.a, p.b, block);
    firewall(p.b, p.a, block);
    expect(p.connect()).toBe(true);
    p.run(5000);
    for (const [x, y] of [[p.a, p.b], [p.b, p.a]] as const) {
      expect(p.paths(x, y)).toEqual(['tcp']);
      expect(connOf(x, y)?.address).toBeNull();
    }
    expect(block.dropped).toBeGreaterThan(0);

    block.on = false;
    p.run(60_000);
    for (const [x, y] of [[p.a, p.b], [p.b, p.a]] as const) {
      expect(connOf(x, y)?.address).toEqual(y.address);
      expect(p.paths(x, y)).toEqual(['tcp', 'udp']);
      expect(x.engine.counters.get('error.handler')).toBe(0);
    }
    p.message(p.a, p.b, 'direct now');
    p.run(5000);
    expect(p.received(p.b, p.a)).toContain('direct now');
    expect(p.offline()).toEqual([]);
  });
});
