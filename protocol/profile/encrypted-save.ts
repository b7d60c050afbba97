/**
 * Encrypted saves, c-toxcore's toxencryptsave format (docs/protocol.md §8.4; c-toxcore 0.2.18
 * `toxencryptsave/toxencryptsave.c`, `toxencryptsave/defines.h`). qTox and toxic write profiles
 * this way when the user sets a password.
 *
 * Serialized form (80 bytes + plaintext length):
 *
 * | offset | length | field                                                   |
 * |-------:|-------:|---------------------------------------------------------|
 * |      0 |      8 | magic "toxEsave" (TOX_ENC_SAVE_MAGIC_NUMBER)            |
 * |      8 |     32 | scrypt salt (random)                                    |
 * |     40 |     24 | nonce (random)                                          |
 * |     64 |     16 | MAC                                                     |
 * |     80 |      n | ciphertext: secretbox(key, nonce){ plaintext }, n ≥ 1   |
 *
 * Key derivation (`tox_pass_key_derive_with_salt`):
 * `key = scrypt(password = SHA-256(passphrase), salt, N = 16384, r = 8, p = 2, dkLen = 32)`.
 * c-toxcore calls libsodium `crypto_pwhash_scryptsalsa208sha256` with
 * opslimit = 2 × OPSLIMIT_INTERACTIVE (2 × 524288) and memlimit = MEMLIMIT_INTERACTIVE (16 MiB);
 * libsodium's parameter picker turns those into N = 2^14, r = 8, p = 2. We compute the same
 * scrypt with the given Crypto's `scrypt` (on Node, node:crypto `scryptSync`:
 * runtime/adapters/node-crypto.ts; ~16 MiB of memory, tens of ms).
 */
import { equalBytes, Writer, type Bytes } from '../bytes.js';
import type { Crypto } from '../crypto.js';
import { MAC_SIZE_BYTES, NONCE_SIZE_BYTES } from '../crypto.js';

/** defines.h TOX_ENC_SAVE_MAGIC_NUMBER. */
export const TOX_ENC_SAVE_MAGIC = new TextEncoder().encode('toxEsave');
/** defines.h TOX_ENC_SAVE_MAGIC_LENGTH (bytes). */
export const TOX_ENC_SAVE_MAGIC_LENGTH_BYTES = 8;
/** crypto_pwhash_scryptsalsa208sha256_SALTBYTES (tox.h TOX_PASS_SALT_LENGTH, bytes). */
export const TOX_PASS_SALT_LENGTH_BYTES = 32;
/** tox.h TOX_PASS_KEY_LENGTH (bytes). */
export const TOX_PASS_KEY_LENGTH_BYTES = 32;
/** toxencryptsave.h TOX_PASS_ENCRYPTION_EXTRA_LENGTH = 8 + 32 + 24 + 16 = 80 (bytes). */
export const TOX_PASS_ENCRYPTION_EXTRA_LENGTH_BYTES = TOX_ENC_SAVE_MAGIC_LENGTH_BYTES + TOX_PASS_SALT_LENGTH_BYTES + NONCE_SIZE_BYTES + MAC_SIZE_BYTES;
/** scrypt cost N that libsodium derives from 2 × OPSLIMIT_INTERACTIVE and MEMLIMIT_INTERACTIVE. */
export const SCRYPT_N = 16384;
/** scrypt block size r (libsodium pickparams). */
export const SCRYPT_R = 8;
/** scrypt parallelism p (libsodium pickparams: (opslimit / 4) / N / r). */
export const SCRYPT_P = 2;

export type EncryptedSaveErrorCode = 'not-encrypted' | 'truncated' | 'wrong-passphrase-or-corrupt';

export type DecryptSaveResult =
  | { readonly ok: true; readonly value: Bytes }
  | { readonly ok: false; readonly error: string; readonly code: EncryptedSaveErrorCode };

function passphraseBytes(passphrase: string | Bytes): Bytes {
  return typeof passphrase === 'string' ? new TextEncoder().encode(passphrase) : passphrase;
}

/** True when the bytes start with the "toxEsave" magic (c-toxcore `tox_is_data_encrypted`). */
export function isEncryptedSave(bytes: Bytes): boolean {
  return bytes.length >= TOX_ENC_SAVE_MAGIC_LENGTH_BYTES && equalBytes(bytes.subarray(0, TOX_ENC_SAVE_MAGIC_LENGTH_BYTES), TOX_ENC_SAVE_MAGIC);
}

