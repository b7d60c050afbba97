/**
 * `toxstate id`: printing a Tox ID, --create (plain and --encrypt), passphrases from the
 * environment only, and refusing broken profiles with one line while leaving them untouched.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { decryptSave, isEncryptedSave, parseSavedata, profileToxId } from '../../protocol/profile/index.js';
import {
  brokenProfiles,
  ENCRYPTED_FIXTURE,
  expectOneLineError,
  FIXTURE_PASSPHRASE,
  FIXTURE_TOX_ID,
  FIXTURES,
  PLAIN_FIXTURE,
  snapshot,
  tempDir,
  toxstate,
} from './run.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe('toxstate id', () => {
  it('documents every option in --help', () => {
    const r = toxstate(['id', '--help']);
    expect(r.status).toBe(0);
    for (const opt of ['--profile FILE', '--create', '--encrypt', '--help', 'TOXSTATE_PASSPHRASE', 'TOXSTATE_NEW_PASSPHRASE']) expect(r.stdout).toContain(opt);
  });

  it('prints the Tox ID of c-toxcore profiles, plain and encrypted', () => {
    expect(toxstate(['id', '--profile', PLAIN_FIXTURE])).toMatchObject({ status: 0, stdout: `${FIXTURE_TOX_ID}\n`, stderr: '' });
    const enc = toxstate(['id', '--profile', ENCRYPTED_FIXTURE], { env: { TOXSTATE_PASSPHRASE: FIXTURE_PASSPHRASE } });
    expect(enc).toMatchObject({ status: 0, stdout: `${FIXTURE_TOX_ID}\n` });
    // The golden capture's Alice (capture README).
    expect(toxstate(['id', '--profile', join(FIXTURES, 'captures/ctoxcore-0.2.18-alice.tox')]).stdout).toBe(
      '8F98556472835BEFFAEEB35654DDB894A1D954EDED7D3441FE87435DE2062E4669BDA06AC224\n',
    );
  });

  it('refuses a missing file without --create, suggesting it, and creates nothing', () => {
    const path = join(dir, 'new.tox');
    expectOneLineError(toxstate(['id', '--profile', path]), /new\.tox: the file does not exist \(use --create/);
    expect(existsSync(path)).toBe(false);
  });

  it('--create makes a new profile once, then only reads it', async () => {
    const path = join(dir, 'new.tox');
    const r = toxstate(['id', '--profile', path, '--create']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^[0-9A-F]{76}\n$/);
    const crypto = await loadCrypto();
    const parsed = parseSavedata(crypto, new Uint8Array(readFileSync(path)));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(`${profileToxId(parsed.value)}\n`).toBe(r.stdout);
    expect(parsed.value.friends).toEqual([]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const before = snapshot(path);
    expect(toxstate(['id', '--profile', path, '--create']).stdout).toBe(r.stdout);
    expect(toxstate(['id', '--profile', path]).stdout).toBe(r.stdout);
    expect(snapshot(path)).toEqual(before);
    // Two fresh profiles differ.
    expect(toxstate(['id', '--profile', join(dir, 'other.tox'), '--create']).stdout).not.toBe(r.stdout);
  });

  it('--create --encrypt writes an encrypted profile that needs its passphrase', async () => {
    const path = join(dir, 'enc.tox');
    const r = toxstate(['id', '--profile', path, '--create', '--encrypt'], { env: { TOXSTATE_NEW_PASSPHRASE: 'correct horse' } });
    expect(r.status).toBe(0);
    const bytes = new Uint8Array(readFileSync(path));
    expect(isEncryptedSave(bytes)).toBe(true);
    expect(decryptSave(await loadCrypto(), 'correct horse', bytes).ok).toBe(true);
    expect(toxstate(['id', '--profile', path], { env: { TOXSTATE_PASSPHRASE: 'correct horse' } }).stdout).toBe(r.stdout);
    expectOneLineError(toxstate(['id', '--profile', path]), /enc\.tox needed: set TOXSTATE_PASSPHRASE or run on a terminal/);
    expectOneLineError(toxstate(['id', '--profile', path], { env: { TOXSTATE_PASSPHRASE: 'wrong' } }), /enc\.tox: wrong passphrase/);
    // Without any passphrase (stdin is not a terminal here) nothing is created.
    const none = join(dir, 'none.tox');
    expectOneLineError(toxstate(['id', '--profile', none, '--create', '--encrypt']), /new passphrase for .*none\.tox is needed: set TOXSTATE_NEW_PASSPHRASE/);
    expect(existsSync(none)).toBe(false);
  });

  it('refuses bad arguments with one line', () => {
    expectOneLineError(toxstate(['id']), /id: --profile FILE is required/);
    expectOneLineError(toxstate(['id', '--profile', PLAIN_FIXTURE, '--bogus']), /id: unknown option --bogus/);
    expectOneLineError(toxstate(['id', '--profile', PLAIN_FIXTURE, '--encrypt']), /--encrypt only applies with --create/);
    expectOneLineError(toxstate(['idd']), /unknown command 'idd'/);
  });

  it('refuses broken profiles with one line naming the file and the problem, leaving them untouched (also with --create)', () => {
    for (const b of brokenProfiles(dir)) {
      const before = snapshot(b.path);
      for (const args of [['id', '--profile', b.path], ['id', '--profile', b.path, '--create']]) {
        const r = toxstate(args, { env: { TOXSTATE_PASSPHRASE: FIXTURE_PASSPHRASE } });
        expectOneLineError(r, new RegExp(`${b.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*${b.problem.source}`));
      }
      expect(snapshot(b.path), b.name).toEqual(before);
    }
  });
});
