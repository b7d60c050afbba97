import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeRequestPacket, encodeRequestPacket } from '../../protocol/net-crypto/index.js';

/** The rule as spec.md states it, written independently: each gap d is ⌊(d−1)/255⌋ zeros then the rest. */
function specEncode(bufferStart: number, missing: number[]): number[] {
  const out = [1];
  let ref = bufferStart - 1;
  for (const m of missing) {
    let d = m - ref;
    while (d > 255) {
      out.push(0);
      d -= 255;
    }
    out.push(d);
    ref = m;
  }
  return out;
}

describe('request payload (id 1)', () => {
  it('matches the spec.md examples (buffer_start 1: request 1; 1 and 4; 3, 6 and 1024)', () => {
    expect(Array.from(encodeRequestPacket({ bufferStart: 1, missing: [1] }))).toEqual([1, 1]);
    expect(Array.from(encodeRequestPacket({ bufferStart: 1, missing: [1, 4] }))).toEqual([1, 1, 3]);
    expect(Array.from(encodeRequestPacket({ bufferStart: 1, missing: [3, 6, 1024] }))).toEqual([1, 3, 3, 0, 0, 0, 253]);
  });

  it('writes a gap of exactly 255 as 255 and 256 as 0, 1', () => {
    expect(Array.from(encodeRequestPacket({ bufferStart: 0, missing: [254] }))).toEqual([1, 255]);
    expect(Array.from(encodeRequestPacket({ bufferStart: 0, missing: [255] }))).toEqual([1, 0, 1]);
    expect(Array.from(encodeRequestPacket({ bufferStart: 0, missing: [509] }))).toEqual([1, 0, 255]);
    expect(Array.from(encodeRequestPacket({ bufferStart: 0, missing: [510] }))).toEqual([1, 0, 0, 1]);
  });

  it('an empty list is a bare [0x01], which requests and acknowledges nothing', () => {
    expect(Array.from(encodeRequestPacket({ bufferStart: 5, missing: [] }))).toEqual([1]);
    const d = decodeRequestPacket(Uint8Array.of(1), { bufferStart: 5, bufferEnd: 50 });
    expect(d.ok && d.value.requested.length === 0 && d.value.walkedEnd === 5).toBe(true);
  });

  it('with bufferEnd, writes the trailing zeros c-toxcore writes for received packets after the last gap', () => {
    const p = encodeRequestPacket({ bufferStart: 0, missing: [0], bufferEnd: 600 });
    expect(Array.from(p)).toEqual([1, 1, 0, 0]);
    const d = decodeRequestPacket(p, { bufferStart: 0, bufferEnd: 600 });
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.value.requested).toEqual([0]);
    expect(d.value.walkedEnd).toBe(511); // zeros at 255 and 510 consumed, then the bytes ran out
  });

  it('agrees with the independent spec formulation and decodes back (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uniqueArray(fc.integer({ min: 0, max: 3000 }), { maxLength: 60 }),
        (bufferStart, offsets) => {
          offsets.sort((a, b) => a - b);
          const missing = offsets.map((o) => (bufferStart + o) >>> 0);
          const enc = encodeRequestPacket({ bufferStart, missing });
          expect(Array.from(enc)).toEqual(specEncode(0, offsets));
          const last = offsets.length ? offsets[offsets.length - 1]! : -1;
          const dec = decodeRequestPacket(enc, { bufferStart, bufferEnd: (bufferStart + last + 1 + 100) >>> 0 });
          expect(dec.ok).toBe(true);
          if (!dec.ok) return;
          expect(dec.value.requested).toEqual(missing);
          expect(dec.value.walkedEnd).toBe(offsets.length ? (bufferStart + last + 1) >>> 0 : bufferStart);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stops at maxLength like c-toxcore (a prefix of the list)', () => {
    const missing = Array.from({ length: 2000 }, (_, i) => 2 * i);
    const enc = encodeRequestPacket({ bufferStart: 0, missing });
    expect(enc.length).toBe(1373);
    const dec = decodeRequestPacket(enc, { bufferStart: 0 });
    expect(dec.ok && dec.value.requested).toEqual(missing.slice(0, 1372));
  });

  it('decoding is bounded by the send window; a 0 byte means "255 further, no request"', () => {
    const d = decodeRequestPacket(Uint8Array.of(1, 1, 1, 1, 1), { bufferStart: 10, bufferEnd: 12 });
    expect(d.ok && d.value.requested).toEqual([10, 11]);
    expect(d.ok && d.value.walkedEnd).toBe(12);
    const z = decodeRequestPacket(Uint8Array.of(1, 1, 0, 7), { bufferStart: 0, bufferEnd: 1000 });
    expect(z.ok && z.value.requested).toEqual([0, 262]);
    const ff = decodeRequestPacket(Uint8Array.of(1, 0xff, 0xff), { bufferStart: 0, bufferEnd: 1000 });
    expect(ff.ok && ff.value.requested).toEqual([254, 509]);
    expect(decodeRequestPacket(Uint8Array.of(2), { bufferStart: 0 }).ok).toBe(false);
    expect(decodeRequestPacket(new Uint8Array(0), { bufferStart: 0 }).ok).toBe(false);
    expect(decodeRequestPacket(Uint8Array.of(1), { bufferStart: 0, bufferEnd: 40000 }).ok).toBe(false);
  });

  it('every [0x01, …] payload decodes: the "must be 0" check in handle_request_packet cannot fire', () => {
    // n counts 1, 2, … from the reference, so a byte b in 1..255 always matches before n passes
    // 255; only a 0 byte is still unmatched at n = 255, and that is exactly the allowed case.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (tail) => {
        const d = decodeRequestPacket(Uint8Array.from([1, ...tail]), { bufferStart: 0 });
        expect(d.ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes and never reports more numbers than the window holds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1400 }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 40000 }), (b, start, span) => {
        const d = decodeRequestPacket(b, { bufferStart: start, bufferEnd: (start + span) >>> 0 });
        if (d.ok) expect(d.value.requested.length).toBeLessThanOrEqual(span);
      }),
      { numRuns: 300 },
    );
  });

  it('encoder refuses unordered or out-of-window numbers', () => {
    expect(() => encodeRequestPacket({ bufferStart: 0, missing: [5, 3] })).toThrow();
    expect(() => encodeRequestPacket({ bufferStart: 0, missing: [5, 5] })).toThrow();
    expect(() => encodeRequestPacket({ bufferStart: 100, missing: [99] })).toThrow();
    expect(() => encodeRequestPacket({ bufferStart: 0, missing: [40000] })).toThrow();
    expect(() => encodeRequestPacket({ bufferStart: 0, missing: [10], bufferEnd: 5 })).toThrow();
  });
});
