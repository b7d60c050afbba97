import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { equalBytes, hex, toHex } from '../../protocol/bytes.js';
import { loadCrypto, type Crypto } from '../../runtime/adapters/node-crypto.js';
import { addToNonce, incrementNonce } from '../../protocol/nonce.js';
import {
  DATA_NUM_THRESHOLD,
  MAX_CRYPTO_DATA_SIZE_BYTES,
  advanceRecvNonce,
  classifyPayloadId,
  decodeCryptoDataHeader,
  nonceLow16,
  openCryptoData,
  paddingLength,
  recoverNonce,
  sealCryptoData,
} from '../../protocol/net-crypto/index.js';

let crypto: Crypto;
beforeAll(async () => {
  crypto = await loadCrypto();
});

const key = new Uint8Array(32).fill(0x5a);
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const payloadArb = fc
  .uint8Array({ minLength: 1, maxLength: MAX_CRYPTO_DATA_SIZE_BYTES })
  .map((p) => {
    if (p[0] === 0) p[0] = 1;
    return p;
  });

describe('crypto data 0x1b', () => {
  it('round-trips counters and payload; size = 3 + 16 + 8 + padding + payload, within 28..1400', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 24 }), u32, u32, payloadArb, (nonce, bufferStart, packetNumber, payload) => {
        const pkt = sealCryptoData(crypto, key, nonce, { bufferStart, packetNumber, payload });
        expect(pkt[0]).toBe(0x1b);
        expect(pkt.length).toBe(3 + 16 + 8 + paddingLength(payload.length) + payload.length);
        expect(pkt.length).toBeGreaterThanOrEqual(28);
        expect(pkt.length).toBeLessThanOrEqual(1400);
        const h = decodeCryptoDataHeader(pkt);
        expect(h.ok && h.value.nonceLow16 === nonceLow16(nonce)).toBe(true);
        const o = openCryptoData(crypto, key, nonce, pkt);
        expect(o.ok).toBe(true);
        if (!o.ok) return;
        expect(o.value.bufferStart).toBe(bufferStart);
        expect(o.value.packetNumber).toBe(packetNumber);
        expect(equalBytes(o.value.payload, payload)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('pads with (1373 − len) mod 8 zero bytes: a bare request [0x01] gets 4, a full payload makes exactly 1400 bytes', () => {
    expect(paddingLength(1)).toBe(4); // docs/protocol.md §4.3 [EMP]: "a bare [0x01] with 4 padding bytes"
    expect(paddingLength(MAX_CRYPTO_DATA_SIZE_BYTES)).toBe(0);
    const nonce = new Uint8Array(24);
    const req = sealCryptoData(crypto, key, nonce, { bufferStart: 7, packetNumber: 9, payload: Uint8Array.of(1) });
    const plain = crypto.open(key, nonce, req.subarray(3));
    expect(toHex(plain!)).toBe('00000007' + '00000009' + '00000000' + '01');
    const full = sealCryptoData(crypto, key, nonce, { bufferStart: 0, packetNumber: 0, payload: new Uint8Array(MAX_CRYPTO_DATA_SIZE_BYTES).fill(0x40) });
    expect(full.length).toBe(1400);
  });

  it('carries the low 16 bits of the nonce big-endian in bytes 1..2', () => {
    const nonce = hex('000000000000000000000000000000000000000000001234');
    const pkt = sealCryptoData(crypto, key, nonce, { bufferStart: 0, packetNumber: 0, payload: Uint8Array.of(16) });
    expect(pkt[1]).toBe(0x12);
    expect(pkt[2]).toBe(0x34);
  });

  it('skips any amount of leading zero padding on receive but rejects a plaintext of only zeros', () => {
    const nonce = new Uint8Array(24).fill(3);
    const hand = (plain: Uint8Array) => {
      const boxed = crypto.seal(key, nonce, plain);
      return Uint8Array.from([0x1b, nonce[22]!, nonce[23]!, ...boxed]);
    };
    const many = new Uint8Array(8 + 40 + 2);
    many[48] = 24;
    many[49] = 7;
    const r = openCryptoData(crypto, key, nonce, hand(many));
    expect(r.ok && Array.from(r.value.payload)).toEqual([24, 7]);
    expect(openCryptoData(crypto, key, nonce, hand(new Uint8Array(20))).ok).toBe(false);
    expect(openCryptoData(crypto, key, nonce, hand(new Uint8Array(8).fill(1))).ok).toBe(false);
  });

  it('rejects sizes outside 28..1400 before decrypting, a wrong nonce, and never throws', () => {
    expect(decodeCryptoDataHeader(new Uint8Array(27).fill(0x1b)).ok).toBe(false);
    const min = new Uint8Array(28);
    min[0] = 0x1b;
    expect(decodeCryptoDataHeader(min).ok).toBe(true);
    const max = new Uint8Array(1401);
    max[0] = 0x1b;
    expect(decodeCryptoDataHeader(max).ok).toBe(false);
    const nonce = new Uint8Array(24);
    const pkt = sealCryptoData(crypto, key, nonce, { bufferStart: 1, packetNumber: 2, payload: Uint8Array.of(64, 65) });
    expect(openCryptoData(crypto, key, incrementNonce(nonce), pkt).ok).toBe(false);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1500 }), (b) => {
      expect(openCryptoData(crypto, key, nonce, b).ok).toBe(false);
    }), { numRuns: 200 });
  });

  it('encoder refuses payloads that could not survive the trip', () => {
    const nonce = new Uint8Array(24);
    expect(() => sealCryptoData(crypto, key, nonce, { bufferStart: 0, packetNumber: 0, payload: new Uint8Array(0) })).toThrow();
    expect(() => sealCryptoData(crypto, key, nonce, { bufferStart: 0, packetNumber: 0, payload: new Uint8Array(1374).fill(1) })).toThrow();
    expect(() => sealCryptoData(crypto, key, nonce, { bufferStart: 0, packetNumber: 0, payload: Uint8Array.of(0, 16) })).toThrow();
    expect(() => sealCryptoData(crypto, key, nonce, { bufferStart: -1, packetNumber: 0, payload: Uint8Array.of(16) })).toThrow();
  });
});

