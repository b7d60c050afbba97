/**
 * nonce.ts: big-endian increment with carry, wrapping mod 2^192.
 * Vectors: hs-toxcore `test/Network/Tox/Crypto/NonceSpec.hs` (0→1, max→0,
 * max−1→max, feff…ff→ff00…00) and c-toxcore HEAD `toxcore/crypto_core_test.cc`
 * (increment from 0 once → …0001, then 0x1F4 more → …01F5; increment_nonce_number
 * from 0: +0x1F5 → …01F5, again → …03EA, then +0x12345678 → …12345A62).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex, toHex } from '../../../protocol/bytes.js';
import { addToNonce, incrementNonce } from '../../../protocol/nonce.js';
import { nonce24 } from './arbitraries.js';

const zero = (): Uint8Array => new Uint8Array(24);
const big = (b: Uint8Array): bigint => BigInt(`0x${toHex(b)}`);
const MOD = 1n << 192n;

describe('incrementNonce', () => {
  it('hs-toxcore NonceSpec vectors', () => {
    expect(toHex(incrementNonce(hex('00'.repeat(24))))).toBe(`${'00'.repeat(23)}01`);
    expect(toHex(incrementNonce(hex('ff'.repeat(24))))).toBe('00'.repeat(24));
    expect(toHex(incrementNonce(hex(`${'ff'.repeat(23)}fe`)))).toBe('ff'.repeat(24));
    expect(toHex(incrementNonce(hex(`fe${'ff'.repeat(23)}`)))).toBe(`ff${'00'.repeat(23)}`);
  });

  it('c-toxcore crypto_core_test.cc: once, then 0x1F4 more times', () => {
    let n = incrementNonce(zero());
    expect(toHex(n)).toBe(`${'00'.repeat(23)}01`);
    for (let i = 0; i < 0x1f4; i++) n = incrementNonce(n);
    expect(toHex(n.subarray(22))).toBe('01f5');
    expect(toHex(n.subarray(0, 22))).toBe('00'.repeat(22));
  });

  it('does not modify its argument', () => {
    const n = zero();
    incrementNonce(n);
    expect(toHex(n)).toBe('00'.repeat(24));
  });

  it('is +1 mod 2^192 (BigInt model)', () => {
    fc.assert(
      fc.property(nonce24, (n) => {
        expect(big(incrementNonce(n))).toBe((big(n) + 1n) % MOD);
      }),
    );
  });
});

describe('addToNonce (increment_nonce_number)', () => {
  it('c-toxcore crypto_core_test.cc vectors', () => {
    let n = addToNonce(zero(), 0x1f5);
    expect(toHex(n)).toBe(`${'00'.repeat(22)}01f5`);
    n = addToNonce(n, 0x1f5);
    expect(toHex(n)).toBe(`${'00'.repeat(22)}03ea`);
    n = addToNonce(n, 0x12345678);
    expect(toHex(n)).toBe(`${'00'.repeat(20)}12345a62`);
  });

  it('carries through all 24 bytes and wraps', () => {
    expect(toHex(addToNonce(hex('ff'.repeat(24)), 2))).toBe(`${'00'.repeat(23)}01`);
    expect(toHex(addToNonce(hex(`00${'ff'.repeat(23)}`), 0xffffffff))).toBe(`01${'00'.repeat(19)}fffffffe`);
  });

  it('is +x mod 2^192 for any u32 (BigInt model)', () => {
    fc.assert(
      fc.property(nonce24, fc.integer({ min: 0, max: 0xffffffff }), (n, x) => {
        expect(big(addToNonce(n, x))).toBe((big(n) + BigInt(x)) % MOD);
      }),
    );
  });

  it('throws for a non-u32 or a wrong-length nonce (our own invariant)', () => {
    expect(() => addToNonce(zero(), -1)).toThrow();
    expect(() => addToNonce(zero(), 2 ** 32)).toThrow();
    expect(() => addToNonce(zero(), 1.5)).toThrow();
    expect(() => addToNonce(new Uint8Array(23), 1)).toThrow();
  });
});
