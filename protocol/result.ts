/**
 * The value every decoder returns. Decoders never throw on input bytes: malformed
 * input becomes `{ ok: false, error }`, which the runtime counts and drops.
 */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = <T = never>(error: string): Result<T> => ({ ok: false, error });

/** Unwraps a result or throws: for tests and for code paths where failure is a broken invariant. */
export function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
