/**
 * The Node platform for the crypto interface (protocol/crypto.ts): libsodium-wrappers for
 * everything it has, node:crypto for the two primitives this build of libsodium-wrappers lacks —
 * SHA-256 (`createHash`) and scrypt (`scryptSync`; pure computation, about 128 × N × r bytes of
 * memory: 16 MiB and tens of ms for an encrypted save's N = 2^14, r = 8). A browser embedder
 * calls `createSodiumCrypto` with its own SHA-256 and scrypt instead.
 */
import { createHash, scryptSync } from 'node:crypto';
import type { Bytes } from '../../protocol/bytes.js';
import { createSodiumCrypto, type Crypto, type CryptoPlatform, type ScryptParams } from '../../protocol/crypto.js';

export type { Crypto } from '../../protocol/crypto.js';

/** Memory bound passed to scryptSync at least: N = 2^14, r = 8 needs about 16 MiB; leave headroom (bytes). */
const SCRYPT_MIN_MAXMEM_BYTES = 64 * 1024 * 1024;

export const nodeCryptoPlatform: CryptoPlatform = {
  sha256(data: Bytes): Bytes {
    return new Uint8Array(createHash('sha256').update(data).digest());
  },
  scrypt(password: Bytes, salt: Bytes, { N, r, p, keyLength }: ScryptParams): Bytes {
    const maxmem = Math.max(SCRYPT_MIN_MAXMEM_BYTES, 4 * 128 * N * r);
    return new Uint8Array(scryptSync(password, salt, keyLength, { N, r, p, maxmem }));
  },
};

let loaded: Crypto | undefined;

/** Loads libsodium once and returns the shared, stateless crypto implementation (Node). */
export async function loadCrypto(): Promise<Crypto> {
  if (loaded) return loaded;
  loaded = await createSodiumCrypto(nodeCryptoPlatform);
  return loaded;
}
