/**
 * `toxstate add / remove / nospam / export / import`: each changes exactly what it says, keeps an
 * encrypted profile encrypted, works on c-toxcore-made profiles as they are, refuses every bad
 * input with one line, and never damages a profile when it fails.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { decryptSave, isEncryptedSave, parseSavedata, type Profile } from '../../protocol/profile/index.js';
import { formatToxId } from '../../protocol/tox-id.js';
import {
  brokenProfiles,
  ENCRYPTED_FIXTURE,
  expectOneLineError,
  FIXTURE_PASSPHRASE,
  FIXTURE_TOX_ID,
  PLAIN_FIXTURE,
  snapshot,
  tempDir,
  toxstate,
} from './run.js';

let crypto: Crypto;
let dir: string;
let cleanup: () => void;
beforeAll(async () => {
  crypto = await loadCrypto();
});
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function read(path: string, passphrase?: string): Profile {
  let bytes: Uint8Array = new Uint8Array(readFileSync(path));
  if (passphrase !== undefined) {
    const d = decryptSave(crypto, passphrase, bytes);
    if (!d.ok) throw new Error(d.error);
    bytes = d.value;
  }
  const p = parseSavedata(crypto, bytes);
  if (!p.ok) throw new Error(p.error);
  return p.value;
}

const keyOf = (seed: number) => toHex(crypto.publicKeyFromSecret(new Uint8Array(32).fill(seed))).toUpperCase();
const idOf = (seed: number, nospam = 'DEADBEEF') => formatToxId(crypto.publicKeyFromSecret(new Uint8Array(32).fill(seed)), Buffer.from(nospam, 'hex'));
const fresh = (name = 'p.tox'): string => {
  const path = join(dir, name);
  expect(toxstate(['id', '--profile', path, '--create']).status).toBe(0);
  return path;
};

describe('--help', () => {
  it.each([
    ['add', ['--profile FILE', '--pk PK', '--toxid ID', '--message TEXT', '--help']],
    ['remove', ['--profile FILE', 'PK', '--help']],
    ['nospam', ['--profile FILE', '--set HEX8', '--random', '--help']],
    ['export', ['--profile FILE', '--out OUT', '--encrypt', '--plain', '--force', '--help', 'TOXSTATE_PASSPHRASE', 'TOXSTATE_NEW_PASSPHRASE']],
    ['import', ['--in IN', '--profile FILE', '--encrypt', '--plain', '--force', '--help', 'TOXSTATE_PASSPHRASE', 'TOXSTATE_NEW_PASSPHRASE']],
    ['dissect', ['--pcap FILE', '--profile FILE', '--help', 'TOXSTATE_PASSPHRASE']],
  ])('%s documents every option', (cmd, options) => {
    const r = toxstate([cmd, '--help']);
    expect(r.status).toBe(0);
    for (const o of options) expect(r.stdout).toContain(o);
  });

  it('the command list names every command', () => {
    const r = toxstate(['--help']);
    for (const c of ['id', 'add', 'remove', 'nospam', 'export', 'import', 'dissect']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });
});

describe('toxstate add', () => {
  it('--pk adds a confirmed friend (like tox_friend_add_norequest)', () => {
    const path = fresh();
    const r = toxstate(['add', '--profile', path, '--pk', keyOf(7)]);
    expect(r).toMatchObject({ status: 0, stdout: `added friend ${keyOf(7)} (confirmed, no friend request)\n` });
    const [f] = read(path).friends;
    expect(f).toMatchObject({ status: 3, requestMessage: new Uint8Array(0), lastSeen: 0n });
    expect(toHex(f!.publicKey).toUpperCase()).toBe(keyOf(7));
  });

  it('--toxid adds a friend with a pending request: nospam from the ID, default or given message', () => {
    const path = fresh();
    expect(toxstate(['add', '--profile', path, '--toxid', idOf(8)]).stdout).toBe(`added friend ${keyOf(8)} with a pending friend request (nospam DEADBEEF)\n`);
    expect(toxstate(['add', '--profile', path, '--toxid', idOf(9, '01020304').toLowerCase(), '--message', 'hej då 👋']).status).toBe(0);
    const [a, b] = read(path).friends;
    expect(a).toMatchObject({ status: 1, requestNospam: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) });
    expect(new TextDecoder().decode(a!.requestMessage)).toBe("Hello! I'd like to add you as a friend on Tox.");
    expect(new TextDecoder().decode(b!.requestMessage)).toBe('hej då 👋');
    expect(b!.requestNospam).toEqual(Uint8Array.from([1, 2, 3, 4]));
    // The same friend again with a new nospam updates the pending request, as c-toxcore does.
    expect(toxstate(['add', '--profile', path, '--toxid', idOf(8, 'CAFEBABE')]).stdout).toMatch(/updated the pending friend request .* nospam CAFEBABE/);
    expect(read(path).friends[0]!.requestNospam).toEqual(Uint8Array.from([0xca, 0xfe, 0xba, 0xbe]));
  });

  it('refuses bad keys, bad Tox IDs, own key, duplicates and bad messages, changing nothing', () => {
    const path = fresh();
    expect(toxstate(['add', '--profile', path, '--pk', keyOf(7)]).status).toBe(0);
    const before = snapshot(path);
    const own = toxstate(['id', '--profile', path]).stdout.trim();
    const badChecksum = `${idOf(8).slice(0, 72)}${((parseInt(idOf(8).slice(72), 16) + 1) & 0xffff).toString(16).padStart(4, '0').toUpperCase()}`;
    const cases: [string[], RegExp][] = [
      [['--pk', keyOf(7)], /already in .* \(a confirmed friend\)/],
      [['--toxid', idOf(7)], /already in .* \(a confirmed friend\)/],
      [['--pk', own.slice(0, 64)], /this profile's own key/],
      [['--toxid', own], /this profile's own key/],
      [['--pk', keyOf(7).slice(1)], /--pk: expected a public key of 64 hex characters .* got 63/],
      [['--pk', `${keyOf(7).slice(0, 63)}G`], /--pk: bad hex character "G" at position 63/],
      [['--pk', `${keyOf(7).slice(0, 62)}FF`], /not a valid public key/],
      [['--toxid', idOf(8).slice(0, 70)], /Tox ID has bad length: 70 characters/],
      [['--toxid', `${idOf(8).slice(0, 10)}x${idOf(8).slice(11)}`], /Tox ID has bad hex: character "x" at position 10/],
      [['--toxid', badChecksum], /Tox ID has bad checksum/],
      [['--toxid', idOf(8), '--message', ''], /--message is empty/],
      [['--toxid', idOf(8), '--message', 'x'.repeat(1017)], /--message is 1017 bytes, at most 1016/],
      [['--pk', keyOf(8), '--message', 'hi'], /--message only goes with --toxid/],
      [['--pk', keyOf(8), '--toxid', idOf(8)], /exactly one of --pk PK or --toxid ID/],
      [[], /exactly one of --pk PK or --toxid ID/],
    ];
    for (const [args, pattern] of cases) expectOneLineError(toxstate(['add', '--profile', path, ...args]), pattern);
    expect(snapshot(path)).toEqual(before);
  });

  it('warns (and still adds) when the message is longer than a 0.2.18 peer receives over the onion', () => {
    const path = fresh();
    const r = toxstate(['add', '--profile', path, '--toxid', idOf(8), '--message', 'x'.repeat(944)]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: the message is 944 bytes; c-toxcore 0\.2\.18 peers drop friend requests over 943 bytes/);
    expect(read(path).friends[0]!.requestMessage.length).toBe(944);
  });

  it('keeps an encrypted c-toxcore profile encrypted with the same passphrase', () => {
    const path = join(dir, 'enc.tox');
    copyFileSync(ENCRYPTED_FIXTURE, path);
    const env = { TOXSTATE_PASSPHRASE: FIXTURE_PASSPHRASE };
    expect(toxstate(['add', '--profile', path, '--pk', keyOf(7)], { env }).status).toBe(0);
    expect(isEncryptedSave(new Uint8Array(readFileSync(path)))).toBe(true);
    const p = read(path, FIXTURE_PASSPHRASE);
    expect(p.friends.length).toBe(3); // the fixture's two friends, then ours
    expect(toHex(p.friends[2]!.publicKey).toUpperCase()).toBe(keyOf(7));
    expect(new TextDecoder().decode(p.name)).toBe('ctoxcore'); // the rest of the profile is kept
    expectOneLineError(toxstate(['add', '--profile', path, '--pk', keyOf(8)]), /passphrase for profile .*enc\.tox needed/);
  });
});

describe('toxstate remove', () => {
  it('removes a friend by key or Tox ID, and refuses one that is not there', () => {
    const path = fresh();
    toxstate(['add', '--profile', path, '--pk', keyOf(7)]);
    toxstate(['add', '--profile', path, '--toxid', idOf(8)]);
    expect(toxstate(['remove', '--profile', path, keyOf(7).toLowerCase()]).stdout).toBe(`removed friend ${keyOf(7)}\n`);
    expect(read(path).friends.map((f) => toHex(f.publicKey).toUpperCase())).toEqual([keyOf(8)]);
    const before = snapshot(path);
    expectOneLineError(toxstate(['remove', '--profile', path, keyOf(7)]), new RegExp(`${keyOf(7)} is not a friend in .*p\\.tox`));
    expectOneLineError(toxstate(['remove', '--profile', path]), /expected one public key, got 0/);
    expectOneLineError(toxstate(['remove', '--profile', path, 'abc']), /expected a public key of 64 hex characters/);
    expect(snapshot(path)).toEqual(before);
    expect(toxstate(['remove', '--profile', path, idOf(8, '00000000')]).status).toBe(0);
    expect(read(path).friends).toEqual([]);
  });

  it('removes from a c-toxcore profile as it is', () => {
    const path = join(dir, 'c.tox');
    copyFileSync(PLAIN_FIXTURE, path);
    const pending = toHex(read(path).friends[0]!.publicKey);
    expect(toxstate(['remove', '--profile', path, pending]).status).toBe(0);
    expect(read(path).friends.length).toBe(1);
  });
});

describe('toxstate nospam', () => {
  it('prints, sets and randomises the nospam; the Tox ID follows', () => {
    const path = join(dir, 'c.tox');
    copyFileSync(PLAIN_FIXTURE, path);
    expect(toxstate(['nospam', '--profile', path]).stdout).toBe('0A0B0C0D\n');
    const set = toxstate(['nospam', '--profile', path, '--set', 'cafebabe']);
    expect(set.stdout).toBe(`${FIXTURE_TOX_ID.slice(0, 64)}CAFEBABE${set.stdout.slice(72, 76)}\n`);
    expect(toxstate(['id', '--profile', path]).stdout).toBe(set.stdout);
    expect(read(path).keys.nospam).toEqual(Uint8Array.from([0xca, 0xfe, 0xba, 0xbe]));
    const rnd = toxstate(['nospam', '--profile', path, '--random']);
    expect(rnd.status).toBe(0);
    expect(rnd.stdout.slice(0, 64)).toBe(FIXTURE_TOX_ID.slice(0, 64));
    expect(rnd.stdout).not.toBe(set.stdout);
    const before = snapshot(path);
    expectOneLineError(toxstate(['nospam', '--profile', path, '--set', '0A0B0C']), /--set needs exactly 8 hex characters/);
    expectOneLineError(toxstate(['nospam', '--profile', path, '--set', '0A0B0C0G']), /--set needs exactly 8 hex characters/);
    expectOneLineError(toxstate(['nospam', '--profile', path, '--set', '0A0B0C0D', '--random']), /exclude each other/);
    expect(snapshot(path)).toEqual(before);
  });
});

describe('toxstate export / import', () => {
  it('copies a c-toxcore profile byte for byte, and refuses to overwrite without --force', () => {
    const out = join(dir, 'out.tox');
    expect(toxstate(['export', '--profile', PLAIN_FIXTURE, '--out', out])).toMatchObject({ status: 0, stdout: `exported ${PLAIN_FIXTURE} to ${out} (plain)\n` });
    expect(readFileSync(out)).toEqual(readFileSync(PLAIN_FIXTURE));
    writeFileSync(out, 'precious');
    expectOneLineError(toxstate(['export', '--profile', PLAIN_FIXTURE, '--out', out]), /out\.tox already exists; pass --force/);
    expect(readFileSync(out, 'utf8')).toBe('precious');
    expect(toxstate(['export', '--profile', PLAIN_FIXTURE, '--out', out, '--force']).status).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(PLAIN_FIXTURE));
  });

  it('encrypts with the new passphrase, decrypts, and re-encrypts', () => {
    const enc = join(dir, 'enc.tox');
    expect(toxstate(['export', '--profile', PLAIN_FIXTURE, '--out', enc, '--encrypt'], { env: { TOXSTATE_NEW_PASSPHRASE: 'n3w' } }).stdout).toMatch(/\(encrypted\)/);
    const d = decryptSave(crypto, 'n3w', new Uint8Array(readFileSync(enc)));
    expect(d.ok && Buffer.from(d.value).equals(readFileSync(PLAIN_FIXTURE))).toBe(true);
    // Without a new passphrase, --encrypt of a plain profile takes TOXSTATE_PASSPHRASE; with neither it refuses.
    const enc2 = join(dir, 'enc2.tox');
    expect(toxstate(['export', '--profile', PLAIN_FIXTURE, '--out', enc2, '--encrypt'], { env: { TOXSTATE_PASSPHRASE: 'p' } }).status).toBe(0);
    expect(decryptSave(crypto, 'p', new Uint8Array(readFileSync(enc2))).ok).toBe(true);
    expectOneLineError(toxstate(['export', '--profile', PLAIN_FIXTURE, '--out', join(dir, 'x.tox'), '--encrypt']), /new passphrase .* is needed: set TOXSTATE_NEW_PASSPHRASE/);
    expect(existsSync(join(dir, 'x.tox'))).toBe(false);
    // The c-toxcore-encrypted fixture decrypts to the c-toxcore plain fixture, byte for byte.
    const plain = join(dir, 'plain.tox');
    expect(toxstate(['export', '--profile', ENCRYPTED_FIXTURE, '--out', plain, '--plain'], { env: { TOXSTATE_PASSPHRASE: FIXTURE_PASSPHRASE } }).status).toBe(0);
    expect(readFileSync(plain)).toEqual(readFileSync(PLAIN_FIXTURE));
    // Neither flag: an encrypted source stays encrypted, with its own passphrase or the new one.
    const same = join(dir, 'same.tox');
    expect(toxstate(['export', '--profile', ENCRYPTED_FIXTURE, '--out', same], { env: { TOXSTATE_PASSPHRASE: FIXTURE_PASSPHRASE } }).stdout).toMatch(/\(encrypted\)/);
    expect(decryptSave(crypto, FIXTURE_PASSPHRASE, new Uint8Array(readFileSync(same))).ok).toBe(true);
    expect(readFileSync(same)).not.toEqual(readFileSync(ENCRYPTED_FIXTURE)); // fresh salt and nonce
    const rekeyed = join(dir, 'rekeyed.tox');
    toxstate(['export', '--profile', ENCRYPTED_FIXTURE, '--out', rekeyed], { env: { TOXSTATE_PASSPHRASE: FIXTURE_PASSPHRASE, TOXSTATE_NEW_PASSPHRASE: 'other' } });
    expect(decryptSave(crypto, 'other', new Uint8Array(readFileSync(rekeyed))).ok).toBe(true);
    expectOneLineError(toxstate(['export', '--profile', PLAIN_FIXTURE, '--out', join(dir, 'y.tox'), '--plain', '--encrypt']), /exclude each other/);
    expectOneLineError(toxstate(['export', '--profile', PLAIN_FIXTURE]), /--out OUT is required/);
  });

  it('import takes a qTox/toxic-style encrypted profile as a toxstate profile', () => {
    const path = join(dir, 'mine.tox');
    const env = { TOXSTATE_PASSPHRASE: FIXTURE_PASSPHRASE };
    expect(toxstate(['import', '--in', ENCRYPTED_FIXTURE, '--profile', path], { env })).toMatchObject({ status: 0, stdout: `imported ${ENCRYPTED_FIXTURE} as ${path} (encrypted)\n` });
    expect(toxstate(['id', '--profile', path], { env }).stdout).toBe(`${FIXTURE_TOX_ID}\n`);
    expectOneLineError(toxstate(['import', '--in', ENCRYPTED_FIXTURE, '--profile', path], { env }), /mine\.tox already exists/);
    expect(toxstate(['import', '--in', ENCRYPTED_FIXTURE, '--profile', path, '--plain', '--force'], { env }).status).toBe(0);
    expect(readFileSync(path)).toEqual(readFileSync(PLAIN_FIXTURE));
    expectOneLineError(toxstate(['import', '--in', join(dir, 'missing.tox'), '--profile', join(dir, 'z.tox')]), /missing\.tox: the file does not exist/);
    expect(existsSync(join(dir, 'z.tox'))).toBe(false);
  });
});

describe('a failed command never damages the profile', () => {
  // Every command loads through the same path (profile-common.ts openProfile), so each command
  // meets one broken plain and one broken encrypted profile, and every kind of breakage meets
  // one writing command; \`toxstate id\` meets every kind too (id.test.ts).
  it('every command on a broken profile: one-line error naming the file, bytes and mtime unchanged', () => {
    const env = { TOXSTATE_PASSPHRASE: FIXTURE_PASSPHRASE };
    const broken = brokenProfiles(dir);
    const commands = (path: string): string[][] => [
      ['add', '--profile', path, '--pk', keyOf(7)],
      ['add', '--profile', path, '--toxid', idOf(8)],
      ['remove', '--profile', path, keyOf(7)],
      ['nospam', '--profile', path],
      ['nospam', '--profile', path, '--set', '01020304'],
      ['nospam', '--profile', path, '--random'],
      ['export', '--profile', path, '--out', join(dir, 'out.tox')],
      ['import', '--in', path, '--profile', join(dir, 'in.tox')],
      ['dissect', '--profile', path],
    ];
    const runs: [(typeof broken)[number], string[]][] = [];
    for (const b of broken.filter((x) => x.name === 'key mismatch' || x.name === 'corrupt encrypted')) for (const args of commands(b.path)) runs.push([b, args]);
    for (const b of broken) runs.push([b, commands(b.path)[0]!]);
    const before = new Map(broken.map((b) => [b.path, snapshot(b.path)]));
    for (const [b, args] of runs) expectOneLineError(toxstate(args, { env }), new RegExp(`${basename(b.path).replace('.', '\\.')}: .*${b.problem.source}`));
    for (const b of broken) expect(snapshot(b.path), b.name).toEqual(before.get(b.path));
    expect(existsSync(join(dir, 'out.tox')) || existsSync(join(dir, 'in.tox'))).toBe(false);
  });

  it('a wrong passphrase changes nothing either', () => {
    const path = join(dir, 'enc.tox');
    copyFileSync(ENCRYPTED_FIXTURE, path);
    const before = snapshot(path);
    for (const args of [['add', '--profile', path, '--pk', keyOf(7)], ['nospam', '--profile', path, '--random'], ['remove', '--profile', path, keyOf(7)]]) {
      expectOneLineError(toxstate(args, { env: { TOXSTATE_PASSPHRASE: 'wrong' } }), /enc\.tox: wrong passphrase, or the encrypted file is corrupt/);
    }
    expect(snapshot(path)).toEqual(before);
  });
});
