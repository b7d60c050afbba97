import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hex, toHex } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import {
  TOX_PASS_ENCRYPTION_EXTRA_LENGTH_BYTES,
  decryptSave,
  deriveSaveKey,
  encryptSave,
  encryptedSaveSalt,
  isEncryptedSave,
  parseSavedata,
  profileToxId,
} from '../../protocol/profile/index.js';
import { ctoxcoreHarness } from '../fixtures/profiles/ctoxcore-harness.js';

let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const FIXTURES = join(import.meta.dirname, '../fixtures/profiles');
const plainFixture = new Uint8Array(readFileSync(join(FIXTURES, 'ctoxcore-0.2.18-generated.tox')));
const encFixture = new Uint8Array(readFileSync(join(FIXTURES, 'ctoxcore-0.2.18-generated.encrypted.tox')));
const salt0to31 = Uint8Array.from({ length: 32 }, (_, i) => i);

describe('toxencryptsave key derivation', () => {
  // Vectors made once with Debian libsodium 1.0.18:
  //   crypto_pwhash_scryptsalsa208sha256(key, 32, SHA-256(passphrase), 32, salt,
  //     2 * crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_INTERACTIVE,
  //     crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_INTERACTIVE)
  // (the call in c-toxcore's tox_pass_key_derive_with_salt), via the `pwhash` command of
  // test/fixtures/profiles/ctoxcore-harness.ts, and cross-checked with Python
  // hashlib.scrypt(SHA-256(passphrase), salt=salt, n=16384, r=8, p=2, dklen=32).
  it('matches libsodium for known vectors', () => {
    expect(toHex(deriveSaveKey(crypto, 'correct horse battery staple', salt0to31))).toBe(
      'a351cb77d86213eb547c4475a179e258286d88bb21f5b977c744f49c1b5dc137',
    );
    expect(toHex(deriveSaveKey(crypto, '', new Uint8Array(32)))).toBe('ea68a501402fe1111b9029900a721e982a904d018a6a730ba83cf99fec6f4981');
  });

  const h = ctoxcoreHarness();
  it.skipIf(!h)('matches this machine\'s libsodium for fresh inputs', () => {
    for (const [pp, salt] of [
      ['p@ss wörd', new Uint8Array(32).fill(0xa5)],
      ['x'.repeat(100), salt0to31.slice().reverse()],
    ] as const) {
      const pw = crypto.sha256(new TextEncoder().encode(pp));
      const ref = h!.run(['pwhash', toHex(pw), toHex(salt)]).trim();
      expect(toHex(deriveSaveKey(crypto, pp, salt))).toBe(ref);
    }
  });
});

describe('toxencryptsave format', () => {
  const salt = new Uint8Array(32).fill(0x5a);
  const nonce = new Uint8Array(24).fill(0x3c);

  it('lays out magic ‖ salt ‖ nonce ‖ MAC ‖ ciphertext and round-trips', () => {
    const plain = new TextEncoder().encode('a profile');
    const out = encryptSave(crypto, 'pw', salt, nonce, plain);
    expect(out.length).toBe(plain.length + TOX_PASS_ENCRYPTION_EXTRA_LENGTH_BYTES);
    expect(new TextDecoder().decode(out.subarray(0, 8))).toBe('toxEsave');
    expect(toHex(out.subarray(8, 40))).toBe(toHex(salt));
    expect(toHex(out.subarray(40, 64))).toBe(toHex(nonce));
    expect(toHex(encryptedSaveSalt(out)!)).toBe(toHex(salt));
    expect(isEncryptedSave(out)).toBe(true);
    // The body is a plain secretbox under the derived key.
    const key = deriveSaveKey(crypto, 'pw', salt);
    expect(toHex(crypto.secretboxOpen(key, nonce, out.subarray(64))!)).toBe(toHex(plain));
    const back = decryptSave(crypto, 'pw', out);
    expect(back.ok && toHex(back.value)).toBe(toHex(plain));
  });

  it('round-trips random plaintexts and passphrases (few runs: scrypt is slow on purpose)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.string(), fc.uint8Array({ minLength: 32, maxLength: 32 }), (plain, pp, s) => {
        const out = encryptSave(crypto, pp, s, nonce, plain);
        const back = decryptSave(crypto, pp, out);
        expect(back.ok && toHex(back.value)).toBe(toHex(plain));
      }),
      { numRuns: 6 },
    );
  });

  it('refuses a wrong passphrase, a non-encrypted file and a truncated one, each distinctly', () => {
    const out = encryptSave(crypto, 'right', salt, nonce, plainFixture);
    const wrong = decryptSave(crypto, 'wrong', out);
    expect(!wrong.ok && wrong.code).toBe('wrong-passphrase-or-corrupt');
    const corrupt = new Uint8Array(out);
    corrupt[200]! ^= 1;
    expect(!decryptSave(crypto, 'right', corrupt).ok && (decryptSave(crypto, 'right', corrupt) as { code: string }).code).toBe('wrong-passphrase-or-corrupt');
    const notEnc = decryptSave(crypto, 'right', plainFixture);
    expect(!notEnc.ok && notEnc.code).toBe('not-encrypted');
    const short = decryptSave(crypto, 'right', out.subarray(0, 80));
    expect(!short.ok && short.code).toBe('truncated');
    expect(isEncryptedSave(plainFixture)).toBe(false);
    expect(isEncryptedSave(hex('746f7845'))).toBe(false);
    expect(() => encryptSave(crypto, 'x', salt, nonce, new Uint8Array(0))).toThrow();
  });

  it('never throws on random bytes behind the magic', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const r = decryptSave(crypto, 'pw', Uint8Array.from([...new TextEncoder().encode('toxEsave'), ...b]));
        expect(r.ok).toBe(false);
      }),
      { numRuns: 5 },
    );
  });
});

describe('interop with libtoxcore 0.2.18 toxencryptsave', () => {
  it('opens the committed file c-toxcore encrypted (tox_pass_encrypt, passphrase "toxstate-test")', () => {
    const r = decryptSave(crypto, 'toxstate-test', encFixture);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(toHex(r.value)).toBe(toHex(plainFixture));
    const p = parseSavedata(crypto, r.value);
    expect(p.ok && profileToxId(p.value)).toBe('7B4E909BBE7FFE44C465A220037D608EE35897D31EF972F07F74892CB0F73F130A0B0C0DC960');
  });
  // libtoxcore's own tox_pass_encrypt/decrypt of our files and theirs: test/interop/profile.test.ts (0.2.18 and 0.2.23).
});