describe('nonce recovery (c-toxcore handle_data_packet)', () => {
  it('recovers recvNonce + d for every d in 0..65535 from the low 16 bits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 24 }), fc.integer({ min: 0, max: 0xffff }), (recv, d) => {
        const sent = addToNonce(recv, d);
        const r = recoverNonce(recv, nonceLow16(sent));
        expect(r.diff).toBe(d);
        expect(equalBytes(r.nonce, sent)).toBe(true);
      }),
    );
  });

  it('carries through the whole nonce when the low 16 bits wrap', () => {
    const recv = hex('0000000000000000000000000000000000000000 00 00 ff fe');
    const r = recoverNonce(recv, 0x0001);
    expect(r.diff).toBe(3);
    expect(toHex(r.nonce)).toBe('000000000000000000000000000000000000000000010001');
  });

  it('advances recv_nonce by 21845 only when diff > 43690', () => {
    const recv = new Uint8Array(24);
    expect(equalBytes(advanceRecvNonce(recv, 2 * DATA_NUM_THRESHOLD), recv)).toBe(true);
    expect(equalBytes(advanceRecvNonce(recv, 2 * DATA_NUM_THRESHOLD + 1), addToNonce(recv, DATA_NUM_THRESHOLD))).toBe(true);
    const copy = new Uint8Array(recv);
    advanceRecvNonce(recv, 60000);
    expect(equalBytes(recv, copy)).toBe(true);
  });

  it('keeps up with a long stream with reordering and loss (no crypto: nonce arithmetic only)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 50, maxLength: 50 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (base, steps, seed) => {
          // The sender advances by 1 per packet; we deliver a packet after `step` sent ones,
          // sometimes one from up to 40 packets back (reordered), and lose the rest.
          let recv: Uint8Array = base;
          let sentIndex = 0;
          let s = seed;
          for (let i = 0; i < 400; i++) {
            const step = steps[i % steps.length]!;
            sentIndex += step;
            s = (s * 1103515245 + 12345) >>> 0;
            const back = s % 41;
            const idx = Math.max(0, sentIndex - back);
            const actual = addToNonce(base, idx);
            const r = recoverNonce(recv, nonceLow16(actual));
            expect(toHex(r.nonce)).toBe(toHex(actual));
            recv = advanceRecvNonce(recv, r.diff);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('payload id classes', () => {
  it('classifies every byte as net_crypto does', () => {
    const classes = Array.from({ length: 256 }, (_, id) => classifyPayloadId(id));
    expect(classes[0]).toBe('padding');
    expect(classes[1]).toBe('request');
    expect(classes[2]).toBe('kill');
    expect(classes[3]).toBe('reserved');
    expect(classes.slice(3, 16).every((c) => c === 'reserved')).toBe(true);
    expect(classes.slice(16, 192).every((c) => c === 'lossless')).toBe(true);
    expect(classes.slice(192, 255).every((c) => c === 'lossy')).toBe(true);
    expect(classes[255]).toBe('dropped');
    expect(() => classifyPayloadId(256)).toThrow();
  });
});
