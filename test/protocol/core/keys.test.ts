/**
 * keys.ts: public-key validity, XOR distance ordering and bucket index.
 * Vectors: hs-toxcore `test/Network/Tox/DHT/DistanceSpec.lhs` (keys 2, 5, 6;
 * the 0x7f/0x80 partition case; log2 of the maximum and top-bit distances),
 * also in TokTok/spec "Distance".
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex, toHex } from '../../../protocol/bytes.js';
import { bucketIndex, isValidPublicKey, xorDistance, xorDistanceCompare } from '../../../protocol/keys.js';
import { key32 } from './arbitraries.js';

const big = (b: Uint8Array): bigint => BigInt(`0x${toHex(b) || '0'}`);
const k = (last: number): Uint8Array => {
  const b = new Uint8Array(32);
  b[31] = last;
  return b;
};

describe('isValidPublicKey (c-toxcore public_key_valid)', () => {
  it('accepts a last byte below 128 and refuses 128 and above', () => {
    const pk = new Uint8Array(32);
    pk[31] = 127;
    expect(isValidPublicKey(pk)).toBe(true);
    pk[31] = 128;
    expect(isValidPublicKey(pk)).toBe(false);
    pk[31] = 255;
    expect(isValidPublicKey(pk)).toBe(false);
  });
  it('refuses wrong lengths', () => {
    expect(isValidPublicKey(new Uint8Array(31))).toBe(false);
    expect(isValidPublicKey(new Uint8Array(33))).toBe(false);
  });
});

describe('xorDistance / xorDistanceCompare (c-toxcore id_closest)', () => {
  it('gives the hs-toxcore DistanceSpec example distances for keys 2, 5, 6', () => {
    // Source: hs-toxcore DistanceSpec.lhs "should yield the values from the example from the spec".
    expect(big(xorDistance(k(2), k(5)))).toBe(7n);
    expect(big(xorDistance(k(2), k(6)))).toBe(4n);
    expect(big(xorDistance(k(5), k(6)))).toBe(3n);
    // "The closest node from both 2 and 5 is 6. The closest node from 6 is 5."
    expect(xorDistanceCompare(k(2), k(6), k(5))).toBe(-1);
    expect(xorDistanceCompare(k(5), k(6), k(2))).toBe(-1);
    expect(xorDistanceCompare(k(6), k(2), k(5))).toBe(1);
  });

  it('does not partition the network at 0x7f/0x80 (hs-toxcore DistanceSpec)', () => {
    const o = new Uint8Array(32);
    const x = hex('80'.padEnd(64, '0'));
    const y = hex('7f'.padEnd(64, 'f'));
    expect(xorDistanceCompare(o, y, x)).toBe(-1);
  });

  it('matches a BigInt model: sign of (base^a) - (base^b)', () => {
    fc.assert(
      fc.property(key32, key32, key32, (base, a, b) => {
        const da = big(base) ^ big(a);
        const db = big(base) ^ big(b);
        const expected = da < db ? -1 : da > db ? 1 : 0;
        expect(xorDistanceCompare(base, a, b)).toBe(expected);
      }),
    );
  });

  it('is antisymmetric and 0 exactly when a == b', () => {
    fc.assert(
      fc.property(key32, key32, key32, (base, a, b) => {
        expect(xorDistanceCompare(base, a, b)).toBe(-xorDistanceCompare(base, b, a) || 0);
        expect(xorDistanceCompare(base, a, b) === 0).toBe(toHex(a) === toHex(b));
      }),
    );
  });

  it('throws on a wrong key length (our own invariant)', () => {
    expect(() => xorDistanceCompare(new Uint8Array(31), k(1), k(2))).toThrow();
  });
});

describe('bucketIndex (c-toxcore bit_by_bit_cmp, capped at LCLIENT_LENGTH-1)', () => {
  const zero = new Uint8Array(32);
  it('0 for keys differing in the top bit; 1 for 0x7f.. vs 0x00..', () => {
    // Same pairs as hs-toxcore DistanceSpec log2 cases: log2 = 255 ↔ 0 equal leading bits, 254 ↔ 1.
    expect(bucketIndex(zero, hex('80'.padEnd(64, '0')))).toBe(0);
    expect(bucketIndex(zero, hex('ff'.padEnd(64, 'f')))).toBe(0);
    expect(bucketIndex(zero, hex('7f'.padEnd(64, 'f')))).toBe(1);
  });
  it('counts whole equal bytes then bits', () => {
    expect(bucketIndex(zero, hex('0001'.padEnd(64, '0')))).toBe(15);
    expect(bucketIndex(zero, hex('000000000000000000000000000000f0'.padEnd(64, '0')))).toBe(120);
  });
  it('caps at 127, including for equal keys (c-toxcore raw value 256)', () => {
    expect(bucketIndex(zero, zero)).toBe(127);
    expect(bucketIndex(zero, k(1))).toBe(127);
  });
  it('matches a BigInt model: min(255 - floor(log2(a^b)), 127)', () => {
    fc.assert(
      fc.property(key32, key32, (a, b) => {
        const d = big(a) ^ big(b);
        const lead = d === 0n ? 256 : 256 - d.toString(2).length;
        expect(bucketIndex(a, b)).toBe(Math.min(lead, 127));
        expect(bucketIndex(b, a)).toBe(bucketIndex(a, b));
      }),
    );
  });
});
