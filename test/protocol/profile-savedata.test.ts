import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { equalBytes, toHex } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import {
  FRIEND_POLICIES_SECTION_TYPE,
  FRIEND_RECORD_SIZE_BYTES,
  MAX_KEPT_TRAILER_BYTES,
  MAX_KEPT_UNKNOWN_BYTES,
  MAX_KEPT_UNKNOWN_SECTIONS,
  MAX_SAVEDATA_WARNINGS,
  emptyProfile,
  encodeFriendRecord,
  parseSavedata,
  profileToxId,
  serializeSavedata,
  tcpRelaysSection,
  dhtNodesSection,
  pathNodesSection,
  type Profile,
  type SavedFriend,
  type SavedataResult,
  type UnknownSection,
} from '../../protocol/profile/index.js';
import { upstreamSample } from '../fixtures/profiles/upstream.js';

let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const FIXTURES = join(import.meta.dirname, '../fixtures/profiles');
const generated = new Uint8Array(readFileSync(join(FIXTURES, 'ctoxcore-0.2.18-generated.tox')));
const enc = new TextEncoder();
const dec = new TextDecoder();

function mustParse(bytes: Uint8Array): Profile {
  const r = parseSavedata(crypto, bytes);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** Section types in file order, read independently of the parser. */
function sectionTypes(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  let p = 8;
  while (p + 8 <= bytes.length) {
    const len = v.getUint32(p, true);
    const type = v.getUint16(p + 4, true);
    out.push(type);
    p += 8 + len;
    if (type === 255) break;
  }
  return out;
}

const saveTox = upstreamSample('save.tox');
const saveLittle = upstreamSample('save.tox.little');
const saveBig = upstreamSample('save.tox.big');
const david = upstreamSample('david.tox');

describe('c-toxcore auto_tests/data/save.tox (v0.2.18)', () => {
  it.skipIf(!saveTox)('parses to the known answers of docs/protocol.md §8.5', () => {
    const p = mustParse(saveTox!);
    expect(sectionTypes(saveTox!)).toEqual([1, 2, 3, 4, 5, 6, 10, 11, 255]);
    expect(profileToxId(p)).toBe('B70E97D41F69B7F4C42A5BC7BD7A76B95B8030BE1B7C0E9E6FC19FC4ABEB195B4C762C7D800B');
    expect(toHex(p.keys.nospam)).toBe('4c762c7d');
    expect(dec.decode(p.name)).toBe('name');
    expect(dec.decode(p.statusMessage)).toBe('Hello World');
    expect(p.userStatus).toBe(0);
    expect(p.friends).toHaveLength(1);
    const f = p.friends[0]!;
    expect(f.status).toBe(1);
    expect(toHex(f.publicKey).toUpperCase()).toMatch(/^A922A51E.*431B$/);
    expect(f.requestMessage.length).toBe(7);
    expect(Array.from(f.requestNospam)).toEqual([0x14, 0x59, 0x2a, 0xb3]);
    expect(p.dht?.nodes).toHaveLength(29);
    expect(p.tcpRelays?.raw.length).toBe(0);
    expect(p.pathNodes?.nodes).toHaveLength(8);
    expect(p.pathNodes?.nodes?.every((n) => n.transport === 'udp')).toBe(true);
    expect(p.conferences).toBeNull();
    expect(p.trailer.length).toBe(512);
    expect(p.trailer.every((b) => b === 0)).toBe(true);
  });

  it.skipIf(!saveTox)('serialize(parse(save.tox)) reproduces the file byte for byte, and parse is stable', () => {
    const p = mustParse(saveTox!);
    const again = serializeSavedata(p);
    expect(toHex(again)).toBe(toHex(saveTox!));
    expect(mustParse(again)).toEqual(p);
  });

  it.skipIf(!saveTox)('never throws on any prefix; a cut inside a section is "truncated"', () => {
    for (let n = 0; n <= saveTox!.length; n++) {
      const r = parseSavedata(crypto, saveTox!.subarray(0, n));
      if (!r.ok) expect(['truncated', 'missing-keys']).toContain(r.code);
    }
    const cut = parseSavedata(crypto, saveTox!.subarray(0, 100));
    expect(!cut.ok && cut.code).toBe('truncated');
    expect(!cut.ok && cut.error).toMatch(/section DHT at offset 84 declares 1143 bytes but only \d+ remain/);
  });
});

describe('other public c-toxcore samples', () => {
  it.skipIf(!saveLittle)('save.tox.little: parses with an empty CONFERENCES section and round-trips byte for byte', () => {
    const p = mustParse(saveLittle!);
    expect(sectionTypes(saveLittle!)).toEqual([1, 2, 3, 4, 5, 6, 10, 11, 20, 255]);
    expect(dec.decode(p.name)).toBe('name');
    expect(p.friends).toHaveLength(1);
    expect(p.conferences?.length).toBe(0);
    expect(toHex(serializeSavedata(p))).toBe(toHex(saveLittle!));
  });

  it.skipIf(!saveBig)('save.tox.big (written on a big-endian host) is refused with its own error', () => {
    const r = parseSavedata(crypto, saveBig!);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('big-endian');
      expect(r.error).toMatch(/big-endian/);
    }
  });

  it.skipIf(!david)('david.tox (qTox): no friends, one TCP relay, round-trips byte for byte', () => {
    const p = mustParse(david!);
    expect(dec.decode(p.name)).toBe('david');
    expect(dec.decode(p.statusMessage)).toBe('Toxing on qTox');
    expect(p.friends).toHaveLength(0);
    expect(p.tcpRelays?.nodes).toHaveLength(1);
    expect(p.tcpRelays?.nodes?.[0]?.transport).toBe('tcp');
    expect(toHex(serializeSavedata(p))).toBe(toHex(david!));
  });
});

