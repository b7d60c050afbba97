/**
 * Every crypto backend (runtime/adapters/node-crypto.ts: 'wasm' on libsodium-wrappers, 'native' on
 * sodium-native + crypto-hsalsa20.ts) passes the same known answers and round trips, refuses the
 * same things, and treats low-order public keys the same way (runtime/keys.ts sharedKeyOf relies
 * on `precompute` throwing). A backend that cannot load here prints `SKIPPED: crypto backend
 * native: <reason>` and its block is skipped.
 *
 * Vectors: the NaCl crypto_box example (Bernstein, "Cryptography in NaCl"; libsodium's box tests;
 * c-toxcore auto_tests/crypto_test.c): Alice's secret key, Bob's public key, the X25519 secret,
 * the beforenm key, and the first 32 bytes of the 147-byte box (the full box is checked in
 * test/protocol/core/crypto-kat.test.ts); RFC 7748 §6.1 for Alice's public key; FIPS 180-2 "abc"
 * digests; RFC 7914 §12 scrypt; a secretbox and crypto_auth computed once with the wasm backend.
 */
import { describe, expect, it } from 'vitest';
import { concat, hex, toHex } from '../../protocol/bytes.js';
import type { Crypto } from '../../protocol/crypto.js';
import { hsalsa20 } from '../../runtime/adapters/crypto-hsalsa20.js';
import { chooseCrypto, cryptoChoiceFromEnv, loadCrypto, nativeCryptoAvailability } from '../../runtime/adapters/node-crypto.js';
import { sharedKeyOf } from '../../runtime/keys.js';
import { seededRandom } from '../../runtime/random.js';

const ALICE_SK = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
const ALICE_PK = hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
const BOB_SK = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
const BOB_PK = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
const X25519_SECRET = hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
const BEFORENM = hex('1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389');
const NONCE = hex('69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37');
const M = hex(`
  be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705`);
const C_HEAD = 'f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce';

const TEXT = new TextEncoder().encode('toxstate known answer');
const KEY1 = new Uint8Array(32).fill(1);
const NONCE2 = new Uint8Array(24).fill(2);
const SECRETBOX_TEXT = '55c30d3bb21b742c4d98111b8b1da763890aa68e0a5ba6284016d9912f289dcfc6256deb87';
const AUTH_TEXT = '7eeb2e437d8d1e9720db7cb2cee6238eefd9b0de62e56b7ddb21cef3a3e78637';

/** X25519 low-order points libsodium refuses (as in test/runtime/low-order-keys.test.ts), and p - 1 with the high bit set. */
const LOW_ORDER = [
  '00'.repeat(32),
  '01' + '00'.repeat(31),
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ec' + 'ff'.repeat(31),
].map(hex);

const native = nativeCryptoAvailability();
if (!native.ok) console.log(`SKIPPED: crypto backend native: ${native.reason}`);
const wasm = await loadCrypto('wasm');
const backends: Array<{ name: 'wasm' | 'native'; available: boolean; load: () => Promise<Crypto> }> = [
  { name: 'wasm', available: true, load: () => loadCrypto('wasm') },
  { name: 'native', available: native.ok, load: () => loadCrypto('native') },
];

describe('HSalsa20 (crypto-hsalsa20.ts)', () => {
  it('turns the NaCl example X25519 secret into its beforenm key, and wasm X25519 gives that secret', () => {
    expect(toHex(hsalsa20(X25519_SECRET))).toBe(toHex(BEFORENM));
    expect(toHex(wasm.precompute(BOB_PK, ALICE_SK))).toBe(toHex(BEFORENM));
  });

  it('refuses wrong lengths', () => {
    expect(() => hsalsa20(new Uint8Array(31))).toThrow(RangeError);
    expect(() => hsalsa20(new Uint8Array(32), new Uint8Array(15))).toThrow(RangeError);
  });
});

