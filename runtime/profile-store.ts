/**
 * Profile files on disk (tox-protocol.md §8): the only I/O for profiles. Loads a c-toxcore
 * savedata file, plain or toxencryptsave-encrypted, and saves one atomically.
 *
 * Loading never modifies the file. Failures throw a `ProfileError` whose message names the file
 * and the problem and whose `code` says which problem it is.
 *
 * Saving is atomic and durable against crashes (not against a lying disk):
 *   1. write the whole file to `<path>.tmp-<pid>` (mode 0600: it holds the secret key);
 *   2. fsync it;
 *   3. rename it over `<path>` (atomic on POSIX file systems);
 *   4. fsync the directory, so the rename itself is on disk.
 * A crash at any point leaves `<path>` either the previous profile or the new one, never a mix;
 * a crash before step 3 may leave a stray `<path>.tmp-<pid>` behind, which loading ignores.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Bytes } from '../protocol/bytes.js';
import { loadCrypto, NONCE_SIZE, type Crypto } from '../protocol/crypto.js';
import { decryptSave, encryptSave, isEncryptedSave, TOX_PASS_SALT_LENGTH } from '../protocol/profile/encrypted-save.js';
import { parseSavedata, serializeSavedata, type Profile, type SavedataErrorCode } from '../protocol/profile/savedata.js';

export type ProfileErrorCode =
  | 'missing'
  | 'unreadable'
  | 'truncated'
  | 'corrupt'
  | 'encrypted-needs-passphrase'
  | 'wrong-passphrase'
  | 'write-failed';

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(
    readonly code: ProfileErrorCode,
    readonly path: string,
    message: string,
    /** The savedata parser's own code when the content was at fault. */
    readonly savedataCode?: SavedataErrorCode,
  ) {
    super(message);
  }
}

export interface LoadedProfile {
  readonly profile: Profile;
  /** True when the file was toxencryptsave-encrypted. */
  readonly encrypted: boolean;
  /** Parts c-toxcore itself would ignore (see parseSavedata). */
  readonly warnings: readonly string[];
}

export interface LoadOptions {
  readonly passphrase?: string | Bytes;
  readonly crypto?: Crypto;
}

export interface SaveOptions {
  /** When set, the file is written encrypted (toxencryptsave) with a fresh salt and nonce. */
  readonly passphrase?: string | Bytes;
  readonly crypto?: Crypto;
  /** Source of the salt and nonce; defaults to the operating system's. */
  readonly random?: { bytes(n: number): Uint8Array };
}

function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;
}

/** Reads and parses a profile. Throws `ProfileError`; never writes to `path`. */
export async function loadProfile(path: string, options: LoadOptions = {}): Promise<LoadedProfile> {
  const crypto = options.crypto ?? (await loadCrypto());
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') throw new ProfileError('missing', path, `cannot load profile ${path}: the file does not exist`);
    throw new ProfileError('unreadable', path, `cannot load profile ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let encrypted = false;
  if (isEncryptedSave(bytes)) {
    encrypted = true;
    if (options.passphrase === undefined) {
      throw new ProfileError('encrypted-needs-passphrase', path, `cannot load profile ${path}: it is encrypted; a passphrase is needed`);
    }
    const d = decryptSave(crypto, options.passphrase, bytes);
    if (!d.ok) {
      if (d.code === 'truncated') throw new ProfileError('truncated', path, `cannot load profile ${path}: the encrypted file is truncated (${bytes.length} bytes)`);
      throw new ProfileError('wrong-passphrase', path, `cannot load profile ${path}: wrong passphrase, or the encrypted file is corrupt`);
    }
    bytes = d.value;
  }
  const r = parseSavedata(crypto, bytes);
  if (!r.ok) {
    const code: ProfileErrorCode = r.code === 'truncated' ? 'truncated' : 'corrupt';
    const what = code === 'truncated' ? 'the file is truncated' : 'the file is corrupt';
    throw new ProfileError(code, path, `cannot load profile ${path}: ${what} (${r.error})`, r.code);
  }
  return { profile: r.value, encrypted, warnings: r.warnings };
}

/** Serializes (and optionally encrypts) a profile and replaces `path` atomically. */
export async function saveProfile(path: string, profile: Profile, options: SaveOptions = {}): Promise<void> {
  let bytes = serializeSavedata(profile);
  if (options.passphrase !== undefined) {
    const crypto = options.crypto ?? (await loadCrypto());
    const rnd = options.random ?? { bytes: (n: number) => new Uint8Array(randomBytes(n)) };
    bytes = encryptSave(crypto, options.passphrase, rnd.bytes(TOX_PASS_SALT_LENGTH), rnd.bytes(NONCE_SIZE), bytes);
  }
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new ProfileError('write-failed', path, `cannot save profile ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Make the rename durable. Some platforms cannot fsync a directory; the file is in place anyway.
  try {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    /* best effort */
  }
}
