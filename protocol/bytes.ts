/**
 * Byte helpers shared by every codec: a bounds-checked reader that never throws
 * (it records the first shortfall), a growable writer — the one way encoders lay
 * out fields, so no codec computes offsets by hand — the `sealedPacket` frame,
 * hex conversion and constant-free comparisons. All multi-byte integers on the
 * Tox wire are big-endian unless a codec says otherwise.
 */
import { err, ok, type Result } from './result.js';

export type Bytes = Uint8Array;

/** ASCII codes of the 16 lowercase hex digits. */
const HEX_DIGITS = new TextEncoder().encode('0123456789abcdef');
const ASCII = new TextDecoder();

/** Scratch for the hex digits of a 32-byte key (the common case: no buffer allocated per call). */
const KEY_HEX_SCRATCH = new Uint8Array(64);
/** taggedHex's scratch arrays by length (a few tags in use; at most 8 kept). */
const TAGGED_HEX_SCRATCH = new Map<number, Uint8Array>();

/** Lowercase hex, two digits a byte (no Node Buffer: protocol/ runs in browsers too). */
export function toHex(b: Bytes): string {
  return ASCII.decode(writeHex(b, b.length === 32 ? KEY_HEX_SCRATCH : new Uint8Array(b.length * 2), 0));
}

/**
 * `${tag}:${toHex(b)}` (tag in ASCII) built as one flat string: a map key with no
 * concatenation left to flatten when it is hashed.
 */
export function taggedHex(tag: string, b: Bytes): string {
  // A typed array costs more to allocate than the rest of this call: one scratch per length.
  const n = tag.length + 1 + b.length * 2;
  let out = TAGGED_HEX_SCRATCH.get(n);
  if (out === undefined) {
    out = new Uint8Array(n);
    if (TAGGED_HEX_SCRATCH.size < 8) TAGGED_HEX_SCRATCH.set(n, out);
  }
  for (let i = 0; i < tag.length; i++) out[i] = tag.charCodeAt(i) & 0x7f;
  out[tag.length] = 0x3a; // ':'
  return ASCII.decode(writeHex(b, out, tag.length + 1));
}

/** Writes the hex digits of `b` into `out` from `at`; returns `out`. */
function writeHex(b: Bytes, out: Uint8Array, at: number): Uint8Array {
  for (let i = 0, j = at; i < b.length; i++, j += 2) {
    const v = b[i]!;
    out[j] = HEX_DIGITS[v >> 4]!;
    out[j + 1] = HEX_DIGITS[v & 15]!;
  }
  return out;
}

/** Parses an even-length hex string (either case): `{ ok: true, value }` (the bytes), or `{ ok: false, error }` for anything else; never throws. */
export function fromHex(s: string): Result<Bytes> {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return err(`not a hex string: ${JSON.stringify(s.slice(0, 16))}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return ok(out);
}

/** Hex to bytes for trusted constants and tests; throws on malformed input. */
export function hex(s: string): Bytes {
  const r = fromHex(s.replace(/\s+/g, ''));
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

export function concat(...parts: readonly Bytes[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export function isAllZero(a: Bytes): boolean {
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]!;
  return d === 0;
}

/**
 * Sequential reader over a datagram. Reads past the end return zeros and set
 * `short`; the decoder checks `short` (or `need`) once and returns an error value.
 */
export class Reader {
  pos = 0;
  short = false;
  constructor(readonly buf: Bytes) {}

  get remaining(): number {
    return Math.max(0, this.buf.length - this.pos);
  }

  /** True when at least `n` bytes remain. */
  has(n: number): boolean {
    return this.remaining >= n;
  }

  bytes(n: number): Bytes {
    if (n < 0 || this.pos + n > this.buf.length) {
      this.short = true;
      this.pos = this.buf.length;
      return new Uint8Array(Math.max(0, n));
    }
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  rest(): Bytes {
    return this.bytes(this.remaining);
  }

  u8(): number {
    if (this.pos + 1 > this.buf.length) {
      this.short = true;
      return 0;
    }
    return this.buf[this.pos++]!;
  }

  u16(): number {
    const b = this.bytes(2);
    return (b[0]! << 8) | b[1]!;
  }

  u32(): number {
    const b = this.bytes(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  u64(): bigint {
    const b = this.bytes(8);
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    return v;
  }

  u32le(): number {
    const b = this.bytes(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  u64le(): bigint {
    const b = this.bytes(8);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    return v;
  }
}

/** Growable writer; the mirror of `Reader`. */
export class Writer {
  private buf: Uint8Array;
  private len = 0;
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = Math.max(16, this.buf.length * 2);
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  bytes(b: Bytes): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf[this.len++] = (v >>> 24) & 0xff;
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u64(v: bigint): this {
    for (let i = 7; i >= 0; i--) this.u8(Number((v >> BigInt(i * 8)) & 0xffn));
    return this;
  }

  u32le(v: number): this {
    this.ensure(4);
    this.buf[this.len++] = v & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = (v >>> 24) & 0xff;
    return this;
  }

  u64le(v: bigint): this {
    for (let i = 0; i < 8; i++) this.u8(Number((v >> BigInt(i * 8)) & 0xffn));
    return this;
  }

  get length(): number {
    return this.len;
  }

  /**
   * The bytes written. A writer sized exactly hands over its buffer without a copy (most
   * encoders size theirs): any later write finds it full and moves to a new buffer first.
   */
  finish(): Bytes {
    return this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
  }
}

/**
 * The frame most Tox packets share: `[id 1][sender public key 32][nonce 24][box]` (the DHT
 * packets 0x00–0x04 and 0x93–0x98, cookie request 0x18; c-toxcore `dht_create_packet`,
 * `create_cookie_request`). `box` is MAC ‖ ciphertext, already sealed by the caller.
 */
export function sealedPacket(id: number, senderPk: Bytes, nonce: Bytes, box: Bytes): Bytes {
  return new Writer(1 + senderPk.length + nonce.length + box.length).u8(id).bytes(senderPk).bytes(nonce).bytes(box).finish();
}