for (const b of backends) {
  describe.skipIf(!b.available)(`crypto backend ${b.name}`, () => {
    const get = b.load;

    it('says which backend it is', async () => {
      expect((await get()).backend).toBe(b.name);
    });

    it('known answers: NaCl box, RFC 7748 public key, SHA-512/256 of "abc", RFC 7914 scrypt, secretbox, crypto_auth', async () => {
      const c = await get();
      expect(toHex(c.precompute(BOB_PK, ALICE_SK))).toBe(toHex(BEFORENM));
      expect(toHex(c.precompute(ALICE_PK, BOB_SK))).toBe(toHex(BEFORENM));
      const boxed = c.seal(BEFORENM, NONCE, M);
      expect(boxed).toHaveLength(M.length + 16);
      expect(toHex(boxed.subarray(0, 32))).toBe(C_HEAD);
      expect(toHex(c.open(BEFORENM, NONCE, boxed)!)).toBe(toHex(M));
      expect(toHex(c.publicKeyFromSecret(ALICE_SK))).toBe(toHex(ALICE_PK));
      const abc = new TextEncoder().encode('abc');
      expect(toHex(c.sha512(abc))).toBe('ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f');
      expect(toHex(c.sha256(abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(toHex(c.scrypt(new Uint8Array(0), new Uint8Array(0), { N: 16, r: 1, p: 1, keyLength: 64 }))).toBe(
        '77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906',
      );
      expect(toHex(c.secretbox(KEY1, NONCE2, TEXT))).toBe(SECRETBOX_TEXT);
      expect(toHex(c.secretboxOpen(KEY1, NONCE2, hex(SECRETBOX_TEXT))!)).toBe(toHex(TEXT));
      expect(toHex(c.hmacSha512_256(KEY1, TEXT))).toBe(AUTH_TEXT);
    });

    it('round trips every length from 1 to 300 and a few large ones, both ways with the wasm backend', async () => {
      const c = await get();
      const rnd = seededRandom(4401);
      const key = c.precompute(c.publicKeyFromSecret(rnd.bytes(32)), rnd.bytes(32));
      for (const len of [...Array.from({ length: 300 }, (_, i) => i + 1), 1024, 2047, 2048, 2049, 65_535]) {
        const plain = rnd.bytes(len);
        const nonce = rnd.bytes(24);
        const sealed = c.seal(key, nonce, plain);
        expect(toHex(sealed)).toBe(toHex(wasm.seal(key, nonce, plain)));
        expect(toHex(c.open(key, nonce, sealed)!)).toBe(toHex(plain));
        expect(toHex(c.secretboxOpen(key, nonce, wasm.secretbox(key, nonce, plain))!)).toBe(toHex(plain));
        // Views into larger packets (as codecs pass them) read only their own bytes.
        const packet = concat(Uint8Array.of(0x1b, 0x2c, 0x3d), nonce, sealed, Uint8Array.of(9));
        expect(toHex(c.open(key, packet.subarray(3, 27), packet.subarray(27, 27 + sealed.length))!)).toBe(toHex(plain));
      }
    });

    it('a tampered MAC or ciphertext, another nonce or key, or a wrong-sized argument opens to null', async () => {
      const c = await get();
      const plain = Uint8Array.of(1, 2, 3, 4, 5);
      const boxed = c.seal(BEFORENM, NONCE, plain);
      for (const i of [0, 15, 16, boxed.length - 1]) {
        const bad = boxed.slice();
        bad[i]! ^= 0x80;
        expect(c.open(BEFORENM, NONCE, bad)).toBeNull();
        expect(c.secretboxOpen(BEFORENM, NONCE, bad)).toBeNull();
      }
      const otherNonce = NONCE.slice();
      otherNonce[23]! ^= 1;
      expect(c.open(BEFORENM, otherNonce, boxed)).toBeNull();
      expect(c.open(KEY1, NONCE, boxed)).toBeNull();
      expect(c.open(BEFORENM, NONCE.subarray(0, 23), boxed)).toBeNull();
      expect(c.open(BEFORENM.subarray(0, 31), NONCE, boxed)).toBeNull();
      expect(c.secretboxOpen(BEFORENM, concat(NONCE, Uint8Array.of(0)), boxed)).toBeNull();
      // It still opens untouched: nothing above changed it.
      expect(toHex(c.open(BEFORENM, NONCE, boxed)!)).toBe(toHex(plain));
    });

    it('too short to hold a MAC and a byte opens to null; a zero-length plaintext is refused', async () => {
      const c = await get();
      for (const len of [0, 1, 15, 16]) {
        expect(c.open(BEFORENM, NONCE, new Uint8Array(len))).toBeNull();
        expect(c.secretboxOpen(BEFORENM, NONCE, new Uint8Array(len))).toBeNull();
      }
      expect(() => c.seal(BEFORENM, NONCE, new Uint8Array(0))).toThrow(/empty plaintext/);
      expect(() => c.secretbox(BEFORENM, NONCE, new Uint8Array(0))).toThrow(/empty plaintext/);
    });

    it('low-order public keys make precompute throw, and sharedKeyOf falls back to a key of ours alone', async () => {
      const c = await get();
      const rnd = seededRandom(4402);
      for (const key of LOW_ORDER) {
        expect(() => c.precompute(key, ALICE_SK)).toThrow();
        expect(() => c.precompute(key, rnd.bytes(32))).toThrow();
        let flagged = 0;
        const k = sharedKeyOf(c, key, ALICE_SK, () => flagged++);
        expect(flagged).toBe(1);
        expect(toHex(k)).toBe(toHex(sharedKeyOf(wasm, key, ALICE_SK)));
        expect(toHex(k)).not.toBe('00'.repeat(32));
      }
      expect(() => c.precompute(BOB_PK.subarray(0, 31), ALICE_SK)).toThrow();
    });

    it('returned arrays never change afterwards: many outputs kept across slabs and failed opens all stay intact', async () => {
      const c = await get();
      const rnd = seededRandom(4403);
      const kept: Array<{ plain: Uint8Array; nonce: Uint8Array; sealed: Uint8Array; opened: Uint8Array; sealedHex: string }> = [];
      for (let i = 0; i < 600; i++) {
        const plain = rnd.bytes(1 + (i % 250));
        const nonce = rnd.bytes(24);
        const sealed = c.seal(BEFORENM, nonce, plain);
        const opened = c.open(BEFORENM, nonce, sealed)!;
        const forged = sealed.slice();
        forged[0]! ^= 1;
        expect(c.open(BEFORENM, nonce, forged)).toBeNull();
        kept.push({ plain, nonce, sealed, opened, sealedHex: toHex(sealed) });
      }
      for (const k of kept) {
        expect(toHex(k.sealed)).toBe(k.sealedHex);
        expect(toHex(k.opened)).toBe(toHex(k.plain));
        expect(toHex(c.open(BEFORENM, k.nonce, k.sealed)!)).toBe(toHex(k.plain));
      }
      // Distinct outputs do not share memory: writing one leaves its neighbour alone.
      const a = c.seal(BEFORENM, NONCE, Uint8Array.of(7));
      const b2 = c.seal(BEFORENM, NONCE, Uint8Array.of(7));
      a.fill(0);
      expect(toHex(c.open(BEFORENM, NONCE, b2)!)).toBe('07');
    });
  });
}

describe('choosing the backend', () => {
  const fakeNative = { ...wasm, backend: 'native' as const };

  it('TOXSTATE_CRYPTO: unset or empty is auto; the three names are taken; anything else names the variable and the values', () => {
    expect(cryptoChoiceFromEnv({})).toBe('auto');
    expect(cryptoChoiceFromEnv({ TOXSTATE_CRYPTO: '' })).toBe('auto');
    for (const v of ['auto', 'native', 'wasm'] as const) expect(cryptoChoiceFromEnv({ TOXSTATE_CRYPTO: v })).toBe(v);
    expect(() => cryptoChoiceFromEnv({ TOXSTATE_CRYPTO: 'Native' })).toThrow(/TOXSTATE_CRYPTO="Native".*auto, native, wasm/);
  });

  it('auto takes native when it loads and wasm, silently, when it does not; native without it fails with the reason', async () => {
    const loadWasm = () => Promise.resolve(wasm);
    expect((await chooseCrypto('auto', () => ({ ok: true, crypto: fakeNative }), loadWasm)).backend).toBe('native');
    expect((await chooseCrypto('auto', () => ({ ok: false, reason: 'Cannot find module sodium-native' }), loadWasm)).backend).toBe('wasm');
    await expect(chooseCrypto('native', () => ({ ok: false, reason: 'Cannot find module sodium-native' }), loadWasm)).rejects.toThrow(/TOXSTATE_CRYPTO=native: Cannot find module sodium-native/);
    let nativeTried = 0;
    expect((await chooseCrypto('wasm', () => (nativeTried++, { ok: true, crypto: fakeNative }), loadWasm)).backend).toBe('wasm');
    expect(nativeTried).toBe(0);
  });

  it('loadCrypto() with no argument follows TOXSTATE_CRYPTO (auto: native here when sodium-native loads)', async () => {
    const choice = cryptoChoiceFromEnv();
    const expected = choice === 'wasm' || (choice === 'auto' && !native.ok) ? 'wasm' : 'native';
    expect((await loadCrypto()).backend).toBe(expected);
  });
});
