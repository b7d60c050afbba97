/**
 * Which way net_crypto packets go (runtime/net-crypto/paths.ts; c-toxcore 0.2.18 net_crypto.c
 * send_packet_to, crypto_connection_status, do_tcp): first the rules on one connection with a
 * recording context, then two engines on the simulated network with a TCP relay between them,
 * their direct UDP cut and restored by a test switch while everything else flows:
 *
 * - no relay reaches the peer: everything to the address, as before TCP existed;
 * - a relay reaches it and nothing arrived directly for 8 s: cookie requests and handshakes go
 *   both ways (address and relay), data through the relay, a small (< 96 bytes) data packet also
 *   to the address at most every 4 s;
 * - a direct packet within 8 s: UDP only, and the session reports path `udp` (`friend_path`);
 *   8 s without one: path `tcp` again. The session never drops while it moves.
 */
import { describe, expect, it } from 'vitest';
import type { Bytes } from '../../protocol/bytes.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { PACKET_ID } from '../../protocol/packet-ids.js';
import type { Connection } from '../../runtime/net-crypto/connection.js';
import { UDP_DIRECT_TIMEOUT_MS, UDP_PROBE_MAX_BYTES } from '../../runtime/net-crypto/constants.js';
import type { NetCryptoContext, NetCryptoFact } from '../../runtime/net-crypto/context.js';
import { pathTimerAt, transmit, updatePath } from '../../runtime/net-crypto/paths.js';
import type { Friend } from '../../runtime/friends.js';
import { RelayPair } from './tcp-sim-helpers.js';

const ADDRESS: IpPort = { family: 'ipv4', ip: '203.0.113.9', port: 33445 };
const PEER = 'ab'.repeat(32);
const PROBE_INTERVAL_MS = UDP_DIRECT_TIMEOUT_MS / 2;

/** A context that records what goes where; `routed` says whether a relay reaches the peer. */
function recorder(routed: boolean) {
  const log: Array<{ via: 'udp' | 'tcp'; bytes: number }> = [];
  const facts: NetCryptoFact[] = [];
  const counts = new Map<string, number>();
  const state = { now: 100_000, routed, linked: routed };
  const ctx = {
    get now() {
      return state.now;
    },
    send: (_to: IpPort, data: Bytes) => void log.push({ via: 'udp', bytes: data.length }),
    count: (name: string) => void counts.set(name, (counts.get(name) ?? 0) + 1),
    report: (f: NetCryptoFact) => void facts.push(f),
    tcp: { routed: () => state.routed, linked: () => state.linked, send: (_peer: string, data: Bytes) => (state.routed ? (log.push({ via: 'tcp', bytes: data.length }), true) : false) },
  } as unknown as NetCryptoContext;
  const conn = { peerDhtHex: PEER, address: ADDRESS, lastUdpAt: null, udpTryAt: 0, lastVia: null, path: null, confirmed: false, killed: false, friend: { pkHex: 'f' } as Friend } as unknown as Connection;
  const take = () => log.splice(0).map((l) => l.via);
  return { ctx, conn, state, log, facts, counts, take };
}

const packet = (n: number): Bytes => new Uint8Array(n).fill(0x1b);

