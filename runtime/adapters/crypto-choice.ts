/**
 * `TOXSTATE_CRYPTO=auto|native|wasm`: which crypto backend `loadCrypto()` (node-crypto.ts) takes.
 * Kept apart from the backends so that the CLI can check the variable before loading any of them
 * (cli/main.ts): a bad value is the user's error, reported in one line.
 */

/** The environment variable that picks the backend, and its values (unset or empty: auto). */
export const CRYPTO_ENV_VAR = 'TOXSTATE_CRYPTO';
export const CRYPTO_CHOICES = ['auto', 'native', 'wasm'] as const;
export type CryptoChoice = (typeof CRYPTO_CHOICES)[number];

/** The choice `TOXSTATE_CRYPTO` makes (unset or empty: auto); throws naming the variable and the values otherwise. */
export function cryptoChoiceFromEnv(env: NodeJS.ProcessEnv = process.env): CryptoChoice {
  const v = env[CRYPTO_ENV_VAR];
  if (v === undefined || v === '') return 'auto';
  if ((CRYPTO_CHOICES as readonly string[]).includes(v)) return v as CryptoChoice;
  throw new Error(`${CRYPTO_ENV_VAR}=${JSON.stringify(v)} is not a crypto backend: use one of ${CRYPTO_CHOICES.join(', ')}`);
}
