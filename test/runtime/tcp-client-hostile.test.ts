/**
 * The TCP relay client (runtime/tcp/client.ts, driven by tcpRelay actors, machines/tcp-relay.ts)
 * against relays played by hand (tcp-client-helpers.ts): a bad relay handshake, garbage and
 * over-long frames, frames that do not open, packets a client never receives, routing answers
 * never asked for, notifications and data on unknown ids, wrong pongs, a relay that answers every
 * ping and one that does not, a flood of out-of-band packets from random keys, random byte
 * streams, and more relays than the bound. c-toxcore's client (TCP_client.c
 * handle_TCP_client_packet, do_TCP_connection, do_confirmed_TCP) kills the connection on anything
 * malformed or undecryptable; toxstate does the same, counts it, and the relay's actor reconnects
 * (a confirmed relay at once, one that never confirmed after the 10 s retry pause). Nothing
 * throws (`error.handler` stays 0) and no table grows from outside.
 */
import { fc, test as fcTest } from '@fast-check/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { encodeServerHandshake, MAX_FRIEND_TCP_CONNECTIONS } from '../../protocol/tcp/index.js';
import { RELAY_RETRY_MIN_MS, TCP_PING_FREQUENCY_MS, TCP_PING_TIMEOUT_MS } from '../../machines/constants.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { generateKeyPair, type KeyPair } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';
import { MAX_RELAYS, type TcpClient } from '../../runtime/tcp/client.js';
import { addr, onionEngine } from './onion-helpers.js';
import { HandRelay } from './tcp-client-helpers.js';

let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const RELAY_AT = { family: 'ipv4' as const, ip: '127.0.2.1', port: 33446 };

/** A client engine (not started: only its relay machinery runs) and one hand-played relay it was given. */
async function setup(seed = 1): Promise<HandRelay> {
  const node = await onionEngine(seed, addr(1));
  const relay = new HandRelay(node.engine, crypto, generateKeyPair(crypto, seededRandom(seed + 500)), RELAY_AT);
  expect(node.engine.addTcpRelay(0, RELAY_AT, relay.keys.publicKey)).toBe(true);
  relay.pump();
  expect(relay.ops('open')).toHaveLength(1);
  expect(relay.state).toBe('Connecting');
  return relay;
}

/** A relay confirmed, its first ping answered. */
async function confirmed(seed = 1): Promise<HandRelay> {
  const relay = await setup(seed);
  const c = relay.confirm();
  expect(relay.state).toBe('Confirmed');
  const [ping] = c.take('ping');
  c.send({ type: 'pong', pingId: ping!.pingId });
  return relay;
}

const client = (r: HandRelay): TcpClient => r.engine.tcp.client;
const peersHeld = (r: HandRelay): number => (client(r) as unknown as { peers: Map<string, Set<string>> }).peers.size;
const drops = (r: HandRelay, name: string): number => r.engine.counters.get(`drop.tcp.${name}`);

