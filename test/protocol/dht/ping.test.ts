/**
 * dht/ping.ts and dht/dht-header.ts: DHT ping request 0x00 / response 0x01
 * (docs/protocol.md §2.2; c-toxcore ping.c). Size 82 exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { loadCrypto } from '../../../runtime/adapters/node-crypto.js';
import { decodeDhtHeader, sealDhtPacket } from '../../../protocol/dht/dht-header.js';
import {
  openPingRequest,
  openPingResponse,
  PING_PACKET_SIZE_BYTES,
  sealPingRequest,
  sealPingResponse,
} from '../../../protocol/dht/ping.js';
import { unwrap } from '../../../protocol/result.js';
import { bytesOf, expectResult, FUZZ_RUNS, key32, keyPair, nonce24, truncationsAndExtensions } from '../core/arbitraries.js';

const crypto = await loadCrypto();
const alice = keyPair(crypto, 1);
const bob = keyPair(crypto, 2);
const kAlice = crypto.precompute(bob.pk, alice.sk);
const kBob = crypto.precompute(alice.pk, bob.sk);

describe('ping request / response', () => {
  it('seal → decode header → open round-trips, with real key pairs on both sides', () => {
    fc.assert(
      fc.property(nonce24, bytesOf(8), (nonce, pingId) => {
        const req = sealPingRequest(crypto, kAlice, alice.pk, nonce, { pingId });
        expect(req.length).toBe(82);
        expect(req[0]).toBe(0x00);
        const h = unwrap(decodeDhtHeader(req));
        expect(toHex(h.senderPk)).toBe(toHex(alice.pk));
        expect(toHex(unwrap(openPingRequest(crypto, kBob, h)).pingId)).toBe(toHex(pingId));

        const resp = sealPingResponse(crypto, kBob, bob.pk, nonce, { pingId });
        expect(resp.length).toBe(PING_PACKET_SIZE_BYTES);
        expect(resp[0]).toBe(0x01);
        expect(toHex(unwrap(openPingResponse(crypto, kAlice, unwrap(decodeDhtHeader(resp)))).pingId)).toBe(toHex(pingId));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a request opened as a response and vice versa', () => {
    const req = sealPingRequest(crypto, kAlice, alice.pk, new Uint8Array(24), { pingId: new Uint8Array(8).fill(7) });
    expect(openPingResponse(crypto, kBob, unwrap(decodeDhtHeader(req))).ok).toBe(false);
  });

  it('refuses an inner type that does not match the packet id (c-toxcore checks ping_plain[0])', () => {
    const plain = Uint8Array.of(0x01, 1, 2, 3, 4, 5, 6, 7, 8);
    const pkt = sealDhtPacket(crypto, 0x00, kAlice, alice.pk, new Uint8Array(24), plain);
    const r = openPingRequest(crypto, kBob, unwrap(decodeDhtHeader(pkt)));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/inner type/);
  });

  it('refuses the wrong shared key', () => {
    const req = sealPingRequest(crypto, kAlice, alice.pk, new Uint8Array(24), { pingId: new Uint8Array(8) });
    expect(openPingRequest(crypto, new Uint8Array(32), unwrap(decodeDhtHeader(req))).ok).toBe(false);
  });

  it('every truncation and 1-byte extension is refused without throwing', () => {
    const req = sealPingRequest(crypto, kAlice, alice.pk, new Uint8Array(24).fill(9), { pingId: new Uint8Array(8).fill(3) });
    for (const t of truncationsAndExtensions(req)) {
      const h = expectResult(() => decodeDhtHeader(t));
      if (h.ok) expect(expectResult(() => openPingRequest(crypto, kBob, h.value)).ok).toBe(false);
    }
  });

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.oneof(bytesOf(82), fc.uint8Array({ maxLength: 200 })), key32, (b, k) => {
        const h = expectResult(() => decodeDhtHeader(b));
        if (h.ok) {
          expectResult(() => openPingRequest(crypto, k, h.value));
          expectResult(() => openPingResponse(crypto, k, h.value));
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('encoders throw on a wrong ping id length', () => {
    expect(() => sealPingRequest(crypto, kAlice, alice.pk, new Uint8Array(24), { pingId: new Uint8Array(7) })).toThrow();
  });
});
