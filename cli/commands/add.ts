/**
 * `toxstate add --profile FILE (--pk PK | --toxid ID [--message TEXT])`: adds a friend to a profile.
 * --pk adds a confirmed friend by long-term key, like c-toxcore `tox_friend_add_norequest`; --toxid
 * adds one with a pending friend request (status "added", the nospam taken from the ID, the
 * message saved for sending), like `tox_friend_add` (docs/protocol.md §7, §8.3).
 */
import { equalBytes, toHex, type Bytes } from '../../protocol/bytes.js';
import { MAX_FRIEND_REQUEST_MESSAGE_BYTES, MAX_ONION_FRIEND_REQUEST_MESSAGE_BYTES } from '../../protocol/messenger/constants.js';
import { FRIEND_STATUS_ADDED, FRIEND_STATUS_CONFIRMED, type SavedFriend } from '../../protocol/profile/friend-record.js';
import { NOSPAM_SIZE_BYTES, parseToxId } from '../../protocol/tox-id.js';
import { parse } from '../args.js';
import { CliError } from '../errors.js';
import type { Command } from '../command.js';
import { openProfile, parsePublicKeyArg, required, rewriteProfile } from './profile-common.js';

/** The request message when --message is not given. */
export const DEFAULT_FRIEND_REQUEST_MESSAGE = "Hello! I'd like to add you as a friend on Tox.";

const USAGE = `Usage: toxstate add --profile FILE --pk PK
       toxstate add --profile FILE --toxid ID [--message TEXT]

Adds a friend to the profile FILE and saves it atomically (encrypted profiles stay encrypted with
the same passphrase).

Options:
  --profile FILE   the profile to change (required)
  --pk PK          add the friend with this long-term public key (64 hex characters) as a
                   confirmed friend, without a friend request (like tox_friend_add_norequest):
                   use it when they add you too
  --toxid ID       add the friend with this Tox ID (76 hex characters, checksum checked) with a
                   pending friend request (like tox_friend_add); the request is sent when the
                   profile next runs
  --message TEXT   the friend request's message, 1..${MAX_FRIEND_REQUEST_MESSAGE_BYTES} bytes of UTF-8 (only with --toxid;
                   default: "${DEFAULT_FRIEND_REQUEST_MESSAGE}").
                   c-toxcore 0.2.18 peers receive at most ${MAX_ONION_FRIEND_REQUEST_MESSAGE_BYTES} bytes over the onion.
  -h, --help       show this help

Refused: a bad key or Tox ID (length, hex, checksum), your own key, a key already in the
friend list (for a pending request with a different nospam, the nospam is updated, as c-toxcore
does). An encrypted profile is opened with $TOXSTATE_PASSPHRASE or a prompt.`;

export const command: Command = {
  summary: 'add a friend (--pk: confirmed; --toxid: with a friend request)',
  usage: USAGE,
  async run(argv) {
    const { values } = parse(argv, { profile: { type: 'string' }, pk: { type: 'string' }, toxid: { type: 'string' }, message: { type: 'string' } }, 'add');
    const path = required(values.profile, 'add', '--profile FILE');
    if ((values.pk === undefined) === (values.toxid === undefined)) throw new CliError("add: give exactly one of --pk PK or --toxid ID (see 'toxstate add --help')");
    if (values.message !== undefined && values.toxid === undefined) throw new CliError('add: --message only goes with --toxid (a --pk friend gets no request)');

    let pk: Bytes;
    let nospam: Bytes = new Uint8Array(NOSPAM_SIZE_BYTES);
    let message: Bytes = new Uint8Array(0);
    if (values.pk !== undefined) {
      pk = parsePublicKeyArg(values.pk, 'add: --pk');
    } else {
      const id = parseToxId(values.toxid!);
      if (!id.ok) throw new CliError(`add: --toxid: ${id.error}`);
      pk = id.value.publicKey;
      nospam = id.value.nospam;
      message = new TextEncoder().encode(values.message ?? DEFAULT_FRIEND_REQUEST_MESSAGE);
      if (message.length === 0) throw new CliError('add: --message is empty; a friend request needs at least 1 byte');
      if (message.length > MAX_FRIEND_REQUEST_MESSAGE_BYTES) {
        throw new CliError(`add: --message is ${message.length} bytes, at most ${MAX_FRIEND_REQUEST_MESSAGE_BYTES}`);
      }
    }

    const opened = await openProfile(path);
    const profile = opened.profile;
    const pkHex = toHex(pk).toUpperCase();
    if (equalBytes(pk, profile.keys.publicKey)) throw new CliError(`add: ${pkHex} is this profile's own key`);
    const at = profile.friends.findIndex((f) => equalBytes(f.publicKey, pk));
    if (at >= 0) {
      const existing = profile.friends[at]!;
      const pendingWithOtherNospam =
        values.toxid !== undefined && existing.status < FRIEND_STATUS_CONFIRMED && !equalBytes(existing.requestNospam, nospam);
      if (!pendingWithOtherNospam) {
        throw new CliError(`add: ${pkHex} is already in ${path} (${existing.status >= FRIEND_STATUS_CONFIRMED ? 'a confirmed friend' : 'a friend request is pending'})`);
      }
      const friends = profile.friends.map((f, i) => (i === at ? { ...f, requestNospam: nospam } : f));
      await rewriteProfile(opened, { ...profile, friends });
      console.log(`updated the pending friend request to ${pkHex}: nospam ${toHex(nospam).toUpperCase()}`);
      return 0;
    }

    const friend: SavedFriend = {
      status: values.toxid !== undefined ? FRIEND_STATUS_ADDED : FRIEND_STATUS_CONFIRMED,
      publicKey: pk,
      requestMessage: message,
      name: new Uint8Array(0),
      statusMessage: new Uint8Array(0),
      userStatus: 0,
      requestNospam: nospam,
      lastSeen: 0n,
    };
    if (message.length > MAX_ONION_FRIEND_REQUEST_MESSAGE_BYTES) {
      console.error(`toxstate: warning: the message is ${message.length} bytes; c-toxcore 0.2.18 peers drop friend requests over ${MAX_ONION_FRIEND_REQUEST_MESSAGE_BYTES} bytes sent over the onion`);
    }
    await rewriteProfile(opened, { ...profile, friends: [...profile.friends, friend] });
    console.log(
      values.toxid !== undefined
        ? `added friend ${pkHex} with a pending friend request (nospam ${toHex(nospam).toUpperCase()})`
        : `added friend ${pkHex} (confirmed, no friend request)`,
    );
    return 0;
  },
};
