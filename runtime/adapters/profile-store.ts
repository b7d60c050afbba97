/**
 * Profile files on disk (docs/protocol.md §8): the only I/O for profiles. Loads a c-toxcore
 * savedata file, plain or toxencryptsave-encrypted, and saves one atomically.
 *
 * Loading never modifies the file and trusts nothing about it (runtime/adapters/read-regular-file.ts):
 * a regular file only (a FIFO, /dev/zero, a socket or a directory is refused before a byte is
 * read, without blocking), at most MAX_PROFILE_FILE_BYTES (refused above, even if it grows while
 * being read). Failures throw a `ProfileError` whose message names the file and the problem and
 * whose `code` says which problem it is.
 *
 * Saving is atomic and durable against crashes (not against a lying disk), and writes the secret
 * key nowhere but a file only we created:
 *   0. resolve the target: a profile path that is a symbolic link is saved to the file the link
 *      points to, so the link stays a link; a dangling link (or a loop) is refused — writing there
 *      would mint a new identity where the user expects theirs; a target that exists and is not a
 *      regular file is refused;
 *   1. create `<target>.tmp-<32 random hex>` in the target's directory with
 *      O_CREAT | O_EXCL | O_NOFOLLOW and mode 0600 (fchmod'ed to exactly 0600 whatever the
 *      umask): a name nobody can predict, and an existing file or link there fails the open
 *      instead of being written through;
 *   2. write the whole file and fsync it;
 *   3. rename it over the target (atomic on POSIX file systems; rename replaces a name, it
 *      never writes through a link);
 *   4. fsync the directory, so the rename itself is on disk.
 * On a failure after step 1 only that temp file is removed; nothing else is touched. A crash at
 * any point leaves the target either the previous profile or the new one, never a mix; a crash
 * before step 3 may leave a stray `<target>.tmp-…` (mode 0600) behind, which loading ignores.
 *
 * Not defended: a profile in a directory other users can write to. They can rename or replace
 * any file there, the profile included, whatever we do; keep profiles in a directory only you
 * can write to (the CLI does not check).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readlink, realpath, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Bytes } from '../../protocol/bytes.js';
import { NONCE_SIZE_BYTES, type Crypto } from '../../protocol/crypto.js';
import { decryptSave, encryptSave, isEncryptedSave, TOX_PASS_SALT_LENGTH_BYTES } from '../../protocol/profile/encrypted-save.js';
import { FRIEND_RECORD_SIZE_BYTES } from '../../protocol/profile/friend-record.js';
import { parseSavedata, serializeSavedata, type Profile, type SavedataErrorCode } from '../../protocol/profile/savedata.js';
import { loadCrypto } from './node-crypto.js';
import { readRegularFile, UserFileError } from './read-regular-file.js';

/**
 * The largest profile file loaded: 64 MiB. 10,000 friends take 22.2 MB (2,216-byte records,
 * FRIENDS section), so this holds ~30,000 friends with room for the other sections (DHT nodes,
 * conferences, a newer c-toxcore's groups); c-toxcore sets no limit, but a larger file is not a
 * profile anyone has, and loading one costs several times its size in memory.
 */
export const MAX_PROFILE_FILE_BYTES = 64 * 1024 * 1024;
const PROFILE_LIMIT_NOTE = `for a profile (room for ${Math.floor(MAX_PROFILE_FILE_BYTES / FRIEND_RECORD_SIZE_BYTES)} friends)`;

