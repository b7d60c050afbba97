/**
 * protocol/tcp/frame.ts (docs/protocol.md §14.2): TcpCipher's frames ([u16 BE box length][box]),
 * its per-frame nonce increments with carry (c-toxcore increment_nonce), the 2032-byte plaintext
 * bound (TCP_common.c write_packet_TCP_secure_connection: plain + 16 ≤ 2048), and TcpFrameReader:
 * any chunking of a stream gives the same frames back, an over-long (> 2048, TCP_common.c
 * read_TCP_length) or zero length is an error after which nothing is held, and it never holds
 * more than one maximal frame plus one chunk.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { concat, hex, toHex } from '../../../protocol/bytes.js';
import { MAX_PACKET_SIZE, TCP_MAX_PLAIN_SIZE, TcpCipher, TcpFrameReader } from '../../../protocol/tcp/index.js';
import { loadCrypto, type Crypto } from '../../../runtime/adapters/node-crypto.js';

let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const KEY = new Uint8Array(32).fill(0x42);

/** A sender/receiver pair on one key: the receiver's receive nonce is the sender's send nonce. */
function pair(base: Uint8Array): { tx: TcpCipher; rx: TcpCipher } {
  return { tx: new TcpCipher(crypto, KEY, base, new Uint8Array(24)), rx: new TcpCipher(crypto, KEY, new Uint8Array(24), base) };
}

describe('TcpCipher', () => {
  it('a frame is the u16 big-endian box length, then crypto_box(key, send nonce){plain}', () => {
    const base = hex('0102030405060708090a0b0c0d0e0f101112131415161718');
    const { tx } = pair(base);
    const plain = Uint8Array.of(4, 1, 2, 3, 4, 5, 6, 7, 8);
    const frame = tx.seal(plain);
    expect(frame.length).toBe(2 + plain.length + 16);
    expect((frame[0]! << 8) | frame[1]!).toBe(plain.length + 16);
    expect(toHex(frame.subarray(2))).toBe(toHex(crypto.seal(KEY, base, plain)));
  });

  it('each frame uses the next nonce, carrying over bytes (…00ff → …0100, ff…ff → 0…0)', () => {
    const base = hex(`${'00'.repeat(22)}00ff`);
    const { tx } = pair(base);
    const f1 = tx.seal(Uint8Array.of(1));
    const f2 = tx.seal(Uint8Array.of(2));
    expect(crypto.open(KEY, base, f1.subarray(2))).toEqual(Uint8Array.of(1));
    expect(crypto.open(KEY, hex(`${'00'.repeat(22)}0100`), f2.subarray(2))).toEqual(Uint8Array.of(2));
    expect(toHex(tx.sendNonce)).toBe(`${'00'.repeat(22)}0101`);
    const wrap = new TcpCipher(crypto, KEY, hex('ff'.repeat(24)), hex('ff'.repeat(24)));
    wrap.seal(Uint8Array.of(1));
    expect(toHex(wrap.sendNonce)).toBe('00'.repeat(24));
  });

  it('100 frames in a row open in order; the receive nonce counts along', () => {
    const base = hex(`${'00'.repeat(23)}c0`);
    const { tx, rx } = pair(base);
    for (let i = 0; i < 100; i++) {
      const f = tx.seal(Uint8Array.of(i + 1, i));
      expect(rx.open(f.subarray(2))).toEqual(Uint8Array.of(i + 1, i));
    }
    // 0xc0 + 100 = 0x124: the counters crossed a byte boundary together.
    expect(toHex(rx.recvNonce)).toBe(`${'00'.repeat(22)}0124`);
    expect(toHex(tx.sendNonce)).toBe(toHex(rx.recvNonce));
  });

  it('a tampered, replayed, skipped or out-of-bounds box opens to null and leaves the receive nonce alone', () => {
    const { tx, rx } = pair(new Uint8Array(24));
    const f1 = tx.seal(Uint8Array.of(1, 2, 3)).subarray(2);
    const f2 = tx.seal(Uint8Array.of(4, 5, 6)).subarray(2);
    for (const at of [0, 15, 16, f1.length - 1]) {
      const t = f1.slice();
      t[at]! ^= 0x04;
      expect(rx.open(t), `flip at ${at}`).toBeNull();
    }
    expect(rx.open(f2)).toBeNull(); // skipped f1: wrong nonce
    expect(rx.open(new Uint8Array(16))).toBeNull();
    expect(rx.open(new Uint8Array(0))).toBeNull();
    expect(rx.open(new Uint8Array(MAX_PACKET_SIZE + 1))).toBeNull();
    expect(toHex(rx.recvNonce)).toBe('00'.repeat(24));
    expect(rx.open(f1)).toEqual(Uint8Array.of(1, 2, 3));
    expect(rx.open(f1)).toBeNull(); // replay
    expect(rx.open(f2)).toEqual(Uint8Array.of(4, 5, 6));
  });

  it('seals up to 2032 bytes (a 2048-byte box) and throws RangeError above, or for nothing', () => {
    const { tx, rx } = pair(new Uint8Array(24));
    const max = tx.seal(new Uint8Array(TCP_MAX_PLAIN_SIZE).fill(7));
    expect(TCP_MAX_PLAIN_SIZE).toBe(2032);
    expect((max[0]! << 8) | max[1]!).toBe(MAX_PACKET_SIZE);
    expect(rx.open(max.subarray(2))?.length).toBe(2032);
    expect(() => tx.seal(new Uint8Array(TCP_MAX_PLAIN_SIZE + 1))).toThrow(RangeError);
    expect(() => tx.seal(new Uint8Array(0))).toThrow(RangeError);
    // A refused seal does not consume a nonce: the next frame still opens.
    expect(rx.open(tx.seal(Uint8Array.of(9)).subarray(2))).toEqual(Uint8Array.of(9));
  });
});

