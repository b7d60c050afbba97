/**
 * tox-id.ts. Vectors: the Tox ID of c-toxcore `auto_tests/data/save.tox`
 * (docs/protocol.md §8.5, checked by `auto_tests/save_compatibility_test.c`);
 * checksum 0000 for the all-zero and all-FF ids (tox-rs `tox_packet/src/toxid.rs`
 * doc tests, docs/protocol.md §9).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex, toHex } from '../../../protocol/bytes.js';
import { decodeToxId, encodeToxId, formatToxId, parseToxId, toxIdChecksum } from '../../../protocol/tox-id.js';
import { bytesOf, key32 } from './arbitraries.js';

const SAVE_TOX_ID = 'B70E97D41F69B7F4C42A5BC7BD7A76B95B8030BE1B7C0E9E6FC19FC4ABEB195B4C762C7D800B';

describe('toxIdChecksum', () => {
  it('is 0000 for a zero pk with zero nospam, and for all-FF (tox-rs toxid.rs)', () => {
    expect(toHex(toxIdChecksum(new Uint8Array(36)))).toBe('0000');
    expect(toHex(toxIdChecksum(new Uint8Array(36).fill(0xff)))).toBe('0000');
  });
  it('XOR-folds even and odd bytes separately', () => {
    const b = new Uint8Array(36);
    b[0] = 0x12;
    b[3] = 0x34;
    b[35] = 0x01;
    expect(toHex(toxIdChecksum(b))).toBe('1235');
  });
});

describe('parseToxId', () => {
  it('parses the save.tox Tox ID with a valid checksum', () => {
    const r = parseToxId(SAVE_TOX_ID);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(toHex(r.value.publicKey).toUpperCase()).toBe(SAVE_TOX_ID.slice(0, 64));
    expect(toHex(r.value.nospam)).toBe('4c762c7d'); // tox_self_get_nospam() = 0x4C762C7D
    expect(toHex(r.value.checksum)).toBe('800b');
    expect(formatToxId(r.value.publicKey, r.value.nospam)).toBe(SAVE_TOX_ID);
  });

  it('accepts lowercase and surrounding whitespace', () => {
    expect(parseToxId(`  ${SAVE_TOX_ID.toLowerCase()}\n`).ok).toBe(true);
  });

  it('names a bad length', () => {
    const r = parseToxId(SAVE_TOX_ID.slice(0, 74));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/bad length/);
  });

  it('names bad hex', () => {
    const r = parseToxId(`${SAVE_TOX_ID.slice(0, 10)}G${SAVE_TOX_ID.slice(11)}`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/bad hex.*"G".*10/);
  });

  it('names a bad checksum', () => {
    const r = parseToxId(`${SAVE_TOX_ID.slice(0, 75)}C`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/bad checksum/);
  });

  it('refuses a public key c-toxcore m_addfriend refuses (pk[31] >= 128)', () => {
    const id = formatToxId(new Uint8Array(32).fill(0xff), new Uint8Array(4));
    const r = parseToxId(id);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/invalid public key/);
  });

  it('round-trips format → parse for every valid key and nospam', () => {
    fc.assert(
      fc.property(key32, bytesOf(4), (pk, nospam) => {
        pk[31]! &= 0x7f;
        const text = formatToxId(pk, nospam);
        expect(text).toMatch(/^[0-9A-F]{76}$/);
        const r = parseToxId(text);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(toHex(r.value.publicKey)).toBe(toHex(pk));
        expect(toHex(r.value.nospam)).toBe(toHex(nospam));
        expect(encodeToxId(pk, nospam).length).toBe(38);
      }),
    );
  });

  it('detects every single-byte corruption of the first 36 bytes', () => {
    const good = hex(SAVE_TOX_ID);
    fc.assert(
      fc.property(fc.nat(35), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const bad = good.slice();
        bad[i]! ^= x;
        expect(decodeToxId(bad).ok).toBe(false);
      }),
    );
  });

  it('decodeToxId never throws on random bytes and refuses every wrong length', () => {
    fc.assert(
      fc.property(fc.oneof(bytesOf(38), fc.uint8Array({ maxLength: 80 })), (b) => {
        let r: ReturnType<typeof decodeToxId> | undefined;
        expect(() => (r = decodeToxId(b))).not.toThrow();
        if (b.length !== 38) expect(r!.ok).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        expect(() => parseToxId(s)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });
});
