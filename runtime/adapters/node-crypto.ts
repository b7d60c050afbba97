/**
 * The crypto backends on Node and the choice between them (protocol/crypto.ts has the interface).
 *
 * - 'native': sodium-native, an optional dependency shipping prebuilt libsodium
 *   (runtime/adapters/crypto-native.ts), at about native C speed.
 * - 'wasm': libsodium-wrappers (WebAssembly), the portable one, as in browsers.
 *
 * `TOXSTATE_CRYPTO=auto|native|wasm` picks (unset or empty = auto): auto takes native when
 * sodium-native loads and passes its self-test, else wasm, silently; native fails with the reason
 * when it cannot load; any other value is an error naming the variable and the allowed values.
 * Both use node:crypto for the two primitives libsodium-wrappers lacks here: SHA-256
 * (`createHash`, wasm only) and scrypt (`scryptSync`; pure computation, about 128 × N × r bytes of
 * memory: 16 MiB and tens of ms for an encrypted save's N = 2^14, r = 8). A browser embedder calls
 * `createSodiumCrypto` with its own SHA-256 and scrypt instead.
 */
import { createHash, scryptSync } from 'node:crypto';
import type { Bytes } from '../../protocol/bytes.js';
import { createSodiumCrypto, type Crypto, type CryptoPlatform, type ScryptParams } from '../../protocol/crypto.js';
import { CRYPTO_ENV_VAR, cryptoChoiceFromEnv, type CryptoChoice } from './crypto-choice.js';
import { loadNativeCrypto } from './crypto-native.js';

export type { Crypto, CryptoBackend } from '../../protocol/crypto.js';
export { CRYPTO_CHOICES, CRYPTO_ENV_VAR, cryptoChoiceFromEnv, type CryptoChoice } from './crypto-choice.js';

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

let wasm: Promise<Crypto> | undefined;
let native: NativeLoad | undefined;

/** Whether the native backend loads here (sodium-native present and passing its self-test), or why not. */
export function nativeCryptoAvailability(): { ok: true } | { ok: false; reason: string } {
  native ??= loadNativeCrypto(nodeCryptoPlatform);
  return native.ok ? { ok: true } : native;
}

/** The wasm backend (libsodium-wrappers), loaded once. */
export function loadWasmCrypto(): Promise<Crypto> {
  wasm ??= createSodiumCrypto(nodeCryptoPlatform);
  return wasm;
}

/** How the native backend loaded: its Crypto, or why not (runtime/adapters/crypto-native.ts). */
export type NativeLoad = { ok: true; crypto: Crypto } | { ok: false; reason: string };

/**
 * The backend `choice` names, given how the native one loaded: auto falls back to wasm silently,
 * native throws with the reason.
 */
export async function chooseCrypto(choice: CryptoChoice, nativeLoad: () => NativeLoad, wasmLoad: () => Promise<Crypto>): Promise<Crypto> {
  if (choice === 'wasm') return wasmLoad();
  const n = nativeLoad();
  if (n.ok) return n.crypto;
  if (choice === 'native') throw new Error(`${CRYPTO_ENV_VAR}=native: ${n.reason} (sodium-native is an optional dependency; ${CRYPTO_ENV_VAR}=auto falls back to wasm)`);
  return wasmLoad();
}

/**
 * Returns the shared, stateless crypto implementation of `choice` (by default the one
 * `TOXSTATE_CRYPTO` names, auto when unset); `crypto.backend` says which it is.
 */
export function loadCrypto(choice: CryptoChoice = cryptoChoiceFromEnv()): Promise<Crypto> {
  return chooseCrypto(choice, () => (native ??= loadNativeCrypto(nodeCryptoPlatform)), loadWasmCrypto);
}
