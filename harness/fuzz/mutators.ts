/**
 * Mutators: how the fuzzer turns seeds into inputs. All draw from one seeded `Random`, so a run
 * is reproducible from its seed.
 *
 *   randomBehindId   a known packet id (protocol/packet-ids.ts), then random bytes: random
 *                    lengths, and the exact sizes the decoders check (±1 around them)
 *   truncate         a prefix of a real packet
 *   extend           a real packet with random bytes appended
 *   bitFlip          1–8 flipped bits of a real packet
 *   interesting      bytes set to 0x00, 0xff, 0x7f, 0x80 or a length-like value
 *   overwrite        a random run of bytes replaced with random bytes
 *   splice           the front of one real packet and the back of another of the same kind
 *   seed             the real packet itself, unchanged (keeps the valid paths busy)
 */
import type { Bytes } from '../../protocol/bytes.js';
import { PACKET_ID } from '../../protocol/packet-ids.js';
import type { Random } from '../../runtime/random.js';

export type MutatorName = 'randomBehindId' | 'truncate' | 'extend' | 'bitFlip' | 'interesting' | 'overwrite' | 'splice' | 'seed';

export const MUTATORS: readonly MutatorName[] = ['randomBehindId', 'truncate', 'extend', 'bitFlip', 'interesting', 'overwrite', 'splice', 'seed'];

/** Every known packet id, and a few unknown ones. */
export const FUZZ_IDS: readonly number[] = [...Object.values(PACKET_ID), 0x03, 0x05, 0x17, 0x1c, 0x22, 0x7f, 0x89, 0x8b, 0x8f, 0xff];

/** Sizes the decoders test exactly (docs/protocol.md): fixed packets, minimums, maximums. */
const EDGE_SIZES: readonly number[] = [0, 1, 33, 57, 58, 60, 61, 81, 82, 83, 112, 113, 114, 119, 120, 121, 122, 144, 145, 146, 160, 161, 162, 176, 177, 178, 179, 210, 211, 218, 219, 226, 227, 238, 285, 286, 287, 353, 354, 355, 384, 385, 386, 1021, 1022, 1024, 1025, 1069, 1070, 1373, 1399, 1400, 1401, 2048];

const INTERESTING: readonly number[] = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x02, 0x04, 0x0a, 0x82, 0x8a, 0x10, 0x18, 0x20];

export class Mutator {
  constructor(private readonly r: Random) {}

  pick<T>(xs: readonly T[]): T {
    return xs[this.r.int(xs.length)]!;
  }

  randomBehindId(id: number = this.pick(FUZZ_IDS)): Bytes {
    const len = this.r.int(4) === 0 ? this.pick(EDGE_SIZES) : this.r.int(1500);
    const out = this.r.bytes(Math.max(1, len));
    out[0] = id;
    return out;
  }

  truncate(seed: Bytes): Bytes {
    if (seed.length === 0) return seed;
    // Favour cuts near the end (the length checks) and near the front (the headers).
    const n = this.r.int(3) === 0 ? Math.max(0, seed.length - 1 - this.r.int(Math.min(40, seed.length))) : this.r.int(seed.length);
    return seed.slice(0, n);
  }

  extend(seed: Bytes): Bytes {
    const extra = this.r.int(3) === 0 ? 1 + this.r.int(4) : 1 + this.r.int(600);
    const out = new Uint8Array(seed.length + extra);
    out.set(seed, 0);
    out.set(this.r.bytes(extra), seed.length);
    return out;
  }

  bitFlip(seed: Bytes): Bytes {
    const out = seed.slice();
    if (out.length === 0) return out;
    const flips = 1 + this.r.int(8);
    for (let i = 0; i < flips; i++) {
      // Byte 0 is the id: flipping it too often only tests the dispatcher.
      const at = out.length > 1 && this.r.int(8) !== 0 ? 1 + this.r.int(out.length - 1) : this.r.int(out.length);
      out[at]! ^= 1 << this.r.int(8);
    }
    return out;
  }

  interesting(seed: Bytes): Bytes {
    const out = seed.slice();
    if (out.length === 0) return out;
    const n = 1 + this.r.int(4);
    for (let i = 0; i < n; i++) out[this.r.int(out.length)] = this.pick(INTERESTING);
    return out;
  }

  overwrite(seed: Bytes): Bytes {
    const out = seed.slice();
    if (out.length < 2) return out;
    const at = 1 + this.r.int(out.length - 1);
    const len = Math.min(out.length - at, 1 + this.r.int(64));
    out.set(this.r.bytes(len), at);
    return out;
  }

  splice(a: Bytes, b: Bytes): Bytes {
    const cutA = this.r.int(a.length + 1);
    const cutB = this.r.int(b.length + 1);
    const out = new Uint8Array(cutA + (b.length - cutB));
    out.set(a.subarray(0, cutA), 0);
    out.set(b.subarray(cutB), cutA);
    return out;
  }

  /** One input from a seed (and a same-kind partner for splices). */
  mutate(name: MutatorName, seed: Bytes, partner: Bytes): Bytes {
    switch (name) {
      case 'randomBehindId':
        return this.randomBehindId(seed.length > 0 && this.r.int(2) === 0 ? seed[0]! : undefined);
      case 'truncate':
        return this.truncate(seed);
      case 'extend':
        return this.extend(seed);
      case 'bitFlip':
        return this.bitFlip(seed);
      case 'interesting':
        return this.interesting(seed);
      case 'overwrite':
        return this.overwrite(seed);
      case 'splice':
        return this.splice(seed, partner);
      case 'seed':
        return seed;
    }
  }
}
