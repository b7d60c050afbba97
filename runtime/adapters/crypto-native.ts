/**
 * The native crypto backend (Node only): the `Crypto` interface (protocol/crypto.ts) on
 * sodium-native, an optional dependency whose npm package ships libsodium prebuilt for each
 * platform (no compiler, no install script). Chosen by `loadCrypto()` (node-crypto.ts); the wasm
 * backend stays the portable one and the browser's.
 *
 * How each primitive maps, following c-toxcore's crypto_core.c wrappers:
 * - `precompute` (`encrypt_precompute` = crypto_box_beforenm): sodium-native has no beforenm, so
 *   it is X25519 (`crypto_scalarmult`) followed by HSalsa20 under a zero input
 *   (crypto-hsalsa20.ts), which is what libsodium's beforenm computes. X25519 through node:crypto
 *   (`diffieHellman` on KeyObjects) was measured too and is slower (bench/crypto.ts shows both).
 *   An all-zero X25519 result (a low-order public key) throws, as libsodium's beforenm fails:
 *   runtime/keys.ts `sharedKeyOf` relies on that.
 * - `seal`/`open` (`encrypt_data_symmetric` = crypto_box_easy_afternm): libsodium's afternm is
 *   crypto_secretbox_easy under the precomputed key, so both pairs run `crypto_secretbox_easy`.
 * - `sha512`, `sha256`, `hmacSha512_256` (crypto_auth), `publicKeyFromSecret`
 *   (crypto_scalarmult_base); scrypt comes from the platform (node:crypto), as for wasm.
 *
 * Outputs: sodium-native writes into caller-supplied arrays. Allocating a fresh ArrayBuffer per
 * packet costs more than the cipher, so box outputs are carved from slabs (like Node's
 * Buffer pool): each returned array is a view of its own region, never handed out or written
 * again (no aliasing), and a slab is freed when its last view is. Keys and digests get their own
 * arrays. Inputs are checked before the call: sodium-native asserts on wrong lengths.
 */
import { createRequire } from 'node:module';
import type { Bytes } from '../../protocol/bytes.js';
import {
  MAC_SIZE_BYTES,
  NONCE_SIZE_BYTES,
  PUBLIC_KEY_SIZE_BYTES,
  SECRET_KEY_SIZE_BYTES,
  SHA512_SIZE_BYTES,
  SHARED_KEY_SIZE_BYTES,
  type Crypto,
  type CryptoPlatform,
} from '../../protocol/crypto.js';
import { hsalsa20 } from './crypto-hsalsa20.js';

/** The part of sodium-native's API used here (it ships no type declarations). */
interface SodiumNative {
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
  crypto_hash_sha512(out: Uint8Array, data: Uint8Array): void;
  crypto_hash_sha256(out: Uint8Array, data: Uint8Array): void;
  crypto_auth(out: Uint8Array, data: Uint8Array, key: Uint8Array): void;
  sodium_memzero(b: Uint8Array): void;
}

/**
 * sodium-native's compiled binding for the two per-packet calls: the same C functions without the
 * JS wrapper's assertions (a fifth of a 64-byte seal's cost). Only ever called after the exact
 * byte-length checks below (the C side asserts them too); the load-time self-test runs through it.
 */
interface SecretboxBinding {
  crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): number;
  crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
}

/**
 * Box outputs up to 256 bytes (most control packets) come from 8 KiB slabs, larger ones up to
 * 8 KiB (data packets, mostly short-lived) from 64 KiB slabs, so a long-lived small output pins
 * at most 8 KiB; an ArrayBuffer costs about the same whatever its size, so a slab must hold many
 * outputs to pay off. Larger outputs (profiles) get their own array.
 */
const SMALL_SLAB_BYTES = 8192;
const SMALL_MAX_TAKE_BYTES = 256;
const LARGE_SLAB_BYTES = 65536;
const LARGE_MAX_TAKE_BYTES = 8192;
/** crypto_auth_BYTES (HMAC-SHA-512-256 tag) and crypto_hash_sha256_BYTES. */
const AUTH_TAG_BYTES = 32;
const SHA256_BYTES = 32;