describe('a save written by Debian libtoxcore 0.2.18 (committed fixture)', () => {
  it('parses to what c-toxcore was told to store', () => {
    const p = mustParse(generated);
    expect(sectionTypes(generated)).toEqual([1, 2, 3, 4, 5, 6, 10, 11, 20, 255]);
    expect(profileToxId(p)).toBe('7B4E909BBE7FFE44C465A220037D608EE35897D31EF972F07F74892CB0F73F130A0B0C0DC960');
    expect(equalBytes(p.keys.secretKey, new Uint8Array(32).fill(0x11))).toBe(true);
    expect(dec.decode(p.name)).toBe('ctoxcore');
    expect(dec.decode(p.statusMessage)).toBe('made by libtoxcore 0.2.18');
    expect(p.userStatus).toBe(1);
    expect(p.friends.map((f) => f.status)).toEqual([1, 3]);
    expect(dec.decode(p.friends[0]!.requestMessage)).toBe('hello from c');
    expect(toHex(p.friends[0]!.requestNospam)).toBe('deadbeef');
    expect(equalBytes(p.friends[0]!.publicKey, crypto.publicKeyFromSecret(new Uint8Array(32).fill(0x21)))).toBe(true);
    expect(equalBytes(p.friends[1]!.publicKey, crypto.publicKeyFromSecret(new Uint8Array(32).fill(0x22)))).toBe(true);
    expect(p.dht?.nodes).toEqual([]);
    expect(p.conferences?.length).toBe(0);
    expect(toHex(serializeSavedata(p))).toBe(toHex(generated));
  });
});

function withBytes(base: Uint8Array, edit: (b: Uint8Array, v: DataView) => void): Uint8Array {
  const b = new Uint8Array(base);
  edit(b, new DataView(b.buffer));
  return b;
}

function code(r: SavedataResult): string {
  return r.ok ? 'ok' : r.code;
}

