/**
 * dht/nodes-request.ts (0x02, 113 bytes) and dht/nodes-response.ts (0x04,
 * 82 + nodes, count ≤ 4, nodes fill the area exactly, 0 nodes decode fine)
 * (docs/protocol.md §2.2; c-toxcore DHT.c handle_getnodes, handle_sendnodes_core).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, toHex } from '../../../protocol/bytes.js';
import { loadCrypto } from '../../../runtime/adapters/node-crypto.js';
import { decodeDhtHeader, sealDhtPacket } from '../../../protocol/dht/dht-header.js';
import { NODES_REQUEST_SIZE_BYTES, openNodesRequest, sealNodesRequest } from '../../../protocol/dht/nodes-request.js';
import {
  NODES_RESPONSE_MAX_SIZE_BYTES,
  NODES_RESPONSE_MIN_SIZE_BYTES,
  openNodesResponse,
  sealNodesResponse,
} from '../../../protocol/dht/nodes-response.js';
import { encodePackedNodes, packedNodeSize, type PackedNode } from '../../../protocol/packed-node.js';
import { unwrap } from '../../../protocol/result.js';
import {
  bytesOf,
  expectResult,
  FUZZ_RUNS,
  key32,
  keyPair,
  nonce24,
  truncationsAndExtensions,
  udpNode,
} from '../core/arbitraries.js';

const crypto = await loadCrypto();
const a = keyPair(crypto, 3);
const b = keyPair(crypto, 4);
const k = crypto.precompute(b.pk, a.sk);
const zeroNonce = new Uint8Array(24);
const v6node: PackedNode = { transport: 'udp', ipPort: { family: 'ipv6', ip: '::1', port: 33445 }, publicKey: new Uint8Array(32).fill(1) };

describe('nodes request (0x02)', () => {
  it('round-trips and is exactly 113 bytes', () => {
    fc.assert(
      fc.property(nonce24, key32, bytesOf(8), (nonce, searchedPk, pingId) => {
        const p = sealNodesRequest(crypto, k, a.pk, nonce, { searchedPk, pingId });
        expect(p.length).toBe(113);
        expect(NODES_REQUEST_SIZE_BYTES).toBe(113);
        expect(p[0]).toBe(0x02);
        const r = unwrap(openNodesRequest(crypto, crypto.precompute(a.pk, b.sk), unwrap(decodeDhtHeader(p))));
        expect(toHex(r.searchedPk)).toBe(toHex(searchedPk));
        expect(toHex(r.pingId)).toBe(toHex(pingId));
      }),
      { numRuns: 200 },
    );
  });

  it('truncations / extensions are refused; random bytes never throw', () => {
    const p = sealNodesRequest(crypto, k, a.pk, zeroNonce, { searchedPk: b.pk, pingId: new Uint8Array(8).fill(1) });
    for (const t of truncationsAndExtensions(p)) {
      const h = expectResult(() => decodeDhtHeader(t));
      if (h.ok) expect(openNodesRequest(crypto, k, h.value).ok).toBe(false);
    }
    fc.assert(
      fc.property(fc.oneof(bytesOf(113), fc.uint8Array({ maxLength: 200 })), (x) => {
        const h = expectResult(() => decodeDhtHeader(x));
        if (h.ok) expectResult(() => openNodesRequest(crypto, k, h.value));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('nodes response (0x04)', () => {
  it('round-trips 0..4 UDP nodes; size is 82 + packed nodes', () => {
    fc.assert(
      fc.property(nonce24, fc.array(udpNode, { maxLength: 4 }), bytesOf(8), (nonce, nodes, pingId) => {
        const p = sealNodesResponse(crypto, k, a.pk, nonce, { nodes, pingId });
        expect(p.length).toBe(82 + nodes.reduce((n, x) => n + packedNodeSize(x), 0));
        expect(p[0]).toBe(0x04);
        const r = unwrap(openNodesResponse(crypto, k, unwrap(decodeDhtHeader(p))));
        expect(r.nodes).toEqual(nodes);
        expect(toHex(r.pingId)).toBe(toHex(pingId));
      }),
      { numRuns: 200 },
    );
  });

  it('a 0-node response is 82 bytes and decodes (c-toxcore sends these, though 0.2.18 ignores them)', () => {
    const p = sealNodesResponse(crypto, k, a.pk, zeroNonce, { nodes: [], pingId: new Uint8Array(8) });
    expect(p.length).toBe(NODES_RESPONSE_MIN_SIZE_BYTES);
    expect(unwrap(openNodesResponse(crypto, k, unwrap(decodeDhtHeader(p)))).nodes).toEqual([]);
  });

  it('the maximum, 4 IPv6 nodes, is 286 bytes', () => {
    const p = sealNodesResponse(crypto, k, a.pk, zeroNonce, { nodes: [v6node, v6node, v6node, v6node], pingId: new Uint8Array(8) });
    expect(p.length).toBe(286);
    expect(NODES_RESPONSE_MAX_SIZE_BYTES).toBe(286);
  });

  const sealPlain = (plain: Uint8Array): Uint8Array => sealDhtPacket(crypto, 0x04, k, a.pk, zeroNonce, plain);
  const node = encodePackedNodes([v6node]);
  const ping = new Uint8Array(8);

  it('refuses count > 4', () => {
    const nodes = encodePackedNodes([udpNodeV4(), udpNodeV4(), udpNodeV4(), udpNodeV4(), udpNodeV4()]);
    const r = openNodesResponse(crypto, k, unwrap(decodeDhtHeader(sealPlain(concat(Uint8Array.of(5), nodes, ping)))));
    expect(r.ok).toBe(false);
  });

  it('refuses a count that does not match the nodes, and leftover bytes', () => {
    for (const plain of [
      concat(Uint8Array.of(2), node, ping),
      concat(Uint8Array.of(0), node, ping),
      concat(Uint8Array.of(1), node, Uint8Array.of(0), ping),
    ]) {
      expect(openNodesResponse(crypto, k, unwrap(decodeDhtHeader(sealPlain(plain)))).ok).toBe(false);
    }
  });

  it('refuses TCP nodes (types 130/138 are not allowed in nodes responses)', () => {
    const tcp = encodePackedNodes([{ ...v6node, transport: 'tcp' }]);
    expect(openNodesResponse(crypto, k, unwrap(decodeDhtHeader(sealPlain(concat(Uint8Array.of(1), tcp, ping))))).ok).toBe(false);
    expect(() => sealNodesResponse(crypto, k, a.pk, zeroNonce, { nodes: [{ ...v6node, transport: 'tcp' }], pingId: ping })).toThrow();
  });

  it('encoder refuses more than 4 nodes', () => {
    expect(() => sealNodesResponse(crypto, k, a.pk, zeroNonce, { nodes: [v6node, v6node, v6node, v6node, v6node], pingId: ping })).toThrow();
  });

  it('truncations / extensions are refused; random bytes never throw', () => {
    const p = sealNodesResponse(crypto, k, a.pk, zeroNonce, { nodes: [v6node, udpNodeV4()], pingId: ping });
    for (const t of truncationsAndExtensions(p)) {
      const h = expectResult(() => decodeDhtHeader(t));
      if (h.ok) expect(openNodesResponse(crypto, k, h.value).ok).toBe(false);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 320 }), (x) => {
        const h = expectResult(() => decodeDhtHeader(x));
        if (h.ok) expectResult(() => openNodesResponse(crypto, k, h.value));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('random plaintexts under a valid key never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 230 }), (plain) => {
        expectResult(() => openNodesResponse(crypto, k, unwrap(decodeDhtHeader(sealPlain(plain)))));
      }),
      { numRuns: 1000 },
    );
  });
});

function udpNodeV4(): PackedNode {
  return { transport: 'udp', ipPort: { family: 'ipv4', ip: '127.0.0.1', port: 33445 }, publicKey: new Uint8Array(32).fill(2) };
}
