/**
 * fast-check arbitraries and helpers shared by the protocol-core tests
 * (keys, addresses, nodes, fuzzing of decoders).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Bytes } from '../../../protocol/bytes.js';
import type { Crypto } from '../../../protocol/crypto.js';
import { ipFromBytes, type IpPort } from '../../../protocol/ip-port.js';
import type { PackedNode } from '../../../protocol/packed-node.js';
import type { Result } from '../../../protocol/result.js';

export const bytesOf = (n: number): fc.Arbitrary<Bytes> => fc.uint8Array({ minLength: n, maxLength: n });
export const bytesBetween = (min: number, max: number): fc.Arbitrary<Bytes> => fc.uint8Array({ minLength: min, maxLength: max });
export const key32 = bytesOf(32);
export const nonce24 = bytesOf(24);

export const ipv4Text = fc
  .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
  .map((p) => p.join('.'));

/** IPv6 with plenty of zero groups so `::` compression gets exercised. */
export const ipv6Bytes = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .map((groups) => {
    const b = new Uint8Array(16);
    groups.forEach((g, i) => {
      b[2 * i] = g >> 8;
      b[2 * i + 1] = g & 0xff;
    });
    return b;
  });

export const port = fc.integer({ min: 0, max: 0xffff });

export const ipPort: fc.Arbitrary<IpPort> = fc.oneof(
  fc.record({ family: fc.constant('ipv4' as const), ip: ipv4Text, port }),
  fc.record({ family: fc.constant('ipv6' as const), ip: ipv6Bytes.map((b) => ipFromBytes('ipv6', b)), port }),
);

export const udpNode: fc.Arbitrary<PackedNode> = fc.record({ transport: fc.constant('udp' as const), ipPort, publicKey: key32 });
export const anyNode: fc.Arbitrary<PackedNode> = fc.record({
  transport: fc.constantFrom('udp' as const, 'tcp' as const),
  ipPort,
  publicKey: key32,
});

/** Deterministic key pair from a one-byte seed (secret key = seed repeated). */
export function keyPair(crypto: Crypto, seed: number): { pk: Bytes; sk: Bytes } {
  const sk = new Uint8Array(32).fill(seed);
  return { pk: crypto.publicKeyFromSecret(sk), sk };
}

/**
 * Asserts a decoder never throws on `input` and returns a well-formed Result.
 */
export function expectResult<T>(f: () => Result<T>): Result<T> {
  let r: Result<T> | undefined;
  expect(() => {
    r = f();
  }).not.toThrow();
  expect(r === undefined ? 'missing' : typeof r.ok).toBe('boolean');
  return r!;
}

/** Every proper prefix of `b`, and `b` with each of a few single bytes appended. */
export function truncationsAndExtensions(b: Bytes, extra: readonly number[] = [0, 0x55, 0xff]): Bytes[] {
  const out: Bytes[] = [];
  for (let n = 0; n < b.length; n++) out.push(b.slice(0, n));
  for (const x of extra) {
    const e = new Uint8Array(b.length + 1);
    e.set(b);
    e[b.length] = x;
    out.push(e);
  }
  return out;
}

/** Number of runs for "never throws" fuzz properties. */
export const FUZZ_RUNS = 3000;
