/**
 * `toxstate remove --profile FILE PK` (or `--pk PK`, as `add` takes it): removes a friend from a
 * profile (like c-toxcore `tox_friend_delete`).
 */
import { equalBytes, toHex } from '../../protocol/bytes.js';
import { parse } from '../args.js';
import { CliError } from '../errors.js';
import type { Command } from '../command.js';
import { openProfile, parsePublicKeyArg, required, rewriteProfile } from './profile-common.js';

const USAGE = `Usage: toxstate remove --profile FILE PK
       toxstate remove --profile FILE --pk PK

Removes the friend with long-term public key PK (64 hex characters, or their 76-character Tox
ID) from the profile FILE and saves it atomically (encrypted profiles stay encrypted with the
same passphrase). Whatever their status, confirmed or with a pending request.

Options:
  --profile FILE   the profile to change (required)
  --pk PK          the friend's key, as 'toxstate add --pk' takes it (or give PK alone)
  -h, --help       show this help

Refused: a malformed key, or a key that is not in the friend list. An encrypted profile is
opened with $TOXSTATE_PASSPHRASE or a prompt.`;

export const command: Command = {
  summary: 'remove a friend by public key',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parse(argv, { profile: { type: 'string' }, pk: { type: 'string' } }, 'remove', true);
    const path = required(values.profile, 'remove', '--profile FILE');
    const keys = [...(values.pk !== undefined ? [values.pk] : []), ...positionals];
    if (keys.length !== 1) throw new CliError(`remove: expected one public key, got ${keys.length} (see 'toxstate remove --help')`);
    const pk = parsePublicKeyArg(keys[0]!, values.pk !== undefined ? 'remove: --pk' : 'remove: PK');
    const opened = await openProfile(path);
    const friends = opened.profile.friends.filter((f) => !equalBytes(f.publicKey, pk));
    const pkHex = toHex(pk).toUpperCase();
    if (friends.length === opened.profile.friends.length) throw new CliError(`remove: ${pkHex} is not a friend in ${path}`);
    await rewriteProfile(opened, { ...opened.profile, friends });
    console.log(`removed friend ${pkHex}`);
    return 0;
  },
};
