/**
 * `toxstate nospam --profile FILE [--set HEX8 | --random]`: prints the profile's nospam, or
 * changes it and prints the new Tox ID. A new nospam makes the old Tox ID useless for new friend
 * requests (docs/protocol.md §1.2, §7.2); existing friends are not affected.
 */
import { toHex } from '../../protocol/bytes.js';
import { fromHex } from '../../protocol/bytes.js';
import { profileToxId } from '../../protocol/profile/savedata.js';
import { NOSPAM_SIZE_BYTES } from '../../protocol/tox-id.js';
import { secureRandom } from '../../runtime/random.js';
import { parse } from '../args.js';
import { CliError } from '../errors.js';
import type { Command } from '../command.js';
import { openProfile, required, rewriteProfile } from './profile-common.js';

const USAGE = `Usage: toxstate nospam --profile FILE [--set HEX8 | --random]

Without --set or --random, prints the nospam of the profile FILE: 8 uppercase hex characters,
bytes 33..36 of its Tox ID (the value tox_self_get_nospam returns). With one of them, changes
the nospam, saves the profile atomically (encrypted profiles stay encrypted with the same
passphrase) and prints the new Tox ID.

Options:
  --profile FILE   the profile (required)
  --set HEX8       set the nospam to these 4 bytes, as 8 hex characters (for example 0A0B0C0D)
  --random         set a fresh random nospam
  -h, --help       show this help

An encrypted profile is opened with $TOXSTATE_PASSPHRASE or a prompt.`;

export const command: Command = {
  summary: 'print or change the nospam (part of the Tox ID)',
  usage: USAGE,
  async run(argv) {
    const { values } = parse(argv, { profile: { type: 'string' }, set: { type: 'string' }, random: { type: 'boolean' } }, 'nospam');
    const path = required(values.profile, 'nospam', '--profile FILE');
    if (values.set !== undefined && values.random) throw new CliError('nospam: --set and --random exclude each other');
    let nospam: Uint8Array | undefined;
    if (values.set !== undefined) {
      const s = values.set.trim();
      if (!/^[0-9a-fA-F]{8}$/.test(s)) throw new CliError(`nospam: --set needs exactly 8 hex characters (4 bytes), got ${JSON.stringify(values.set)}`);
      const parsed = fromHex(s);
      if (!parsed.ok) throw new CliError(`nospam: --set: ${parsed.error}`);
      nospam = parsed.value;
    } else if (values.random) {
      nospam = secureRandom().bytes(NOSPAM_SIZE_BYTES);
    }
    const opened = await openProfile(path);
    if (nospam === undefined) {
      console.log(toHex(opened.profile.keys.nospam).toUpperCase());
      return 0;
    }
    const profile = { ...opened.profile, keys: { ...opened.profile.keys, nospam } };
    await rewriteProfile(opened, profile);
    console.log(profileToxId(profile));
    return 0;
  },
};
