/**
 * HSalsa20 (Bernstein, "Extending the Salsa20 nonce", 2008), in plain TypeScript: the second half
 * of crypto_box_beforenm. libsodium's beforenm is X25519 followed by HSalsa20 of the shared point
 * under a zero 16-byte input (crypto_box_curve25519xsalsa20poly1305_beforenm, which c-toxcore's
 * crypto_core.c `encrypt_precompute` calls). sodium-native (runtime/adapters/crypto-native.ts)
 * exposes X25519 but neither beforenm nor crypto_core_hsalsa20, so the native backend finishes the
 * precomputation here. It costs about a microsecond, next to tens for the X25519 step.
 *
 * The function: a 4×4 matrix of 32-bit little-endian words — the four "expand 32-byte k" words on
 * the diagonal, the key in words 1-4 and 11-14, the input in words 6-9 — goes through 20 Salsa20
 * rounds (10 column/row double rounds), and the output is words 0, 5, 10, 15, 6, 7, 8, 9, without
 * Salsa20's final feed-forward addition. Pure computation, no Node module.
 */

/** "expa", "nd 3", "2-by", "te k" as little-endian words (the Salsa20 sigma constant). */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] as const;

/** Output length and the two input lengths (crypto_core_hsalsa20_OUTPUTBYTES / KEYBYTES / INPUTBYTES). */
export const HSALSA20_OUTPUT_BYTES = 32;
export const HSALSA20_KEY_BYTES = 32;
export const HSALSA20_INPUT_BYTES = 16;

const ZERO_INPUT = new Uint8Array(HSALSA20_INPUT_BYTES);

function word(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

function rotl(v: number, n: number): number {
  return (v << n) | (v >>> (32 - n));
}

/**
 * HSalsa20 of a 32-byte key and a 16-byte input (zeros when omitted, as beforenm uses it), written
 * into `out` (32 bytes) when given, else into a new array. Throws on wrong lengths.
 */
export function hsalsa20(key: Uint8Array, input: Uint8Array = ZERO_INPUT, out: Uint8Array = new Uint8Array(HSALSA20_OUTPUT_BYTES)): Uint8Array {
  if (key.length !== HSALSA20_KEY_BYTES) throw new RangeError(`hsalsa20: key must be ${HSALSA20_KEY_BYTES} bytes, got ${key.length}`);
  if (input.length !== HSALSA20_INPUT_BYTES) throw new RangeError(`hsalsa20: input must be ${HSALSA20_INPUT_BYTES} bytes, got ${input.length}`);
  if (out.length !== HSALSA20_OUTPUT_BYTES) throw new RangeError(`hsalsa20: output must be ${HSALSA20_OUTPUT_BYTES} bytes, got ${out.length}`);
  let x0 = SIGMA[0], x5 = SIGMA[1], x10 = SIGMA[2], x15 = SIGMA[3];
  let x1 = word(key, 0), x2 = word(key, 4), x3 = word(key, 8), x4 = word(key, 12);
  let x11 = word(key, 16), x12 = word(key, 20), x13 = word(key, 24), x14 = word(key, 28);
  let x6 = word(input, 0), x7 = word(input, 4), x8 = word(input, 8), x9 = word(input, 12);
  for (let i = 0; i < 10; i++) {
    // Column round: each column, starting at its diagonal word.
    x4 ^= rotl((x0 + x12) | 0, 7); x8 ^= rotl((x4 + x0) | 0, 9); x12 ^= rotl((x8 + x4) | 0, 13); x0 ^= rotl((x12 + x8) | 0, 18);
    x9 ^= rotl((x5 + x1) | 0, 7); x13 ^= rotl((x9 + x5) | 0, 9); x1 ^= rotl((x13 + x9) | 0, 13); x5 ^= rotl((x1 + x13) | 0, 18);
    x14 ^= rotl((x10 + x6) | 0, 7); x2 ^= rotl((x14 + x10) | 0, 9); x6 ^= rotl((x2 + x14) | 0, 13); x10 ^= rotl((x6 + x2) | 0, 18);
    x3 ^= rotl((x15 + x11) | 0, 7); x7 ^= rotl((x3 + x15) | 0, 9); x11 ^= rotl((x7 + x3) | 0, 13); x15 ^= rotl((x11 + x7) | 0, 18);
    // Row round: each row, starting at its diagonal word.
    x1 ^= rotl((x0 + x3) | 0, 7); x2 ^= rotl((x1 + x0) | 0, 9); x3 ^= rotl((x2 + x1) | 0, 13); x0 ^= rotl((x3 + x2) | 0, 18);
    x6 ^= rotl((x5 + x4) | 0, 7); x7 ^= rotl((x6 + x5) | 0, 9); x4 ^= rotl((x7 + x6) | 0, 13); x5 ^= rotl((x4 + x7) | 0, 18);
    x11 ^= rotl((x10 + x9) | 0, 7); x8 ^= rotl((x11 + x10) | 0, 9); x9 ^= rotl((x8 + x11) | 0, 13); x10 ^= rotl((x9 + x8) | 0, 18);
    x12 ^= rotl((x15 + x14) | 0, 7); x13 ^= rotl((x12 + x15) | 0, 9); x14 ^= rotl((x13 + x12) | 0, 13); x15 ^= rotl((x14 + x13) | 0, 18);
  }
  const words = [x0, x5, x10, x15, x6, x7, x8, x9];
  for (let i = 0; i < 8; i++) {
    const w = words[i]!;
    out[4 * i] = w & 0xff;
    out[4 * i + 1] = (w >>> 8) & 0xff;
    out[4 * i + 2] = (w >>> 16) & 0xff;
    out[4 * i + 3] = (w >>> 24) & 0xff;
  }
  return out;
}
