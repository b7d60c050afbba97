/**
 * packed-node.ts (docs/protocol.md §2.1; c-toxcore DHT.c pack_ip_port /
 * unpack_ip_port / pack_nodes / unpack_nodes). Invalid family bytes 0x00,
 * 0x01, 0x20, 0xa0 come from hs-toxcore `test/Network/Tox/NodeInfo/NodeInfoSpec.hs`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, toHex } from '../../../protocol/bytes.js';
import {
  decodePackedNodes,
  encodePackedNode,
  encodePackedNodes,
  packedNodeSize,
  type PackedNode,
} from '../../../protocol/packed-node.js';
import { unwrap } from '../../../protocol/result.js';
import { anyNode, expectResult, FUZZ_RUNS, truncationsAndExtensions, udpNode } from './arbitraries.js';

const pk = new Uint8Array(32).fill(0xab);
const node = (transport: 'udp' | 'tcp', family: 'ipv4' | 'ipv6', ip: string, port: number): PackedNode => ({
  transport,
  ipPort: { family, ip, port },
  publicKey: pk,
});

describe('encodePackedNode', () => {
  it('lays out [type][ip][port BE][pk] with sizes 39 and 51', () => {
    const a = encodePackedNode(node('udp', 'ipv4', '127.0.0.1', 33445));
    expect(a.length).toBe(39);
    expect(toHex(a)).toBe(`027f00000182a5${'ab'.repeat(32)}`);
    const b = encodePackedNode(node('udp', 'ipv6', '::1', 1));
    expect(b.length).toBe(51);
    expect(toHex(b.subarray(0, 19))).toBe(`0a${'00'.repeat(15)}010001`);
  });
  it('uses type 130 / 138 for TCP relays', () => {
    expect(encodePackedNode(node('tcp', 'ipv4', '1.2.3.4', 1))[0]).toBe(130);
    expect(encodePackedNode(node('tcp', 'ipv6', '::1', 1))[0]).toBe(138);
  });
  it('throws on a bad key length (our invariant)', () => {
    expect(() => encodePackedNode({ ...node('udp', 'ipv4', '1.2.3.4', 1), publicKey: new Uint8Array(31) })).toThrow();
  });
});

describe('decodePackedNodes', () => {
  it('round-trips lists of UDP and TCP nodes', () => {
    fc.assert(
      fc.property(fc.array(anyNode, { maxLength: 6 }), (nodes) => {
        const b = encodePackedNodes(nodes);
        expect(b.length).toBe(nodes.reduce((n, x) => n + packedNodeSize(x), 0));
        expect(unwrap(decodePackedNodes(b, { allowTcp: true }))).toEqual(nodes);
        expect(unwrap(decodePackedNodes(b, { allowTcp: true, expectedCount: nodes.length }))).toEqual(nodes);
      }),
    );
  });

  it('rejects the TCP types when TCP is not allowed', () => {
    const b = encodePackedNode(node('tcp', 'ipv4', '1.2.3.4', 1));
    expect(decodePackedNodes(b, { allowTcp: false }).ok).toBe(false);
    expect(decodePackedNodes(b, { allowTcp: true }).ok).toBe(true);
  });

  it('rejects invalid family bytes 0x00, 0x01, 0x20, 0xa0 (hs-toxcore NodeInfoSpec) and every other unknown type', () => {
    const good = encodePackedNode(node('udp', 'ipv4', '1.2.3.4', 1));
    for (let t = 0; t < 256; t++) {
      const b = good.slice();
      b[0] = t;
      const known = t === 2 || t === 10 || t === 130 || t === 138;
      const r = decodePackedNodes(b, { allowTcp: true, exact: false });
      if (!known) expect(r.ok, `type ${t}`).toBe(false);
      if ([0x00, 0x01, 0x20, 0xa0].includes(t)) expect(r.ok).toBe(false);
    }
  });

  it('enforces expectedCount, exact and maxCount', () => {
    const n = encodePackedNode(node('udp', 'ipv4', '1.2.3.4', 1));
    const two = concat(n, n);
    expect(decodePackedNodes(two, { allowTcp: false, expectedCount: 1 }).ok).toBe(false);
    expect(unwrap(decodePackedNodes(two, { allowTcp: false, expectedCount: 1, exact: false })).length).toBe(1);
    expect(decodePackedNodes(two, { allowTcp: false, expectedCount: 3 }).ok).toBe(false);
    expect(decodePackedNodes(two, { allowTcp: false, maxCount: 1 }).ok).toBe(false);
    expect(unwrap(decodePackedNodes(new Uint8Array(0), { allowTcp: false })).length).toBe(0);
  });

  it('truncations and 1-byte extensions never throw; partial nodes are errors', () => {
    fc.assert(
      fc.property(fc.array(udpNode, { minLength: 1, maxLength: 4 }), (nodes) => {
        const b = encodePackedNodes(nodes);
        for (const t of truncationsAndExtensions(b)) {
          const r = expectResult(() => decodePackedNodes(t, { allowTcp: false }));
          // Every cut that is not at a node boundary, and every 1-byte extension, is an error.
          let boundary = 0;
          const boundaries = new Set([0]);
          for (const x of nodes) boundaries.add((boundary += packedNodeSize(x)));
          if (!boundaries.has(t.length)) expect(r.ok).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (b, tcp) => {
        expectResult(() => decodePackedNodes(b, { allowTcp: tcp }));
        expectResult(() => decodePackedNodes(b, { allowTcp: tcp, expectedCount: 2, exact: false }));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
