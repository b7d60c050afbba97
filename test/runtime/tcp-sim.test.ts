/**
 * TCP relays on the simulated network with NATs (runtime/adapters/sim-nat.ts, sim-streams.ts):
 * eight public DHT nodes, the first also a relay, and a pair of friends behind NATs of given types
 * that both know the relay (tcp-sim-helpers.ts; built like hole-punch.test.ts's networks). What
 * the relay changes (c-toxcore 0.2.18 TCP_connection.c, net_crypto.c send_packet_to):
 *
 *   - cone pairs (and a symmetric NAT facing a full cone) connect directly and stay on UDP;
 *   - symmetric ↔ port-restricted goes online through the relay at once, then hole punching
 *     (DHT.c punch_holes) finds the direct path and the session moves to UDP;
 *   - symmetric ↔ symmetric never meets over UDP (hole-punch.test.ts): it connects ONLY through
 *     the relay, and messages flow both ways over it.
 *
 * The runs are seeded and deterministic (the same seed gives the same events). When the relay goes
 * down the relay-only pair goes offline (the 32 s session timeout) and comes back when the relay
 * returns (the tcpRelay actors' retry, machines/tcp-relay.ts).
 */
import { describe, expect, it } from 'vitest';
import { PACKET_ID } from '../../protocol/packet-ids.js';
import type { NatType } from '../../runtime/adapters/sim-nat.js';
import { RelayPair } from './tcp-sim-helpers.js';

/** Virtual time a pair is given to connect, and then to settle. */
const CONNECT_MS = 120_000;
const SETTLE_MS = 60_000;

type Outcome = 'direct' | 'hole-punched' | 'relay-only' | 'mixed' | 'offline';

/** How the pair ended up: both on UDP without or with punching, both only ever on the relay, or neither. */
function outcome(p: RelayPair): Outcome {
  if (!p.established()) return 'offline';
  const ab = p.paths(p.a, p.b);
  const ba = p.paths(p.b, p.a);
  const punches = p.a.engine.counters.get('dht.punch_pings_sent') + p.b.engine.counters.get('dht.punch_pings_sent');
  if (ab.at(-1) === 'udp' && ba.at(-1) === 'udp') return punches === 0 ? 'direct' : 'hole-punched';
  if ([...ab, ...ba].every((x) => x === 'tcp')) return 'relay-only';
  return 'mixed';
}

async function run(natA: NatType, natB: NatType, seed: number): Promise<RelayPair> {
  const p = await RelayPair.create(seed, { natA, natB });
  expect(p.connect(CONNECT_MS)).toBe(true);
  p.run(SETTLE_MS);
  return p;
}

describe('friends behind NATs with a TCP relay', () => {
  it('each NAT pair: direct, hole-punched, or relay-only', async () => {
    const expected: Array<[NatType, NatType, Outcome]> = [
      ['none', 'none', 'direct'],
      ['portRestricted', 'portRestricted', 'direct'],
      ['fullCone', 'symmetric', 'direct'],
      ['symmetric', 'portRestricted', 'hole-punched'],
      ['symmetric', 'symmetric', 'relay-only'],
    ];
    const table: Array<[NatType, NatType, Outcome]> = [];
    for (const [na, nb] of expected) {
      const p = await run(na, nb, 11);
      table.push([na, nb, outcome(p)]);
      expect(p.offline()).toEqual([]);
      for (const n of [p.a, p.b]) expect(n.engine.counters.get('error.handler')).toBe(0);
    }
    expect(table).toEqual(expected);
  }, 60_000);

  it('symmetric ↔ symmetric: online only through the relay (never a udp path), messages both ways, all session data through the relay', async () => {
    const p = await run('symmetric', 'symmetric', 12);
    expect(p.paths(p.a, p.b)).toEqual(['tcp']);
    expect(p.paths(p.b, p.a)).toEqual(['tcp']);
    p.message(p.a, p.b, 'hello through the relay');
    p.message(p.b, p.a, 'and back');
    p.run(10_000);
    expect(p.received(p.b, p.a)).toEqual(['hello through the relay']);
    expect(p.received(p.a, p.b)).toEqual(['and back']);
    for (const x of [p.a, p.b]) {
      expect(p.sent(x).filter((s) => s.via === 'tcp' && s.id === PACKET_ID.crypto_data).length).toBeGreaterThan(10);
      expect(x.engine.counters.get('tcp.peer_online')).toBeGreaterThanOrEqual(1);
    }
    // The relay paired the two routes: each side's route went online there.
    expect(p.relayState(p.a)).toBe('Confirmed');
    expect(p.relayState(p.b)).toBe('Confirmed');
  }, 30_000);

  it('is deterministic: the same seed gives the same events', async () => {
    const trace = async (): Promise<string> => {
      const p = await run('symmetric', 'symmetric', 13);
      return JSON.stringify([p.a.events, p.b.events, p.sent(p.a), p.sent(p.b)]);
    };
    const first = await trace();
    expect(await trace()).toBe(first);
  }, 30_000);

  it('the relay goes down: the relay-only pair goes offline after the 32 s timeout, and comes back when the relay returns', async () => {
    const p = await run('symmetric', 'symmetric', 14);
    const downAt = p.sim.now;
    p.sim.setUp(p.relayNode, false);
    p.run(40_000);
    const offline = p.offline();
    expect(offline).toHaveLength(2);
    for (const e of offline) {
      // ALIVE every 8 s, 32 s without any packet: offline between 24 and 32 s (plus a tick) after the last one arrived.
      expect(e.t).toBeGreaterThan(downAt + 20_000);
      expect(e.t).toBeLessThanOrEqual(downAt + 33_000);
    }
    expect(p.established()).toBe(false);
    expect([p.relayState(p.a), p.relayState(p.b)]).toEqual(['Disconnected', 'Disconnected']);

    p.sim.setUp(p.relayNode, true);
    const upAt = p.sim.now;
    expect(p.sim.runUntilTrue(() => p.established(), 300_000)).toBe(true);
    // Back through the relay (the retry pause was at most 40 s by then: 10, 20, 40 s).
    expect(p.sim.now - upAt).toBeLessThan(60_000);
    expect(p.paths(p.a, p.b)).toEqual(['tcp', 'tcp']);
    p.message(p.a, p.b, 'back again');
    p.run(5_000);
    expect(p.received(p.b, p.a)).toContain('back again');
  }, 30_000);
});