describe('TCP relay client: handshake and pings', () => {
  it('sends its 128-byte handshake with our DHT key when the socket connects; a valid answer confirms and a ping goes out at once', async () => {
    const relay = await setup();
    const c = relay.opened();
    expect(relay.state).toBe('Unconfirmed');
    expect(toHex(c.clientPk!)).toBe(relay.engine.dhtKeyHex);
    c.accept();
    expect(relay.state).toBe('Confirmed');
    expect(c.take('ping')).toHaveLength(1);
    expect(c.errors).toEqual([]);
  });

  it('a bad relay handshake: stream closed, counted, relay Disconnected, retried after 10 s (not before)', async () => {
    const relay = await setup();
    const c = relay.opened();
    c.rawSend(new Uint8Array(96).fill(0x42));
    expect(c.closed).toBe(true);
    expect(drops(relay, 'relay_relay_handshake_did_not_open')).toBe(1);
    expect(relay.state).toBe('Disconnected');
    relay.runUntil(RELAY_RETRY_MIN_MS - 1);
    expect(relay.ops('open')).toHaveLength(1);
    relay.runUntil(RELAY_RETRY_MIN_MS);
    expect(relay.ops('open')).toHaveLength(2);
    expect(relay.state).toBe('Connecting');
    // The next attempt gets a well-formed answer boxed by another key (an impostor at the address): refused the same way.
    const c2 = relay.opened();
    const impostor = generateKeyPair(crypto, seededRandom(77));
    const temp = generateKeyPair(crypto, seededRandom(78));
    c2.rawSend(
      encodeServerHandshake(crypto, {
        serverSk: impostor.secretKey,
        clientPk: c2.clientPk!,
        secrets: { tempPublicKey: temp.publicKey, tempSecretKey: temp.secretKey, baseNonce: new Uint8Array(24) },
        nonce: new Uint8Array(24).fill(1),
      }),
    );
    expect(c2.closed).toBe(true);
    expect(drops(relay, 'relay_relay_handshake_did_not_open')).toBe(2);
    expect(relay.state).toBe('Disconnected');
    // The pause doubles: 20 s after the second failure.
    const failedAt = relay.now;
    relay.runUntil(failedAt + 2 * RELAY_RETRY_MIN_MS - 1);
    expect(relay.ops('open')).toHaveLength(2);
    relay.runUntil(failedAt + 2 * RELAY_RETRY_MIN_MS);
    expect(relay.ops('open')).toHaveLength(3);
    expect(relay.engine.counters.get('error.handler')).toBe(0);
  });

  it('a relay that answers every ping is pinged every 30 s and kept; one that stops answering is dropped 10 s after the ping and redialled at once', async () => {
    const relay = await confirmed();
    const c = relay.conn;
    const pingTimes: number[] = [];
    for (let t = 1000; t <= 5 * TCP_PING_FREQUENCY_MS; t += 1000) {
      relay.advance(t);
      for (const p of c.take('ping')) {
        pingTimes.push(t);
        c.send({ type: 'pong', pingId: p.pingId });
      }
    }
    expect(pingTimes).toEqual([1, 2, 3, 4, 5].map((k) => k * TCP_PING_FREQUENCY_MS));
    expect(c.closed).toBe(false);
    expect(relay.ops('open')).toHaveLength(1);

    // Silence: the next ping at 180 s is not answered.
    relay.runUntil(6 * TCP_PING_FREQUENCY_MS);
    expect(c.take('ping')).toHaveLength(1);
    relay.runUntil(6 * TCP_PING_FREQUENCY_MS + TCP_PING_TIMEOUT_MS - 1);
    expect(c.closed).toBe(false);
    relay.runUntil(6 * TCP_PING_FREQUENCY_MS + TCP_PING_TIMEOUT_MS);
    expect(c.closed).toBe(true);
    expect(relay.ops('open')).toHaveLength(2);
    expect(relay.ops('open')[1]!.at).toBe(6 * TCP_PING_FREQUENCY_MS + TCP_PING_TIMEOUT_MS);
    expect(relay.state).toBe('Connecting');
  });

  it('a pong with the wrong id is dropped and counted; it does not count as the answer', async () => {
    const relay = await confirmed();
    const c = relay.conn;
    relay.runUntil(TCP_PING_FREQUENCY_MS);
    const [ping] = c.take('ping');
    const wrong = ping!.pingId.slice();
    wrong[0] = wrong[0]! ^ 1;
    c.send({ type: 'pong', pingId: wrong });
    expect(drops(relay, 'unexpected_pong')).toBe(1);
    relay.runUntil(TCP_PING_FREQUENCY_MS + TCP_PING_TIMEOUT_MS);
    expect(c.closed).toBe(true);
  });

  it("answers the relay's ping with the same id", async () => {
    const relay = await confirmed();
    const c = relay.conn;
    c.send({ type: 'ping', pingId: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) });
    expect(c.take('pong').map((p) => [...p.pingId])).toEqual([[1, 2, 3, 4, 5, 6, 7, 8]]);
  });
});

