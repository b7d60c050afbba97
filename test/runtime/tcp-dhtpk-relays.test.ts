/**
 * Our DHT-PK is resent when our first TCP relay confirms (issue 17; runtime/tcp/wiring.ts
 * `relays.available`, machines/dhtkey-share.ts Sharing). A DHT-PK names up to 2 of our confirmed
 * relays (onion_client.c create_dht_pk / tcp_copy_connected_relays); c-toxcore resends it every
 * ONION_DHTPK_SEND_INTERVAL (30 s, onion_client.c do_friend), so one sent before the first relay
 * confirmed leaves a TCP-only friend with no relay to reach us for up to 30 s. toxstate sends it
 * again the moment the first relay confirms.
 *
 * Simulated: five UDP DHT nodes, node 0 also a TCP relay; A is a UDP node in that DHT with no relay
 * of its own at first; B has UDP off and knows only the relay. They are friends (added without a
 * request). A finds B over the onion and sends its DHT-PK (no relay in it); A's relay then confirms,
 * and B receives a DHT-PK from A naming that relay right away, not 30 s later; both come online over TCP.
 */
import { describe, expect, it } from 'vitest';
import type { DhtkeyShareSnapshot } from '../../machines/dhtkey-share.js';
import type { DhtPk } from '../../protocol/dht/dht-pk.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { SimNetwork, type SimNode } from '../../runtime/adapters/sim-network.js';
import { actorKeys, type Engine } from '../../runtime/engine.js';
import type { Friend } from '../../runtime/friends.js';
import { makeEngine } from './helpers.js';

const at = (ip: string, port = 33445): IpPort => ({ family: 'ipv4', ip, port });
const TCP_PORT = 33446;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface Received {
  t: number;
  via: string;
  /** The TCP relays the DHT-PK names, as `ip:port/key`. */
  relays: string[];
}

async function scenario(seed: number) {
  const sim = new SimNetwork({ seed, latencyMs: 10 });
  const dht: SimNode[] = [];
  for (let i = 0; i < 5; i++) {
    const e = await makeEngine(seed * 100 + i, i === 0 ? { tcpServer: true } : {});
    dht.push(i === 0 ? sim.add(e, at('198.51.100.1')) : sim.join(e, [dht[0]!], at(`198.51.100.${i + 1}`)));
  }
  dht[0]!.tcpPort = TCP_PORT;
  sim.runFor(5000);
  const relay = { ...dht[0]!.address, port: TCP_PORT };
  const relayPk = dht[0]!.engine.keys.dht.publicKey;
  const a = sim.join(await makeEngine(seed * 100 + 50), [dht[0]!], at('198.51.100.50'));
  const b = sim.add(await makeEngine(seed * 100 + 51, { udp: false }), at('203.0.113.20'));
  b.engine.bootstrap(sim.now, dht[0]!.address, relayPk);
  b.engine.addTcpRelay(sim.now, relay, relayPk);
  // Every DHT-PK B takes from A, with the relays it names.
  const received: Received[] = [];
  const eb = b.engine as Engine & { onDhtPk(friend: Friend, d: DhtPk, via: 'onion' | 'dhtRoute'): void };
  const onDhtPk = eb.onDhtPk.bind(eb);
  eb.onDhtPk = (friend, d, via) => {
    if (friend.pkHex === a.engine.selfHex) {
      const relays = d.nodes.filter((n) => n.transport === 'tcp').map((n) => `${n.ipPort.ip}:${n.ipPort.port}/${hex(n.publicKey)}`);
      received.push({ t: sim.now, via, relays });
    }
    onDhtPk(friend, d, via);
  };
  a.engine.addFriend(sim.now, Buffer.from(b.engine.selfHex, 'hex'));
  b.engine.addFriend(sim.now, Buffer.from(a.engine.selfHex, 'hex'));
  sim.flush();
  return { sim, a, b, relay, relayPk, received };
}

const online = (x: Engine, y: Engine): boolean => x.progressOf(y.selfHex) === 'Established';
const relayOnlineAt = (n: SimNode): number | undefined => n.events.find((e) => e.type === 'relay_status' && e.online)?.t;

describe('our DHT-PK when our first TCP relay confirms (simulated)', () => {
  it('a DHT-PK sent before the relay named none; the relay confirming sends one naming it at once', async () => {
    const { sim, a, b, relay, relayPk, received } = await scenario(71);
    const named = `${relay.ip}:${relay.port}/${hex(relayPk)}`;
    // A finds B over the onion and sends its first DHT-PK before it has a relay.
    expect(sim.runUntilTrue(() => received.some((r) => r.via === 'onion'), 120_000)).toBe(true);
    const first = received.find((r) => r.via === 'onion')!;
    expect(first.relays).toEqual([]);
    expect(relayOnlineAt(a)).toBeUndefined();
    const share = a.engine.actors.get(actorKeys.dhtkey(a.engine.selfHex, b.engine.selfHex))!.snapshot as DhtkeyShareSnapshot;
    expect(share.value).toEqual({ Active: 'Sharing' });
    const nextByInterval = share.context.onionShareAt!;
    expect(a.engine.counters.get('tcp.relays_available') ?? 0).toBe(0);

    // A's relay: the one B's DHT-PK named, or, if that has not reached A yet, the same one added now.
    a.engine.addTcpRelay(sim.now, relay, relayPk);
    sim.flush();
    expect(sim.runUntilTrue(() => relayOnlineAt(a) !== undefined, 30_000)).toBe(true);
    const confirmedAt = relayOnlineAt(a)!;
    expect(confirmedAt).toBeLessThan(nextByInterval);
    expect(sim.runUntilTrue(() => received.some((r) => r.relays.includes(named)), 60_000)).toBe(true);
    const naming = received.find((r) => r.relays.includes(named))!;
    expect(naming.via).toBe('onion');
    // Right then: well before the 30 s resend was due (an onion round trip, not an interval).
    expect(naming.t).toBeGreaterThanOrEqual(confirmedAt);
    expect(naming.t).toBeLessThan(nextByInterval);
    expect(naming.t - confirmedAt).toBeLessThan(5_000);
    expect(a.engine.counters.get('tcp.relays_available')).toBe(1);
    // And the TCP-only friend reaches us through it.
    expect(sim.runUntilTrue(() => online(a.engine, b.engine) && online(b.engine, a.engine), 60_000)).toBe(true);
    expect(a.engine.counters.get('error.handler') ?? 0).toBe(0);
    expect(b.engine.counters.get('error.handler') ?? 0).toBe(0);
  }, 120_000);
});
