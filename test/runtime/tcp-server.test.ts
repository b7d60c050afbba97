/**
 * The TCP relay server (runtime/tcp/server.ts) through a real Engine with `tcpServer: true`,
 * clients played by hand with the protocol/tcp codecs (tcp-server-helpers.ts): handshake and
 * confirmation, routes and their notifications, data both ways with each side's ids, OOB, pings
 * both ways and the ping timeout, one connection per key. c-toxcore: TCP_server.c.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { equalBytes, toHex } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { NUM_RESERVED_PORTS } from '../../protocol/tcp/index.js';
import type { KeyPair } from '../../runtime/keys.js';
import { addr, keyPair, onionEngine } from './onion-helpers.js';
import { Relay } from './tcp-server-helpers.js';

let crypto: Crypto;
let alice: KeyPair, bob: KeyPair, carol: KeyPair;

beforeAll(async () => {
  crypto = await loadCrypto();
  const k = await Promise.all([501, 502, 503].map((s) => keyPair(s)));
  [alice, bob, carol] = [k[0]!, k[1]!, k[2]!];
});

async function relay(seed = 1, extra = {}): Promise<Relay> {
  const node = await onionEngine(seed, addr(1), { tcpServer: true, ...extra });
  return new Relay(node.engine, crypto);
}

function noErrors(r: Relay): void {
  expect(r.engine.counters.get('error.handler')).toBe(0);
  for (const c of r.clients.values()) expect(c.errors).toEqual([]);
}

describe('TCP relay server: handshake and confirmation', () => {
  it('answers the 128-byte handshake with a 96-byte one the client opens, and confirms on the first frame (a ping, answered)', async () => {
    const r = await relay();
    const c = r.accept(alice)!;
    c.raw(c.handshakeBytes().subarray(0, 100)); // split: nothing yet
    expect(c.cipher).toBeNull();
    c.raw(c.handshakeBytes().subarray(100));
    expect(c.cipher).not.toBeNull();
    expect(r.engine.tcpServer).not.toBeNull();
    const server = r.engine.tcpServer as unknown as { connections(): Array<{ phase: string; pkHex: string }> };
    expect(server.connections()).toEqual([expect.objectContaining({ phase: 'unconfirmed', pkHex: toHex(alice.publicKey) })]);
    const pingId = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    c.send({ type: 'ping', pingId });
    const pongs = c.take('pong');
    expect(pongs).toHaveLength(1);
    expect(equalBytes(pongs[0]!.pingId, pingId)).toBe(true);
    expect(server.connections()[0]!.phase).toBe('confirmed');
    expect(r.engine.counters.get('tcp_server.confirmed')).toBe(1);
    noErrors(r);
  });

  it('closes a connection whose handshake does not open (garbage, or sealed to another relay key)', async () => {
    const r = await relay();
    const a = r.accept(alice)!;
    a.raw(new Uint8Array(128).fill(7));
    expect(a.closed).toBe(true);
    const b = r.accept(bob)!;
    b.handshake(carol.publicKey);
    expect(b.closed).toBe(true);
    expect(b.cipher).toBeNull();
    expect(r.engine.counters.get('drop.tcp_server.bad_handshake')).toBe(2);
    expect(r.engine.tcpServer!.canAccept()).toBe(true);
    noErrors(r);
  });

  it('closes a connection not confirmed within 10 s (no handshake; handshake but no frame)', async () => {
    const r = await relay();
    const silent = r.accept(alice)!;
    r.now = 4000;
    const half = r.accept(bob)!;
    half.handshake();
    expect(r.engine.nextDeadline()).toEqual(expect.objectContaining({ at: 10_000, reason: 'tcp_server.handshake_timeout' }));
    r.advance(9999);
    expect(silent.closed || half.closed).toBe(false);
    r.advance(10_000);
    expect(silent.closed).toBe(true);
    expect(half.closed).toBe(false);
    r.advance(14_000);
    expect(half.closed).toBe(true);
    expect(r.engine.counters.get('drop.tcp_server.handshake_timeout')).toBe(2);
    expect(r.engine.tcpServer!.nextTimer()).toBeNull();
    noErrors(r);
  });
});

describe('TCP relay server: routes', () => {
  it('pairs two clients that asked for each other, notifies both, and forwards data both ways with each side’s id', async () => {
    const r = await relay();
    const a = r.connect(alice);
    const b = r.connect(bob);
    // Alice asks first: a route id, nothing paired yet.
    a.send({ type: 'routingRequest', publicKey: carol.publicKey }); // takes slot 0 (id 16)
    a.send({ type: 'routingRequest', publicKey: bob.publicKey });
    const [ra16, raBob] = a.take('routingResponse');
    expect(ra16!.connectionId).toBe(NUM_RESERVED_PORTS);
    expect(raBob!.connectionId).toBe(NUM_RESERVED_PORTS + 1);
    expect(equalBytes(raBob!.publicKey, bob.publicKey)).toBe(true);
    expect(a.take('connectNotification')).toEqual([]);
    b.send({ type: 'routingRequest', publicKey: alice.publicKey });
    const [rb] = b.take('routingResponse');
    expect(rb!.connectionId).toBe(NUM_RESERVED_PORTS);
    expect(a.take('connectNotification').map((p) => p.connectionId)).toEqual([NUM_RESERVED_PORTS + 1]);
    expect(b.take('connectNotification').map((p) => p.connectionId)).toEqual([NUM_RESERVED_PORTS]);
    // Asking again gives the same id and no new notification.
    b.send({ type: 'routingRequest', publicKey: alice.publicKey });
    expect(b.take('routingResponse')[0]!.connectionId).toBe(NUM_RESERVED_PORTS);
    expect(b.take('connectNotification')).toEqual([]);

    a.send({ type: 'data', connectionId: NUM_RESERVED_PORTS + 1, data: Uint8Array.of(0x1b, 1, 2, 3) });
    const [toB] = b.take('data');
    expect(toB!.connectionId).toBe(NUM_RESERVED_PORTS);
    expect([...toB!.data]).toEqual([0x1b, 1, 2, 3]);
    b.send({ type: 'data', connectionId: NUM_RESERVED_PORTS, data: Uint8Array.of(9, 8) });
    const [toA] = a.take('data');
    expect(toA!.connectionId).toBe(NUM_RESERVED_PORTS + 1);
    expect([...toA!.data]).toEqual([9, 8]);
    // Data on Carol's route (asked, unpaired) is dropped, the connection kept.
    a.send({ type: 'data', connectionId: NUM_RESERVED_PORTS, data: Uint8Array.of(1) });
    expect(a.closed).toBe(false);
    expect(r.engine.counters.get('tcp_server.data_unpaired')).toBe(1);
    expect(r.engine.counters.get('tcp_server.data_relayed')).toBe(2);
    noErrors(r);
  });

  it('tells the other side when a client leaves or disconnects the route, and pairs again when it comes back', async () => {
    const r = await relay();
    const a = r.connect(alice);
    const b = r.connect(bob);
    a.send({ type: 'routingRequest', publicKey: bob.publicKey });
    b.send({ type: 'routingRequest', publicKey: alice.publicKey });
    a.take('connectNotification');
    b.take('connectNotification');
    b.close();
    expect(a.take('disconnectNotification').map((p) => p.connectionId)).toEqual([NUM_RESERVED_PORTS]);
    // Alice's route stays registered: data is dropped, not a kill.
    a.send({ type: 'data', connectionId: NUM_RESERVED_PORTS, data: Uint8Array.of(1) });
    expect(a.closed).toBe(false);
    const b2 = r.connect(bob);
    b2.send({ type: 'routingRequest', publicKey: alice.publicKey });
    expect(a.take('connectNotification').map((p) => p.connectionId)).toEqual([NUM_RESERVED_PORTS]);
    expect(b2.take('connectNotification')).toHaveLength(1);
    // Alice disconnects the route herself: Bob is told; Alice's slot is free again.
    a.send({ type: 'disconnectNotification', connectionId: NUM_RESERVED_PORTS });
    expect(b2.take('disconnectNotification').map((p) => p.connectionId)).toEqual([NUM_RESERVED_PORTS]);
    expect(a.take('disconnectNotification')).toEqual([]);
    // A disconnect for a route that does not exist kills (TCP_server.c rm_connection_index → -1).
    a.send({ type: 'disconnectNotification', connectionId: NUM_RESERVED_PORTS + 5 });
    expect(a.closed).toBe(true);
    expect(r.engine.counters.get('drop.tcp_server.disconnect_unknown_route')).toBe(1);
    noErrors(r);
  });

  it('refuses a route to the client’s own key (id 0), and kills on data for a route never asked for', async () => {
    const r = await relay();
    const a = r.connect(alice);
    a.send({ type: 'routingRequest', publicKey: alice.publicKey });
    expect(a.take('routingResponse')[0]!.connectionId).toBe(0);
    a.send({ type: 'data', connectionId: 200, data: Uint8Array.of(1) });
    expect(a.closed).toBe(true);
    expect(r.engine.counters.get('drop.tcp_server.data_unknown_route')).toBe(1);
    noErrors(r);
  });

  it('a second connection with the same key replaces the first; its pairs are told', async () => {
    const r = await relay();
    const a1 = r.connect(alice);
    const b = r.connect(bob);
    a1.send({ type: 'routingRequest', publicKey: bob.publicKey });
    b.send({ type: 'routingRequest', publicKey: alice.publicKey });
    b.take('connectNotification');
    const a2 = r.connect(alice);
    expect(a1.closed).toBe(true);
    expect(a2.closed).toBe(false);
    expect(b.take('disconnectNotification')).toHaveLength(1);
    expect(r.engine.counters.get('drop.tcp_server.replaced')).toBe(1);
    expect(r.engine.tcpServer!.canAccept()).toBe(true);
    // OOB now reaches the new connection only.
    b.send({ type: 'oobSend', publicKey: alice.publicKey, data: Uint8Array.of(5) });
    expect(a2.take('oobRecv')).toHaveLength(1);
    noErrors(r);
  });
});

describe('TCP relay server: OOB and pings', () => {
  it('delivers OOB_SEND to the connected key as OOB_RECV naming the sender; nothing for a key not connected', async () => {
    const r = await relay();
    const a = r.connect(alice);
    const b = r.connect(bob);
    a.send({ type: 'oobSend', publicKey: bob.publicKey, data: Uint8Array.of(0x18, 1, 2) });
    const [got] = b.take('oobRecv');
    expect(equalBytes(got!.publicKey, alice.publicKey)).toBe(true);
    expect([...got!.data]).toEqual([0x18, 1, 2]);
    a.send({ type: 'oobSend', publicKey: carol.publicKey, data: Uint8Array.of(1) });
    expect(r.engine.counters.get('tcp_server.oob_no_destination')).toBe(1);
    expect(a.closed).toBe(false);
    noErrors(r);
  });

  it('pings a confirmed client every 30 s, keeps it while it answers, and drops it 10 s after an unanswered ping', async () => {
    const r = await relay();
    const a = r.connect(alice);
    const b = r.connect(bob);
    a.send({ type: 'routingRequest', publicKey: bob.publicKey });
    b.send({ type: 'routingRequest', publicKey: alice.publicKey });
    b.take('connectNotification');
    r.advance(29_999);
    expect(a.take('ping')).toEqual([]);
    r.advance(30_000);
    const [ping] = a.take('ping');
    expect(ping).toBeDefined();
    expect(ping!.pingId.some((x) => x !== 0)).toBe(true);
    expect(b.take('ping')).toHaveLength(1); // Bob's answered below too late: he stays silent
    // A pong with another id does not count.
    a.send({ type: 'pong', pingId: Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 1) });
    a.send({ type: 'pong', pingId: ping!.pingId });
    r.advance(40_000);
    expect(a.closed).toBe(false);
    expect(b.closed).toBe(true);
    expect(a.take('disconnectNotification')).toHaveLength(1);
    expect(r.engine.counters.get('drop.tcp_server.ping_timeout')).toBe(1);
    r.advance(60_000);
    expect(a.take('ping')).toHaveLength(1);
    r.advance(70_000);
    expect(a.closed).toBe(true);
    expect(r.engine.counters.get('drop.tcp_server.ping_timeout')).toBe(2);
    expect(r.engine.tcpServer!.nextTimer()).toBeNull();
    noErrors(r);
  });
});
