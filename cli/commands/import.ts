/**
 * `toxstate import --in IN --profile FILE [--encrypt | --plain] [--force]`: takes a profile made
 * elsewhere (qTox, toxic, c-toxcore: savedata, plain or encrypted) as the profile FILE.
 */
import { parse } from '../args.js';
import type { Command } from '../command.js';
import { copyMode, copyProfile, required } from './profile-common.js';

const USAGE = `Usage: toxstate import --in IN --profile FILE [--encrypt | --plain] [--force]

Reads the profile IN (c-toxcore savedata as qTox, toxic or c-toxcore write it, plain or
encrypted), checks it, and writes it to FILE (atomically) for toxstate to use. IN is only read.

Options:
  --in IN          the profile to import (required)
  --profile FILE   where to write it (required); never replaced unless --force
  --encrypt        write FILE encrypted (toxencryptsave)
  --plain          write FILE unencrypted
                   without --encrypt or --plain, FILE is encrypted exactly when IN is
  --force          replace FILE if it exists
  -h, --help       show this help

Passphrases never come from arguments. An encrypted IN is opened with $TOXSTATE_PASSPHRASE or a
prompt. An encrypted FILE gets $TOXSTATE_NEW_PASSPHRASE if set, else the passphrase IN was
opened with (for a plain IN: $TOXSTATE_PASSPHRASE), else a prompt asked twice.`;

export const command: Command = {
  summary: 'take a qTox/toxic/c-toxcore profile as a toxstate profile',
  usage: USAGE,
  async run(argv) {
    const { values } = parse(
      argv,
      { in: { type: 'string' }, profile: { type: 'string' }, encrypt: { type: 'boolean' }, plain: { type: 'boolean' }, force: { type: 'boolean' } },
      'import',
    );
    const src = required(values.in, 'import', '--in IN');
    const dst = required(values.profile, 'import', '--profile FILE');
    const state = await copyProfile('import', src, dst, copyMode('import', values.encrypt, values.plain), values.force ?? false);
    console.log(`imported ${src} as ${dst} (${state})`);
    return 0;
  },
};
