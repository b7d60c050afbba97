/**
 * Public-key helpers: validity, XOR distance and the DHT bucket index
 * (docs/protocol.md §1.1, §2.4).
 *
 * Serialized form: a public key is 32 raw bytes (Curve25519 u-coordinate, as
 * libsodium writes it). There is no other framing.
 *
 * | offset | length | field            |
 * |-------:|-------:|------------------|
 * |      0 |     32 | public key bytes |
 *
 * Distances follow c-toxcore 0.2.18 `toxcore/DHT.c`: `id_closest` compares the
 * XOR of each key with the base byte by byte, i.e. as a big-endian number, and
 * `bit_by_bit_cmp` counts leading equal bits (the close-list bucket index).
 */
import type { Bytes } from './bytes.js';
import { PUBLIC_KEY_SIZE_BYTES } from './crypto.js';

export { MAC_SIZE_BYTES, NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SECRET_KEY_SIZE_BYTES, SHARED_KEY_SIZE_BYTES } from './crypto.js';

/** Number of close-list buckets; indexes are capped at this minus one (c-toxcore `LCLIENT_LENGTH`, DHT.h). */
export const DHT_BUCKET_COUNT = 128;

/**
 * Throws when `b` is not exactly `n` bytes long. For encoders: a wrong length
 * passed by our own code is a broken invariant, never a property of input bytes.
 */
export function requireLength(what: string, b: Bytes, n: number): void {
  if (!(b instanceof Uint8Array) || b.length !== n) {
    const got = b instanceof Uint8Array ? `${b.length} bytes` : typeof b;
    throw new Error(`${what}: expected ${n} bytes, got ${got}`);
  }
}

/**
 * c-toxcore `public_key_valid` (crypto_core.c): a 32-byte key whose last byte
 * is below 128 (the top bit of the little-endian u-coordinate is clear).
 */
export function isValidPublicKey(pk: Bytes): boolean {
  return pk.length === PUBLIC_KEY_SIZE_BYTES && pk[PUBLIC_KEY_SIZE_BYTES - 1]! < 128;
}

/** XOR distance between two keys as 32 bytes (big-endian number). */
export function xorDistance(a: Bytes, b: Bytes): Bytes {
  requireLength('xorDistance a', a, PUBLIC_KEY_SIZE_BYTES);
  requireLength('xorDistance b', b, PUBLIC_KEY_SIZE_BYTES);
  const out = new Uint8Array(PUBLIC_KEY_SIZE_BYTES);
  for (let i = 0; i < PUBLIC_KEY_SIZE_BYTES; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/**
 * Which of `a`, `b` is closer to `base` by XOR distance: -1 when `a` is closer,
 * 1 when `b` is closer, 0 when equally close (that is, when a == b).
 * Mirrors c-toxcore `id_closest` (DHT.c), which returns 1 / 2 / 0; usable
 * directly as an `Array.prototype.sort` comparator for "closest first".
 */
export function xorDistanceCompare(base: Bytes, a: Bytes, b: Bytes): -1 | 0 | 1 {
  requireLength('xorDistanceCompare base', base, PUBLIC_KEY_SIZE_BYTES);
  requireLength('xorDistanceCompare a', a, PUBLIC_KEY_SIZE_BYTES);
  requireLength('xorDistanceCompare b', b, PUBLIC_KEY_SIZE_BYTES);
  for (let i = 0; i < PUBLIC_KEY_SIZE_BYTES; i++) {
    const da = base[i]! ^ a[i]!;
    const db = base[i]! ^ b[i]!;
    if (da < db) return -1;
    if (da > db) return 1;
  }
  return 0;
}

/**
 * Number of leading bits `ownPk` and `otherPk` share, capped at 127: the index
 * of the close-list bucket `otherPk` belongs in. c-toxcore computes the raw
 * count with `bit_by_bit_cmp` (DHT.c; 256 for equal keys) and callers clamp it
 * to `LCLIENT_LENGTH - 1`.
 */
export function bucketIndex(ownPk: Bytes, otherPk: Bytes): number {
  requireLength('bucketIndex ownPk', ownPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('bucketIndex otherPk', otherPk, PUBLIC_KEY_SIZE_BYTES);
  let bits = 0;
  for (let i = 0; i < PUBLIC_KEY_SIZE_BYTES; i++) {
    const x = ownPk[i]! ^ otherPk[i]!;
    if (x === 0) {
      bits += 8;
      continue;
    }
    bits += Math.clz32(x) - 24;
    break;
  }
  return Math.min(bits, DHT_BUCKET_COUNT - 1);
}
