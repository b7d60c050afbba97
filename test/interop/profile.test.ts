/**
 * A profile written by toxstate is loaded by c-toxcore with the same Tox ID, name, status and
 * friends, and what c-toxcore saves back parses to the same identity: once with Debian's libtoxcore
 * 0.2.18 and once with 0.2.23 (harness/interop/c-versions.ts; the test names say which). Also:
 * libtoxcore flags the files our parser refuses (a key mismatch, a truncated file), and its re-save
 * of c-toxcore's save.tox differs only by the CONFERENCES section, which we parse alike (both
 * versions write the same sections: neither adds a groups section for a profile without groups);
 * and its toxencryptsave (tox_pass_decrypt / tox_pass_encrypt) opens what we encrypt and the reverse.
 * c-toxcore runs offline (UDP disabled, in an empty network namespace when available): nothing
 * can leave the machine.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import type { SavedFriend } from '../../protocol/profile/friend-record.js';
import { emptyProfile, parseSavedata, profileToxId, serializeSavedata, type Profile, type SavedataResult } from '../../protocol/profile/savedata.js';
import { decryptSave, encryptSave } from '../../protocol/profile/index.js';
import { upstreamSample } from '../fixtures/profiles/upstream.js';
import { ctoxcoreHarness, parseView } from '../fixtures/profiles/ctoxcore-harness.js';
import { cTag, cVersions } from '../../harness/interop/c-versions.js';

const versions = await cVersions(); // rejects (fails this file) when TOXSTATE_REQUIRE_0223=1 and 0.2.23 is missing
const harnesses = versions.map((v) => {
  if (!v.available) return null;
  const h = ctoxcoreHarness(v.extra.toxcorePrefix);
  if (!h) {
    const why = `SKIPPED: c-toxcore interop: the libtoxcore ${v.version} profile harness could not be built`;
    console.log(why);
    if (process.env['TOXSTATE_REQUIRE_INTEROP'] === '1') throw new Error(why);
  }
  return h;
});

const crypto = await loadCrypto();
const enc = new TextEncoder();
const tmp = mkdtempSync(join(tmpdir(), 'toxstate-profile-interop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const generated = new Uint8Array(readFileSync(join(import.meta.dirname, '../fixtures/profiles/ctoxcore-0.2.18-generated.tox')));
const saveTox = upstreamSample('save.tox');
const code = (r: SavedataResult): string => (r.ok ? 'ok' : r.code);
function mustParse(bytes: Uint8Array): Profile {
  const r = parseSavedata(crypto, bytes);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

for (const [i, v] of versions.entries()) describe(`profiles: toxstate → c-toxcore ${cTag(v)}`, () => {
  const harness = harnesses[i] ?? null;
  it.skipIf(!harness)('c-toxcore loads a profile toxstate wrote: same Tox ID, name, status and friends; its re-save parses back the same', () => {
    expect(harness!.run(['version']).trim()).toBe(v.version);
    const sk = new Uint8Array(32).map((_, i) => i + 1);
    const confirmed: SavedFriend = {
      status: 3,
      publicKey: crypto.publicKeyFromSecret(new Uint8Array(32).fill(0x31)),
      requestMessage: new Uint8Array(0),
      name: enc.encode('alice'),
      statusMessage: enc.encode('busy'),
      userStatus: 2,
      requestNospam: new Uint8Array(4),
      lastSeen: 1_700_000_000n,
    };
    const added: SavedFriend = {
      status: 1,
      publicKey: crypto.publicKeyFromSecret(new Uint8Array(32).fill(0x32)),
      requestMessage: enc.encode('add me'),
      name: new Uint8Array(0),
      statusMessage: new Uint8Array(0),
      userStatus: 0,
      requestNospam: Uint8Array.of(1, 2, 3, 4),
      lastSeen: 0n,
    };
    const p: Profile = {
      ...emptyProfile({ nospam: Uint8Array.of(0xca, 0xfe, 0xba, 0xbe), secretKey: sk, publicKey: crypto.publicKeyFromSecret(sk) }),
      friends: [confirmed, added],
      name: enc.encode('toxstate'),
      statusMessage: enc.encode('written in TypeScript'),
      userStatus: 1,
      unknownSections: [{ type: 1234, body: Uint8Array.of(1, 2, 3), afterType: 6 }],
    };
    const file = join(tmp, 'ours.tox');
    const resaved = join(tmp, 'ours.resaved.tox');
    writeFileSync(file, serializeSavedata(p));
    const view = parseView(harness!.run(['inspect', file, `${resaved}-${v.version}`]));
    expect(view.error).toBeUndefined();
    expect(view.id).toBe(profileToxId(p));
    expect(view.name).toBe(toHex(p.name));
    expect(view.statusMessage).toBe(toHex(p.statusMessage));
    expect(view.status).toBe(1);
    expect(view.friends.map((f) => f.pk)).toEqual([toHex(confirmed.publicKey), toHex(added.publicKey)]);
    expect(view.friends[0]).toMatchObject({ name: toHex(enc.encode('alice')), statusMessage: toHex(enc.encode('busy')), userStatus: 2, lastOnline: 1_700_000_000n });
    // What c-toxcore writes back parses here to the same identity and friends (it drops the unknown section).
    const back = parseSavedata(crypto, new Uint8Array(readFileSync(`${resaved}-${v.version}`)));
    if (!back.ok) throw new Error(back.error);
    expect(profileToxId(back.value)).toBe(profileToxId(p));
    expect(back.value.friends).toEqual([confirmed, added]);
    expect(back.value.name).toEqual(p.name);
    expect(back.value.unknownSections).toEqual([]);
  });

  it.skipIf(!harness)('c-toxcore flags what we refuse: a key mismatch and a truncated file', () => {
    const mismatch = new Uint8Array(generated);
    mismatch[16 + 4]! ^= 1;
    writeFileSync(join(tmp, `mismatch-${v.version}.tox`), mismatch);
    expect(code(parseSavedata(crypto, mismatch))).not.toBe('ok');
    expect(parseView(harness!.run(['inspect', join(tmp, `mismatch-${v.version}.tox`)])).error).toBe(9); // TOX_ERR_NEW_LOAD_BAD_FORMAT
    const truncated = generated.subarray(0, 300);
    writeFileSync(join(tmp, `truncated-${v.version}.tox`), truncated);
    expect(code(parseSavedata(crypto, truncated))).toBe('truncated');
    expect(parseView(harness!.run(['inspect', join(tmp, `truncated-${v.version}.tox`)])).error).toBe(9);
  });

  it.skipIf(!harness || !saveTox)('c-toxcore re-saving save.tox only adds the CONFERENCES section; we parse both alike', () => {
    writeFileSync(join(tmp, `save-${v.version}.tox`), saveTox!);
    const view = parseView(harness!.run(['inspect', join(tmp, `save-${v.version}.tox`), join(tmp, `save-${v.version}.resaved`)]));
    expect(view.id).toBe('B70E97D41F69B7F4C42A5BC7BD7A76B95B8030BE1B7C0E9E6FC19FC4ABEB195B4C762C7D800B');
    const resaved = new Uint8Array(readFileSync(join(tmp, `save-${v.version}.resaved`)));
    const a = mustParse(saveTox!);
    const b = mustParse(resaved);
    expect(b.conferences?.length).toBe(0);
    expect({ ...b, conferences: null, trailer: a.trailer }).toEqual(a);
    expect(toHex(serializeSavedata(b))).toBe(toHex(resaved));
  });

  it.skipIf(!harness)('c-toxcore decrypts what we encrypt, and we decrypt what it encrypts now', () => {
    const f = (name: string): string => join(tmp, `${name}-${v.version}`);
    const ours = encryptSave(crypto, 'shared secret', new Uint8Array(32).fill(7), new Uint8Array(24).fill(8), generated);
    writeFileSync(f('ours.enc'), ours);
    expect(harness!.run(['pass_decrypt', 'shared secret', f('ours.enc'), f('ours.dec')]).trim()).toBe('ok');
    expect(toHex(new Uint8Array(readFileSync(f('ours.dec'))))).toBe(toHex(generated));
    expect(harness!.run(['pass_decrypt', 'not it', f('ours.enc'), f('x')]).trim()).toMatch(/^error /);
    writeFileSync(f('plain'), generated);
    expect(harness!.run(['pass_encrypt', 'shared secret', f('plain'), f('theirs.enc')]).trim()).toBe('ok');
    const theirs = decryptSave(crypto, 'shared secret', new Uint8Array(readFileSync(f('theirs.enc'))));
    expect(theirs.ok && toHex(theirs.value)).toBe(toHex(generated));
  });
});