/** The salt of an encrypted save, or null when the bytes are not one (c-toxcore `tox_get_salt`). */
export function encryptedSaveSalt(bytes: Bytes): Bytes | null {
  if (!isEncryptedSave(bytes) || bytes.length < TOX_ENC_SAVE_MAGIC_LENGTH_BYTES + TOX_PASS_SALT_LENGTH_BYTES) return null;
  return bytes.slice(TOX_ENC_SAVE_MAGIC_LENGTH_BYTES, TOX_ENC_SAVE_MAGIC_LENGTH_BYTES + TOX_PASS_SALT_LENGTH_BYTES);
}

/** c-toxcore `tox_pass_key_derive_with_salt`: scrypt(SHA-256(passphrase), salt). A string is UTF-8. */
export function deriveSaveKey(crypto: Crypto, passphrase: string | Bytes, salt: Bytes): Bytes {
  if (salt.length !== TOX_PASS_SALT_LENGTH_BYTES) throw new Error(`encrypted save: salt must be ${TOX_PASS_SALT_LENGTH_BYTES} bytes`);
  const password = crypto.sha256(passphraseBytes(passphrase));
  return crypto.scrypt(password, salt, { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P, keyLength: TOX_PASS_KEY_LENGTH_BYTES });
}

/** Encrypts with a key already derived for `salt` (c-toxcore `tox_pass_key_encrypt`). */
export function encryptSaveWithKey(crypto: Crypto, key: Bytes, salt: Bytes, nonce: Bytes, plain: Bytes): Bytes {
  if (plain.length === 0) throw new Error('encrypted save: empty plaintext (c-toxcore refuses it)');
  if (salt.length !== TOX_PASS_SALT_LENGTH_BYTES) throw new Error('encrypted save: salt must be 32 bytes');
  if (nonce.length !== NONCE_SIZE_BYTES) throw new Error('encrypted save: nonce must be 24 bytes');
  const boxed = crypto.secretbox(key, nonce, plain);
  return new Writer(TOX_PASS_ENCRYPTION_EXTRA_LENGTH_BYTES - MAC_SIZE_BYTES + boxed.length)
    .bytes(TOX_ENC_SAVE_MAGIC)
    .bytes(salt)
    .bytes(nonce)
    .bytes(boxed)
    .finish();
}

/** c-toxcore `tox_pass_encrypt` with the salt and nonce as arguments (no randomness here). */
export function encryptSave(crypto: Crypto, passphrase: string | Bytes, salt: Bytes, nonce: Bytes, plain: Bytes): Bytes {
  return encryptSaveWithKey(crypto, deriveSaveKey(crypto, passphrase, salt), salt, nonce, plain);
}

/** c-toxcore `tox_pass_decrypt`. Never throws; distinguishes not-encrypted, truncated, and bad passphrase/corruption. */
export function decryptSave(crypto: Crypto, passphrase: string | Bytes, bytes: Bytes): DecryptSaveResult {
  if (!isEncryptedSave(bytes)) {
    return { ok: false, code: 'not-encrypted', error: 'encrypted save: no "toxEsave" magic; this is not an encrypted save' };
  }
  if (bytes.length <= TOX_PASS_ENCRYPTION_EXTRA_LENGTH_BYTES) {
    return { ok: false, code: 'truncated', error: `encrypted save: ${bytes.length} bytes, needs more than ${TOX_PASS_ENCRYPTION_EXTRA_LENGTH_BYTES}` };
  }
  const salt = bytes.subarray(TOX_ENC_SAVE_MAGIC_LENGTH_BYTES, TOX_ENC_SAVE_MAGIC_LENGTH_BYTES + TOX_PASS_SALT_LENGTH_BYTES);
  const nonceAt = TOX_ENC_SAVE_MAGIC_LENGTH_BYTES + TOX_PASS_SALT_LENGTH_BYTES;
  const key = deriveSaveKey(crypto, passphrase, salt);
  const plain = crypto.secretboxOpen(key, bytes.subarray(nonceAt, nonceAt + NONCE_SIZE_BYTES), bytes.subarray(nonceAt + NONCE_SIZE_BYTES));
  if (plain === null) {
    return { ok: false, code: 'wrong-passphrase-or-corrupt', error: 'encrypted save: wrong passphrase, or the file is corrupt' };
  }
  return { ok: true, value: plain };
}
