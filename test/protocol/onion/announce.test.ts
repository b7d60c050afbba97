/**
 * onion/announce-request.ts (0x83, 177 bytes; 354 with RETURN_3) and
 * onion/announce-response.ts (0x84, 82 + nodes ≤ 286) (docs/protocol.md §3.4;
 * c-toxcore onion_announce.c, onion_client.c).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, toHex } from '../../../protocol/bytes.js';
import { loadCrypto } from '../../../runtime/adapters/node-crypto.js';
import {
  ANNOUNCE_REQUEST_SIZE_BYTES,
  ANNOUNCE_REQUEST_WITH_RETURN_SIZE_BYTES,
  decodeAnnounceRequestHeader,
  openAnnounceRequest,
  sealAnnounceRequest,
  type AnnounceRequest,
} from '../../../protocol/onion/announce-request.js';
import {
  ANNOUNCE_RESPONSE_MAX_SIZE_BYTES,
  ANNOUNCE_RESPONSE_MIN_SIZE_BYTES,
  decodeAnnounceResponseHeader,
  openAnnounceResponse,
  sealAnnounceResponse,
} from '../../../protocol/onion/announce-response.js';
import { encodePackedNodes, packedNodeSize, type PackedNode } from '../../../protocol/packed-node.js';
import { unwrap } from '../../../protocol/result.js';
import { bytesOf, expectResult, FUZZ_RUNS, key32, keyPair, nonce24, truncationsAndExtensions, udpNode } from '../core/arbitraries.js';

const crypto = await loadCrypto();
const sender = keyPair(crypto, 31);
const D = keyPair(crypto, 32);
const kS = crypto.precompute(D.pk, sender.sk);
const kD = crypto.precompute(sender.pk, D.sk);

const requestArb: fc.Arbitrary<AnnounceRequest> = fc.record({
  pingId: bytesOf(32),
  searchedPk: key32,
  dataPk: key32,
  sendback: bytesOf(8),
});
const v6: PackedNode = { transport: 'udp', ipPort: { family: 'ipv6', ip: '::1', port: 1 }, publicKey: new Uint8Array(32) };

describe('announce request 0x83', () => {
  it('round-trips in the 177-byte form and the 354-byte form with RETURN_3', () => {
    fc.assert(
      fc.property(nonce24, requestArb, bytesOf(177), (nonce, fields, ret) => {
        const p = sealAnnounceRequest(crypto, kS, sender.pk, nonce, fields);
        expect(p.length).toBe(177);
        expect(ANNOUNCE_REQUEST_SIZE_BYTES).toBe(177);
        expect(p[0]).toBe(0x83);
        expect(toHex(p.subarray(1, 25))).toBe(toHex(nonce));
        expect(toHex(p.subarray(25, 57))).toBe(toHex(sender.pk));
        const h = unwrap(decodeAnnounceRequestHeader(p));
        expect(h.returnBlob).toBeUndefined();
        expect(unwrap(openAnnounceRequest(crypto, kD, h))).toEqual(fields);

        const withRet = concat(p, ret);
        expect(withRet.length).toBe(ANNOUNCE_REQUEST_WITH_RETURN_SIZE_BYTES);
        const h2 = unwrap(decodeAnnounceRequestHeader(withRet));
        expect(toHex(h2.returnBlob!)).toBe(toHex(ret));
        expect(unwrap(openAnnounceRequest(crypto, kD, h2))).toEqual(fields);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts only 177 and 354 bytes; truncations / extensions never throw and fail', () => {
    const p = sealAnnounceRequest(crypto, kS, sender.pk, new Uint8Array(24), {
      pingId: new Uint8Array(32), searchedPk: sender.pk, dataPk: new Uint8Array(32), sendback: new Uint8Array(8),
    });
    for (const t of truncationsAndExtensions(p)) expect(expectResult(() => decodeAnnounceRequestHeader(t)).ok).toBe(false);
    for (const t of truncationsAndExtensions(concat(p, new Uint8Array(177))).slice(178)) {
      expect(expectResult(() => decodeAnnounceRequestHeader(t)).ok).toBe(false);
    }
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.oneof(bytesOf(176), bytesOf(353), fc.uint8Array({ maxLength: 400 })), key32, (body, k) => {
        const b = concat(Uint8Array.of(0x83), body);
        const h = expectResult(() => decodeAnnounceRequestHeader(b));
        if (h.ok) expect(expectResult(() => openAnnounceRequest(crypto, k, h.value)).ok).toBe(false);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('announce response 0x84', () => {
  it('round-trips is_stored, ping_id/data pk and 0..4 UDP nodes; size 82 + nodes', () => {
    fc.assert(
      fc.property(
        bytesOf(8),
        nonce24,
        fc.nat(255),
        bytesOf(32),
        fc.array(udpNode, { maxLength: 4 }),
        (sendback, nonce, isStored, pingIdOrDataPk, nodes) => {
          const p = sealAnnounceResponse(crypto, kD, sendback, nonce, { isStored, pingIdOrDataPk, nodes });
          expect(p.length).toBe(82 + nodes.reduce((n, x) => n + packedNodeSize(x), 0));
          expect(p[0]).toBe(0x84);
          const h = unwrap(decodeAnnounceResponseHeader(p));
          expect(toHex(h.sendback)).toBe(toHex(sendback));
          expect(unwrap(openAnnounceResponse(crypto, kS, h))).toEqual({ isStored, pingIdOrDataPk, nodes });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('sizes: 82 with no nodes, 286 with four IPv6 nodes', () => {
    const f = { isStored: 2, pingIdOrDataPk: new Uint8Array(32), nodes: [] as PackedNode[] };
    expect(sealAnnounceResponse(crypto, kD, new Uint8Array(8), new Uint8Array(24), f).length).toBe(ANNOUNCE_RESPONSE_MIN_SIZE_BYTES);
    expect(ANNOUNCE_RESPONSE_MIN_SIZE_BYTES).toBe(82);
    const big = sealAnnounceResponse(crypto, kD, new Uint8Array(8), new Uint8Array(24), { ...f, nodes: [v6, v6, v6, v6] });
    expect(big.length).toBe(286);
    expect(ANNOUNCE_RESPONSE_MAX_SIZE_BYTES).toBe(286);
  });

  it('refuses TCP nodes, more than 4 nodes and partial nodes', () => {
    const seal = (plain: Uint8Array): Uint8Array =>
      concat(Uint8Array.of(0x84), new Uint8Array(8), new Uint8Array(24), crypto.seal(kD, new Uint8Array(24), plain));
    const head = new Uint8Array(33);
    const v4 = encodePackedNodes([{ ...v6, ipPort: { family: 'ipv4', ip: '1.2.3.4', port: 1 } }]);
    const tcp = encodePackedNodes([{ ...v6, transport: 'tcp' }]);
    for (const plain of [concat(head, tcp), concat(head, v4, v4, v4, v4, v4), concat(head, v4.subarray(0, 30))]) {
      const h = unwrap(decodeAnnounceResponseHeader(seal(plain)));
      expect(openAnnounceResponse(crypto, kS, h).ok).toBe(false);
    }
    expect(() =>
      sealAnnounceResponse(crypto, kD, new Uint8Array(8), new Uint8Array(24), { isStored: 0, pingIdOrDataPk: new Uint8Array(32), nodes: [{ ...v6, transport: 'tcp' }] }),
    ).toThrow();
  });

  it('truncations / extensions fail; random bytes never throw', () => {
    const p = sealAnnounceResponse(crypto, kD, new Uint8Array(8), new Uint8Array(24), { isStored: 1, pingIdOrDataPk: new Uint8Array(32), nodes: [v6] });
    for (const t of truncationsAndExtensions(p)) {
      const h = expectResult(() => decodeAnnounceResponseHeader(t));
      if (h.ok) expect(openAnnounceResponse(crypto, kS, h.value).ok).toBe(false);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), key32, (body, k) => {
        const h = expectResult(() => decodeAnnounceResponseHeader(concat(Uint8Array.of(0x84), body)));
        if (h.ok) expectResult(() => openAnnounceResponse(crypto, k, h.value));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
