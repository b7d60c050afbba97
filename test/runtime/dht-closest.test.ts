/**
 * ClosestNodes (runtime/dht/node.ts), the closest() hot loop: for random keys — many sharing
 * long prefixes with the target, so the whole-key comparison behind the 4-byte prefix is taken —
 * it keeps exactly the `limit` nodes a full sort by XOR distance keeps, in the same order.
 */
import { describe, expect, it } from 'vitest';
import { xorDistanceCompare } from '../../protocol/keys.js';
import { ClosestNodes, keyPrefix24, type DhtNode } from '../../runtime/dht/node.js';
import { seededRandom } from '../../runtime/random.js';

function node(pk: Uint8Array, i: number): DhtNode {
  // As the tables make them (with the prefix), and every other one without it (as tests make them).
  return { pk, pkHex: String(i), ...(i % 2 === 0 ? { p24: keyPrefix24(pk) } : {}), ipPort: { family: 'ipv4', ip: '127.0.0.1', port: i }, host: String(i), lastHeard: 0, lastAsked: 0, addedAt: 0 };
}

describe('ClosestNodes', () => {
  it('keeps the nodes a full sort by XOR distance keeps, in order', () => {
    const random = seededRandom(42);
    for (let round = 0; round < 200; round++) {
      const target = random.bytes(32);
      const nodes: DhtNode[] = [];
      const n = 1 + random.int(120);
      for (let i = 0; i < n; i++) {
        const pk = random.bytes(32);
        // A third share the target's first 4..31 bytes: equal prefixes, decided further on.
        if (random.int(3) === 0) pk.set(target.subarray(0, 4 + random.int(28)));
        nodes.push(node(pk, i));
      }
      const limit = random.int(30);
      const c = new ClosestNodes(target, limit);
      for (const x of nodes) c.offer(x);
      const want = [...nodes].sort((a, b) => xorDistanceCompare(target, a.pk, b.pk)).slice(0, limit);
      expect(c.nodes.map((x) => x.pkHex)).toEqual(want.map((x) => x.pkHex));
      expect(c.length).toBe(Math.min(limit, n));
    }
  });

  it('mightTake never turns away a node wouldTake keeps', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 200; round++) {
      const target = random.bytes(32);
      const c = new ClosestNodes(target, 1 + random.int(12));
      for (let i = 0; i < 60; i++) {
        const pk = random.bytes(32);
        if (random.int(2) === 0) pk.set(target.subarray(0, 1 + random.int(31)));
        const n = node(pk, i);
        if (c.wouldTake(n)) {
          expect(c.mightTake(keyPrefix24(pk))).toBe(true);
          c.insert(n);
        }
      }
    }
  });
});
