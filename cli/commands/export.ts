/**
 * `toxstate export --profile FILE --out OUT [--encrypt | --plain] [--force]`: copies a profile to
 * another file, encrypting, decrypting or re-encrypting it (toxencryptsave, docs/protocol.md §8.4).
 * The output is c-toxcore savedata that qTox, toxic and c-toxcore load as it is.
 */
import { parse } from '../args.js';
import type { Command } from '../command.js';
import { copyMode, copyProfile, required } from './profile-common.js';

const USAGE = `Usage: toxstate export --profile FILE --out OUT [--encrypt | --plain] [--force]

Writes the profile FILE to OUT (atomically), as c-toxcore savedata that qTox, toxic and
c-toxcore load as they are. FILE is only read.

Options:
  --profile FILE   the profile to export (required); plain or encrypted
  --out OUT        where to write it (required); never replaced unless --force
  --encrypt        write OUT encrypted (toxencryptsave, as qTox does)
  --plain          write OUT unencrypted (it then holds the secret key in the clear)
                   without --encrypt or --plain, OUT is encrypted exactly when FILE is
  --force          replace OUT if it exists
  -h, --help       show this help

Passphrases never come from arguments. An encrypted FILE is opened with $TOXSTATE_PASSPHRASE or
a prompt. An encrypted OUT gets $TOXSTATE_NEW_PASSPHRASE if set, else the passphrase FILE was
opened with (for a plain FILE: $TOXSTATE_PASSPHRASE), else a prompt asked twice. Every write uses
a fresh salt and nonce.`;

export const command: Command = {
  summary: 'copy a profile to a file, encrypted or plain',
  usage: USAGE,
  async run(argv) {
    const { values } = parse(
      argv,
      { profile: { type: 'string' }, out: { type: 'string' }, encrypt: { type: 'boolean' }, plain: { type: 'boolean' }, force: { type: 'boolean' } },
      'export',
    );
    const src = required(values.profile, 'export', '--profile FILE');
    const dst = required(values.out, 'export', '--out OUT');
    const state = await copyProfile('export', src, dst, copyMode('export', values.encrypt, values.plain), values.force ?? false);
    console.log(`exported ${src} to ${dst} (${state})`);
    return 0;
  },
};
