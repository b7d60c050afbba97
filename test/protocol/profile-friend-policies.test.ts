/**
 * toxstate's friend policy section in a c-toxcore profile (protocol/profile/friend-policies.ts,
 * docs/protocol.md §8.6): written only for non-default policies, right after FRIENDS, read back
 * onto the friends; a malformed section refuses the whole profile (and loading leaves the file
 * untouched); a profile whose friends all have the default is byte-identical to one without
 * policies.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/bytes.js';
import {
  FRIEND_POLICIES_SECTION_TYPE,
  FRIEND_RECORD_SIZE_BYTES,
  emptyProfile,
  parseSavedata,
  serializeSavedata,
  type Profile,
  type SavedFriend,
} from '../../protocol/profile/index.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { loadProfile, ProfileError } from '../../runtime/adapters/profile-store.js';

let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});
const tmp = mkdtempSync(join(tmpdir(), 'toxstate-policies-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const key = (n: number): Uint8Array => crypto.publicKeyFromSecret(new Uint8Array(32).fill(n));

function friend(n: number, policy?: SavedFriend['policy']): SavedFriend {
  return {
    status: 3,
    publicKey: key(n),
    requestMessage: new Uint8Array(0),
    name: new TextEncoder().encode(`friend ${n}`),
    statusMessage: new Uint8Array(0),
    userStatus: 0,
    requestNospam: new Uint8Array(4),
    lastSeen: 1_700_000_000n,
    ...(policy !== undefined ? { policy } : {}),
  };
}

function profile(friends: SavedFriend[]): Profile {
  const sk = new Uint8Array(32).map((_, i) => i + 7);
  return { ...emptyProfile({ nospam: Uint8Array.of(1, 2, 3, 4), publicKey: crypto.publicKeyFromSecret(sk), secretKey: sk }), friends };
}

/** [type, body] of every section up to END, read without the parser. */
function sections(bytes: Uint8Array): Array<[number, Uint8Array]> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Array<[number, Uint8Array]> = [];
  for (let p = 8; p + 8 <= bytes.length; ) {
    const len = v.getUint32(p, true);
    const type = v.getUint16(p + 4, true);
    expect(v.getUint16(p + 6, true)).toBe(0x01ce);
    out.push([type, bytes.slice(p + 8, p + 8 + len)]);
    p += 8 + len;
    if (type === 255) break;
  }
  return out;
}

