/**
 * Randomness for the runtime: nonces, keys, ping ids, path choices. Injected (docs/architecture.md §2):
 * `secureRandom()` for real use, `seededRandom(seed)` for tests and the simulator, where the
 * same seed gives the same run.
 *
 * No Node import: the operating system's randomness comes through Web Crypto's
 * `globalThis.crypto.getRandomValues` (Node ≥ 20 and browsers).
 */

/** getRandomValues fills at most this many bytes per call (Web Crypto's QuotaExceededError bound). */
const GET_RANDOM_VALUES_MAX_BYTES = 65_536;

/** Fills `out` with operating-system randomness, in calls of at most 65,536 bytes; returns it. */
function randomFill(out: Uint8Array): Uint8Array {
  for (let at = 0; at < out.length; at += GET_RANDOM_VALUES_MAX_BYTES) {
    globalThis.crypto.getRandomValues(out.subarray(at, Math.min(out.length, at + GET_RANDOM_VALUES_MAX_BYTES)));
  }
  return out;
}

export interface Random {
  bytes(n: number): Uint8Array;
  /** A uniform integer in [0, max). */
  int(max: number): number;
}

/** Operating-system randomness, drawn from a pooled buffer. */
export function secureRandom(): Random {
  const pool = new Uint8Array(4096);
  let pos = pool.length;
  const take = (n: number): Uint8Array => {
    if (n > pool.length) return randomFill(new Uint8Array(n));
    if (pos + n > pool.length) {
      randomFill(pool);
      pos = 0;
    }
    const out = pool.slice(pos, pos + n);
    pos += n;
    return out;
  };
  return {
    bytes: take,
    int(max) {
      if (max <= 0) return 0;
      const b = take(4);
      const v = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
      return v % max;
    },
  };
}

/** A deterministic generator (xoshiro128**) for tests and simulations. Not for real keys. */
export function seededRandom(seed: number): Random {
  // SplitMix32 to spread the seed over the state.
  let x = seed >>> 0;
  const split = (): number => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = (): number => {
    const result = Math.imul(((Math.imul(b, 5) << 7) | (Math.imul(b, 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = ((d << 11) | (d >>> 21)) >>> 0;
    return result;
  };
  return {
    bytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += 4) {
        const v = next();
        out[i] = v & 0xff;
        if (i + 1 < n) out[i + 1] = (v >>> 8) & 0xff;
        if (i + 2 < n) out[i + 2] = (v >>> 16) & 0xff;
        if (i + 3 < n) out[i + 3] = (v >>> 24) & 0xff;
      }
      return out;
    },
    int(max) {
      return max <= 0 ? 0 : next() % max;
    },
  };
}
