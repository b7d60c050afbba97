/**
 * The crypto primitives Tox needs, behind one small interface (docs/protocol.md §1.3).
 *
 * - `precompute(pk, sk)`  = crypto_box_beforenm (X25519 + HSalsa20): the expensive step, cache it.
 * - `seal/open`           = crypto_box_easy_afternm / open: XSalsa20-Poly1305, output MAC(16) ‖ ct.
 * - `secretbox*`          = crypto_secretbox_easy / open (cookies, onion return paths, saves).
 * - `sha512`, `sha256`, `hmacSha512_256` (= crypto_auth), `publicKeyFromSecret`.
 * - `scrypt` (encrypted saves' key derivation, protocol/profile/encrypted-save.ts).
 *
 * Built by `createSodiumCrypto(platform)` on libsodium-wrappers (WebAssembly, runs in browsers
 * too): the 'wasm' backend. On Node, `loadCrypto()` (runtime/adapters/node-crypto.ts) prefers the
 * 'native' backend on sodium-native (runtime/adapters/crypto-native.ts), which passes the same
 * tests. This build of libsodium-wrappers has neither SHA-256 nor scrypt, so those two come from
 * the platform: Node's are wired in by `loadCrypto()`. Nothing in protocol/ imports a Node module.
 * There is no randomness here: keys and nonces are arguments. `randomBytes` lives in the
 * runtime's `Random` (runtime/random.ts), which may be seeded for tests.
 * Like toxcore's wrappers, zero-length plaintexts are refused (§11.12).
 */
import sodium from 'libsodium-wrappers';
import type { Bytes } from './bytes.js';

/** c-toxcore crypto_core.h `CRYPTO_PUBLIC_KEY_SIZE` (= crypto_box_PUBLICKEYBYTES). */
export const PUBLIC_KEY_SIZE_BYTES = 32;
/** crypto_core.h `CRYPTO_SECRET_KEY_SIZE` (= crypto_box_SECRETKEYBYTES). */
export const SECRET_KEY_SIZE_BYTES = 32;
/** crypto_core.h `CRYPTO_SHARED_KEY_SIZE` (= crypto_box_BEFORENMBYTES). */
export const SHARED_KEY_SIZE_BYTES = 32;
/** crypto_core.h `CRYPTO_SYMMETRIC_KEY_SIZE` (= crypto_secretbox_KEYBYTES): cookie, return-path and save keys. */
export const SYMMETRIC_KEY_SIZE_BYTES = 32;
/** crypto_core.h `CRYPTO_NONCE_SIZE` (= crypto_box_NONCEBYTES). */
export const NONCE_SIZE_BYTES = 24;
/** crypto_core.h `CRYPTO_MAC_SIZE` (= crypto_box_MACBYTES). */
export const MAC_SIZE_BYTES = 16;
/** crypto_core.h `CRYPTO_SHA512_SIZE`. */
export const SHA512_SIZE_BYTES = 64;

/** Which implementation a `Crypto` is: 'wasm' (this file) or 'native' (runtime/adapters/crypto-native.ts, Node only). */
export type CryptoBackend = 'wasm' | 'native';

export interface Crypto {
  /** The implementation, reported in the CLI's `self` event and the crypto bench; absent on hand-made fakes. */
  readonly backend?: CryptoBackend;
  /** Shared key for (their public key, our secret key); symmetric between the two sides. */
  precompute(publicKey: Bytes, secretKey: Bytes): Bytes;
  /** Encrypts a non-empty plaintext with a precomputed key; returns MAC ‖ ciphertext. */
  seal(sharedKey: Bytes, nonce: Bytes, plain: Bytes): Bytes;
  /** Opens MAC ‖ ciphertext; returns null when it does not authenticate or is too short. */
  open(sharedKey: Bytes, nonce: Bytes, boxed: Bytes): Bytes | null;
  secretbox(key: Bytes, nonce: Bytes, plain: Bytes): Bytes;
  secretboxOpen(key: Bytes, nonce: Bytes, boxed: Bytes): Bytes | null;
  sha512(data: Bytes): Bytes;
  sha256(data: Bytes): Bytes;
  /** HMAC-SHA-512-256 (libsodium crypto_auth): 32-byte key, 32-byte tag. */
  hmacSha512_256(key: Bytes, data: Bytes): Bytes;
  publicKeyFromSecret(secretKey: Bytes): Bytes;
  /** scrypt (RFC 7914) of `password` and `salt`: `params.keyLength` bytes. */
  scrypt(password: Bytes, salt: Bytes, params: ScryptParams): Bytes;
}

/** scrypt cost parameters: N (a power of two), block size r, parallelism p, and the output length. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  /** Bytes of derived key. */
  readonly keyLength: number;
}

/** What the platform supplies that libsodium-wrappers lacks; both pure and synchronous. */
export interface CryptoPlatform {
  sha256(data: Bytes): Bytes;
  scrypt(password: Bytes, salt: Bytes, params: ScryptParams): Bytes;
}

/**
 * Waits for libsodium and returns a stateless crypto implementation, SHA-256 and scrypt taken
 * from `platform`. On Node use `loadCrypto()` (runtime/adapters/node-crypto.ts).
 */
export async function createSodiumCrypto(platform: CryptoPlatform): Promise<Crypto> {
  await sodium.ready;
  return makeSodiumCrypto(platform);
}

function makeSodiumCrypto(platform: CryptoPlatform): Crypto {
  return {
    backend: 'wasm',
    precompute(publicKey, secretKey) {
      return sodium.crypto_box_beforenm(publicKey, secretKey);
    },
    seal(sharedKey, nonce, plain) {
      if (plain.length === 0) throw new Error('crypto.seal: empty plaintext (toxcore refuses zero-length boxes)');
      return sodium.crypto_box_easy_afternm(plain, nonce, sharedKey);
    },
    open(sharedKey, nonce, boxed) {
      if (boxed.length <= MAC_SIZE_BYTES || nonce.length !== NONCE_SIZE_BYTES || sharedKey.length !== SHARED_KEY_SIZE_BYTES) return null;
      try {
        return sodium.crypto_box_open_easy_afternm(boxed, nonce, sharedKey);
      } catch {
        return null;
      }
    },
    secretbox(key, nonce, plain) {
      if (plain.length === 0) throw new Error('crypto.secretbox: empty plaintext');
      return sodium.crypto_secretbox_easy(plain, nonce, key);
    },
    secretboxOpen(key, nonce, boxed) {
      if (boxed.length <= MAC_SIZE_BYTES || nonce.length !== NONCE_SIZE_BYTES || key.length !== SYMMETRIC_KEY_SIZE_BYTES) return null;
      try {
        return sodium.crypto_secretbox_open_easy(boxed, nonce, key);
      } catch {
        return null;
      }
    },
    sha512(data) {
      return sodium.crypto_hash(data);
    },
    sha256(data) {
      return platform.sha256(data);
    },
    hmacSha512_256(key, data) {
      return sodium.crypto_auth(data, key);
    },
    publicKeyFromSecret(secretKey) {
      return sodium.crypto_scalarmult_base(secretKey);
    },
    scrypt(password, salt, params) {
      return platform.scrypt(password, salt, params);
    },
  };
}
