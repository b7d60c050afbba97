/**
 * toxstate's own savedata section: the per-friend connection policy (docs/protocol.md §8.6).
 * c-toxcore has no such thing; the section exists so that a policy the user set survives a
 * restart, and it is written so that c-toxcore still loads the profile.
 *
 * Why a c-toxcore client loads a profile with this section (0.2.18 and 0.2.23 alike):
 * `state_load` (toxcore/state.c) hands every section to `state_load_callback` (toxcore/tox.c),
 * which asks the Messenger state plugins and the conference loader; a type none of them claims
 * is logged ("contains unrecognized part") and skipped with STATE_LOAD_STATUS_CONTINUE. The
 * types c-toxcore uses are 1–6, 10, 11, 20 and 255 in 0.2.18 and the same plus 7 (GROUPS) from
 * 0.2.19 to 0.2.23 (state.h `State_Type`): small numbers, allotted from 1 up, with END at 255.
 * 0x7374 is none of them and far outside that range, so c-toxcore skips it, and no release
 * mistakes it for a section of its own. On disk the type word reads `74 73 ce 01`: "ts" for
 * toxstate. c-toxcore's
 * next save leaves it out (it keeps no unknown section), so the policies live only in profiles
 * toxstate wrote last.
 *
 * Serialized form (section body):
 *
 * | offset     | length | field                                                         |
 * |-----------:|-------:|---------------------------------------------------------------|
 * |          0 |      1 | format version, 1                                             |
 * |   1 + 33·i |     32 | friend's real public key (a friend of the FRIENDS section)    |
 * |  33 + 33·i |      1 | policy: 1 OpenToConnect, 2 RefusingToConnect                  |
 *
 * Only non-default policies are written, in the order of the friend list; a profile whose
 * friends all have the default (`TryingToConnect`) has no such section, byte for byte the
 * profile toxstate wrote before policies existed. A section that breaks these rules (another
 * version, a length that is not 1 + 33·n, an unknown policy byte, a friend listed twice) makes
 * the whole profile refused: reading it as "no policies" would quietly connect to friends the
 * user refused. A listed key that is no friend in the FRIENDS section is dropped with a warning.
 */
import { toHex, Writer, type Bytes } from '../bytes.js';
import { PUBLIC_KEY_SIZE_BYTES } from '../crypto.js';
import { err, ok, type Result } from '../result.js';
import type { SavedFriend, SavedFriendPolicy } from './friend-record.js';

/** The section type: a u16 no c-toxcore release uses (see the header). */
export const FRIEND_POLICIES_SECTION_TYPE = 29556; // 0x7374, "ts" on disk
/** The body's first byte. */
export const FRIEND_POLICIES_FORMAT_VERSION = 1;
/** One entry: public key and policy byte. */
export const FRIEND_POLICY_ENTRY_SIZE_BYTES = PUBLIC_KEY_SIZE_BYTES + 1;

/** The policy byte of each non-default policy. */
export const FRIEND_POLICY_CODE: Readonly<Record<Exclude<SavedFriendPolicy, 'TryingToConnect'>, number>> = {
  OpenToConnect: 1,
  RefusingToConnect: 2,
};

export interface FriendPolicyEntry {
  readonly publicKey: Bytes;
  readonly policy: Exclude<SavedFriendPolicy, 'TryingToConnect'>;
}

const POLICY_OF_CODE = new Map(Object.entries(FRIEND_POLICY_CODE).map(([p, c]) => [c, p as FriendPolicyEntry['policy']]));

/** Decodes a section body; an error names what is wrong. */
export function decodeFriendPolicies(body: Bytes): Result<FriendPolicyEntry[]> {
  if (body.length === 0) return err('friend policy section is empty (it starts with a version byte)');
  if (body[0] !== FRIEND_POLICIES_FORMAT_VERSION) {
    return err(`friend policy section has format version ${body[0]}; this toxstate reads version ${FRIEND_POLICIES_FORMAT_VERSION} (written by a newer toxstate?)`);
  }
  if ((body.length - 1) % FRIEND_POLICY_ENTRY_SIZE_BYTES !== 0) {
    return err(`friend policy section has ${body.length} bytes, not 1 + ${FRIEND_POLICY_ENTRY_SIZE_BYTES}·n`);
  }
  const out: FriendPolicyEntry[] = [];
  for (let at = 1; at < body.length; at += FRIEND_POLICY_ENTRY_SIZE_BYTES) {
    const publicKey = body.slice(at, at + PUBLIC_KEY_SIZE_BYTES);
    const code = body[at + PUBLIC_KEY_SIZE_BYTES]!;
    const policy = POLICY_OF_CODE.get(code);
    if (policy === undefined) return err(`friend policy section: unknown policy byte ${code} for friend ${toHex(publicKey)} (1 OpenToConnect, 2 RefusingToConnect)`);
    out.push({ publicKey, policy });
  }
  return ok(out);
}

/** The section body for the friends' non-default policies, or null when every friend has the default. Throws on a policy that is not one. */
export function encodeFriendPolicies(friends: readonly SavedFriend[]): Bytes | null {
  const entries = friends.filter((f) => f.policy !== undefined && f.policy !== 'TryingToConnect');
  if (entries.length === 0) return null;
  const w = new Writer(1 + entries.length * FRIEND_POLICY_ENTRY_SIZE_BYTES).u8(FRIEND_POLICIES_FORMAT_VERSION);
  for (const f of entries) {
    const code = FRIEND_POLICY_CODE[f.policy as FriendPolicyEntry['policy']];
    if (code === undefined) throw new Error(`savedata: friend ${toHex(f.publicKey)} has policy ${JSON.stringify(f.policy)}, not one of TryingToConnect, OpenToConnect, RefusingToConnect`);
    w.bytes(f.publicKey).u8(code);
  }
  return w.finish();
}

/**
 * The friends with the policies of the sections read (`entries`, every section's in order):
 * an error for a friend listed twice; a key that is no friend is reported to `warn` and dropped.
 */
export function applyFriendPolicies(friends: readonly SavedFriend[], entries: readonly FriendPolicyEntry[], warn: (w: string) => void): Result<SavedFriend[]> {
  const byKey = new Map<string, FriendPolicyEntry['policy']>();
  for (const e of entries) {
    const hex = toHex(e.publicKey);
    if (byKey.has(hex)) return err(`friend policy section lists friend ${hex} twice`);
    byKey.set(hex, e.policy);
  }
  const known = new Set<string>();
  const out = friends.map((f) => {
    const hex = toHex(f.publicKey);
    const policy = byKey.get(hex);
    if (policy === undefined) return f;
    known.add(hex);
    return { ...f, policy };
  });
  for (const hex of byKey.keys()) if (!known.has(hex)) warn(`friend policy for ${hex} dropped: no such friend in the FRIENDS section`);
  return ok(out);
}
