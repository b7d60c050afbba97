/**
 * dht/dht-request.ts (0x20, ≤ 1024 bytes), dht/nat-ping.ts (request id 254)
 * and dht/lan-discovery.ts (0x21, 33 bytes) (docs/protocol.md §2.5, §2.6;
 * c-toxcore DHT.c create_request / handle_request / cryptopacket_handle /
 * handle_NATping / handle_LANdiscovery).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, toHex } from '../../../protocol/bytes.js';
import { loadCrypto } from '../../../runtime/adapters/node-crypto.js';
import {
  decodeDhtRequestHeader,
  DHT_REQUEST_ID,
  dhtRequestSize,
  MAX_DHT_REQUEST_DATA_SIZE_BYTES,
  openDhtRequest,
  sealDhtRequest,
} from '../../../protocol/dht/dht-request.js';
import { decodeLanDiscovery, LAN_DISCOVERY_SIZE_BYTES } from '../../../protocol/dht/lan-discovery.js';
import { decodeNatPing, encodeNatPing, NAT_PING_SIZE_BYTES } from '../../../protocol/dht/nat-ping.js';
import { unwrap } from '../../../protocol/result.js';
import { bytesBetween, bytesOf, expectResult, FUZZ_RUNS, key32, keyPair, nonce24, truncationsAndExtensions } from '../core/arbitraries.js';

const crypto = await loadCrypto();
const a = keyPair(crypto, 5);
const b = keyPair(crypto, 6);
const kA = crypto.precompute(b.pk, a.sk);
const kB = crypto.precompute(a.pk, b.sk);

describe('DHT request 0x20', () => {
  it('round-trips; size is 106 + |data| and at most 1024', () => {
    fc.assert(
      fc.property(nonce24, fc.nat(255), bytesBetween(1, MAX_DHT_REQUEST_DATA_SIZE_BYTES), (nonce, requestId, data) => {
        const p = sealDhtRequest(crypto, kA, b.pk, a.pk, nonce, { requestId, data });
        expect(p.length).toBe(106 + data.length);
        expect(p.length).toBeLessThanOrEqual(1024);
        const h = unwrap(decodeDhtRequestHeader(p));
        expect(toHex(h.receiverPk)).toBe(toHex(b.pk));
        expect(toHex(h.senderPk)).toBe(toHex(a.pk));
        expect(dhtRequestSize(h)).toBe(p.length);
        const r = unwrap(openDhtRequest(crypto, kB, h));
        expect(r.requestId).toBe(requestId);
        expect(toHex(r.data)).toBe(toHex(data));
      }),
      { numRuns: 200 },
    );
  });

  it('the largest request is exactly 1024 bytes; one more byte of data throws', () => {
    const data = new Uint8Array(MAX_DHT_REQUEST_DATA_SIZE_BYTES);
    expect(MAX_DHT_REQUEST_DATA_SIZE_BYTES).toBe(918);
    expect(sealDhtRequest(crypto, kA, b.pk, a.pk, new Uint8Array(24), { requestId: 1, data }).length).toBe(1024);
    expect(() => sealDhtRequest(crypto, kA, b.pk, a.pk, new Uint8Array(24), { requestId: 1, data: new Uint8Array(919) })).toThrow();
    expect(() => sealDhtRequest(crypto, kA, b.pk, a.pk, new Uint8Array(24), { requestId: 1, data: new Uint8Array(0) })).toThrow();
  });

  it('a request with only the request id (no data) is refused, as c-toxcore drops it', () => {
    const box = crypto.seal(kA, new Uint8Array(24), Uint8Array.of(254));
    const p = concat(Uint8Array.of(0x20), b.pk, a.pk, new Uint8Array(24), box);
    expect(p.length).toBe(106);
    const h = unwrap(decodeDhtRequestHeader(p));
    expect(openDhtRequest(crypto, kB, h).ok).toBe(false);
  });

  it('the header decoder accepts up to 1040 bytes for forwarding, the opener only 1024', () => {
    const big = concat(Uint8Array.of(0x20), new Uint8Array(1039));
    expect(decodeDhtRequestHeader(big).ok).toBe(true);
    expect(decodeDhtRequestHeader(concat(big, Uint8Array.of(0))).ok).toBe(false);
    const h = unwrap(decodeDhtRequestHeader(big));
    expect(openDhtRequest(crypto, kB, h).ok).toBe(false);
  });

  it('truncations / extensions fail to open; random bytes never throw', () => {
    const p = sealDhtRequest(crypto, kA, b.pk, a.pk, new Uint8Array(24), { requestId: 254, data: new Uint8Array(9) });
    for (const t of truncationsAndExtensions(p)) {
      const h = expectResult(() => decodeDhtRequestHeader(t));
      if (h.ok) expect(openDhtRequest(crypto, kB, h.value).ok).toBe(false);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1100 }), key32, (x, k) => {
        const h = expectResult(() => decodeDhtRequestHeader(x.length > 0 ? concat(Uint8Array.of(0x20), x) : x));
        if (h.ok) expectResult(() => openDhtRequest(crypto, k, h.value));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('NAT ping (request id 254)', () => {
  it('round-trips, 9 bytes, type byte 0 / 1', () => {
    fc.assert(
      fc.property(fc.constantFrom('request' as const, 'response' as const), bytesOf(8), (type, pingId) => {
        const d = encodeNatPing({ type, pingId });
        expect(d.length).toBe(NAT_PING_SIZE_BYTES);
        expect(d[0]).toBe(type === 'request' ? 0 : 1);
        expect(unwrap(decodeNatPing(d))).toEqual({ type, pingId });
      }),
    );
  });
  it('travels inside a 0x20 with request id 254', () => {
    const data = encodeNatPing({ type: 'request', pingId: new Uint8Array(8).fill(1) });
    const p = sealDhtRequest(crypto, kA, b.pk, a.pk, new Uint8Array(24), { requestId: DHT_REQUEST_ID.nat_ping, data });
    expect(p.length).toBe(115);
    const r = unwrap(openDhtRequest(crypto, kB, unwrap(decodeDhtRequestHeader(p))));
    expect(r.requestId).toBe(254);
    expect(unwrap(decodeNatPing(r.data)).type).toBe('request');
  });
  it('refuses other types and lengths; never throws', () => {
    expect(decodeNatPing(Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0, 0)).ok).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (x) => {
        const r = expectResult(() => decodeNatPing(x));
        if (x.length !== 9 || x[0]! > 1) expect(r.ok).toBe(false);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('LAN discovery 0x21', () => {
  it('decodes exactly 33 bytes', () => {
    const p = concat(Uint8Array.of(0x21), a.pk);
    expect(p.length).toBe(LAN_DISCOVERY_SIZE_BYTES);
    expect(toHex(unwrap(decodeLanDiscovery(p)).dhtPk)).toBe(toHex(a.pk));
    for (const t of truncationsAndExtensions(p)) expect(decodeLanDiscovery(t).ok).toBe(false);
    expect(decodeLanDiscovery(concat(Uint8Array.of(0x20), a.pk)).ok).toBe(false);
  });
  it('never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (x) => {
        expectResult(() => decodeLanDiscovery(x));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
