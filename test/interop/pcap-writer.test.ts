import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildIpv4Udp, internetChecksum, LINKTYPE_IPV4, parseIpv4Udp, readPcap, writePcap, type PcapDatagram } from './pcap-writer.js';

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const endpoint = fc.record({ ip: ipv4, port: fc.nat(65535) });
const datagram: fc.Arbitrary<PcapDatagram> = fc.record({
  timeUs: fc.bigInt({ min: 0n, max: 4_000_000_000n * 1_000_000n }),
  src: endpoint,
  dst: endpoint,
  payload: fc.uint8Array({ maxLength: 1500 }),
});

describe('internetChecksum', () => {
  it('matches the RFC 1071 worked example (sum ddf2, checksum 220d)', () => {
    expect(internetChecksum(Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]))).toBe(0x220d);
  });

  it('treats split chunks like one buffer, odd lengths included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(64), (bytes, cut) => {
        const k = Math.min(cut, bytes.length);
        expect(internetChecksum(bytes.subarray(0, k), bytes.subarray(k))).toBe(internetChecksum(bytes));
      }),
    );
  });
});

describe('pcap writer and reader', () => {
  it('writes the classic header with LINKTYPE_IPV4 and reads every datagram back unchanged', () => {
    fc.assert(
      fc.property(fc.array(datagram, { maxLength: 8 }), (ds) => {
        const file = writePcap(ds);
        const v = new DataView(file.buffer);
        expect(v.getUint32(0, true)).toBe(0xa1b2c3d4);
        expect([v.getUint16(4, true), v.getUint16(6, true)]).toEqual([2, 4]);
        expect(v.getUint32(20, true)).toBe(LINKTYPE_IPV4);
        const r = readPcap(file);
        if (!r.ok) throw new Error(r.error);
        expect(r.value.records).toHaveLength(ds.length);
        r.value.records.forEach((rec, i) => {
          const d = ds[i]!;
          expect(rec.timeUs).toBe(d.timeUs);
          expect(rec.origLen).toBe(rec.data.length);
          const p = parseIpv4Udp(rec.data);
          if (!p.ok) throw new Error(p.error);
          expect(p.value).toEqual({ src: d.src, dst: d.dst, payload: d.payload });
        });
      }),
    );
  });

  it('detects any single corrupted byte in the IPv4/UDP packet (checksum fields aside)', () => {
    fc.assert(
      fc.property(datagram, fc.nat(), fc.integer({ min: 1, max: 255 }), (d, pos, mask) => {
        const packet = buildIpv4Udp(d, 7);
        const candidates = [...packet.keys()].filter((i) => i !== 26 && i !== 27); // a zeroed UDP checksum means "none"
        const at = candidates[pos % candidates.length]!;
        const bad = packet.slice();
        bad[at] = bad[at]! ^ mask;
        expect(parseIpv4Udp(bad).ok).toBe(false);
      }),
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(typeof readPcap(bytes).ok).toBe('boolean');
        expect(typeof parseIpv4Udp(bytes).ok).toBe('boolean');
      }),
    );
  });

  it('reports truncated files as errors', () => {
    const file = writePcap([{ timeUs: 1_500_000n, src: { ip: '127.0.0.1', port: 1 }, dst: { ip: '127.0.0.1', port: 2 }, payload: new Uint8Array(10) }]);
    expect(readPcap(file).ok).toBe(true);
    for (const n of [0, 23, 30, file.length - 1]) expect(readPcap(file.subarray(0, n)).ok).toBe(false);
  });

  it('refuses IPv6 endpoints and oversized payloads (invariants of our own callers)', () => {
    const base = { timeUs: 0n, src: { ip: '127.0.0.1', port: 1 }, dst: { ip: '127.0.0.1', port: 2 } };
    expect(() => buildIpv4Udp({ ...base, dst: { ip: '::1', port: 2 }, payload: new Uint8Array(1) }, 1)).toThrow(/IPv4/);
    expect(() => buildIpv4Udp({ ...base, payload: new Uint8Array(65508) }, 1)).toThrow(/too large/);
  });
});
