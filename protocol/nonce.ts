/**
 * Nonce arithmetic (docs/protocol.md §1.3): the 24-byte nonce is a big-endian
 * integer; c-toxcore `increment_nonce` adds 1 and `increment_nonce_number`
 * adds a u32, both with carry through all 24 bytes and wrapping mod 2^192
 * (toxcore/crypto_core.c).
 *
 * Serialized form:
 *
 * | offset | length | field                         |
 * |-------:|-------:|-------------------------------|
 * |      0 |     24 | nonce, big-endian 192-bit int |
 *
 * Both functions return a new array; the argument is never modified.
 */
import type { Bytes } from './bytes.js';
import { NONCE_SIZE_BYTES } from './crypto.js';
import { requireLength } from './keys.js';

/** nonce + 1 (mod 2^192), as c-toxcore `increment_nonce`. */
export function incrementNonce(n: Bytes): Bytes {
  return addToNonce(n, 1);
}

/** nonce + x (mod 2^192) for a u32 `x`, as c-toxcore `increment_nonce_number`. */
export function addToNonce(n: Bytes, x: number): Bytes {
  requireLength('nonce', n, NONCE_SIZE_BYTES);
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new Error(`addToNonce: ${x} is not a u32`);
  const out = new Uint8Array(n);
  let carry = x;
  for (let i = NONCE_SIZE_BYTES - 1; i >= 0 && carry !== 0; i--) {
    const sum = out[i]! + (carry % 256);
    out[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
  return out;
}
