/**
 * ip-port.ts: canonical text, address classes (c-toxcore LAN_discovery.c
 * `ip_is_lan` / `ip_is_local`, docs/protocol.md §2.6), and the 19-byte onion
 * IP_Port (docs/protocol.md §2.1, c-toxcore onion.c `ipport_pack`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex, toHex } from '../../../protocol/bytes.js';
import {
  decodeOnionIpPort,
  encodeOnionIpPort,
  formatIpPort,
  ipFromBytes,
  ipPortKey,
  ipToBytes,
  isLanAddress,
  isLoopback,
  makeIpPort,
  parseIp,
  parseIpPort,
  unmapIpv4,
  type IpPort,
} from '../../../protocol/ip-port.js';
import { unwrap } from '../../../protocol/result.js';
import { bytesOf, expectResult, FUZZ_RUNS, ipPort, ipv6Bytes } from './arbitraries.js';

const v4 = (ip: string, port = 1): IpPort => ({ family: 'ipv4', ip, port });
const v6 = (ip: string, port = 1): IpPort => ({ family: 'ipv6', ip: unwrap(parseIp(ip)).ip, port });

describe('text forms', () => {
  it('formats IPv4 and bracketed IPv6', () => {
    expect(formatIpPort(v4('127.0.0.1', 33445))).toBe('127.0.0.1:33445');
    expect(formatIpPort(v6('::1', 33445))).toBe('[::1]:33445');
  });

  it('parses what it formats', () => {
    expect(unwrap(parseIpPort('127.0.0.1:33445'))).toEqual(v4('127.0.0.1', 33445));
    expect(unwrap(parseIpPort('[::1]:33445'))).toEqual({ family: 'ipv6', ip: '::1', port: 33445 });
  });

  it('canonicalises IPv6 per RFC 5952', () => {
    const cases: [string, string][] = [
      ['0:0:0:0:0:0:0:1', '::1'],
      ['2001:DB8:0:0:0:0:2:1', '2001:db8::2:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of equal runs
      ['::', '::'],
      ['fe80::0001', 'fe80::1'],
      ['::ffff:7f00:1', '::ffff:127.0.0.1'], // IPv4-mapped shown dotted
      ['::FFFF:10.1.2.3', '::ffff:10.1.2.3'],
    ];
    for (const [input, canon] of cases) expect(unwrap(parseIp(input)).ip, input).toBe(canon);
  });

  it('rejects malformed addresses and ports', () => {
    for (const bad of ['1.2.3', '1.2.3.256', '01.2.3.4', '1.2.3.4.5', ':::', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '::1%eth0', '']) {
      expect(parseIp(bad).ok, bad).toBe(false);
    }
    for (const bad of ['127.0.0.1', '127.0.0.1:', '127.0.0.1:65536', '127.0.0.1:-1', '::1:33445', '[::1]33445', '[::1]:x', '[1.2.3.4]:5']) {
      expect(parseIpPort(bad).ok, bad).toBe(false);
    }
  });

  it('round-trips format → parse for random addresses', () => {
    fc.assert(
      fc.property(ipPort, (ip) => {
        expect(unwrap(parseIpPort(formatIpPort(ip)))).toEqual(ip);
      }),
    );
  });

  it('round-trips IPv6 bytes → text → bytes', () => {
    fc.assert(
      fc.property(ipv6Bytes, (b) => {
        const text = ipFromBytes('ipv6', b);
        expect(unwrap(parseIp(text)).ip).toBe(text);
        expect(toHex(ipToBytes({ family: 'ipv6', ip: text }))).toBe(toHex(b));
      }),
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        expectResult(() => parseIpPort(s));
        expectResult(() => parseIp(s));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('makeIpPort refuses bad ports', () => {
    expect(makeIpPort('1.2.3.4', 70000).ok).toBe(false);
    expect(makeIpPort('1.2.3.4', 1.5).ok).toBe(false);
  });
});

describe('ipPortKey and unmapIpv4', () => {
  it('folds IPv4-mapped IPv6 into IPv4, like c-toxcore ipport_equal', () => {
    expect(unmapIpv4(v6('::ffff:127.0.0.1', 5))).toEqual(v4('127.0.0.1', 5));
    expect(ipPortKey(v6('::ffff:127.0.0.1', 5))).toBe(ipPortKey(v4('127.0.0.1', 5)));
    expect(ipPortKey(v6('::1', 5))).not.toBe(ipPortKey(v6('::1', 6)));
    expect(ipPortKey(v4('1.2.3.4', 5))).toBe('1.2.3.4:5');
  });
});

describe('isLoopback / isLanAddress (c-toxcore ip_is_local / ip_is_lan)', () => {
  const lan: IpPort[] = [
    v4('127.0.0.1'), v4('127.255.0.9'), v4('10.0.0.1'), v4('172.16.0.1'), v4('172.31.255.255'),
    v4('192.168.1.1'), v4('169.254.1.0'), v4('169.254.254.255'), v4('100.64.0.1'), v4('100.127.255.255'),
    v6('::1'), v6('fe80::1'), v6('febf::1'), v6('ff02::1'), v6('ff01::1'), v6('ff00::1'),
    v6('::ffff:192.168.0.1'), v6('::ffff:127.0.0.1'),
  ];
  const notLan: IpPort[] = [
    v4('8.8.8.8'), v4('172.15.0.1'), v4('172.32.0.1'), v4('192.169.0.1'), v4('169.254.0.1'),
    v4('169.254.255.1'), v4('100.63.255.255'), v4('100.128.0.0'), v4('0.0.0.0'), v4('255.255.255.255'),
    v6('::2'), v6('fec0::1'), v6('ff03::1'), v6('ff02::2'), v6('2001:db8::1'), v6('::ffff:8.8.8.8'), v6('::'),
  ];
  it('classifies c-toxcore LAN ranges', () => {
    for (const a of lan) expect(isLanAddress(a), a.ip).toBe(true);
    for (const a of notLan) expect(isLanAddress(a), a.ip).toBe(false);
  });
  it('loopback is 127/8, ::1 and mapped 127/8 only', () => {
    expect(isLoopback(v4('127.0.0.1'))).toBe(true);
    expect(isLoopback(v4('127.9.9.9'))).toBe(true);
    expect(isLoopback(v6('::1'))).toBe(true);
    expect(isLoopback(v6('::ffff:127.0.0.2'))).toBe(true);
    expect(isLoopback(v4('10.0.0.1'))).toBe(false);
    expect(isLoopback(v6('::2'))).toBe(false);
    expect(isLoopback(v6('fe80::1'))).toBe(false);
  });
});

describe('onion IP_Port (19 bytes)', () => {
  it('encodes IPv4 in the first 4 of 16 bytes, family 2, big-endian port', () => {
    expect(toHex(encodeOnionIpPort(v4('127.0.0.1', 33445)))).toBe(`027f000001${'00'.repeat(12)}82a5`);
  });
  it('encodes IPv6 as 16 bytes, family 10', () => {
    expect(toHex(encodeOnionIpPort(v6('::1', 1)))).toBe(`0a${'00'.repeat(15)}010001`);
  });
  it('round-trips and is always 19 bytes', () => {
    fc.assert(
      fc.property(ipPort, (ip) => {
        const b = encodeOnionIpPort(ip);
        expect(b.length).toBe(19);
        expect(unwrap(decodeOnionIpPort(b))).toEqual(ip);
      }),
    );
  });
  it('rejects families other than 2 and 10 (including TCP 130/138) and wrong lengths', () => {
    for (const f of [0, 1, 0x20, 0xa0, 130, 138, 11, 12, 13, 14]) {
      const b = new Uint8Array(19);
      b[0] = f;
      expect(decodeOnionIpPort(b).ok, String(f)).toBe(false);
    }
    expect(decodeOnionIpPort(hex(`02${'00'.repeat(17)}`)).ok).toBe(false);
    expect(decodeOnionIpPort(hex(`02${'00'.repeat(19)}`)).ok).toBe(false);
  });
  it('ignores the padding after an IPv4 address, as c-toxcore does', () => {
    const b = encodeOnionIpPort(v4('1.2.3.4', 5));
    b[10] = 0xee;
    expect(unwrap(decodeOnionIpPort(b))).toEqual(v4('1.2.3.4', 5));
  });
  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.oneof(bytesOf(19), fc.uint8Array({ maxLength: 40 })), (b) => {
        expectResult(() => decodeOnionIpPort(b));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
