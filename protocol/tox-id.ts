/**
 * The Tox ID ("address") users exchange (docs/protocol.md §1.2; c-toxcore
 * `toxcore/Messenger.c` `getaddress` / `m_addfriend`, `toxcore/util.c` `data_checksum`).
 *
 * Serialized form (38 bytes, shown to people as 76 uppercase hex characters):
 *
 * | offset | length | field                                              |
 * |-------:|-------:|----------------------------------------------------|
 * |      0 |     32 | long-term ("real") public key                      |
 * |     32 |      4 | nospam (opaque bytes, copied into friend requests) |
 * |     36 |      2 | checksum: XOR fold of bytes 0..35 into 2 bytes     |
 */
import { concat, fromHex, toHex, type Bytes } from './bytes.js';
import { PUBLIC_KEY_SIZE_BYTES } from './crypto.js';
import { isValidPublicKey, requireLength } from './keys.js';
import { err, ok, type Result } from './result.js';

export const NOSPAM_SIZE_BYTES = 4;
export const TOX_ID_CHECKSUM_SIZE_BYTES = 2;
/** 38 bytes (c-toxcore `TOX_ADDRESS_SIZE`, tox.h). */
export const TOX_ID_SIZE_BYTES = PUBLIC_KEY_SIZE_BYTES + NOSPAM_SIZE_BYTES + TOX_ID_CHECKSUM_SIZE_BYTES;
/** 76 hex characters. */
export const TOX_ID_HEX_LENGTH = TOX_ID_SIZE_BYTES * 2;

export interface ToxId {
  readonly publicKey: Bytes;
  /** 4 opaque bytes; `tox_self_get_nospam` reads them as a big-endian u32. */
  readonly nospam: Bytes;
  readonly checksum: Bytes;
}

/** The 2-byte checksum over the first 36 bytes of a Tox ID: c[i % 2] ^= id[i]. */
export function toxIdChecksum(first36: Bytes): Bytes {
  requireLength('toxIdChecksum input', first36, PUBLIC_KEY_SIZE_BYTES + NOSPAM_SIZE_BYTES);
  const c = new Uint8Array(TOX_ID_CHECKSUM_SIZE_BYTES);
  for (let i = 0; i < first36.length; i++) c[i % 2]! ^= first36[i]!;
  return c;
}

/** The 38 bytes of a Tox ID for (public key, nospam), checksum included. */
export function encodeToxId(publicKey: Bytes, nospam: Bytes): Bytes {
  requireLength('Tox ID public key', publicKey, PUBLIC_KEY_SIZE_BYTES);
  requireLength('Tox ID nospam', nospam, NOSPAM_SIZE_BYTES);
  const first36 = concat(publicKey, nospam);
  return concat(first36, toxIdChecksum(first36));
}

/** 76 uppercase hex characters, as clients display it. */
export function formatToxId(publicKey: Bytes, nospam: Bytes): string {
  return toHex(encodeToxId(publicKey, nospam)).toUpperCase();
}

/**
 * Parses a Tox ID typed or pasted by a person: 76 hex characters in either
 * case, surrounding whitespace ignored. Errors name the problem: wrong length,
 * non-hex characters, checksum mismatch, or a public key c-toxcore would refuse
 * (`m_addfriend` rejects keys failing `public_key_valid` as a bad checksum).
 */
export function parseToxId(text: string): Result<ToxId> {
  const s = text.trim();
  if (s.length !== TOX_ID_HEX_LENGTH) {
    return err(`Tox ID has bad length: ${s.length} characters, expected ${TOX_ID_HEX_LENGTH} hex characters`);
  }
  const bad = /[^0-9a-fA-F]/.exec(s);
  if (bad) return err(`Tox ID has bad hex: character ${JSON.stringify(bad[0])} at position ${bad.index}`);
  const bytes = fromHex(s);
  if (!bytes.ok) return err(`Tox ID has bad hex: ${bytes.error}`);
  return decodeToxId(bytes.value);
}

/** Decodes the 38-byte binary form with the same checks as `parseToxId`. */
export function decodeToxId(bytes: Bytes): Result<ToxId> {
  if (bytes.length !== TOX_ID_SIZE_BYTES) return err(`Tox ID has bad length: ${bytes.length} bytes, expected ${TOX_ID_SIZE_BYTES}`);
  const publicKey = bytes.slice(0, PUBLIC_KEY_SIZE_BYTES);
  const nospam = bytes.slice(PUBLIC_KEY_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES + NOSPAM_SIZE_BYTES);
  const checksum = bytes.slice(PUBLIC_KEY_SIZE_BYTES + NOSPAM_SIZE_BYTES);
  const expected = toxIdChecksum(bytes.subarray(0, PUBLIC_KEY_SIZE_BYTES + NOSPAM_SIZE_BYTES));
  if (checksum[0] !== expected[0] || checksum[1] !== expected[1]) {
    return err(`Tox ID has bad checksum: found ${toHex(checksum)}, computed ${toHex(expected)}`);
  }
  if (!isValidPublicKey(publicKey)) {
    return err(`Tox ID has an invalid public key: last byte 0x${toHex(publicKey.subarray(31))} is not below 0x80`);
  }
  return ok({ publicKey, nospam, checksum });
}
