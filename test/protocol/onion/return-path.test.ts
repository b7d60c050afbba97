/**
 * onion/return-path.ts: RETURN_1/2/3 blobs, 59/118/177 bytes
 * (docs/protocol.md §3.2, §3.3; c-toxcore onion.c).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/bytes.js';
import { loadCrypto } from '../../../runtime/adapters/node-crypto.js';
import {
  ONION_RETURN_1_SIZE_BYTES,
  ONION_RETURN_2_SIZE_BYTES,
  ONION_RETURN_3_SIZE_BYTES,
} from '../../../protocol/onion/constants.js';
import { openReturn, returnLevel, sealReturn } from '../../../protocol/onion/return-path.js';
import { unwrap } from '../../../protocol/result.js';
import { bytesOf, expectResult, FUZZ_RUNS, ipPort, key32, nonce24, truncationsAndExtensions } from '../core/arbitraries.js';

const crypto = await loadCrypto();

describe('return-path blobs', () => {
  it('sizes are 59 / 118 / 177', () => {
    expect([ONION_RETURN_1_SIZE_BYTES, ONION_RETURN_2_SIZE_BYTES, ONION_RETURN_3_SIZE_BYTES]).toEqual([59, 118, 177]);
  });

  it('nest and unwrap: RETURN_3 → RETURN_2 → RETURN_1 → client address', () => {
    fc.assert(
      fc.property(
        fc.tuple(key32, key32, key32),
        fc.tuple(nonce24, nonce24, nonce24),
        fc.tuple(ipPort, ipPort, ipPort),
        ([kA, kB, kC], [n1, n2, n3], [client, a, b]) => {
          const r1 = sealReturn(crypto, kA, n1, client);
          const r2 = sealReturn(crypto, kB, n2, a, r1);
          const r3 = sealReturn(crypto, kC, n3, b, r2);
          expect([r1.length, r2.length, r3.length]).toEqual([59, 118, 177]);
          expect([returnLevel(r1), returnLevel(r2), returnLevel(r3)]).toEqual([1, 2, 3]);
          expect(toHex(r3.subarray(0, 24))).toBe(toHex(n3));
          const o3 = unwrap(openReturn(crypto, kC, r3));
          expect(o3.ipPort).toEqual(b);
          expect(toHex(o3.inner!)).toBe(toHex(r2));
          const o2 = unwrap(openReturn(crypto, kB, o3.inner!));
          expect(o2.ipPort).toEqual(a);
          const o1 = unwrap(openReturn(crypto, kA, o2.inner!));
          expect(o1.ipPort).toEqual(client);
          expect(o1.inner).toBeUndefined();
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses the wrong key, and every truncation / extension', () => {
    const k = new Uint8Array(32).fill(1);
    const r1 = sealReturn(crypto, k, new Uint8Array(24), { family: 'ipv4', ip: '127.0.0.1', port: 1 });
    expect(openReturn(crypto, new Uint8Array(32), r1).ok).toBe(false);
    const r2 = sealReturn(crypto, k, new Uint8Array(24), { family: 'ipv4', ip: '127.0.0.1', port: 2 }, r1);
    for (const t of truncationsAndExtensions(r2)) expect(expectResult(() => openReturn(crypto, k, t)).ok).toBe(false);
  });

  it('refuses to wrap a RETURN_3 or an odd-sized blob (our invariant)', () => {
    const k = new Uint8Array(32);
    const ip = { family: 'ipv4' as const, ip: '1.2.3.4', port: 5 };
    const r3 = sealReturn(crypto, k, new Uint8Array(24), ip, sealReturn(crypto, k, new Uint8Array(24), ip, sealReturn(crypto, k, new Uint8Array(24), ip)));
    expect(() => sealReturn(crypto, k, new Uint8Array(24), ip, r3)).toThrow();
    expect(() => sealReturn(crypto, k, new Uint8Array(24), ip, new Uint8Array(60))).toThrow();
  });

  it('refuses a sealed address with a non-UDP family byte', () => {
    const k = new Uint8Array(32);
    const plain = new Uint8Array(19);
    plain[0] = 130;
    const nonce = new Uint8Array(24);
    const blob = new Uint8Array([...nonce, ...crypto.secretbox(k, nonce, plain)]);
    expect(blob.length).toBe(59);
    expect(openReturn(crypto, k, blob).ok).toBe(false);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.oneof(bytesOf(59), bytesOf(118), bytesOf(177), fc.uint8Array({ maxLength: 200 })), key32, (b, k) => {
        expectResult(() => openReturn(crypto, k, b));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