export type ProfileErrorCode =
  | 'missing'
  | 'unreadable'
  /** A FIFO, device, socket or directory where a profile file should be. */
  | 'not-a-file'
  /** Over MAX_PROFILE_FILE_BYTES. */
  | 'too-large'
  /** A symbolic link to nothing (or a loop): saving there would mint a new identity. */
  | 'dangling-link'
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
    bytes = await readRegularFile(path, MAX_PROFILE_FILE_BYTES, PROFILE_LIMIT_NOTE);
  } catch (e) {
    if (!(e instanceof UserFileError)) throw e;
    if (e.code === 'missing') {
      const link = await danglingLinkTarget(path);
      const what = link === null ? 'the file does not exist' : `it is a symbolic link to ${link}, which does not exist`;
      throw new ProfileError('missing', path, `cannot load profile ${path}: ${what}`);
    }
    throw new ProfileError(e.code, path, `cannot load profile ${path}: ${e.problem}`);
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

/** Where a symbolic link at `path` points when it points at nothing; null when `path` is not a link. */
async function danglingLinkTarget(path: string): Promise<string | null> {
  try {
    if (!(await lstat(path)).isSymbolicLink()) return null;
    return await readlink(path);
  } catch {
    return null;
  }
}

/**
 * The file a save to `path` replaces: `path` itself, or for a symbolic link the file it
 * resolves to (so the link stays a link). Refuses a dangling link, a link loop, and an existing
 * target that is not a regular file. Throws `ProfileError`.
 */
export async function profileSaveTarget(path: string): Promise<string> {
  const refuse = (code: ProfileErrorCode, problem: string) => new ProfileError(code, path, `cannot save profile ${path}: ${problem}`);
  let target = path;
  try {
    if ((await lstat(path)).isSymbolicLink()) {
      try {
        target = await realpath(path);
      } catch (e) {
        const to = await readlink(path).catch(() => '?');
        const why = errnoOf(e) === 'ELOOP' ? 'a loop of symbolic links' : `a symbolic link to ${to}, which does not exist`;
        throw refuse('dangling-link', `it is ${why}; refusing to create a new identity there (create the target, or point at the profile itself)`);
      }
    }
  } catch (e) {
    if (e instanceof ProfileError) throw e;
    if (errnoOf(e) === 'ENOENT') return path; // a new profile
    throw refuse('write-failed', e instanceof Error ? e.message : String(e));
  }
  try {
    const st = await lstat(target);
    if (!st.isFile()) throw refuse('not-a-file', `${target === path ? 'it' : target} is not a regular file`);
  } catch (e) {
    if (e instanceof ProfileError) throw e;
    if (errnoOf(e) !== 'ENOENT') throw refuse('write-failed', e instanceof Error ? e.message : String(e));
  }
  return target;
}

/** A temp-file name next to `target` that nobody can guess (the base name is shortened to keep it under NAME_MAX). */
function tempNameFor(target: string): string {
  return join(dirname(target), `${basename(target).slice(0, 100)}.tmp-${randomBytes(16).toString('hex')}`);
}

const CREATE_EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/**
 * Creates `path` as a new file holding `bytes`, mode exactly 0600, fsynced. Fails (EEXIST) when
 * anything is already there — a file, or a symbolic link, dangling or not, which is never
 * followed. On a failure after the file was created, removes it; otherwise touches nothing.
 */
export async function createFileExclusive(path: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(path, CREATE_EXCLUSIVE, 0o600);
  try {
    try {
      await fh.chmod(0o600); // exactly 0600, whatever the umask
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    await unlink(path).catch(() => undefined);
    throw e;
  }
}

/** Serializes (and optionally encrypts) a profile and replaces `path` (or the file it links to) atomically. */
export async function saveProfile(path: string, profile: Profile, options: SaveOptions = {}): Promise<void> {
  let bytes = serializeSavedata(profile);
  if (options.passphrase !== undefined) {
    const crypto = options.crypto ?? (await loadCrypto());
    const rnd = options.random ?? { bytes: (n: number) => new Uint8Array(randomBytes(n)) };
    bytes = encryptSave(crypto, options.passphrase, rnd.bytes(TOX_PASS_SALT_LENGTH_BYTES), rnd.bytes(NONCE_SIZE_BYTES), bytes);
  }
  const target = await profileSaveTarget(path);
  const failed = (e: unknown) => new ProfileError('write-failed', path, `cannot save profile ${path}: ${e instanceof Error ? e.message : String(e)}`);
  const tmp = tempNameFor(target);
  try {
    await createFileExclusive(tmp, bytes);
  } catch (e) {
    throw failed(e);
  }
  try {
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw failed(e);
  }
  // Make the rename durable. Some platforms cannot fsync a directory; the file is in place anyway.
  try {
    const dir = await open(dirname(target), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    /* best effort */
  }
}
