/**
 * dht/dht-pk.ts: DHT-PK data and payload (docs/protocol.md §3.7) and the
 * DHT-routed wrapper for request id 156 (§2.5; c-toxcore onion_client.c
 * send_dht_dhtpk / handle_dht_dhtpk / handle_dhtpk_announce).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, toHex } from '../../../protocol/bytes.js';
import { loadCrypto } from '../../../runtime/adapters/node-crypto.js';
import {
  decodeDhtPkData,
  decodeDhtPkPayload,
  decodeDhtPkRoutedHeader,
  DHT_PK_PAYLOAD_MAX_SIZE_BYTES,
  DHT_PK_ROUTED_MIN_SIZE_BYTES,
  encodeDhtPkData,
  encodeDhtPkPayload,
  openDhtPkRouted,
  sealDhtPkRouted,
  type DhtPk,
} from '../../../protocol/dht/dht-pk.js';
import { decodeDhtRequestHeader, DHT_REQUEST_ID, openDhtRequest, sealDhtRequest } from '../../../protocol/dht/dht-request.js';
import { encodePackedNodes, packedNodeSize, type PackedNode } from '../../../protocol/packed-node.js';
import { unwrap } from '../../../protocol/result.js';
import { anyNode, expectResult, FUZZ_RUNS, key32, keyPair, nonce24, truncationsAndExtensions } from '../core/arbitraries.js';

const crypto = await loadCrypto();

const dhtPkArb: fc.Arbitrary<DhtPk> = fc.record({
  noReplay: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
  dhtPk: key32,
  nodes: fc.array(anyNode, { maxLength: 4 }),
});

const v6tcp: PackedNode = { transport: 'tcp', ipPort: { family: 'ipv6', ip: '::1', port: 443 }, publicKey: new Uint8Array(32).fill(3) };

describe('DHT-PK data and payload', () => {
  it('round-trips with UDP and TCP nodes; payload is 41 + nodes bytes starting 0x9c', () => {
    fc.assert(
      fc.property(dhtPkArb, (d) => {
        const payload = encodeDhtPkPayload(d);
        expect(payload[0]).toBe(0x9c);
        expect(payload.length).toBe(41 + d.nodes.reduce((n, x) => n + packedNodeSize(x), 0));
        expect(unwrap(decodeDhtPkPayload(payload))).toEqual(d);
        expect(unwrap(decodeDhtPkData(encodeDhtPkData(d)))).toEqual(d);
      }),
    );
  });

  it('no_replay is a big-endian u64', () => {
    const d: DhtPk = { noReplay: 0x0102030405060708n, dhtPk: new Uint8Array(32), nodes: [] };
    expect(toHex(encodeDhtPkData(d).subarray(0, 8))).toBe('0102030405060708');
  });

  it('sizes: 41..245 bytes', () => {
    expect(encodeDhtPkPayload({ noReplay: 1n, dhtPk: new Uint8Array(32), nodes: [] }).length).toBe(41);
    const max = encodeDhtPkPayload({ noReplay: 1n, dhtPk: new Uint8Array(32), nodes: [v6tcp, v6tcp, v6tcp, v6tcp] });
    expect(max.length).toBe(245);
    expect(DHT_PK_PAYLOAD_MAX_SIZE_BYTES).toBe(245);
  });

  it('refuses more than 4 nodes, partial nodes and a wrong type byte', () => {
    const base = encodeDhtPkData({ noReplay: 1n, dhtPk: new Uint8Array(32), nodes: [] });
    const n = encodePackedNodes([{ ...v6tcp, ipPort: { family: 'ipv4', ip: '1.2.3.4', port: 1 } }]);
    expect(decodeDhtPkData(concat(base, n, n, n, n, n)).ok).toBe(false);
    expect(decodeDhtPkData(concat(base, n.subarray(0, 20))).ok).toBe(false);
    expect(decodeDhtPkPayload(concat(Uint8Array.of(0x9b), base)).ok).toBe(false);
    expect(() => encodeDhtPkData({ noReplay: -1n, dhtPk: new Uint8Array(32), nodes: [] })).toThrow();
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (x) => {
        expectResult(() => decodeDhtPkPayload(x));
        expectResult(() => decodeDhtPkData(x));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('DHT-routed DHT-PK (request id 156)', () => {
  // Real keys: alice sends her DHT key to bob over the DHT.
  const aliceReal = keyPair(crypto, 11);
  const bobReal = keyPair(crypto, 12);
  const aliceDht = keyPair(crypto, 13);
  const bobDht = keyPair(crypto, 14);
  const realA = crypto.precompute(bobReal.pk, aliceReal.sk);
  const realB = crypto.precompute(aliceReal.pk, bobReal.sk);
  const dhtA = crypto.precompute(bobDht.pk, aliceDht.sk);
  const dhtB = crypto.precompute(aliceDht.pk, bobDht.sk);

  it('full stack round trip: 0x20 → id 156 → real-key box → 0x9c payload, inner DHT key checked', () => {
    fc.assert(
      fc.property(nonce24, nonce24, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.array(anyNode, { maxLength: 4 }), (n1, n2, noReplay, nodes) => {
        const d: DhtPk = { noReplay, dhtPk: aliceDht.pk, nodes };
        const routed = sealDhtPkRouted(crypto, realA, aliceReal.pk, n1, d);
        expect(routed.length).toBe(72 + encodeDhtPkPayload(d).length);
        expect(toHex(routed.subarray(0, 32))).toBe(toHex(aliceReal.pk));
        const pkt = sealDhtRequest(crypto, dhtA, bobDht.pk, aliceDht.pk, n2, { requestId: DHT_REQUEST_ID.dht_pk, data: routed });
        const outer = unwrap(decodeDhtRequestHeader(pkt));
        const req = unwrap(openDhtRequest(crypto, dhtB, outer));
        expect(req.requestId).toBe(156);
        const h = unwrap(decodeDhtPkRoutedHeader(req.data));
        expect(toHex(h.senderRealPk)).toBe(toHex(aliceReal.pk));
        expect(unwrap(openDhtPkRouted(crypto, realB, h, outer.senderPk))).toEqual(d);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses an inner DHT key that differs from the DHT request sender', () => {
    const d: DhtPk = { noReplay: 5n, dhtPk: aliceDht.pk, nodes: [] };
    const h = unwrap(decodeDhtPkRoutedHeader(sealDhtPkRouted(crypto, realA, aliceReal.pk, new Uint8Array(24), d)));
    const r = openDhtPkRouted(crypto, realB, h, bobDht.pk);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/differs/);
  });

  it('minimum routed size is 113 (c-toxcore handle_dht_dhtpk); truncations and extensions are refused', () => {
    expect(DHT_PK_ROUTED_MIN_SIZE_BYTES).toBe(113);
    const routed = sealDhtPkRouted(crypto, realA, aliceReal.pk, new Uint8Array(24), { noReplay: 1n, dhtPk: aliceDht.pk, nodes: [] });
    expect(routed.length).toBe(113);
    for (const t of truncationsAndExtensions(routed)) {
      const h = expectResult(() => decodeDhtPkRoutedHeader(t));
      if (h.ok) expect(openDhtPkRouted(crypto, realB, h.value, aliceDht.pk).ok).toBe(false);
    }
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), key32, (x, k) => {
        const h = expectResult(() => decodeDhtPkRoutedHeader(x));
        if (h.ok) expectResult(() => openDhtPkRouted(crypto, k, h.value, aliceDht.pk));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
