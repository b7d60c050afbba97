/**
 * A profile toxstate wrote with friend policies in it (its own section, type 0x7374,
 * protocol/profile/friend-policies.ts) still loads in c-toxcore 0.2.18 (Debian libtoxcore) and 0.2.23: the
 * reference peer (harness/interop cpeer, `--profile`, loaded with tox_new's savedata) sees the
 * same Tox ID, name and friends (count, keys, order); c-toxcore's own log names the section it
 * skipped; and what c-toxcore saves back carries our status message and user status, the same
 * friends, and no policy section (c-toxcore keeps no section it does not know).
 *
 * Network rule: cpeer runs under the loopback shim with local discovery off and bootstraps
 * nowhere; toxstate only writes a file. Skipped with the printed reason when c-toxcore is not
 * available.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAllPeers, CPeer } from '../../harness/interop/cpeer.js';
import { cVersions } from '../../harness/interop/c-versions.js';
import { toHex } from '../../protocol/bytes.js';
import { FRIEND_POLICIES_SECTION_TYPE, parseSavedata } from '../../protocol/profile/index.js';
import { loadCrypto } from '../../runtime/adapters/node-crypto.js';
import { loadProfile, saveProfile } from '../../runtime/adapters/profile-store.js';
import { Engine } from '../../runtime/engine.js';
import { newProfile, profileOf, profileStart } from '../../runtime/profile-bridge.js';
import { seededRandom } from '../../runtime/random.js';

// Once per c-toxcore version (Debian's 0.2.18; 0.2.23 built by .ci/run, required under TOXSTATE_REQUIRE_0223).
const versions = await cVersions(); // rejects (fails this file) when TOXSTATE_REQUIRE_0223=1 and 0.2.23 is missing

const tmp = mkdtempSync(join(tmpdir(), 'toxstate-policy-interop-'));
afterAll(async () => {
  await closeAllPeers();
  rmSync(tmp, { recursive: true, force: true });
});

/** Section types of a savedata file, in order, read without toxstate's parser. */
function sectionTypes(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let p = 8; p + 8 <= bytes.length; ) {
    const type = v.getUint16(p + 4, true);
    out.push(type);
    p += 8 + v.getUint32(p, true);
    if (type === 255) break;
  }
  return out;
}

for (const v of versions) describe.skipIf(!v.available)(`profiles with friend policies: toxstate → c-toxcore [c-toxcore ${v.version}]`, () => {
  it('c-toxcore loads the profile: same Tox ID, name, status and friends; it skips the policy section and drops it when it saves', async () => {
    const crypto = await loadCrypto();
    const random = seededRandom(15_400);
    const base = newProfile(crypto, random);
    const start = profileStart(base);
    const engine = new Engine({ crypto, random, identity: start.identity, nospam: start.nospam, name: 'toxstate with policies', friends: [] });
    engine.setStatusMessage(0, 'open to some, refusing others');
    engine.setUserStatus(0, 2);
    const keys = [0x41, 0x42, 0x43].map((n) => crypto.publicKeyFromSecret(new Uint8Array(32).fill(n)));
    const hexes = keys.map(toHex);
    for (const k of keys) engine.addFriend(0, k);
    engine.start(0);
    engine.setFriendPolicy(1, hexes[0]!, 'RefusingToConnect');
    engine.setFriendPolicy(1, hexes[2]!, 'OpenToConnect');
    const file = join(tmp, `toxstate-${v.version}.tox`);
    await saveProfile(file, profileOf(engine, base), { crypto });

    // What toxstate wrote: the policy section right after FRIENDS, and it loads back here.
    const written = new Uint8Array(readFileSync(file));
    expect(sectionTypes(written)).toEqual([1, 3, FRIEND_POLICIES_SECTION_TYPE, 4, 5, 6, 255]);
    expect((await loadProfile(file, { crypto })).profile.friends.map((f) => f.policy)).toEqual(['RefusingToConnect', undefined, 'OpenToConnect']);

    // c-toxcore loads a copy (it saves over its profile when it quits).
    const theirs = join(tmp, `ctoxcore-${v.version}.tox`);
    copyFileSync(file, theirs);
    const peer = await CPeer.start({ ...v.extra, label: 'c-toxcore loading policies', profile: theirs, verbose: true });
    const ready = peer.identity;
    expect(ready.toxid.toUpperCase()).toBe(engine.toxId().toUpperCase());
    expect(ready.pk.toLowerCase()).toBe(engine.selfHex);
    expect(ready.name).toBe('toxstate with policies');
    expect(ready.friend_count).toBe(3);
    const friends = await peer.request('friends', 'friends');
    expect(friends.friends.map((f) => f.pk.toLowerCase())).toEqual(hexes);
    // c-toxcore says what it skipped: our section, by type and length (1 + 2 × 33 bytes).
    expect(peer.stderr).toMatch(new RegExp(`unrecognized part \\(len 67, type ${FRIEND_POLICIES_SECTION_TYPE}\\)`));

    // What c-toxcore saves: our identity, name, status message, user status and friends, without the section.
    await peer.request('save', 'saved');
    await peer.close();
    const resaved = parseSavedata(crypto, new Uint8Array(readFileSync(theirs)));
    if (!resaved.ok) throw new Error(resaved.error);
    expect(resaved.value.keys.publicKey).toEqual(engine.keys.real.publicKey);
    expect(new TextDecoder().decode(resaved.value.name)).toBe('toxstate with policies');
    expect(new TextDecoder().decode(resaved.value.statusMessage)).toBe('open to some, refusing others');
    expect(resaved.value.userStatus).toBe(2);
    expect(resaved.value.friends.map((f) => toHex(f.publicKey))).toEqual(hexes);
    expect(resaved.value.friends.map((f) => f.policy)).toEqual([undefined, undefined, undefined]);
    expect(sectionTypes(new Uint8Array(readFileSync(theirs)))).not.toContain(FRIEND_POLICIES_SECTION_TYPE);
  }, 60_000);
});
