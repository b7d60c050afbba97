/**
 * protocol/pcap.ts: classic pcap and pcapng in both byte orders, every link type the dissector
 * promises (Ethernet 1, Linux SLL 113, SLL2 276, raw IPv4 228, raw 101, null/loopback 0, plus
 * LOOP 108 and IPv6 229), IPv4 and IPv6 down to UDP, skip reasons, truncation, and random bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpPort } from '../../protocol/ip-port.js';
import { formatCaptureTime, parseCapture, udpFromFrame, type Capture, type FrameResult } from '../../protocol/pcap.js';
import { parseIpv4Udp, readPcap } from '../interop/pcap-writer.js';
import { classicPcap, ethernet, ipv4Udp, ipv6Udp, nullHeader, pcapng, sll, sll2 } from './dissect-fixtures.js';

const PAYLOAD = Uint8Array.from([0x21, ...new Uint8Array(32).fill(7)]);
const V4 = ipv4Udp('127.0.0.1', '127.0.0.2', 33445, 33446, PAYLOAD);
const V6 = ipv6Udp('0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:1', 40000, 33445, PAYLOAD);

function capture(bytes: Uint8Array): Capture {
  const c = parseCapture(bytes);
  if (!c.ok) throw new Error(c.error);
  return c.value;
}

function udp(r: FrameResult) {
  if (!r.ok) throw new Error(`skipped: ${r.skip}`);
  return r.value;
}

describe('classic pcap', () => {
  it.each([
    ['little-endian µs', { little: true, nanos: false }],
    ['big-endian µs', { little: false, nanos: false }],
    ['little-endian ns', { little: true, nanos: true }],
    ['big-endian ns', { little: false, nanos: true }],
  ])('reads %s files: time, link type and frames', (_name, opts) => {
    const c = capture(classicPcap(228, [{ data: V4, sec: 1_700_000_000, frac: 123_456 }, { data: V4, sec: 1_700_000_001, frac: 5 }], opts));
    expect(c.format).toBe('pcap');
    expect(c.stoppedEarly).toBeNull();
    expect(c.records.map((r) => r.frame)).toEqual([1, 2]);
    const scale = opts.nanos ? 1n : 1000n;
    expect(c.records[0]!.timeNs).toBe(1_700_000_000n * 1_000_000_000n + 123_456n * scale);
    expect(c.records[0]!.timeDigits).toBe(opts.nanos ? 9 : 6);
    expect(c.records[1]!.linktype).toBe(228);
    expect(udp(udpFromFrame(228, c.records[1]!.data)).payload).toEqual(PAYLOAD);
  });

  it('reports a truncated last record and keeps the records before it', () => {
    const whole = classicPcap(228, [{ data: V4 }, { data: V4 }, { data: V4 }]);
    for (const cut of [1, 10, 16, 20, V4.length + 15]) {
      const c = capture(whole.subarray(0, whole.length - cut));
      expect(c.records.length).toBe(2);
      expect(c.stoppedEarly).toMatch(/^record 3 at byte \d+ is truncated/);
    }
  });

  it('refuses what is not a capture, and a file cut inside its header', () => {
    const notPcap = parseCapture(new TextEncoder().encode('root:x:0:0:root:/root:/bin/bash\n'));
    expect(notPcap.ok).toBe(false);
    if (!notPcap.ok) expect(notPcap.error).toMatch(/not a pcap or pcapng file/);
    const cut = parseCapture(classicPcap(228, []).subarray(0, 20));
    expect(cut.ok).toBe(false);
    if (!cut.ok) expect(cut.error).toMatch(/truncated pcap/);
    expect(parseCapture(new Uint8Array(0)).ok).toBe(false);
  });

  it('reads the golden capture like the capture script’s own reader does', () => {
    const bytes = new Uint8Array(readFileSync(join(import.meta.dirname, '../fixtures/captures/ctoxcore-0.2.18-loopback.pcap')));
    const c = capture(bytes);
    const reference = readPcap(bytes);
    if (!reference.ok) throw new Error(reference.error);
    expect(c.records.length).toBe(1118);
    expect(c.records.length).toBe(reference.value.records.length);
    c.records.forEach((r, i) => {
      const ref = reference.value.records[i]!;
      expect(r.timeNs).toBe(ref.timeUs * 1000n);
      const mine = udp(udpFromFrame(r.linktype, r.data));
      const theirs = parseIpv4Udp(ref.data);
      if (!theirs.ok) throw new Error(theirs.error);
      expect(mine.payload).toEqual(theirs.value.payload);
      expect(mine.size).toBe(theirs.value.payload.length);
      expect(formatIpPort(mine.src)).toBe(`${theirs.value.src.ip}:${theirs.value.src.port}`);
      expect(formatIpPort(mine.dst)).toBe(`${theirs.value.dst.ip}:${theirs.value.dst.port}`);
    });
  });
});

describe('pcapng', () => {
  it.each([true, false])('reads sections in either byte order (little-endian: %s): EPB, SPB, PB, resolution and offset', (little) => {
    const file = pcapng(
      [{ linktype: 1 }, { linktype: 228, tsresol: 9, tsoffset: 10n }],
      [
        { kind: 'other', type: 4, body: new Uint8Array(8) }, // name resolution block: skipped
        { kind: 'epb', iface: 0, ticks: 1_700_000_000_123_456n, data: ethernet(V4, 0x0800) },
        { kind: 'epb', iface: 1, ticks: 1_700_000_000_000_000_001n, data: V4 },
        { kind: 'spb', data: ethernet(V4, 0x0800) },
        { kind: 'pb', iface: 1, ticks: 5n, data: V4 },
      ],
      { little },
    );
    const c = capture(file);
    expect(c.format).toBe('pcapng');
    expect(c.stoppedEarly).toBeNull();
    expect(c.records.map((r) => r.linktype)).toEqual([1, 228, 1, 228]);
    expect(c.records[0]!.timeNs).toBe(1_700_000_000_123_456_000n);
    expect(c.records[0]!.timeDigits).toBe(6);
    expect(c.records[1]!.timeNs).toBe(1_700_000_000_000_000_001n + 10_000_000_000n);
    expect(c.records[1]!.timeDigits).toBe(9);
    expect(c.records[2]!.timeNs).toBeNull();
    expect(c.records[3]!.timeNs).toBe(5n + 10_000_000_000n);
    for (const r of c.records) expect(udp(udpFromFrame(r.linktype, r.data)).payload).toEqual(PAYLOAD);
  });

  it('handles a power-of-two resolution', () => {
    const c = capture(pcapng([{ linktype: 228, tsresol: 0x80 | 10 }], [{ kind: 'epb', iface: 0, ticks: 3n * 1024n, data: V4 }]));
    expect(c.records[0]!.timeNs).toBe(3_000_000_000n);
  });

  it('reports a truncated last block and keeps the frames before it', () => {
    const whole = pcapng([{ linktype: 228 }], [
      { kind: 'epb', iface: 0, ticks: 1n, data: V4 },
      { kind: 'epb', iface: 0, ticks: 2n, data: V4 },
    ]);
    const c = capture(whole.subarray(0, whole.length - 7));
    expect(c.records.length).toBe(1);
    expect(c.stoppedEarly).toMatch(/truncated/);
    const cutHeader = parseCapture(whole.subarray(0, 10));
    expect(cutHeader.ok).toBe(false);
  });

  it('reports a frame of an undescribed interface instead of guessing', () => {
    const c = capture(pcapng([{ linktype: 228 }], [{ kind: 'epb', iface: 3, ticks: 1n, data: V4 }]));
    expect(c.records.length).toBe(0);
    expect(c.stoppedEarly).toMatch(/undescribed interface/);
  });
});

describe('link types and IP', () => {
  const cases: [string, number, Uint8Array, string][] = [
    ['Ethernet IPv4', 1, ethernet(V4, 0x0800), '127.0.0.1:33445'],
    ['Ethernet 802.1Q IPv6', 1, ethernet(V6, 0x86dd, true), '[::1]:40000'],
    ['Linux SLL IPv4', 113, sll(V4, 0x0800), '127.0.0.1:33445'],
    ['Linux SLL2 IPv6', 276, sll2(V6, 0x86dd), '[::1]:40000'],
    ['raw IPv4 (228)', 228, V4, '127.0.0.1:33445'],
    ['raw IPv6 (229)', 229, V6, '[::1]:40000'],
    ['raw (101) IPv4', 101, V4, '127.0.0.1:33445'],
    ['raw (101) IPv6', 101, V6, '[::1]:40000'],
    ['DLT_RAW 12', 12, V4, '127.0.0.1:33445'],
    ['null, little-endian AF_INET', 0, nullHeader(V4, 2, true), '127.0.0.1:33445'],
    ['null, big-endian AF_INET', 0, nullHeader(V4, 2, false), '127.0.0.1:33445'],
    ['null, AF_INET6 = 30 (macOS)', 0, nullHeader(V6, 30, true), '[::1]:40000'],
    ['null, AF_INET6 = 24 (NetBSD), big-endian', 0, nullHeader(V6, 24, false), '[::1]:40000'],
    ['LOOP 108, AF_INET', 108, nullHeader(V4, 2, false), '127.0.0.1:33445'],
    ['IPv6 with a hop-by-hop header', 229, ipv6Udp('0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:1', 40000, 33445, PAYLOAD, { ext: true }), '[::1]:40000'],
  ];
  it.each(cases)('%s', (_name, linktype, frame, src) => {
    const u = udp(udpFromFrame(linktype, frame));
    expect(u.payload).toEqual(PAYLOAD);
    expect(u.size).toBe(PAYLOAD.length);
    expect(formatIpPort(u.src)).toBe(src);
  });

  it('skips what is not UDP over IP, naming why', () => {
    const skipOf = (r: FrameResult) => (r.ok ? 'kept' : r.skip);
    expect(skipOf(udpFromFrame(1, ethernet(new Uint8Array(28), 0x0806)))).toBe('not IP');
    expect(skipOf(udpFromFrame(228, ipv4Udp('10.0.0.1', '10.0.0.2', 1, 2, PAYLOAD, { proto: 6 })))).toBe('not UDP');
    expect(skipOf(udpFromFrame(228, ipv4Udp('10.0.0.1', '10.0.0.2', 1, 2, PAYLOAD, { flagsFrag: 0x2000 })))).toBe('IP fragment (not reassembled)');
    expect(skipOf(udpFromFrame(229, ipv6Udp('0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:1', 1, 2, PAYLOAD, { fragment: true })))).toBe('IP fragment (not reassembled)');
    expect(skipOf(udpFromFrame(229, ipv6Udp('0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:1', 1, 2, PAYLOAD, { next: 58 })))).toBe('not UDP');
    expect(skipOf(udpFromFrame(147, V4))).toBe('unsupported link type 147');
    expect(skipOf(udpFromFrame(228, V4.subarray(0, 24)))).toBe('UDP header cut short');
    expect(skipOf(udpFromFrame(1, new Uint8Array(6)))).toBe('frame shorter than its link header');
  });

  it('keeps a datagram the snap length cut, with its declared size', () => {
    const u = udp(udpFromFrame(228, V4.subarray(0, 40)));
    expect(u.size).toBe(PAYLOAD.length);
    expect(u.payload.length).toBe(40 - 28);
  });

  it('never throws on random frames or files', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 12, 101, 108, 113, 228, 229, 276, 9999), fc.uint8Array({ maxLength: 200 }), (lt, bytes) => {
        const r = udpFromFrame(lt, bytes);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
    const headers = [classicPcap(1, []), classicPcap(228, [], { little: false, nanos: true }), pcapng([{ linktype: 1 }], [])];
    fc.assert(
      fc.property(fc.constantFrom(...headers), fc.uint8Array({ maxLength: 300 }), (head, tail) => {
        const r = parseCapture(new Uint8Array([...head, ...tail]));
        if (r.ok) for (const rec of r.value.records) udpFromFrame(rec.linktype, rec.data);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatCaptureTime', () => {
  it('prints ISO 8601 UTC with the stamp’s own precision', () => {
    expect(formatCaptureTime(1_764_156_465_752_463_000n, 6)).toBe('2025-11-26T11:27:45.752463Z');
    expect(formatCaptureTime(1_764_156_465_752_463_001n, 9)).toBe('2025-11-26T11:27:45.752463001Z');
    expect(formatCaptureTime(0n, 6)).toBe('1970-01-01T00:00:00.000000Z');
    expect(formatCaptureTime(-1n, 9)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatCaptureTime(10n ** 30n, 6)).toBe('1000000000000000000000.000000');
  });
});