describe('errors name what is wrong', () => {
  it('truncated input', () => {
    expect(code(parseSavedata(crypto, new Uint8Array(5)))).toBe('truncated');
    expect(code(parseSavedata(crypto, generated.subarray(0, 12)))).toBe('truncated');
  });

  it('bad magic and encrypted input', () => {
    const r = parseSavedata(crypto, withBytes(generated, (b) => (b[4] = 0)));
    expect(code(r)).toBe('bad-magic');
    expect(!r.ok && r.error).toMatch(/expected 000000001f1bed15/);
    expect(code(parseSavedata(crypto, withBytes(generated, (b) => (b[0] = 1))))).toBe('bad-magic');
    expect(code(parseSavedata(crypto, enc.encode('toxEsave' + 'x'.repeat(100))))).toBe('encrypted');
  });

  it('bad section framing (cookie) and a non-empty END', () => {
    const r = parseSavedata(crypto, withBytes(generated, (b) => (b[14] = 0xcf)));
    expect(code(r)).toBe('bad-section-framing');
    expect(!r.ok && r.error).toMatch(/offset 8 .*0x01ce/);
    const endAt = 4626;
    const e = parseSavedata(crypto, withBytes(generated, (_b, v) => v.setUint32(endAt, 4, true)));
    expect(code(e)).toBe('bad-section-framing');
  });

  it('a public key that does not derive from the secret key', () => {
    const r = parseSavedata(crypto, withBytes(generated, (b) => (b[16 + 4]! ^= 1)));
    expect(code(r)).toBe('key-mismatch');
  });

  it('a NOSPAMKEYS section of the wrong size, and no NOSPAMKEYS at all', () => {
    const p = mustParse(generated);
    const noKeys = serializeSavedata(p).subarray(0);
    const v = new DataView(noKeys.buffer);
    v.setUint16(12, 77, true); // retype the keys section as an unknown section
    expect(code(parseSavedata(crypto, noKeys))).toBe('missing-keys');
    const short = withBytes(generated, (_b, dv) => dv.setUint32(8, 67, true));
    expect(code(parseSavedata(crypto, short))).toBe('bad-keys-length');
  });

  it('a FRIENDS section that is not whole records, and a record with an impossible length', () => {
    const p = mustParse(generated);
    const bytes = serializeSavedata({ ...p, unknownSections: [] });
    const friendsAt = 104;
    // Shrink the FRIENDS section by one byte and move the rest up: the length is now not a multiple.
    const broken = new Uint8Array(bytes.length - 1);
    broken.set(bytes.subarray(0, friendsAt + 8 + 2 * FRIEND_RECORD_SIZE_BYTES - 1));
    broken.set(bytes.subarray(friendsAt + 8 + 2 * FRIEND_RECORD_SIZE_BYTES), friendsAt + 8 + 2 * FRIEND_RECORD_SIZE_BYTES - 1);
    new DataView(broken.buffer).setUint32(friendsAt, 2 * FRIEND_RECORD_SIZE_BYTES - 1, true);
    const r = parseSavedata(crypto, broken);
    expect(code(r)).toBe('bad-friend-record-length');
    expect(!r.ok && r.error).toMatch(/4431 bytes, not a multiple of the 2216-byte record/);
    const badName = withBytes(generated, (_b, dv) => dv.setUint16(friendsAt + 8 + FRIEND_RECORD_SIZE_BYTES + 1188, 129, false));
    const n = parseSavedata(crypto, badName);
    expect(code(n)).toBe('bad-friend-record');
    expect(!n.ok && n.error).toMatch(/friend #1: .*name length 129 exceeds 128/);
  });

  it('never throws on random bytes or random mutations of a valid save', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (b) => {
        expect(typeof parseSavedata(crypto, b).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(generated.length - 1), fc.nat(255)), { minLength: 1, maxLength: 8 }), (edits) => {
        const b = new Uint8Array(generated);
        for (const [i, x] of edits) b[i] = x;
        expect(typeof parseSavedata(crypto, b).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('what c-toxcore ignores is reported and dropped, as its own next save would', () => {
  it('an over-long NAME and a STATUS of 7', () => {
    const p = mustParse(generated);
    const bytes = serializeSavedata(p);
    // Replace the 8-byte NAME "ctoxcore" by a NAME section of 200 bytes.
    const nameAt = 4544;
    const long = new Uint8Array(200).fill(0x41);
    const withLong = new Uint8Array(bytes.length + 192);
    withLong.set(bytes.subarray(0, nameAt));
    const dv = new DataView(withLong.buffer);
    dv.setUint32(nameAt, 200, true);
    dv.setUint32(nameAt + 4, (0x01ce << 16) | 4, true);
    withLong.set(long, nameAt + 8);
    withLong.set(bytes.subarray(nameAt + 16), nameAt + 208);
    const statusAt = 4593 + 192;
    withLong[statusAt + 8] = 7;
    const r = parseSavedata(crypto, withLong);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.name.length).toBe(0);
    expect(r.value.userStatus).toBe(0);
    expect(r.warnings.join('\n')).toMatch(/NAME section of 200 bytes ignored/);
    expect(r.warnings.join('\n')).toMatch(/STATUS section value 7 ignored/);
  });
});

describe('what is kept for rewriting is bounded (c-toxcore keeps no unknown section at all)', () => {
  /** `generated` with `extra` spliced in just before its END section. */
  function withBeforeEnd(extra: Uint8Array, trailer = new Uint8Array(0)): Uint8Array {
    const plain = serializeSavedata({ ...mustParse(generated), trailer: new Uint8Array(0) });
    const out = new Uint8Array(plain.length + extra.length + trailer.length);
    out.set(plain.subarray(0, plain.length - 8));
    out.set(extra, plain.length - 8);
    out.set(plain.subarray(plain.length - 8), plain.length - 8 + extra.length);
    out.set(trailer, plain.length + extra.length);
    return out;
  }
  function sections(count: number, bodyBytes: number): Uint8Array {
    const out = new Uint8Array(count * (8 + bodyBytes));
    const dv = new DataView(out.buffer);
    for (let i = 0; i < count; i++) {
      dv.setUint32(i * (8 + bodyBytes), bodyBytes, true);
      // Types from 1000 up, passing over toxstate's own friend policy section (a known type).
      const type = 1000 + (i % 60000) === FRIEND_POLICIES_SECTION_TYPE ? 64000 : 1000 + (i % 60000);
      dv.setUint32(i * (8 + bodyBytes) + 4, ((0x01ce << 16) | type) >>> 0, true);
    }
    return out;
  }

  it(`keeps at most ${MAX_KEPT_UNKNOWN_SECTIONS} unknown sections; the rest are dropped with one warning`, () => {
    const r = parseSavedata(crypto, withBeforeEnd(sections(100_000, 0)));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.unknownSections).toHaveLength(MAX_KEPT_UNKNOWN_SECTIONS);
    expect(r.warnings).toEqual([`${100_000 - MAX_KEPT_UNKNOWN_SECTIONS} unknown sections (0 bytes) dropped: toxstate keeps at most ${MAX_KEPT_UNKNOWN_SECTIONS} unknown sections and ${MAX_KEPT_UNKNOWN_BYTES} bytes of them (c-toxcore keeps none)`]);
  });

  it(`keeps at most ${MAX_KEPT_UNKNOWN_BYTES} bytes of unknown sections; a larger one is dropped whole`, () => {
    const r = parseSavedata(crypto, withBeforeEnd(sections(1, MAX_KEPT_UNKNOWN_BYTES + 1)));
    expect(r.ok && r.value.unknownSections.length).toBe(0);
    const fits = parseSavedata(crypto, withBeforeEnd(sections(2, MAX_KEPT_UNKNOWN_BYTES / 2)));
    expect(fits.ok && fits.value.unknownSections.map((u) => u.body.length)).toEqual([MAX_KEPT_UNKNOWN_BYTES / 2, MAX_KEPT_UNKNOWN_BYTES / 2]);
  });

  it(`keeps a trailer of at most ${MAX_KEPT_TRAILER_BYTES} bytes`, () => {
    const big = parseSavedata(crypto, withBeforeEnd(new Uint8Array(0), new Uint8Array(MAX_KEPT_TRAILER_BYTES + 1)));
    expect(big.ok && big.value.trailer.length).toBe(0);
    expect(big.ok && big.warnings[0]).toMatch(/65537 bytes after the END section dropped/);
    const small = parseSavedata(crypto, withBeforeEnd(new Uint8Array(0), new Uint8Array(MAX_KEPT_TRAILER_BYTES)));
    expect(small.ok && small.value.trailer.length).toBe(MAX_KEPT_TRAILER_BYTES);
  });

  it(`lists at most ${MAX_SAVEDATA_WARNINGS} warnings, then how many more`, () => {
    // 1,000 STATUS sections of value 9: each ignored with a warning.
    const one = Uint8Array.of(1, 0, 0, 0, 6, 0, 0xce, 0x01, 9);
    const many = new Uint8Array(one.length * 1000);
    for (let i = 0; i < 1000; i++) many.set(one, i * one.length);
    const r = parseSavedata(crypto, withBeforeEnd(many));
    expect(r.ok && r.warnings.length).toBe(MAX_SAVEDATA_WARNINGS + 1);
    expect(r.ok && r.warnings.at(-1)).toBe(`… and ${1000 - MAX_SAVEDATA_WARNINGS} more warnings`);
  });
});

// ---------------------------------------------------------------------------------------------
// Random profiles

const bytesArb = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const friendArb: fc.Arbitrary<SavedFriend> = fc.record({
  status: fc.integer({ min: 0, max: 255 }),
  publicKey: bytesArb(32, 32),
  requestMessage: bytesArb(0, 1024),
  name: bytesArb(0, 128),
  statusMessage: bytesArb(0, 1007),
  userStatus: fc.integer({ min: 0, max: 255 }),
  requestNospam: bytesArb(4, 4),
  lastSeen: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
});
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const nodeArb = (transport: 'udp' | 'tcp'): fc.Arbitrary<PackedNode> =>
  fc.record({
    transport: fc.constant(transport),
    ipPort: fc.record({ family: fc.constant<'ipv4'>('ipv4'), ip: ipv4, port: fc.nat(0xffff) }),
    publicKey: bytesArb(32, 32),
  });
const knownTypes = [1, 2, 3, 4, 5, 6, 10, 11, 20, 255];
const unknownArb: fc.Arbitrary<UnknownSection> = fc.record({
  type: fc.integer({ min: 0, max: 0xffff }).filter((t) => !knownTypes.includes(t)),
  body: bytesArb(0, 64),
  afterType: fc.constantFrom<number | null>(null, 1, 2, 3, 4, 5, 6, 10, 11, 20),
});
const profileArb = (c: () => Crypto): fc.Arbitrary<Profile> =>
  fc.record({
    sk: bytesArb(32, 32),
    nospam: bytesArb(4, 4),
    friends: fc.array(friendArb, { maxLength: 3 }),
    name: bytesArb(0, 128),
    statusMessage: bytesArb(0, 1007),
    userStatus: fc.integer({ min: 0, max: 2 }),
    dht: fc.option(fc.array(nodeArb('udp'), { maxLength: 6 }), { nil: null }),
    tcp: fc.option(fc.array(nodeArb('tcp'), { maxLength: 8 }), { nil: null }),
    path: fc.option(fc.array(nodeArb('udp'), { maxLength: 8 }), { nil: null }),
    conferences: fc.option(bytesArb(0, 40), { nil: null }),
    unknown: fc.array(unknownArb, { maxLength: 5 }),
    trailer: bytesArb(0, 16),
  }).map((r) => {
    // Unknown sections come back grouped by anchor in canonical order; generate them that way.
    // An anchor on an absent section means "where it would be", i.e. after the previous present one.
    const order = [null, 1, 2, 3, 4, 5, 6, 10, 11, 20];
    const present = (t: number | null) =>
      t === null || [1, 3, 4, 5, 6].includes(t) || (t === 2 && r.dht) || (t === 10 && r.tcp) || (t === 11 && r.path) || (t === 20 && r.conferences);
    const anchor = (t: number | null): number | null => (present(t) ? t : anchor(order[order.indexOf(t) - 1]!));
    const unknownSections = r.unknown
      .map((u) => ({ ...u, afterType: anchor(u.afterType) }))
      .sort((a, b) => order.indexOf(a.afterType) - order.indexOf(b.afterType));
    return {
      ...emptyProfile({ nospam: r.nospam, secretKey: r.sk, publicKey: c().publicKeyFromSecret(r.sk) }),
      friends: r.friends,
      name: r.name,
      statusMessage: r.statusMessage,
      userStatus: r.userStatus,
      dht: r.dht ? dhtNodesSection(r.dht) : null,
      tcpRelays: r.tcp ? tcpRelaysSection(r.tcp) : null,
      pathNodes: r.path ? pathNodesSection(r.path) : null,
      conferences: r.conferences,
      unknownSections,
      trailer: r.trailer,
    };
  });

describe('round trips of random profiles', () => {
  it('parse(serialize(p)) equals p, with friends, node lists, unknown sections and a trailer', () => {
    fc.assert(
      fc.property(profileArb(() => crypto), (p) => {
        const bytes = serializeSavedata(p);
        const r = parseSavedata(crypto, bytes);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.warnings).toEqual([]);
        expect(r.value).toEqual(p);
        expect(toHex(serializeSavedata(r.value))).toBe(toHex(bytes));
      }),
      { numRuns: 60 },
    );
  });

  it('unknown sections spliced anywhere into a c-toxcore save survive, bytes and relative order intact', () => {
    const canonical = serializeSavedata(mustParse(generated));
    const boundaries: number[] = [];
    {
      const v = new DataView(canonical.buffer);
      let pos = 8;
      while (pos < canonical.length) {
        boundaries.push(pos);
        const len = v.getUint32(pos, true);
        if (v.getUint16(pos + 4, true) === 255) break;
        pos += 8 + len;
      }
    }
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(boundaries.length - 1), fc.integer({ min: 21, max: 254 }), bytesArb(0, 50)), { minLength: 1, maxLength: 6 }), (inserts) => {
        // Build the file with the inserts placed before the chosen sections (stable by index).
        const sorted = inserts.map((x, i) => ({ at: boundaries[x[0]]!, type: x[1], body: x[2], i })).sort((a, b) => a.at - b.at || a.i - b.i);
        const parts: Uint8Array[] = [];
        let prev = 0;
        for (const s of sorted) {
          parts.push(canonical.subarray(prev, s.at));
          const h = new Uint8Array(8);
          new DataView(h.buffer).setUint32(0, s.body.length, true);
          new DataView(h.buffer).setUint32(4, ((0x01ce << 16) | s.type) >>> 0, true);
          parts.push(h, s.body);
          prev = s.at;
        }
        parts.push(canonical.subarray(prev));
        const file = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of parts) {
          file.set(p, o);
          o += p.length;
        }
        const p = mustParse(file);
        expect(p.unknownSections.map((u) => [u.type, toHex(u.body)])).toEqual(sorted.map((s) => [s.type, toHex(s.body)]));
        // The canonical file already is in 0.2.18 order, so the rewrite is the very same bytes.
        expect(toHex(serializeSavedata(p))).toBe(toHex(file));
      }),
      { numRuns: 100 },
    );
  });

  it('friend records are 2216 bytes with big-endian lengths at the documented offsets', () => {
    const rec = encodeFriendRecord({
      status: 3,
      publicKey: new Uint8Array(32).fill(9),
      requestMessage: new Uint8Array(0),
      name: enc.encode('bob'),
      statusMessage: enc.encode('hi'),
      userStatus: 2,
      requestNospam: new Uint8Array(4),
      lastSeen: 0x0102030405060708n,
    });
    expect(rec.length).toBe(2216);
    expect(toHex(rec.subarray(1186, 1190))).toBe('00000003'); // name tail byte, then name length 3 BE at 1188
    expect(toHex(rec.subarray(2198, 2201))).toBe('000202');
    expect(toHex(rec.subarray(2208))).toBe('0102030405060708');
  });
});

// libtoxcore's own reading of what we refuse, and its re-save of save.tox: test/interop/profile.test.ts (0.2.18 and 0.2.23).
