import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { equalBytes, hex } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import {
  COOKIE_REQUEST_SIZE_BYTES,
  COOKIE_RESPONSE_SIZE_BYTES,
  COOKIE_SIZE_BYTES,
  HANDSHAKE_SIZE_BYTES,
  decodeCookieRequestHeader,
  decodeHandshakeHeader,
  isCookieFresh,
  openCookie,
  openCookieRequest,
  openCookieResponse,
  openHandshake,
  sealCookie,
  sealCookieRequest,
  sealCookieResponse,
  sealHandshake,
} from '../../protocol/net-crypto/index.js';

let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

/** A deterministic key pair from a seed byte (secret keys are any 32 bytes for X25519). */
function keyPair(seed: number): { pk: Uint8Array; sk: Uint8Array } {
  const sk = new Uint8Array(32).fill(seed);
  return { sk, pk: crypto.publicKeyFromSecret(sk) };
}

describe('cookie (112 bytes)', () => {
  it('seals to 112 bytes and opens back to the same contents', () => {
    fc.assert(
      fc.property(bytes(32), bytes(24), u64, bytes(32), bytes(32), (key, nonce, time, realPk, dhtPk) => {
        const c = sealCookie(crypto, key, nonce, { time, realPk, dhtPk });
        expect(c.length).toBe(COOKIE_SIZE_BYTES);
        expect(equalBytes(c.subarray(0, 24), nonce)).toBe(true);
        const o = openCookie(crypto, key, c);
        expect(o.ok).toBe(true);
        if (!o.ok) return;
        expect(o.value.time).toBe(time);
        expect(equalBytes(o.value.realPk, realPk)).toBe(true);
        expect(equalBytes(o.value.dhtPk, dhtPk)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('writes the time little-endian (host order of c-toxcore on x86), then real pk, then DHT pk', () => {
    const key = new Uint8Array(32).fill(7);
    const nonce = new Uint8Array(24).fill(9);
    const realPk = new Uint8Array(32).fill(0xaa);
    const dhtPk = new Uint8Array(32).fill(0xbb);
    const c = sealCookie(crypto, key, nonce, { time: 0x0102030405060708n, realPk, dhtPk });
    const plain = crypto.secretboxOpen(key, nonce, c.subarray(24));
    expect(plain).not.toBeNull();
    expect(Array.from(plain!.subarray(0, 8))).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(equalBytes(plain!.subarray(8, 40), realPk)).toBe(true);
    expect(equalBytes(plain!.subarray(40, 72), dhtPk)).toBe(true);
  });

  it('refuses another key, any flipped byte and wrong lengths', () => {
    const key = new Uint8Array(32).fill(1);
    const c = sealCookie(crypto, key, new Uint8Array(24), { time: 5n, realPk: new Uint8Array(32), dhtPk: new Uint8Array(32) });
    expect(openCookie(crypto, new Uint8Array(32).fill(2), c).ok).toBe(false);
    for (let i = 0; i < c.length; i += 7) {
      const t = new Uint8Array(c);
      t[i]! ^= 0x01;
      expect(openCookie(crypto, key, t).ok).toBe(false);
    }
    expect(openCookie(crypto, key, c.subarray(0, 111)).ok).toBe(false);
    expect(openCookie(crypto, key, new Uint8Array(113)).ok).toBe(false);
  });

  it('freshness is time <= now <= time + 15 (c-toxcore open_cookie)', () => {
    expect(isCookieFresh(100n, 99n)).toBe(false);
    expect(isCookieFresh(100n, 100n)).toBe(true);
    expect(isCookieFresh(100n, 115n)).toBe(true);
    expect(isCookieFresh(100n, 116n)).toBe(false);
  });

  it('never throws on arbitrary bytes', () => {
    const key = new Uint8Array(32);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      expect(openCookie(crypto, key, b).ok).toBe(false);
    }));
  });
});

describe('cookie request 0x18 / cookie response 0x19', () => {
  it('round-trips between two DHT key pairs (the shared key is symmetric)', () => {
    const a = keyPair(1);
    const b = keyPair(2);
    const kA = crypto.precompute(b.pk, a.sk);
    const kB = crypto.precompute(a.pk, b.sk);
    fc.assert(
      fc.property(bytes(24), bytes(32), bytes(8), (nonce, realPk, echoId) => {
        const pkt = sealCookieRequest(crypto, kA, a.pk, nonce, { realPk, echoId });
        expect(pkt.length).toBe(COOKIE_REQUEST_SIZE_BYTES);
        expect(pkt[0]).toBe(0x18);
        const h = decodeCookieRequestHeader(pkt);
        expect(h.ok && equalBytes(h.value.senderDhtPk, a.pk) && equalBytes(h.value.nonce, nonce)).toBe(true);
        const o = openCookieRequest(crypto, kB, pkt);
        expect(o.ok).toBe(true);
        if (!o.ok) return;
        expect(equalBytes(o.value.realPk, realPk)).toBe(true);
        expect(equalBytes(o.value.echoId, echoId)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('puts 32 zero bytes between the real pk and the echo id', () => {
    const k = new Uint8Array(32).fill(3);
    const nonce = new Uint8Array(24).fill(4);
    const pkt = sealCookieRequest(crypto, k, new Uint8Array(32), nonce, { realPk: new Uint8Array(32).fill(0xee), echoId: hex('0102030405060708') });
    const plain = crypto.open(k, nonce, pkt.subarray(57));
    expect(plain).not.toBeNull();
    expect(plain!.length).toBe(72);
    expect(plain!.subarray(32, 64).every((x) => x === 0)).toBe(true);
    expect(Array.from(plain!.subarray(64))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('response round-trips and carries the cookie and the echo id', () => {
    const k = new Uint8Array(32).fill(5);
    fc.assert(
      fc.property(bytes(24), bytes(COOKIE_SIZE_BYTES), bytes(8), (nonce, cookie, echoId) => {
        const pkt = sealCookieResponse(crypto, k, nonce, { cookie, echoId });
        expect(pkt.length).toBe(COOKIE_RESPONSE_SIZE_BYTES);
        expect(pkt[0]).toBe(0x19);
        const o = openCookieResponse(crypto, k, pkt);
        expect(o.ok && equalBytes(o.value.cookie, cookie) && equalBytes(o.value.echoId, echoId)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses wrong keys, wrong ids and wrong lengths without throwing', () => {
    const k = new Uint8Array(32).fill(5);
    const req = sealCookieRequest(crypto, k, new Uint8Array(32), new Uint8Array(24), { realPk: new Uint8Array(32), echoId: new Uint8Array(8) });
    const resp = sealCookieResponse(crypto, k, new Uint8Array(24), { cookie: new Uint8Array(112), echoId: new Uint8Array(8) });
    expect(openCookieRequest(crypto, new Uint8Array(32), req).ok).toBe(false);
    expect(openCookieResponse(crypto, new Uint8Array(32), resp).ok).toBe(false);
    const badId = new Uint8Array(req);
    badId[0] = 0x19;
    expect(decodeCookieRequestHeader(badId).ok).toBe(false);
    expect(decodeCookieRequestHeader(req.subarray(0, 144)).ok).toBe(false);
    expect(openCookieResponse(crypto, k, resp.subarray(0, 160)).ok).toBe(false);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
      expect(openCookieRequest(crypto, k, b).ok).toBe(false);
      expect(openCookieResponse(crypto, k, b).ok).toBe(false);
    }));
  });
});

describe('handshake 0x1a (385 bytes)', () => {
  it('a full cookie → handshake exchange between two peers validates in c-toxcore order', () => {
    // A (initiator) and B (responder): real and DHT pairs, B's cookie key.
    const aReal = keyPair(11);
    const aDht = keyPair(12);
    const bReal = keyPair(21);
    const bDht = keyPair(22);
    const aCookieKey = new Uint8Array(32).fill(0x31);
    const bCookieKey = new Uint8Array(32).fill(0x32);
    const now = 1_000n;

    // 1. A → B cookie request.
    const kDhtA = crypto.precompute(bDht.pk, aDht.sk);
    const echoId = hex('1122334455667788');
    const req = sealCookieRequest(crypto, kDhtA, aDht.pk, new Uint8Array(24).fill(1), { realPk: aReal.pk, echoId });
    // 2. B opens it (statelessly) and answers with a cookie for (A real, A DHT).
    const hdr = decodeCookieRequestHeader(req);
    expect(hdr.ok).toBe(true);
    if (!hdr.ok) return;
    const kDhtB = crypto.precompute(hdr.value.senderDhtPk, bDht.sk);
    const reqB = openCookieRequest(crypto, kDhtB, req);
    expect(reqB.ok).toBe(true);
    if (!reqB.ok) return;
    const cookieForA = sealCookie(crypto, bCookieKey, new Uint8Array(24).fill(2), { time: now, realPk: reqB.value.realPk, dhtPk: hdr.value.senderDhtPk });
    const resp = sealCookieResponse(crypto, kDhtB, new Uint8Array(24).fill(3), { cookie: cookieForA, echoId: reqB.value.echoId });
    // 3. A checks the echo id and sends its handshake with B's cookie outside.
    const respA = openCookieResponse(crypto, kDhtA, resp);
    expect(respA.ok && equalBytes(respA.value.echoId, echoId)).toBe(true);
    if (!respA.ok) return;
    const aBaseNonce = new Uint8Array(24).fill(0x44);
    const aSession = keyPair(13);
    const otherCookie = sealCookie(crypto, aCookieKey, new Uint8Array(24).fill(5), { time: now, realPk: bReal.pk, dhtPk: bDht.pk });
    const hs = sealHandshake(crypto, crypto.precompute(bReal.pk, aReal.sk), new Uint8Array(24).fill(6), {
      cookie: respA.value.cookie,
      baseNonce: aBaseNonce,
      sessionPk: aSession.pk,
      otherCookie,
    });
    expect(hs.length).toBe(HANDSHAKE_SIZE_BYTES);
    expect(hs[0]).toBe(0x1a);
    expect(equalBytes(hs.subarray(1, 113), cookieForA)).toBe(true);

    // 4. B validates: header, its own cookie (fresh), then the box keyed by the real pk from the cookie.
    const h = decodeHandshakeHeader(hs);
    expect(h.ok).toBe(true);
    if (!h.ok) return;
    const c = openCookie(crypto, bCookieKey, h.value.cookie);
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(isCookieFresh(c.value.time, now + 3n)).toBe(true);
    expect(equalBytes(c.value.realPk, aReal.pk) && equalBytes(c.value.dhtPk, aDht.pk)).toBe(true);
    const opened = openHandshake(crypto, crypto.precompute(c.value.realPk, bReal.sk), hs);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(equalBytes(opened.value.baseNonce, aBaseNonce)).toBe(true);
    expect(equalBytes(opened.value.sessionPk, aSession.pk)).toBe(true);
    expect(equalBytes(opened.value.otherCookie, otherCookie)).toBe(true);
    // 5. B's handshake back uses A's other cookie outside; A can open that cookie with its key.
    const back = openCookie(crypto, aCookieKey, opened.value.otherCookie);
    expect(back.ok && equalBytes(back.value.realPk, bReal.pk)).toBe(true);
    // Session keys agree.
    const bSession = keyPair(23);
    expect(equalBytes(crypto.precompute(aSession.pk, bSession.sk), crypto.precompute(bSession.pk, aSession.sk))).toBe(true);
  });

  it('rejects a handshake whose outer cookie was swapped (SHA-512 mismatch)', () => {
    const k = new Uint8Array(32).fill(9);
    const cookie = new Uint8Array(112).fill(1);
    const hs = sealHandshake(crypto, k, new Uint8Array(24), {
      cookie,
      baseNonce: new Uint8Array(24),
      sessionPk: new Uint8Array(32),
      otherCookie: new Uint8Array(112),
    });
    const swapped = new Uint8Array(hs);
    swapped[5]! ^= 0xff;
    const r = openHandshake(crypto, k, swapped);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/SHA-512/);
    expect(openHandshake(crypto, k, hs).ok).toBe(true);
  });

  it('round-trips arbitrary fields', () => {
    const k = new Uint8Array(32).fill(10);
    fc.assert(
      fc.property(bytes(24), bytes(112), bytes(24), bytes(32), bytes(112), (nonce, cookie, baseNonce, sessionPk, otherCookie) => {
        const hs = sealHandshake(crypto, k, nonce, { cookie, baseNonce, sessionPk, otherCookie });
        const o = openHandshake(crypto, k, hs);
        expect(o.ok).toBe(true);
        if (!o.ok) return;
        expect(equalBytes(o.value.cookie, cookie) && equalBytes(o.value.nonce, nonce)).toBe(true);
        expect(equalBytes(o.value.baseNonce, baseNonce) && equalBytes(o.value.sessionPk, sessionPk)).toBe(true);
        expect(equalBytes(o.value.otherCookie, otherCookie)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('never throws on random or truncated input', () => {
    const k = new Uint8Array(32).fill(10);
    const hs = sealHandshake(crypto, k, new Uint8Array(24), {
      cookie: new Uint8Array(112),
      baseNonce: new Uint8Array(24),
      sessionPk: new Uint8Array(32),
      otherCookie: new Uint8Array(112),
    });
    for (let n = 0; n < hs.length; n++) expect(openHandshake(crypto, k, hs.subarray(0, n)).ok).toBe(false);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), (b) => {
      expect(openHandshake(crypto, k, b).ok).toBe(false);
      decodeHandshakeHeader(b);
    }));
  });

  it('encoders throw on wrong argument lengths (a bug in our code, not input)', () => {
    const k = new Uint8Array(32);
    expect(() => sealHandshake(crypto, k, new Uint8Array(24), { cookie: new Uint8Array(111), baseNonce: new Uint8Array(24), sessionPk: new Uint8Array(32), otherCookie: new Uint8Array(112) })).toThrow();
    expect(() => sealCookieRequest(crypto, k, new Uint8Array(32), new Uint8Array(24), { realPk: new Uint8Array(32), echoId: new Uint8Array(7) })).toThrow();
    expect(() => sealCookie(crypto, k, new Uint8Array(24), { time: -1n, realPk: new Uint8Array(32), dhtPk: new Uint8Array(32) })).toThrow();
  });
});
