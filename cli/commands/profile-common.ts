/**
 * What the profile commands (id, add, remove, nospam, export, import, dissect --profile) share:
 * loading a profile with its passphrase when it is encrypted, saving it back atomically the same
 * way, and turning every ProfileError into a one-line CliError naming the file and the problem.
 *
 * Passphrases never come from arguments (cli/passphrase.ts):
 *   TOXSTATE_PASSPHRASE      unlocks an encrypted profile that is read
 *   TOXSTATE_NEW_PASSPHRASE  encrypts a profile that is written with a new passphrase
 * otherwise a hidden prompt on a terminal, otherwise an error saying how to supply it.
 *
 * Loading never writes; a failed command never reaches `saveProfile`, so it never changes a file.
 */
import { lstat } from 'node:fs/promises';
import type { Bytes } from '../../protocol/bytes.js';
import { fromHex } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { isValidPublicKey } from '../../protocol/keys.js';
import type { Profile } from '../../protocol/profile/savedata.js';
import { parseToxId } from '../../protocol/tox-id.js';
import { loadProfile, ProfileError, saveProfile, type LoadedProfile } from '../../runtime/adapters/profile-store.js';
import type { DissectProfile } from '../../protocol/dissect/index.js';
import { CliError, explainError } from '../errors.js';
import { passphrase } from '../passphrase.js';

export const PASSPHRASE_ENV = 'TOXSTATE_PASSPHRASE';
export const NEW_PASSPHRASE_ENV = 'TOXSTATE_NEW_PASSPHRASE';

export interface OpenedProfile extends LoadedProfile {
  readonly path: string;
  /** The passphrase that opened it (encrypted profiles only). */
  readonly passphrase?: string;
}

