/**
 * A profile written by toxstate is loaded by c-toxcore with the same Tox ID, name, status and
 * friends, and what c-toxcore saves back parses to the same identity: once with Debian's libtoxcore
 * 0.2.18 and once with 0.2.23 (harness/interop/c-versions.ts; the test names say which).
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
import { emptyProfile, parseSavedata, profileToxId, serializeSavedata, type Profile } from '../../protocol/profile/savedata.js';
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
});
