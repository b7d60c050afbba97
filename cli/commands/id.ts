/**
 * `toxstate id --profile FILE [--create [--encrypt]]`: prints the profile's Tox ID (76 uppercase
 * hex characters). With --create, a missing FILE becomes a new profile first (fresh long-term key
 * pair, random nospam, saved atomically); an existing FILE is only read.
 */
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { profileToxId } from '../../protocol/profile/savedata.js';
import { newProfile } from '../../runtime/profile-bridge.js';
import { secureRandom } from '../../runtime/random.js';
import { parse } from '../args.js';
import { CliError } from '../errors.js';
import type { Command } from '../command.js';
import { exists, newPassphrase, openProfile, PASSPHRASE_ENV, required, writeProfile } from './profile-common.js';

const USAGE = `Usage: toxstate id --profile FILE [--create [--encrypt]]

Prints the Tox ID of the profile FILE (c-toxcore savedata, as qTox and toxic write it; plain or
encrypted): 76 uppercase hex characters, the string friends add you with.

Options:
  --profile FILE   the profile to read (required)
  --create         if FILE does not exist, create a new profile there first: a fresh long-term
                   key pair and a random nospam, saved atomically. If FILE exists it is only read.
  --encrypt        with --create: encrypt the new profile (toxencryptsave, as qTox does)
  -h, --help       show this help

Passphrases never come from arguments. An encrypted profile is opened with $TOXSTATE_PASSPHRASE
or a hidden prompt on a terminal. --encrypt takes the new passphrase from
$TOXSTATE_NEW_PASSPHRASE, else $TOXSTATE_PASSPHRASE, else a prompt (asked twice).

FILE may be a symbolic link: profiles are read and saved through it (the link stays a link).
A link to nothing is refused rather than given a new identity. Only a regular file of at most
64 MiB is read (a FIFO or a device is refused at once).

Exit status: 0 on success; 2 on bad input (missing or unreadable file, not a regular file, over
64 MiB, a dangling symbolic link, corrupt, truncated or wrongly encrypted profile, missing
passphrase). A profile that fails to load is never modified.`;

export const command: Command = {
  summary: "print a profile's Tox ID (--create makes a new profile)",
  usage: USAGE,
  async run(argv) {
    const { values } = parse(argv, { profile: { type: 'string' }, create: { type: 'boolean' }, encrypt: { type: 'boolean' } }, 'id');
    const path = required(values.profile, 'id', '--profile FILE');
    if (values.encrypt && !values.create) throw new CliError('id: --encrypt only applies with --create');
    const crypto = await loadCrypto();
    if (values.create && !(await exists(path))) {
      const profile = newProfile(crypto, secureRandom());
      const pass = values.encrypt ? await newPassphrase(path, process.env[PASSPHRASE_ENV]) : undefined;
      await writeProfile(path, profile, pass);
      console.error(`toxstate: created a new ${pass === undefined ? '' : 'encrypted '}profile ${path}`);
      console.log(profileToxId(profile));
      return 0;
    }
    if (!values.create && !(await exists(path))) {
      throw new CliError(`cannot load profile ${path}: the file does not exist (use --create to make a new profile)`);
    }
    const opened = await openProfile(path, crypto);
    console.log(profileToxId(opened.profile));
    return 0;
  },
};
