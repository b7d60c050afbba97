/**
 * net_crypto packet handling, one engine against a raw peer (protocol codecs only) or a captured
 * packet: cookie freshness and origin, handshake validation, the base-nonce rule, replayed,
 * duplicated, reordered and tampered crypto data, and the cookie request guard under a flood.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import type { IpPort } from '../../protocol/ip-port.js';
import { incrementNonce } from '../../protocol/nonce.js';
import {
  COOKIE_REQUEST_SIZE_BYTES,
  COOKIE_RESPONSE_SIZE_BYTES,
  decodeCookieRequestHeader,
  encodeRequestPacket,
  openCookieRequest,
  sealCryptoData,
  sealCookieResponse,
  sealCookie,
} from '../../protocol/net-crypto/index.js';
import { COOKIE_GUARD_TABLE_LIMIT, COOKIE_REQUEST_BURST } from '../../runtime/net-crypto/constants.js';
import { bothEstablished, eventsOf, introduce, makeFriendEngine, makePair, progress, RawPeer, tap } from './net-crypto-helpers.js';

const addr = (n: number): IpPort => ({ family: 'ipv4', ip: `127.1.${(n >> 8) & 255}.${n & 255}`, port: 40000 + (n % 1000) });

describe('handshake validation', () => {
  it('accepts a friend with a fresh cookie and answers with a handshake whose base nonce opens its first data packet', async () => {
    const crypto = await loadCrypto();
    const raw = new RawPeer(crypto, 501, addr(1));
    const e = await makeFriendEngine(31, 'bob', [raw.real.publicKey]);
    e.start(0);
    const cookie = raw.fetchCookie(e, 0);
    expect(cookie).not.toBeNull();
    e.handleDatagram(200, raw.address, raw.handshake(e, cookie!));
    const out = e.takeTransmits();
    expect(e.progressOf(raw.realHex)).toBe('AwaitingSessionPacket');
    const hs = out.find((t) => t.data[0] === 0x1a);
    const data = out.find((t) => t.data[0] === 0x1b);
    expect(hs && data).toBeTruthy();
    const opened = raw.openHandshake(e, hs!.data);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    // §4.2 / §11.1: the base nonce in a handshake is the SENDER's own outgoing nonce.
    const first = raw.openData(opened.value.sessionPk, opened.value.baseNonce, data!.data);
    expect(first.ok).toBe(true);
    if (first.ok) expect(first.value.payload[0]).toBe(1); // the confirm is a request packet
    expect(out.every((t) => t.to.ip === raw.address.ip && t.to.port === raw.address.port)).toBe(true);
  });

  it('refuses a cookie older than 15 s (16 s) and accepts one exactly 15 s old, as c-toxcore', async () => {
    const crypto = await loadCrypto();
    for (const [ageS, accepted] of [
      [16, false],
      [15, true],
      [40, false],
    ] as const) {
      const raw = new RawPeer(crypto, 600 + ageS, addr(2));
      const e = await makeFriendEngine(32, 'bob', [raw.real.publicKey]);
      e.start(0);
      const cookie = raw.fetchCookie(e, 0)!;
      e.handleDatagram(ageS * 1000, raw.address, raw.handshake(e, cookie));
      expect(e.counters.get('drop.net_crypto.handshake_cookie_expired'), `age ${ageS} s`).toBe(accepted ? 0 : 1);
      expect(e.progressOf(raw.realHex), `age ${ageS} s`).toBe(accepted ? 'AwaitingSessionPacket' : 'AwaitingDHTKey');
    }
  });

  it('refuses a cookie from another node, a cookie issued to another key, a cookie from the future, a wrong cookie hash, and non-friends', async () => {
    const crypto = await loadCrypto();
    const raw = new RawPeer(crypto, 701, addr(3));
    const other = new RawPeer(crypto, 702, addr(4));
    const stranger = new RawPeer(crypto, 703, addr(5));
    const e = await makeFriendEngine(33, 'bob', [raw.real.publicKey, other.real.publicKey]);
    const c = await makeFriendEngine(34, 'carol', [raw.real.publicKey]);
    e.start(0);
    c.start(0);
    const drops = (): Record<string, number> =>
      Object.fromEntries(Object.entries(e.counters.toJSON()).filter(([k]) => k.startsWith('drop.net_crypto.handshake')));

    // A cookie Carol issued is not Bob's.
    e.handleDatagram(100, raw.address, raw.handshake(e, raw.fetchCookie(c, 0)!));
    // A cookie Bob issued to `other`, used by `raw`: the box does not open with other's key.
    e.handleDatagram(200, raw.address, raw.handshake(e, other.fetchCookie(e, 0)!));
    // A cookie dated 60 s in the future: issued by an engine with Bob's cookie key (same seed)
    // whose clock is ahead. c-toxcore refuses `now < time`, and so do we.
    const aheadBob = await makeFriendEngine(33, 'bob', [raw.real.publicKey], { epochMs: 1_700_000_060_000 });
    aheadBob.start(0);
    e.handleDatagram(300, raw.address, raw.handshake(e, raw.fetchCookie(aheadBob, 0)!));
    // A valid cookie, but the hash inside the box is of another cookie.
    const c1 = raw.fetchCookie(e, 0)!;
    const c2 = raw.fetchCookie(e, 0)!;
    const hs = raw.handshake(e, c1);
    hs.set(c2, 1);
    e.handleDatagram(400, raw.address, hs);
    // A stranger gets no cookie at all (only friends can use one)…
    expect(stranger.fetchCookie(e, 0)).toBeNull();
    expect(e.counters.get('drop.net_crypto.cookie_request_not_friend')).toBe(1);
    // …and a valid handshake with a cookie Bob issued while the stranger was a friend (an
    // engine with Bob's cookie key, same seed) is refused: not a friend now.
    const befriendingBob = await makeFriendEngine(33, 'bob', [stranger.real.publicKey]);
    befriendingBob.start(0);
    e.handleDatagram(500, stranger.address, stranger.handshake(e, stranger.fetchCookie(befriendingBob, 0)!));

    expect(drops()).toEqual({
      'drop.net_crypto.handshake_cookie_invalid': 1,
      'drop.net_crypto.handshake_cookie_expired': 1,
      'drop.net_crypto.handshake_invalid': 2,
      'drop.net_crypto.handshake_not_friend': 1,
    });
    expect(e.progressOf(raw.realHex)).toBe('AwaitingDHTKey');
    expect(e.progressOf(other.realHex)).toBe('AwaitingDHTKey');
    expect(e.netCrypto.stats().connections).toBe(0);
    expect(e.takeTransmits().filter((t) => t.data[0] !== 0x19)).toEqual([]);
  });

  it('as the initiator: sends a cookie request, takes only a response from the address asked with its echo id, then handshakes', async () => {
    const crypto = await loadCrypto();
    const raw = new RawPeer(crypto, 801, addr(6));
    const e = await makeFriendEngine(35, 'alice', [raw.real.publicKey]);
    e.start(0);
    e.deliverToSession(raw.realHex, { type: 'dhtKey.learned', now: 0, dhtKey: toHex(raw.dht.publicKey), source: 'onion' });
    // A search result is only a claim: the address is asked (a DHT nodes request), no cookie request yet.
    e.deliverToSession(raw.realHex, { type: 'address.learned', now: 0, address: `${raw.address.ip}:${raw.address.port}`, source: 'dhtSearch' });
    e.flush();
    const check = e.takeTransmits();
    expect(check.filter((t) => t.data[0] === 0x18)).toEqual([]);
    expect(check.some((t) => t.data[0] === 0x02 && t.to.port === raw.address.port)).toBe(true);
    // The DHT key answered from there: now the cookie request goes out.
    e.deliverToSession(raw.realHex, { type: 'address.learned', now: 0, address: `${raw.address.ip}:${raw.address.port}`, source: 'dhtKeyPacket' });
    e.flush();
    const req = e.takeTransmits().find((t) => t.data[0] === 0x18)!;
    expect(req.data.length).toBe(COOKIE_REQUEST_SIZE_BYTES);
    const shared = crypto.precompute(e.keys.dht.publicKey, raw.dht.secretKey);
    const opened = openCookieRequest(crypto, shared, req.data);
    expect(opened.ok && toHex(opened.value.realPk)).toBe(e.selfHex);
    if (!opened.ok) return;
    expect(toHex(decodeCookieRequestHeader(req.data).ok ? opened.value.senderDhtPk : new Uint8Array())).toBe(e.keys.dhtPkHex);
    const cookie = sealCookie(crypto, raw.cookieKey, new Uint8Array(24).fill(1), { time: BigInt(e.unixSeconds()), realPk: e.keys.real.publicKey, dhtPk: e.keys.dht.publicKey });
    const good = sealCookieResponse(crypto, shared, new Uint8Array(24).fill(2), { cookie, echoId: opened.value.echoId });
    const wrongEcho = sealCookieResponse(crypto, shared, new Uint8Array(24).fill(3), { cookie, echoId: new Uint8Array(8).fill(9) });
    e.handleDatagram(10, addr(7), good);
    e.handleDatagram(20, raw.address, wrongEcho);
    expect(e.counters.get('drop.net_crypto.cookie_response_unknown_address')).toBe(1);
    expect(e.counters.get('drop.net_crypto.cookie_response_wrong_echo')).toBe(1);
    expect(e.progressOf(raw.realHex)).toBe('AcquiringCookie');
    e.handleDatagram(30, raw.address, good);
    expect(e.progressOf(raw.realHex)).toBe('AwaitingHandshake');
    const hs = e.takeTransmits().find((t) => t.data[0] === 0x1a)!;
    // The handshake carries our cookie outside, and opens with the raw peer's real key.
    expect(toHex(hs.data.subarray(1, 113))).toBe(toHex(cookie));
    expect(raw.openHandshake(e, hs.data).ok).toBe(true);
    // A second good response is not taken: we are past AcquiringCookie.
    e.handleDatagram(40, raw.address, good);
    expect(e.counters.get('drop.net_crypto.cookie_response_invalid')).toBe(1);
  });
});

describe('crypto data', () => {
  it('drops replayed, duplicated and tampered data packets and delivers reordered ones in order', async () => {
    const p = await makePair();
    const { sim, a, b } = p;
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    sim.runFor(1_500);
    const seen = tap(a.engine);
    a.engine.messenger.sendMessage(b.engine.selfHex, 'one');
    sim.flush([a]);
    const packet = seen.find((t) => t.data[0] === 0x1b)!.data;
    sim.runFor(50);
    expect(eventsOf(b, 'message').map((m) => m.text)).toEqual(['one']);

    const before = b.engine.counters.toJSON();
    // Replayed (and duplicated) twice: the lossless number is already delivered.
    b.engine.handleDatagram(sim.now, a.address, packet);
    b.engine.handleDatagram(sim.now, a.address, packet);
    expect(b.engine.counters.get('drop.net_crypto.data_duplicate') - (before['drop.net_crypto.data_duplicate'] ?? 0)).toBe(2);
    // Tampered: a flipped bit in the box, or in the nonce bytes.
    const flipped = packet.slice();
    flipped[flipped.length - 1]! ^= 1;
    b.engine.handleDatagram(sim.now, a.address, flipped);
    const nonceFlip = packet.slice();
    nonceFlip[2]! ^= 0x40;
    b.engine.handleDatagram(sim.now, a.address, nonceFlip);
    // From another address: not matched to any connection.
    b.engine.handleDatagram(sim.now, addr(9), packet);
    expect(b.engine.counters.get('drop.net_crypto.data_invalid') - (before['drop.net_crypto.data_invalid'] ?? 0)).toBe(2);
    expect(b.engine.counters.get('drop.net_crypto.data_unknown_address')).toBe(1);
    expect(eventsOf(b, 'message').map((m) => m.text)).toEqual(['one']);

    // Reordered: three messages held back, then delivered last-first.
    sim.partition([[a], [b]]);
    const mark = seen.length;
    for (const t of ['two', 'three', 'four']) a.engine.messenger.sendMessage(b.engine.selfHex, t);
    sim.flush([a]);
    const held = seen.slice(mark).filter((t) => t.data[0] === 0x1b).map((t) => t.data);
    expect(held).toHaveLength(3);
    sim.heal();
    b.engine.handleDatagram(sim.now, a.address, held[2]!);
    b.engine.handleDatagram(sim.now, a.address, held[1]!);
    expect(eventsOf(b, 'message').map((m) => m.text)).toEqual(['one']);
    b.engine.handleDatagram(sim.now, a.address, held[0]!);
    sim.flush([b]);
    expect(eventsOf(b, 'message').map((m) => m.text)).toEqual(['one', 'two', 'three', 'four']);
    expect(bothEstablished(p)).toBe(true);
    expect(b.engine.counters.get('error.handler')).toBe(0);
  });

  it('a lost packet is asked for by the request packet and resent; receipts follow', async () => {
    const p = await makePair();
    const { sim, a, b } = p;
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    sim.runFor(2_000);
    // Lose exactly the first of three messages (every data packet is padded to the same size
    // here, so the one to lose is simply the next one sent).
    const orig = a.engine.send.bind(a.engine);
    let armed = true;
    a.engine.send = (to, data) => {
      if (armed && data[0] === 0x1b) {
        armed = false;
        return;
      }
      orig(to, data);
    };
    const ids = ['x', 'y', 'z'].map((t) => a.engine.messenger.sendMessage(b.engine.selfHex, t));
    expect(armed).toBe(false);
    sim.flush([a]);
    // y and z have arrived (5 ms latency) and wait behind the hole; B's acknowledgement listing x as
    // missing leaves 10 ms after they arrived (ACK_DELAY_MS).
    sim.runFor(12);
    expect(eventsOf(b, 'message')).toEqual([]);
    sim.runUntilTrue(() => eventsOf(a, 'receipt').length === 3, 5_000);
    expect(eventsOf(b, 'message').map((m) => m.text)).toEqual(['x', 'y', 'z']);
    expect(eventsOf(a, 'receipt').map((r) => r.id)).toEqual(ids);
    expect(a.engine.counters.get('net_crypto.resent')).toBeGreaterThanOrEqual(1);
    expect(progress(a, b)).toBe('Established');
  });
});

describe('request packets', () => {
  it('a reordered older request (its buffer_start behind ours) is ignored: it frees nothing the peer still misses', async () => {
    const p = await makePair();
    const { sim, a, b } = p;
    introduce(sim, a, b);
    expect(sim.runUntilTrue(() => bothEstablished(p), 5_000)).toBe(true);
    sim.runFor(2_000);
    // B's session keys, to write B's request packets by hand; B itself hears nothing more.
    const bc = b.engine.netCrypto.connection(a.engine.selfHex)!;
    const key = bc.sessionKey!;
    let nonce = bc.sentNonce;
    const fromB = (bufferStart: number, missing: number[]): Uint8Array => {
      const packet = sealCryptoData(p.crypto, key, nonce, { bufferStart, packetNumber: bc.send.end, payload: encodeRequestPacket({ bufferStart, missing }) });
      nonce = incrementNonce(nonce);
      return packet;
    };
    sim.partition([[a], [b]]);
    const ac = a.engine.netCrypto.connection(b.engine.selfHex)!;
    const s = ac.send.start;
    for (let i = 0; i < 12; i++) a.engine.messenger.sendMessage(b.engine.selfHex, `m${i}`);
    sim.flush([a]);
    // B missed s, s+5 and s+6 and said so (older); then got s and said it misses s+5 and s+6
    // (newer). The newer arrives first; the older, relative to s, lands after it.
    const older = fromB(s, [s, s + 5, s + 6]);
    const newer = fromB(s + 5, [s + 5, s + 6]);
    a.engine.handleDatagram(sim.now, b.address, newer);
    expect(ac.send.start).toBe(s + 5);
    a.engine.handleDatagram(sim.now, b.address, older);
    // Read against our buffer_start s+5 its distances would free s+6, which B misses (c-toxcore
    // drops a packet whose buffer_start is behind ours: net_crypto.c clear_buffer_until).
    expect(ac.send.packets.has(s + 5)).toBe(true);
    expect(ac.send.packets.has(s + 6)).toBe(true);
    expect(a.engine.counters.get('drop.net_crypto.request_stale')).toBe(1);
    expect(a.engine.counters.get('error.handler')).toBe(0);
  });
});

describe('cookie requests', () => {
  it('are answered statelessly with a 161-byte response (16 bytes more than the 145-byte request)', async () => {
    const crypto = await loadCrypto();
    const raw = new RawPeer(crypto, 901, addr(10));
    const e = await makeFriendEngine(36, 'bob', [raw.real.publicKey]);
    e.start(0);
    const cacheBefore = e.keys.cache.size;
    e.handleDatagram(0, raw.address, raw.cookieRequest(e));
    const out = e.takeTransmits();
    expect(out).toHaveLength(1);
    expect(out[0]!.data.length).toBe(COOKIE_RESPONSE_SIZE_BYTES);
    expect(COOKIE_RESPONSE_SIZE_BYTES - COOKIE_REQUEST_SIZE_BYTES).toBe(16);
    expect(e.netCrypto.stats()).toMatchObject({ connections: 0, pending: 0, addresses: 0 });
    expect(e.keys.cache.size).toBe(cacheBefore);
  });

  it('are rate limited per source: a burst of 10, then one per 100 ms', async () => {
    const crypto = await loadCrypto();
    const raw = new RawPeer(crypto, 902, addr(11));
    const other = new RawPeer(crypto, 903, addr(12));
    const e = await makeFriendEngine(37, 'bob', [raw.real.publicKey, other.real.publicKey]);
    e.start(0);
    const send = (t: number, n: number): number => {
      for (let i = 0; i < n; i++) e.handleDatagram(t, raw.address, raw.cookieRequest(e));
      return e.takeTransmits().length;
    };
    expect(send(0, 50)).toBe(COOKIE_REQUEST_BURST);
    expect(e.counters.get('drop.net_crypto.cookie_request_rate_limited')).toBe(40);
    expect(send(50, 5)).toBe(0);
    expect(send(100, 5)).toBe(1);
    expect(send(350, 5)).toBe(2);
    expect(send(2_000, 50)).toBe(COOKIE_REQUEST_BURST);
    // Another source has its own bucket.
    e.handleDatagram(2_000, other.address, other.cookieRequest(e));
    expect(e.takeTransmits()).toHaveLength(1);
  });

  it('a flood from many source addresses keeps no per-request state and a bounded guard table', async () => {
    const crypto = await loadCrypto();
    const peers = Array.from({ length: 16 }, (_, i) => new RawPeer(crypto, 1000 + i, addr(0)));
    const e = await makeFriendEngine(38, 'bob', peers.map((p) => p.real.publicKey));
    e.start(0);
    const cacheBefore = e.keys.cache.size;
    const reqs = peers.map((r) => r.cookieRequest(e));
    const N = 5_000;
    let answered = 0;
    for (let i = 0; i < N; i++) {
      e.handleDatagram(i, addr(i + 100), reqs[i % reqs.length]!);
      answered += e.takeTransmits().length;
    }
    expect(answered).toBe(N);
    const s = e.netCrypto.stats();
    expect(s.connections).toBe(0);
    expect(s.pending).toBe(0);
    expect(s.addresses).toBe(0);
    expect(s.guardSources).toBe(COOKIE_GUARD_TABLE_LIMIT);
    expect(s.guardEvictions).toBe(N - COOKIE_GUARD_TABLE_LIMIT);
    expect(e.keys.cache.size).toBe(cacheBefore);
    expect(e.actors.size).toBe(1 + 3 * peers.length);
    // Once quiet, the guard forgets every source.
    e.handleTimeout(N + 20_000);
    e.handleTimeout(N + 40_000);
    expect(e.netCrypto.stats().guardSources).toBe(0);
  });
});
