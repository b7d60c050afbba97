/**
 * The TCP relay server (runtime/tcp/server.ts) against hostile clients: garbage streams,
 * over-long frame lengths, frames that do not open, packets only a relay sends, bytes after the
 * connection was closed, more connections than the bound, more routes than 240, a flood over the
 * per-connection byte budget, and random byte streams. Nothing throws (`error.handler` stays 0),
 * every refusal is counted, and the tables stay bounded.
 */
import { fc, test as fcTest } from '@fast-check/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { generateKeyPair, type KeyPair } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';
import { NUM_CLIENT_CONNECTIONS, NUM_RESERVED_PORTS } from '../../protocol/tcp/index.js';
import type { TcpServer } from '../../runtime/tcp/server.js';
import { addr, keyPair, onionEngine } from './onion-helpers.js';
import { Relay } from './tcp-server-helpers.js';

let crypto: Crypto;
let alice: KeyPair, bob: KeyPair;

beforeAll(async () => {
  crypto = await loadCrypto();
  const k = await Promise.all([701, 702].map((s) => keyPair(s)));
  [alice, bob] = [k[0]!, k[1]!];
});

async function relay(seed = 1, extra = {}): Promise<Relay> {
  const node = await onionEngine(seed, addr(1), { tcpServer: true, ...extra });
  return new Relay(node.engine, crypto);
}

function server(r: Relay): TcpServer {
  return r.engine.tcpServer as unknown as TcpServer;
}

function keys(n: number, seed: number): KeyPair[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => generateKeyPair(crypto, random));
}

describe('TCP relay server: hostile streams', () => {
  it('kills on an over-long length, a frame that does not open, and a packet only a relay sends; ignores bytes after the close', async () => {
    const r = await relay();
    const long = r.connect(alice);
    long.raw(Uint8Array.of(0xff, 0xff, 1, 2, 3));
    expect(long.closed).toBe(true);
    expect(r.engine.counters.get('drop.tcp_server.frame_too_long')).toBe(1);
    // Frames after the close reach nothing.
    long.raw(new Uint8Array(5000).fill(1));
    long.close();

    const garbage = r.connect(alice);
    garbage.raw(Uint8Array.of(0, 40, ...new Uint8Array(40).fill(0x55)));
    expect(garbage.closed).toBe(true);
    expect(r.engine.counters.get('drop.tcp_server.frame_undecryptable')).toBe(1);

    const impostor = r.connect(bob);
    impostor.send({ type: 'oobRecv', publicKey: alice.publicKey, data: Uint8Array.of(1) });
    expect(impostor.closed).toBe(true);
    expect(r.engine.counters.get('drop.tcp_server.malformed_packet')).toBe(1);

    // A forward request is only counted (not served); a pong with an all-zero id kills (c-toxcore).
    const fwd = r.connect(bob);
    fwd.raw(fwd.cipher!.seal(Uint8Array.of(10, 1, 2, 3)));
    expect(fwd.closed).toBe(false);
    expect(r.engine.counters.get('drop.tcp_server.forward_unsupported')).toBe(1);
    fwd.send({ type: 'pong', pingId: new Uint8Array(8).fill(0) });
    expect(fwd.closed).toBe(true);

    expect(server(r).size).toBe(0);
    expect(r.engine.counters.get('error.handler')).toBe(0);
  });

  it('holds at most 256 connections: waiting ones are evicted oldest first, and when all are confirmed a new one is refused', async () => {
    const r = await relay();
    const pending = Array.from({ length: 300 }, () => r.accept(alice)!);
    expect(pending.every((c) => c !== null)).toBe(true);
    expect(server(r).size).toBe(256);
    expect(pending.slice(0, 44).every((c) => c.closed)).toBe(true);
    expect(pending.slice(44).some((c) => c.closed)).toBe(false);
    expect(r.engine.counters.get('drop.tcp_server.waiting_evicted')).toBe(44);

    const small = await relay(2, { tcpServerLimits: { maxConnections: 4 } });
    const confirmed = keys(4, 77).map((k) => small.connect(k));
    expect(confirmed.every((c) => !c.closed)).toBe(true);
    expect(small.accept(alice)).toBeNull();
    expect(small.engine.counters.get('drop.tcp_server.refused')).toBe(1);
    confirmed[0]!.close();
    expect(small.accept(alice)).not.toBeNull();
    expect(r.engine.counters.get('error.handler') + small.engine.counters.get('error.handler')).toBe(0);
  });

  it('gives at most 240 routes per client: the 241st request is answered 0 and the table stays at 240', async () => {
    const r = await relay();
    const a = r.connect(alice);
    const wanted = keys(NUM_CLIENT_CONNECTIONS + 10, 99);
    for (const k of wanted) a.send({ type: 'routingRequest', publicKey: k.publicKey });
    const ids = a.take('routingResponse').map((p) => p.connectionId);
    expect(ids.slice(0, NUM_CLIENT_CONNECTIONS)).toEqual(Array.from({ length: NUM_CLIENT_CONNECTIONS }, (_, i) => i + NUM_RESERVED_PORTS));
    expect(ids.slice(NUM_CLIENT_CONNECTIONS)).toEqual(new Array(10).fill(0));
    expect(server(r).connections()[0]!.routes).toBe(NUM_CLIENT_CONNECTIONS);
    expect(r.engine.counters.get('tcp_server.route_full')).toBe(10);
    expect(a.closed).toBe(false);
  });

  it('drops relayed bytes over the per-connection budget, counted, and lets them through again a second later', async () => {
    const r = await relay(1, { tcpServerLimits: { bytesPerSecond: 10_000 } });
    const a = r.connect(alice);
    const b = r.connect(bob);
    a.send({ type: 'routingRequest', publicKey: bob.publicKey });
    b.send({ type: 'routingRequest', publicKey: alice.publicKey });
    const id = a.take('routingResponse')[0]!.connectionId;
    const chunk = new Uint8Array(999).fill(0x1b);
    for (let i = 0; i < 25; i++) a.send({ type: 'data', connectionId: id, data: chunk });
    expect(b.take('data')).toHaveLength(10);
    expect(r.engine.counters.get('drop.tcp_server.rate_limited')).toBe(15);
    for (let i = 0; i < 25; i++) a.send({ type: 'oobSend', publicKey: bob.publicKey, data: chunk.subarray(0, 1000) });
    expect(b.take('oobRecv')).toHaveLength(0);
    r.now = 1000;
    a.send({ type: 'data', connectionId: id, data: chunk });
    expect(b.take('data')).toHaveLength(1);
    expect(a.closed || b.closed).toBe(false);
    expect(r.engine.counters.get('error.handler')).toBe(0);
  });

  fcTest.prop(
    [
      fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 20 }),
      fc.boolean(),
      fc.boolean(),
    ],
    { numRuns: 60 },
  )('random bytes before or after the handshake never throw and leave nothing behind once closed', async (chunks, handshakeFirst, framed) => {
    const r = await relay(5);
    const c = r.accept(alice)!;
    if (handshakeFirst) c.handshake();
    for (const chunk of chunks) {
      if (framed && c.cipher !== null && chunk.length > 0) c.raw(Uint8Array.of(chunk.length >> 8, chunk.length & 0xff, ...chunk));
      else c.raw(chunk);
    }
    expect(r.engine.counters.get('error.handler')).toBe(0);
    expect(server(r).size).toBeLessThanOrEqual(1);
    c.close();
    r.advance(100_000);
    expect(server(r).size).toBe(0);
    expect(server(r).nextTimer()).toBeNull();
  });
});