describe('TCP relay client: hostile frames', () => {
  const killers: Array<[string, (r: HandRelay) => void, string]> = [
    ['an over-long length', (r) => r.conn.rawSend(Uint8Array.of(0xff, 0xff, 1, 2, 3)), 'relay_frame_length_exceeds_'],
    ['a zero length', (r) => r.conn.rawSend(Uint8Array.of(0, 0)), 'relay_zero_frame_length'],
    ['garbage that does not open', (r) => r.conn.rawSend(Uint8Array.of(0, 40, ...new Uint8Array(40).fill(0x55))), 'relay_frame_did_not_open'],
    ['a packet clients never receive (routing request)', (r) => r.conn.send({ type: 'routingRequest', publicKey: new Uint8Array(32).fill(1) }), 'relay_malformed_packet'],
    ['a frame sealed with a replayed nonce', (r) => {
      const frame = r.conn.seal({ type: 'ping', pingId: new Uint8Array(8).fill(3) });
      r.conn.rawSend(frame);
      r.conn.rawSend(frame);
    }, 'relay_frame_did_not_open'],
  ];
  for (const [what, attack, counter] of killers) {
    it(`${what}: disconnected, counted, redialled at once (the relay had confirmed)`, async () => {
      const relay = await confirmed();
      const c = relay.conn;
      attack(relay);
      expect(c.closed).toBe(true);
      expect(drops(relay, counter)).toBe(1);
      expect(relay.state).toBe('Connecting');
      expect(relay.ops('open')).toHaveLength(2);
      // Bytes after the close reach nothing; the old id's close report is ignored.
      relay.engine.handleStreamData(relay.now, c.id, new Uint8Array(3000).fill(9));
      relay.engine.handleStreamClosed(relay.now, c.id);
      expect(relay.state).toBe('Connecting');
      expect(relay.engine.counters.get('error.handler')).toBe(0);
    });
  }

  it('answers never asked for, notifications and data on unknown ids: dropped and counted, the connection stays', async () => {
    const relay = await confirmed();
    const c = relay.conn;
    c.send({ type: 'routingResponse', connectionId: 20, publicKey: new Uint8Array(32).fill(4) });
    c.send({ type: 'connectNotification', connectionId: 33 });
    c.send({ type: 'disconnectNotification', connectionId: 34 });
    c.send({ type: 'data', connectionId: 40, data: Uint8Array.of(0x1b, 1, 2, 3) });
    expect(drops(relay, 'unrequested_route')).toBe(1);
    expect(drops(relay, 'unknown_connection_id')).toBe(2);
    expect(drops(relay, 'data_unknown_connection_id')).toBe(1);
    expect(c.closed).toBe(false);
    expect(relay.state).toBe('Confirmed');
    expect(client(relay).isRouted(toHex(new Uint8Array(32).fill(4)))).toBe(false);
    expect(relay.engine.counters.get('error.handler')).toBe(0);
  });
});

describe('TCP relay client: routes', () => {
  /** A confirmed relay asked to route to one peer (a friend's DHT key, as its DHT-PK would link it). */
  async function routed(): Promise<{ relay: HandRelay; peer: string; peerPk: Uint8Array }> {
    const relay = await confirmed();
    const peerPk = generateKeyPair(crypto, seededRandom(5)).publicKey;
    const peer = toHex(peerPk);
    expect(relay.engine.tcp.addRelay(RELAY_AT, relay.keys.publicKey, peer)).toBe(true);
    relay.pump();
    expect(relay.conn.take('routingRequest').map((p) => toHex(p.publicKey))).toEqual([peer]);
    return { relay, peer, peerPk };
  }

  it('a route answered, paired and unpaired: registered → online → registered; data on it reaches net_crypto', async () => {
    const { relay, peer, peerPk } = await routed();
    const c = relay.conn;
    c.send({ type: 'routingResponse', connectionId: 20, publicKey: peerPk });
    expect(client(relay).isRouted(peer)).toBe(true);
    c.send({ type: 'connectNotification', connectionId: 20 });
    expect(relay.engine.counters.get('tcp.peer_online')).toBe(1);
    // Data from the peer: handed to net_crypto (junk there, dropped and counted by it).
    c.send({ type: 'data', connectionId: 20, data: Uint8Array.of(0x55, 1, 2) });
    expect(relay.engine.counters.get('drop.net_crypto.tcp_unknown_packet')).toBe(1);
    c.send({ type: 'disconnectNotification', connectionId: 20 });
    expect(relay.engine.counters.get('tcp.peer_offline')).toBe(1);
    expect(client(relay).isRouted(peer)).toBe(true);
    expect(c.closed).toBe(false);
  });

  it('a route the relay refuses after it had registered it: the old id is forgotten too (nothing arrives on it any more)', async () => {
    const { relay, peer, peerPk } = await routed();
    const c = relay.conn;
    c.send({ type: 'routingResponse', connectionId: 20, publicKey: peerPk });
    c.send({ type: 'routingResponse', connectionId: 0, publicKey: peerPk });
    expect(relay.engine.counters.get('tcp.route_refused')).toBe(1);
    expect(client(relay).isRouted(peer)).toBe(false);
    c.send({ type: 'connectNotification', connectionId: 20 });
    c.send({ type: 'data', connectionId: 20, data: Uint8Array.of(0x1b, 1, 2, 3) });
    expect(drops(relay, 'unknown_connection_id')).toBe(1);
    expect(drops(relay, 'data_unknown_connection_id')).toBe(1);
    expect(relay.engine.counters.get('error.handler')).toBe(0);
  });

  it('a ping with id 0 is not answered (TCP_client.c tcp_send_ping_response: 0 means none pending)', async () => {
    const relay = await confirmed();
    relay.conn.send({ type: 'ping', pingId: new Uint8Array(8) });
    // A pong with id 0 would be one a c-toxcore relay kills the connection for (TCP_server.c handle_TCP_pong).
    expect(relay.conn.errors).toEqual([]);
    expect(relay.conn.take('pong')).toHaveLength(0);
    expect(relay.conn.closed).toBe(false);
  });
});