/** A stream of frames: each frame is [u16 len][len bytes], len 1..maxLen. */
const frames = (maxLen: number) => fc.array(fc.uint8Array({ minLength: 1, maxLength: maxLen }), { minLength: 0, maxLength: 20 });
const onWire = (boxes: Uint8Array[]) => concat(...boxes.map((b) => concat(Uint8Array.of(b.length >> 8, b.length & 0xff), b)));

/** Splits `b` at the given (sorted, deduplicated) cut points. */
function cut(b: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (b.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...at, b.length]) {
    out.push(b.slice(prev, p));
    prev = p;
  }
  return out;
}

describe('TcpFrameReader', () => {
  it('gives the same frames back however the stream is chunked (draining after each push)', () => {
    fc.assert(
      fc.property(frames(300), fc.array(fc.nat(), { maxLength: 40 }), (boxes, points) => {
        const r = new TcpFrameReader();
        const got: string[] = [];
        for (const chunk of cut(onWire(boxes), points)) {
          r.push(chunk);
          for (let f = r.next(); f !== null; f = r.next()) got.push(toHex(f));
        }
        expect(r.error).toBeNull();
        expect(got).toEqual(boxes.map(toHex));
        expect(r.buffered).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('take(n) reads raw handshake bytes, then frames follow in the same stream', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 128, maxLength: 128 }), frames(100), fc.array(fc.nat(), { maxLength: 20 }), (hello, boxes, points) => {
        const r = new TcpFrameReader();
        let handshake: Uint8Array | null = null;
        const got: string[] = [];
        for (const chunk of cut(concat(hello, onWire(boxes)), points)) {
          r.push(chunk);
          if (handshake === null) handshake = r.take(128);
          if (handshake !== null) for (let f = r.next(); f !== null; f = r.next()) got.push(toHex(f));
        }
        expect(handshake && toHex(handshake)).toBe(toHex(hello));
        expect(got).toEqual(boxes.map(toHex));
      }),
      { numRuns: 100 },
    );
    const r = new TcpFrameReader();
    r.push(new Uint8Array(95));
    expect(r.take(96)).toBeNull();
    expect(r.buffered).toBe(95);
    expect(() => r.take(-1)).toThrow(RangeError);
  });

  it('a frame of exactly 2048 bytes passes; a length of 2049 or more sets error, drops what it held and ignores later input', () => {
    const ok = new TcpFrameReader();
    ok.push(onWire([new Uint8Array(MAX_PACKET_SIZE).fill(1)]));
    expect(ok.next()?.length).toBe(MAX_PACKET_SIZE);
    for (const len of [MAX_PACKET_SIZE + 1, 0x1000, 0xffff]) {
      const r = new TcpFrameReader();
      r.push(concat(onWire([Uint8Array.of(1, 2, 3)]), Uint8Array.of(len >> 8, len & 0xff), new Uint8Array(100)));
      expect(r.next()).toEqual(Uint8Array.of(1, 2, 3));
      expect(r.next()).toBeNull();
      expect(r.error).toBe(`frame length ${len} exceeds 2048`);
      expect(r.buffered).toBe(0);
      for (let i = 0; i < 50; i++) r.push(new Uint8Array(1000));
      expect(r.buffered).toBe(0);
      expect(r.next()).toBeNull();
      expect(r.take(1)).toBeNull();
    }
  });

  it('the error is set as soon as the two length bytes arrive, before the body', () => {
    const r = new TcpFrameReader();
    r.push(Uint8Array.of(0x08));
    expect(r.next()).toBeNull();
    expect(r.error).toBeNull();
    r.push(Uint8Array.of(0x01));
    expect(r.next()).toBeNull();
    expect(r.error).toBe('frame length 2049 exceeds 2048');
  });

  it('a zero length is an error (c-toxcore skips it, but never sends one)', () => {
    const r = new TcpFrameReader();
    r.push(Uint8Array.of(0, 0, 0, 1, 7));
    expect(r.next()).toBeNull();
    expect(r.error).toBe('zero frame length');
  });

  it('a smaller maxFrame is honoured; an impossible one throws', () => {
    const r = new TcpFrameReader({ maxFrame: 100 });
    r.push(onWire([new Uint8Array(100), new Uint8Array(101)]));
    expect(r.next()?.length).toBe(100);
    expect(r.next()).toBeNull();
    expect(r.error).toBe('frame length 101 exceeds 100');
    expect(() => new TcpFrameReader({ maxFrame: 0 })).toThrow(RangeError);
    expect(() => new TcpFrameReader({ maxFrame: 65536 })).toThrow(RangeError);
  });

  it('holds at most one maximal frame plus one chunk: pushing without draining is an error', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 700 }), { minLength: 1, maxLength: 30 }), (chunks) => {
        const r = new TcpFrameReader();
        for (const c of chunks) {
          // A stream of valid frame headers that never completes: 0x07ff = 2047.
          const before = r.buffered;
          r.push(c.map((_, i) => (i % 2 === 0 ? 0x07 : 0xff)));
          expect(r.buffered).toBeLessThanOrEqual(2 + MAX_PACKET_SIZE + c.length);
          if (r.error === null) expect(before).toBeLessThanOrEqual(2 + MAX_PACKET_SIZE);
        }
      }),
      { numRuns: 100 },
    );
    const r = new TcpFrameReader();
    const many = onWire(Array.from({ length: 40 }, () => new Uint8Array(100)));
    r.push(many); // 4080 bytes, nothing drained yet: accepted (one chunk)
    expect(r.error).toBeNull();
    r.push(Uint8Array.of(1)); // still not drained: refused
    expect(r.error).toBe('undrained: 4080 bytes held before a new chunk');
    expect(r.buffered).toBe(0);
  });
});
