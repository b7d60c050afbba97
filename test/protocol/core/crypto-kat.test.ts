/**
 * Known-answer test for the box primitive through protocol/crypto.ts.
 * Vector: c-toxcore v0.2.18 `auto_tests/crypto_test.c` (`test_known`,
 * `test_fast_known`), which takes it from libsodium's test suite (alicesk,
 * bobpk, nonce, 131-byte m → 147-byte MAC ‖ c).
 */
import { describe, expect, it } from 'vitest';
import { hex, toHex } from '../../../protocol/bytes.js';
import { MAC_SIZE_BYTES } from '../../../protocol/crypto.js';
import { loadCrypto } from '../../../runtime/adapters/node-crypto.js';

const crypto = await loadCrypto();

const alicesk = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
const bobpk = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
const nonce = hex('69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37');
const m = hex(`
  be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705`);
const c = hex(`
  f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5`);

describe('NaCl box KAT (c-toxcore auto_tests/crypto_test.c)', () => {
  it('has the vector sizes c-toxcore checks', () => {
    expect(m.length).toBe(131);
    expect(c.length).toBe(147);
    expect(c.length).toBe(m.length + MAC_SIZE_BYTES);
  });

  it('beforenm + afternm seals m to c (MAC ‖ ciphertext)', () => {
    const k = crypto.precompute(bobpk, alicesk);
    expect(toHex(crypto.seal(k, nonce, m))).toBe(toHex(c));
  });

  it('opens c back to m, and refuses a flipped bit', () => {
    const k = crypto.precompute(bobpk, alicesk);
    expect(toHex(crypto.open(k, nonce, c)!)).toBe(toHex(m));
    const bad = c.slice();
    bad[20]! ^= 1;
    expect(crypto.open(k, nonce, bad)).toBeNull();
  });

  it('the shared key is symmetric: shared(bob sk, alice pk) opens it too', () => {
    // bobsk from the same libsodium vector set; its public key must equal bobpk.
    const bobsk = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    expect(toHex(crypto.publicKeyFromSecret(bobsk))).toBe(toHex(bobpk));
    const alicepk = crypto.publicKeyFromSecret(alicesk);
    expect(toHex(crypto.precompute(alicepk, bobsk))).toBe(toHex(crypto.precompute(bobpk, alicesk)));
  });

  it('refuses zero-length plaintexts, as toxcore does (§11.12)', () => {
    const k = crypto.precompute(bobpk, alicesk);
    expect(() => crypto.seal(k, nonce, new Uint8Array(0))).toThrow(/empty plaintext/);
    expect(() => crypto.secretbox(k, nonce, new Uint8Array(0))).toThrow(/empty plaintext/);
    // A box of exactly 16 bytes (a MAC over nothing) is refused on opening.
    expect(crypto.open(k, nonce, new Uint8Array(16))).toBeNull();
  });
});