function envValue(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Loads a profile, asking for its passphrase only when it is encrypted. Throws CliError. */
export async function openProfile(path: string, crypto?: Crypto): Promise<OpenedProfile> {
  const c = crypto ?? (await loadCrypto());
  try {
    return { ...(await loadProfile(path, { crypto: c })), path };
  } catch (e) {
    if (!(e instanceof ProfileError) || e.code !== 'encrypted-needs-passphrase') throw asCliError(e);
  }
  const pass = await passphrase(`passphrase for profile ${path}`, PASSPHRASE_ENV);
  try {
    return { ...(await loadProfile(path, { crypto: c, passphrase: pass })), path, passphrase: pass };
  } catch (e) {
    throw asCliError(e);
  }
}

/**
 * A new passphrase for a profile being written: TOXSTATE_NEW_PASSPHRASE, else `fallback` (for
 * example the passphrase the source was opened with), else a prompt asked twice on a terminal.
 */
export async function newPassphrase(path: string, fallback?: string): Promise<string> {
  const fromEnv = envValue(NEW_PASSPHRASE_ENV);
  if (fromEnv !== undefined) return fromEnv;
  if (fallback !== undefined && fallback !== '') return fallback;
  if (!process.stdin.isTTY) {
    throw new CliError(
      `a new passphrase for ${path} is needed: set ${NEW_PASSPHRASE_ENV} (or ${PASSPHRASE_ENV}) or run on a terminal to be prompted (never pass it as an argument)`,
    );
  }
  const first = await passphrase(`new passphrase for ${path}`, NEW_PASSPHRASE_ENV);
  const again = await passphrase(`repeat the new passphrase`, NEW_PASSPHRASE_ENV);
  if (first !== again) throw new CliError('the two new passphrases differ; nothing was written');
  if (first === '') throw new CliError('the new passphrase is empty; nothing was written');
  return first;
}

/** Saves atomically (runtime/adapters/profile-store.ts), encrypted when a passphrase is given. Throws CliError. */
export async function writeProfile(path: string, profile: Profile, pass?: string): Promise<void> {
  try {
    await saveProfile(path, profile, pass === undefined ? {} : { passphrase: pass });
  } catch (e) {
    throw asCliError(e);
  }
}

/** Rewrites an opened profile in place, keeping its encryption and passphrase. */
export async function rewriteProfile(opened: OpenedProfile, profile: Profile): Promise<void> {
  for (const w of opened.warnings) console.error(`toxstate: warning: ${opened.path}: dropped on rewrite (c-toxcore ignores it too): ${w}`);
  await writeProfile(opened.path, profile, opened.encrypted ? opened.passphrase : undefined);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

export function asCliError(e: unknown): Error {
  if (e instanceof CliError) return e;
  // A system error inside (ENOENT, ENOTDIR, EACCES, …) said as a sentence (cli/errors.ts).
  if (e instanceof ProfileError) return new CliError(explainError(e));
  return e instanceof Error ? e : new Error(String(e));
}

/** Requires an option, naming the command and option when it is missing. */
export function required(value: string | undefined, command: string, option: string): string {
  if (value === undefined || value === '') throw new CliError(`${command}: ${option} is required (see 'toxstate ${command} --help')`);
  return value;
}

/**
 * A friend's long-term public key from 64 hex characters, or from a full Tox ID (76 hex, whose
 * checksum is checked). Errors name the problem.
 */
export function parsePublicKeyArg(text: string, what: string): Bytes {
  const s = text.trim();
  if (s.length === 76) {
    const id = parseToxId(s);
    if (!id.ok) throw new CliError(`${what}: ${id.error}`);
    return id.value.publicKey;
  }
  if (s.length !== 64) throw new CliError(`${what}: expected a public key of 64 hex characters (or a 76-character Tox ID), got ${s.length} characters`);
  const bad = /[^0-9a-fA-F]/.exec(s);
  if (bad) throw new CliError(`${what}: bad hex character ${JSON.stringify(bad[0])} at position ${bad.index}`);
  const pk = fromHex(s);
  if (!pk.ok) throw new CliError(`${what}: ${pk.error}`);
  if (!isValidPublicKey(pk.value)) throw new CliError(`${what}: not a valid public key (its last byte must be below 0x80)`);
  return pk.value;
}

export type CopyMode = 'keep' | 'encrypt' | 'plain';

/**
 * export/import: reads `src` (opening it with its passphrase when encrypted) and writes it to
 * `dst` plain, encrypted, or as the source was. Refuses an existing `dst` unless `force`.
 * With 'encrypt' the passphrase is $TOXSTATE_NEW_PASSPHRASE, else the source's own passphrase
 * (or $TOXSTATE_PASSPHRASE for a plain source), else a prompt; 'keep' re-encrypts an encrypted
 * source with $TOXSTATE_NEW_PASSPHRASE or its own passphrase (with a fresh salt and nonce).
 */
export async function copyProfile(cmd: string, src: string, dst: string, mode: CopyMode, force: boolean): Promise<string> {
  if (!force && (await exists(dst))) throw new CliError(`${cmd}: ${dst} already exists; pass --force to replace it`);
  const opened = await openProfile(src);
  let pass: string | undefined;
  if (mode === 'encrypt') pass = await newPassphrase(dst, opened.passphrase ?? envValue(PASSPHRASE_ENV));
  else if (mode === 'keep' && opened.encrypted) pass = await newPassphrase(dst, opened.passphrase);
  for (const w of opened.warnings) console.error(`toxstate: warning: ${src}: not copied (c-toxcore ignores it too): ${w}`);
  await writeProfile(dst, opened.profile, pass);
  return pass === undefined ? 'plain' : 'encrypted';
}

/** --encrypt / --plain / neither, refusing both. */
export function copyMode(cmd: string, encrypt: boolean | undefined, plain: boolean | undefined): CopyMode {
  if (encrypt && plain) throw new CliError(`${cmd}: --encrypt and --plain exclude each other`);
  return encrypt ? 'encrypt' : plain ? 'plain' : 'keep';
}

/** A profile's long-term keys and friend keys, as the capture readers (dissect, check) need them, labelled by file name. */
export async function openKeyProfile(path: string, crypto: Crypto): Promise<DissectProfile> {
  const p = (await openProfile(path, crypto)).profile;
  return { label: path, publicKey: p.keys.publicKey, secretKey: p.keys.secretKey, friendPks: p.friends.map((f) => f.publicKey) };
}