describe('TCP relay client: bounds', () => {
  it('a flood of out-of-band packets from random keys grows no table', async () => {
    const relay = await confirmed();
    const c = relay.conn;
    const random = seededRandom(404);
    for (let i = 0; i < 3000; i++) {
      const data = random.bytes(1 + random.int(300));
      if (i % 3 === 0) data[0] = 0x18; // looks like a cookie request
      if (i % 3 === 1) data[0] = 0x1b; // looks like session data
      c.send({ type: 'oobRecv', publicKey: random.bytes(32), data });
    }
    expect(c.closed).toBe(false);
    expect(peersHeld(relay)).toBe(0);
    expect(client(relay).relayCount).toBe(1);
    expect(relay.engine.streams.size).toBe(1);
    expect(relay.engine.counters.get('error.handler')).toBe(0);
    // Nothing rides on the relay: its actor still counts no use.
    const ctx = relay.engine.actors.get(`relay:${relay.hex}`)!.snapshot.context as { uses: number };
    expect(ctx.uses).toBe(0);
  });

  it(`a peer is linked to at most ${MAX_FRIEND_TCP_CONNECTIONS} relays, and at most ${MAX_RELAYS} relays are held; our own key is refused`, async () => {
    const relay = await setup();
    const e = relay.engine;
    const random = seededRandom(9);
    let accepted = 1;
    for (let i = 0; i < 100; i++) if (e.addTcpRelay(0, { family: 'ipv4', ip: `127.3.0.${i + 1}`, port: 33446 }, generateKeyPair(crypto, random).publicKey)) accepted++;
    expect(accepted).toBe(MAX_RELAYS);
    expect(client(relay).relayCount).toBe(MAX_RELAYS);
    expect(drops(relay, 'relays_full')).toBe(101 - MAX_RELAYS);
    expect(e.takeStreamOps().filter((op) => op.op === 'open')).toHaveLength(MAX_RELAYS - 1);
    expect(e.addTcpRelay(0, RELAY_AT, e.keys.dht.publicKey)).toBe(false);
    expect(drops(relay, 'own_key')).toBe(1);
    expect(e.addTcpRelay(0, RELAY_AT, new Uint8Array(31))).toBe(false);
    expect(e.counters.get('drop.tcp.relay_invalid_key')).toBe(1);

    // One peer named by many relays (a friend's DHT-PK listing relays): linked to at most six.
    const peer = toHex(random.bytes(32));
    const keys = [...e.actors.all()].map((a) => a.key).filter((k) => k.startsWith('relay:')).slice(0, 10);
    for (const k of keys) e.tcp.addRelay(RELAY_AT, Uint8Array.from(Buffer.from(k.slice(6), 'hex')), peer);
    expect(drops(relay, 'peer_relays_full')).toBe(10 - MAX_FRIEND_TCP_CONNECTIONS);
    expect(e.counters.get('error.handler')).toBe(0);
  });
});

describe('TCP relay client: random streams', () => {
  fcTest.prop([fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { maxLength: 12 }), fc.boolean()], { numRuns: 60 })(
    'arbitrary bytes from the relay, before or after its handshake, never throw',
    async (chunks, afterHandshake) => {
      const relay = afterHandshake ? await confirmed() : await setup();
      if (!afterHandshake) relay.opened();
      for (const chunk of chunks) relay.engine.handleStreamData(relay.now, relay.conn.id, chunk);
      relay.pump();
      relay.runUntil(relay.now + 60_000);
      expect(relay.engine.counters.get('error.handler')).toBe(0);
      expect(relay.engine.streams.size).toBeLessThanOrEqual(1);
      expect(['Connecting', 'Unconfirmed', 'Confirmed', 'Disconnected']).toContain(relay.state);
    },
  );
});