/** The profile's bytes with the policy section's body replaced by `body`. */
function withPolicyBody(p: Profile, body: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [serializeSavedata(p).slice(0, 8)];
  for (const [type, b] of sections(serializeSavedata(p))) {
    const use = type === FRIEND_POLICIES_SECTION_TYPE ? body : b;
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(0, use.length, true);
    new DataView(head.buffer).setUint32(4, ((0x01ce << 16) | type) >>> 0, true);
    parts.push(head, use);
  }
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

describe('friend policy section', () => {
  it('is type 0x7374, which is none of the types c-toxcore 0.2.18–0.2.23 uses, and reads "ts" on disk', () => {
    expect(FRIEND_POLICIES_SECTION_TYPE).toBe(0x7374);
    for (const used of [1, 2, 3, 4, 5, 6, 7, 10, 11, 20, 255]) expect(FRIEND_POLICIES_SECTION_TYPE).not.toBe(used);
    const bytes = serializeSavedata(profile([friend(1, 'OpenToConnect')]));
    expect(Buffer.from(bytes).includes(Buffer.from([0x74, 0x73, 0xce, 0x01]))).toBe(true);
  });

  it('is absent when every friend has the default policy: the bytes are those of a profile without policies', () => {
    const plain = serializeSavedata(profile([friend(1), friend(2)]));
    const explicit = serializeSavedata(profile([friend(1, 'TryingToConnect'), friend(2, 'TryingToConnect')]));
    expect(toHex(explicit)).toBe(toHex(plain));
    expect(sections(plain).map(([t]) => t)).toEqual([1, 3, 4, 5, 6, 255]);
  });

  it('follows FRIENDS with version 1 and one key ‖ policy byte per non-default friend, in friend order', () => {
    const p = profile([friend(1, 'RefusingToConnect'), friend(2), friend(3, 'OpenToConnect')]);
    const s = sections(serializeSavedata(p));
    expect(s.map(([t]) => t)).toEqual([1, 3, FRIEND_POLICIES_SECTION_TYPE, 4, 5, 6, 255]);
    expect(s[1]![1].length).toBe(3 * FRIEND_RECORD_SIZE_BYTES);
    expect(toHex(s[2]![1])).toBe(`01${toHex(key(1))}02${toHex(key(3))}01`);
  });

  it('round-trips: parsed onto the friends, and written back byte for byte', () => {
    const p = profile([friend(1, 'RefusingToConnect'), friend(2), friend(3, 'OpenToConnect')]);
    const bytes = serializeSavedata(p);
    const r = parseSavedata(crypto, bytes);
    if (!r.ok) throw new Error(r.error);
    expect(r.warnings).toEqual([]);
    expect(r.value.friends.map((f) => f.policy)).toEqual(['RefusingToConnect', undefined, 'OpenToConnect']);
    expect(toHex(serializeSavedata(r.value))).toBe(toHex(bytes));
  });

  it('a listed key that is no friend is dropped with a warning; the rest applies', () => {
    const p = profile([friend(1, 'OpenToConnect')]);
    const stranger = key(9);
    const body = Uint8Array.from([1, ...key(1), 1, ...stranger, 2]);
    const r = parseSavedata(crypto, withPolicyBody(p, body));
    if (!r.ok) throw new Error(r.error);
    expect(r.value.friends.map((f) => f.policy)).toEqual(['OpenToConnect']);
    expect(r.warnings).toEqual([`friend policy for ${toHex(stranger)} dropped: no such friend in the FRIENDS section`]);
  });

  const p = () => profile([friend(1, 'OpenToConnect'), friend(2, 'RefusingToConnect')]);
  const malformed: Array<[string, () => Uint8Array, RegExp]> = [
    ['an empty body', () => new Uint8Array(0), /empty/],
    ['another format version', () => Uint8Array.from([2, ...key(1), 1]), /format version 2.*reads version 1/],
    ['a length that is not 1 + 33·n', () => Uint8Array.from([1, ...key(1), 1, 7]), /35 bytes, not 1 \+ 33·n/],
    ['the default policy written out (byte 0)', () => Uint8Array.from([1, ...key(1), 0]), /unknown policy byte 0/],
    ['an unknown policy byte', () => Uint8Array.from([1, ...key(1), 3]), /unknown policy byte 3/],
    ['a friend listed twice', () => Uint8Array.from([1, ...key(1), 1, ...key(1), 2]), /lists friend [0-9a-f]{64} twice/],
  ];
  for (const [what, body, message] of malformed) {
    it(`with ${what} refuses the profile (bad-friend-policies)`, () => {
      const r = parseSavedata(crypto, withPolicyBody(p(), body()));
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.code).toBe('bad-friend-policies');
      expect(r.error).toMatch(message);
      expect(r.error).toMatch(/^savedata bad-friend-policies: friend policy section/);
    });
  }

  it('a malformed section makes loadProfile refuse the file as corrupt and leaves it untouched', async () => {
    const file = join(tmp, 'bad-policy.tox');
    const bytes = withPolicyBody(p(), Uint8Array.from([1, ...key(1), 9]));
    writeFileSync(file, bytes);
    const e = await loadProfile(file, { crypto }).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ProfileError);
    expect((e as ProfileError).code).toBe('corrupt');
    expect((e as ProfileError).savedataCode).toBe('bad-friend-policies');
    expect((e as ProfileError).message).toMatch(/cannot load profile .*bad-policy\.tox: the file is corrupt \(savedata bad-friend-policies: friend policy section: unknown policy byte 9/);
    expect(toHex(new Uint8Array(readFileSync(file)))).toBe(toHex(bytes));
  });

  it('is not writable as an "unknown" section, and a bad policy value is refused when writing', () => {
    expect(() => serializeSavedata({ ...p(), unknownSections: [{ type: FRIEND_POLICIES_SECTION_TYPE, body: Uint8Array.of(1), afterType: 3 }] })).toThrow(/not a free u16/);
    expect(() => serializeSavedata(profile([{ ...friend(1), policy: 'Maybe' as never }]))).toThrow(/policy "Maybe", not one of/);
  });
});