describe('net_crypto paths: one connection', () => {
  it('no relay reaches the peer: cookie requests, handshakes and data all go to the address only; no address, nowhere (counted)', () => {
    const r = recorder(false);
    for (const kind of ['cookieRequest', 'handshake', 'data'] as const) {
      expect(transmit(r.ctx, r.conn, packet(kind === 'data' ? 500 : 40), kind)).toBe(true);
      expect(r.take()).toEqual(['udp']);
    }
    (r.conn as { address: IpPort | null }).address = null;
    expect(transmit(r.ctx, r.conn, packet(40), 'data')).toBe(false);
    expect(r.take()).toEqual([]);
    expect(r.counts.get('net_crypto.no_path')).toBe(1);
  });

  it('a relay reaches the peer, nothing direct: cookie request and handshake both ways, data through the relay, a small one also to the address every 4 s', () => {
    const r = recorder(true);
    expect(transmit(r.ctx, r.conn, packet(40), 'cookieRequest')).toBe(true);
    expect(r.take()).toEqual(['udp', 'tcp']);
    expect(transmit(r.ctx, r.conn, packet(400), 'handshake')).toBe(true);
    expect(r.take()).toEqual(['udp', 'tcp']);
    // Data: the probe slot was just used by the handshake; big packets never go to the address.
    r.state.now += PROBE_INTERVAL_MS;
    expect(transmit(r.ctx, r.conn, packet(UDP_PROBE_MAX_BYTES), 'data')).toBe(true);
    expect(r.take()).toEqual(['tcp']);
    expect(transmit(r.ctx, r.conn, packet(UDP_PROBE_MAX_BYTES - 1), 'data')).toBe(true);
    expect(r.take()).toEqual(['udp', 'tcp']);
    const probedAt = r.state.now;
    for (let t = probedAt + 500; t < probedAt + PROBE_INTERVAL_MS; t += 500) {
      r.state.now = t;
      transmit(r.ctx, r.conn, packet(20), 'data');
      expect(r.take()).toEqual(['tcp']);
    }
    r.state.now = probedAt + PROBE_INTERVAL_MS;
    transmit(r.ctx, r.conn, packet(20), 'data');
    expect(r.take()).toEqual(['udp', 'tcp']);
  });

  it('a packet arrived directly within 8 s: UDP only, whatever the kind; 8 s later the relay rules again', () => {
    const r = recorder(true);
    r.conn.lastUdpAt = r.state.now;
    for (const kind of ['cookieRequest', 'handshake', 'data'] as const) {
      r.state.now = r.conn.lastUdpAt + UDP_DIRECT_TIMEOUT_MS - 1;
      transmit(r.ctx, r.conn, packet(kind === 'data' ? 500 : 40), kind);
      expect(r.take()).toEqual(['udp']);
    }
    r.state.now = r.conn.lastUdpAt + UDP_DIRECT_TIMEOUT_MS;
    transmit(r.ctx, r.conn, packet(500), 'data');
    expect(r.take()).toEqual(['tcp']);
  });

  it('a session confirmed through the relay right after a direct packet is on UDP: that is reported, not left unsaid', () => {
    const r = recorder(true);
    // A handshake came directly, the confirming data packet through the relay (sessionConfirmed says via tcp).
    r.conn.lastUdpAt = r.state.now - 300;
    r.conn.lastVia = 'tcp';
    r.conn.confirmed = true;
    updatePath(r.ctx, r.conn);
    expect(r.facts).toEqual([{ type: 'net_crypto.pathChanged', friend: r.conn.friend, path: 'udp' }]);
    expect(r.conn.path).toBe('udp');
    // 8 s after the direct packet: the relay again.
    expect(pathTimerAt(r.ctx, r.conn)).toBe(r.conn.lastUdpAt + UDP_DIRECT_TIMEOUT_MS);
    r.state.now = r.conn.lastUdpAt + UDP_DIRECT_TIMEOUT_MS;
    updatePath(r.ctx, r.conn);
    expect(r.facts.map((f) => (f as { path: string }).path)).toEqual(['udp', 'tcp']);
  });

  it('a session on UDP whose relay sleeps (linked, not routed): TCP reported 8 s after the last direct packet, which wakes the relay', () => {
    const r = recorder(false);
    r.state.linked = true;
    r.conn.lastVia = 'udp';
    r.conn.lastUdpAt = r.state.now;
    r.conn.confirmed = true;
    updatePath(r.ctx, r.conn);
    expect(r.facts).toEqual([]);
    expect(pathTimerAt(r.ctx, r.conn)).toBe(r.state.now + UDP_DIRECT_TIMEOUT_MS);
    r.state.now += UDP_DIRECT_TIMEOUT_MS;
    updatePath(r.ctx, r.conn);
    expect(r.facts.map((f) => (f as { path: string }).path)).toEqual(['tcp']);
    // With no relay linked at all nothing is reported and no timer runs (UDP-only sessions unchanged).
    const u = recorder(false);
    u.conn.lastVia = 'udp';
    u.conn.lastUdpAt = u.state.now;
    u.conn.confirmed = true;
    updatePath(u.ctx, u.conn);
    expect(pathTimerAt(u.ctx, u.conn)).toBe(null);
    u.state.now += 60_000;
    updatePath(u.ctx, u.conn);
    expect(u.facts).toEqual([]);
  });

  it('a session confirmed over the path it reports stays silent (no change to report)', () => {
    for (const via of ['udp', 'tcp'] as const) {
      const r = recorder(true);
      r.conn.lastVia = via;
      r.conn.lastUdpAt = via === 'udp' ? r.state.now : null;
      r.conn.confirmed = true;
      updatePath(r.ctx, r.conn);
      expect(r.facts).toEqual([]);
      expect(r.conn.path).toBe(via);
    }
  });
});

