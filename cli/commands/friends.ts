/**
 * `toxstate friends --profile FILE [--json]`: lists the friends a profile holds — long-term key,
 * status (c-toxcore Messenger.h FRIEND_ADDED / FRIEND_REQUESTED / FRIEND_CONFIRMED, as saved by
 * Messenger.c friends_list_save), name, status message and toxstate's connection policy. Only
 * reads the profile.
 */
import { toHex } from '../../protocol/bytes.js';
import { parse } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';
import { openProfile, required } from './profile-common.js';

const USAGE = `Usage: toxstate friends --profile FILE [--json]

Lists the friends in the profile FILE (c-toxcore savedata, plain or encrypted), one per line:
their long-term public key, status (added: a request not sent yet; requested: a request sent,
not yet accepted; confirmed: a friend), name, status message and connection policy
(TryingToConnect, OpenToConnect or RefusingToConnect; see 'toxstate node --help').

Options:
  --profile FILE   the profile to read (required); only read, never written
  --json           one JSON object per friend and line: pk, status, name, status_message, policy,
                   last_seen (Unix seconds, 0 if never)
  -h, --help       show this help

Names and status messages come from the friends themselves: the readable output shows their
control characters as \\u escapes. An encrypted profile is opened with $TOXSTATE_PASSPHRASE or a
hidden prompt on a terminal.

Exit status: 0 on success (also with no friends); 2 on bad input (as 'toxstate id').`;

const STATUS: Readonly<Record<number, string>> = { 1: 'added', 2: 'requested', 3: 'confirmed' };

export const command: Command = {
  summary: 'list the friends in a profile (key, name, status message, policy)',
  usage: USAGE,
  async run(argv) {
    const { values } = parse(argv, { profile: { type: 'string' }, json: { type: 'boolean' } }, 'friends');
    const path = required(values.profile, 'friends', '--profile FILE');
    const { profile } = await openProfile(path);
    const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
    const rows = profile.friends.map((f) => ({
      pk: toHex(f.publicKey),
      status: STATUS[f.status] ?? `status ${f.status}`,
      name: decode(f.name),
      status_message: decode(f.statusMessage),
      policy: f.policy ?? 'TryingToConnect',
      last_seen: Number(f.lastSeen),
    }));
    if (values.json === true) {
      for (const r of rows) console.log(JSON.stringify(r));
      return 0;
    }
    if (rows.length === 0) {
      console.log(`no friends in ${path}`);
      return 0;
    }
    for (const r of rows) {
      const said = r.status_message === '' ? '' : `  “${printable(r.status_message)}”`;
      console.log(`${r.pk}  ${r.status.padEnd(9)}  ${r.policy.padEnd(17)}  ${r.name === '' ? '(no name)' : printable(r.name)}${said}`);
    }
    return 0;
  },
};