/** Hands out fresh, never-reused regions of shared slabs (see the header). */
class Slab {
  private buf: ArrayBuffer;
  private used = 0;

  constructor(private readonly size: number) {
    this.buf = new ArrayBuffer(size);
  }

  take(length: number): Uint8Array {
    if (this.used + length > this.size) {
      this.buf = new ArrayBuffer(this.size);
      this.used = 0;
    }
    const view = new Uint8Array(this.buf, this.used, length);
    this.used += (length + 7) & ~7; // keep views 8-byte aligned
    return view;
  }

  /** Gives back the region of the latest `take` (its view was never returned to anyone). */
  untake(view: Uint8Array): void {
    if (view.buffer === this.buf && view.byteOffset + ((view.length + 7) & ~7) === this.used) this.used = view.byteOffset;
  }
}

/** Loads sodium-native: the module, or why it could not be loaded. */
export function requireSodiumNative(): { ok: true; sodium: SodiumNative; binding: SecretboxBinding } | { ok: false; reason: string } {
  try {
    const require = createRequire(import.meta.url);
    const sodium = require('sodium-native') as SodiumNative;
    return { ok: true, sodium, binding: bindingOf(require, sodium) };
  } catch (e) {
    return { ok: false, reason: `sodium-native did not load: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** The raw binding when it has both calls, else the checked wrappers (whose results mean the same); the self-test runs through whichever it is. */
function bindingOf(require: NodeJS.Require, sodium: SodiumNative): SecretboxBinding {
  const checked: SecretboxBinding = {
    crypto_secretbox_easy: (c, m, n, k) => (sodium.crypto_secretbox_easy(c, m, n, k), 0),
    crypto_secretbox_open_easy: (m, c, n, k) => sodium.crypto_secretbox_open_easy(m, c, n, k),
  };
  try {
    const raw = require('sodium-native/binding') as Partial<SecretboxBinding>;
    if (typeof raw.crypto_secretbox_easy === 'function' && typeof raw.crypto_secretbox_open_easy === 'function') return raw as SecretboxBinding;
  } catch {
    // the wrappers then
  }
  return checked;
}

function isAllZero(b: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < b.length; i++) acc |= b[i]!;
  return acc === 0;
}

/** The native Crypto on a loaded sodium-native. */
export function makeNativeCrypto(sodium: SodiumNative, binding: SecretboxBinding, platform: CryptoPlatform): Crypto {
  const small = new Slab(SMALL_SLAB_BYTES);
  const large = new Slab(LARGE_SLAB_BYTES);
  const take = (length: number): Uint8Array =>
    length <= SMALL_MAX_TAKE_BYTES ? small.take(length) : length <= LARGE_MAX_TAKE_BYTES ? large.take(length) : new Uint8Array(length);
  const point = new Uint8Array(PUBLIC_KEY_SIZE_BYTES); // X25519 output, wiped after each use

  const box = (op: string, key: Bytes, nonce: Bytes, plain: Bytes): Bytes => {
    if (plain.byteLength === 0) throw new Error(`crypto.${op}: empty plaintext (toxcore refuses zero-length boxes)`);
    if (key.byteLength !== SHARED_KEY_SIZE_BYTES || nonce.byteLength !== NONCE_SIZE_BYTES) throw new RangeError(`crypto.${op}: key must be 32 bytes and nonce 24`);
    const out = take(plain.byteLength + MAC_SIZE_BYTES);
    if (binding.crypto_secretbox_easy(out, plain, nonce, key) !== 0) throw new Error(`crypto.${op}: libsodium failed`);
    return out;
  };
  const unbox = (key: Bytes, nonce: Bytes, boxed: Bytes): Bytes | null => {
    if (boxed.byteLength <= MAC_SIZE_BYTES || nonce.byteLength !== NONCE_SIZE_BYTES || key.byteLength !== SHARED_KEY_SIZE_BYTES) return null;
    const out = take(boxed.byteLength - MAC_SIZE_BYTES);
    if (binding.crypto_secretbox_open_easy(out, boxed, nonce, key) === true) return out;
    small.untake(out);
    large.untake(out);
    return null;
  };

  return {
    backend: 'native',
    precompute(publicKey, secretKey) {
      if (publicKey.length !== PUBLIC_KEY_SIZE_BYTES || secretKey.length !== SECRET_KEY_SIZE_BYTES) throw new RangeError('crypto.precompute: keys must be 32 bytes');
      try {
        sodium.crypto_scalarmult(point, secretKey, publicKey); // libsodium itself fails on an all-zero result
        if (isAllZero(point)) throw new Error('all-zero point');
        return hsalsa20(point);
      } catch {
        throw new Error('crypto.precompute: low-order public key (X25519 gives an all-zero secret)');
      } finally {
        sodium.sodium_memzero(point);
      }
    },
    seal: (sharedKey, nonce, plain) => box('seal', sharedKey, nonce, plain),
    open: unbox,
    secretbox: (key, nonce, plain) => box('secretbox', key, nonce, plain),
    secretboxOpen: unbox,
    sha512(data) {
      const out = new Uint8Array(SHA512_SIZE_BYTES);
      sodium.crypto_hash_sha512(out, data);
      return out;
    },
    sha256(data) {
      const out = new Uint8Array(SHA256_BYTES);
      sodium.crypto_hash_sha256(out, data);
      return out;
    },
    hmacSha512_256(key, data) {
      if (key.length !== 32) throw new RangeError('crypto.hmacSha512_256: key must be 32 bytes');
      const out = new Uint8Array(AUTH_TAG_BYTES);
      sodium.crypto_auth(out, data, key);
      return out;
    },
    publicKeyFromSecret(secretKey) {
      if (secretKey.length !== SECRET_KEY_SIZE_BYTES) throw new RangeError('crypto.publicKeyFromSecret: secret key must be 32 bytes');
      const out = new Uint8Array(PUBLIC_KEY_SIZE_BYTES);
      sodium.crypto_scalarmult_base(out, secretKey);
      return out;
    },
    scrypt: (password, salt, params) => platform.scrypt(password, salt, params),
  };
}

/** The NaCl crypto_box vector (Bernstein, "Cryptography in NaCl"; libsodium's box test): first bytes only. */
const SELF_TEST = {
  aliceSk: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
  bobPk: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
  sharedKey: '1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389',
};

const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

/**
 * Loads sodium-native and checks it once against a known answer (a broken or mismatched prebuild
 * must not be used): the Crypto, or why not.
 */
export function loadNativeCrypto(platform: CryptoPlatform): { ok: true; crypto: Crypto } | { ok: false; reason: string } {
  const loaded = requireSodiumNative();
  if (!loaded.ok) return loaded;
  try {
    const crypto = makeNativeCrypto(loaded.sodium, loaded.binding, platform);
    const k = crypto.precompute(fromHex(SELF_TEST.bobPk), fromHex(SELF_TEST.aliceSk));
    if (Buffer.from(k).toString('hex') !== SELF_TEST.sharedKey) return { ok: false, reason: 'sodium-native failed its known-answer self-test' };
    const nonce = new Uint8Array(NONCE_SIZE_BYTES);
    const opened = crypto.open(k, nonce, crypto.seal(k, nonce, Uint8Array.of(1, 2, 3)));
    if (opened === null || opened.length !== 3 || opened[2] !== 3) return { ok: false, reason: 'sodium-native failed its round-trip self-test' };
    return { ok: true, crypto };
  } catch (e) {
    return { ok: false, reason: `sodium-native failed its self-test: ${(e as Error).message}` };
  }
}