describe('net_crypto paths: two engines and a relay', () => {
  it('without any relay: every session packet to the address, nothing through TCP', async () => {
    const p = await RelayPair.create(31, { relay: false });
    expect(p.connect()).toBe(true);
    p.run(30_000);
    for (const [x, y] of [[p.a, p.b], [p.b, p.a]] as const) {
      expect(x.engine.counters.get('net_crypto.tcp_sent')).toBe(0);
      expect(x.engine.counters.get('tcp.packets_sent')).toBe(0);
      expect(x.engine.streams.size).toBe(0);
      expect(p.sent(x).filter((s) => s.via === 'tcp')).toEqual([]);
      expect(p.sent(x).some((s) => s.id === PACKET_ID.crypto_data)).toBe(true);
      expect(p.paths(x, y)).toEqual(['udp']);
    }
  });

  it('UDP blocked: connects through the relay (cookie request and handshake both ways), data through it, small probes to the address every ≥ 4 s', async () => {
    const p = await RelayPair.create(32, { blocked: true });
    expect(p.connect()).toBe(true);
    for (const [x, y] of [[p.a, p.b], [p.b, p.a]] as const) {
      expect(p.paths(x, y)).toEqual(['tcp']);
      for (const id of [PACKET_ID.cookie_request, PACKET_ID.handshake]) {
        const ways = new Set(p.sent(x).filter((s) => s.id === id).map((s) => s.via));
        expect([id, [...ways].sort()]).toEqual([id, ['tcp', 'udp']]);
      }
    }
    const since = p.sim.now;
    p.message(p.a, p.b, 'x'.repeat(300));
    p.message(p.b, p.a, 'y'.repeat(300));
    p.run(40_000);
    expect(p.received(p.b, p.a)).toContain('x'.repeat(300));
    expect(p.received(p.a, p.b)).toContain('y'.repeat(300));
    for (const x of [p.a, p.b]) {
      const data = p.sent(x).filter((s) => s.id === PACKET_ID.crypto_data && s.at >= since);
      expect(data.filter((s) => s.via === 'tcp').length).toBeGreaterThan(5);
      const probes = data.filter((s) => s.via === 'udp');
      expect(probes.length).toBeGreaterThan(3);
      expect(probes.every((s) => s.bytes < UDP_PROBE_MAX_BYTES)).toBe(true);
      for (let i = 1; i < probes.length; i++) expect(probes[i]!.at - probes[i - 1]!.at).toBeGreaterThanOrEqual(PROBE_INTERVAL_MS);
    }
    expect(p.offline()).toEqual([]);
  });

  it('UDP restored: a probe gets through, both sessions report udp and send only UDP; cut again: tcp after 8 s; the session never drops', async () => {
    const p = await RelayPair.create(33, { blocked: true });
    expect(p.connect()).toBe(true);
    p.run(10_000);
    p.blocked = false;
    const restoredAt = p.sim.now;
    p.run(2 * PROBE_INTERVAL_MS + 1000);
    for (const [x, y] of [[p.a, p.b], [p.b, p.a]] as const) expect(p.paths(x, y)).toEqual(['tcp', 'udp']);
    // On UDP for a while (long enough for the relays to go to sleep): nothing more goes through TCP.
    const udpSince = p.sim.now;
    p.message(p.a, p.b, 'over udp');
    p.run(30_000);
    expect(p.received(p.b, p.a)).toContain('over udp');
    for (const x of [p.a, p.b]) expect(p.sent(x).filter((s) => s.via === 'tcp' && s.at >= udpSince)).toEqual([]);
    expect(restoredAt).toBeLessThan(udpSince);
    // Everything on the relays is direct: they went to sleep (tcpRelay Sleeping, no socket).
    expect([p.relayState(p.a), p.relayState(p.b)]).toEqual(['Sleeping', 'Sleeping']);

    // Cut again: 8 s after the last direct packet each session is on its relay, and messages still flow.
    p.blocked = true;
    const cutAt = p.sim.now;
    p.run(UDP_DIRECT_TIMEOUT_MS + 2000);
    for (const [x, y] of [[p.a, p.b], [p.b, p.a]] as const) {
      expect(p.paths(x, y)).toEqual(['tcp', 'udp', 'tcp']);
      const back = p.pathEvents(x, y).at(-1)!;
      expect(back.t).toBeGreaterThan(cutAt);
      expect(back.t).toBeLessThanOrEqual(cutAt + UDP_DIRECT_TIMEOUT_MS + 1000);
    }
    expect([p.relayState(p.a), p.relayState(p.b)]).toEqual(['Confirmed', 'Confirmed']);
    p.message(p.a, p.b, 'over tcp again');
    p.message(p.b, p.a, 'and back');
    p.run(60_000);
    expect(p.received(p.b, p.a)).toContain('over tcp again');
    expect(p.received(p.a, p.b)).toContain('and back');
    expect(p.offline()).toEqual([]);
    for (const x of [p.a, p.b]) expect(x.engine.counters.get('error.handler')).toBe(0);
  });
});
