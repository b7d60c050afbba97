/**
 * Fast paths added for large simulations (issue 18) give what the general paths give:
 * ipPortKey of an IPv4 address (no regex for a canonical dotted quad) and Writer.finish
 * (no copy for a writer sized exactly, and a later write never changes bytes handed out).
 */
import { describe, expect, it } from 'vitest';
import { Writer } from '../../../protocol/bytes.js';
import { formatIpPort, ipPortKey, parseIp, type IpPort } from '../../../protocol/ip-port.js';

/** The general definition: the canonical form of the parsed address, or the address as given. */
function referenceKey(a: IpPort): string {
  const c = parseIp(a.ip);
  return formatIpPort(c.ok ? { family: c.value.family, ip: c.value.ip, port: a.port } : a);
}

describe('ipPortKey fast path', () => {
  const ips = ['127.0.0.1', '0.0.0.0', '255.255.255.255', '10.0.0.255', '198.18.0.1', '256.1.1.1', '01.2.3.4', '127.0.0.01', '0.0.0.00', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', 'a.b.c.d', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 ', '', '1234.1.1.1', '::1'];
  it.each(ips)('IPv4 %j keys as the general path does', (ip) => {
    expect(ipPortKey({ family: 'ipv4', ip, port: 33445 })).toBe(referenceKey({ family: 'ipv4', ip, port: 33445 }));
  });
  it('a canonical IPv4 address keys as ip:port', () => {
    expect(ipPortKey({ family: 'ipv4', ip: '127.0.39.17', port: 1 })).toBe('127.0.39.17:1');
  });
});

describe('Writer.finish', () => {
  it('an exactly sized writer hands over its bytes; a later write does not change them', () => {
    const w = new Writer(3).u8(1).u8(2).u8(3);
    const out = w.finish();
    expect([...out]).toEqual([1, 2, 3]);
    w.u8(4);
    expect([...out]).toEqual([1, 2, 3]);
    expect([...w.finish()]).toEqual([1, 2, 3, 4]);
  });
  it('a writer with room left hands over a copy of what was written', () => {
    const w = new Writer(8).u16(0x0102);
    const out = w.finish();
    expect([...out]).toEqual([1, 2]);
    w.u8(9);
    expect([...out]).toEqual([1, 2]);
  });
});

describe('hex', () => {
  it('toHex of a 32-byte key (scratch buffer) and of other lengths; taggedHex is tag:hex', async () => {
    const { taggedHex, toHex } = await import('../../../protocol/bytes.js');
    const k = Uint8Array.from({ length: 32 }, (_, i) => i * 8);
    const want = [...k].map((v) => v.toString(16).padStart(2, '0')).join('');
    expect(toHex(k)).toBe(want);
    expect(toHex(k.subarray(0, 5))).toBe(want.slice(0, 10));
    expect(toHex(new Uint8Array(0))).toBe('');
    expect(toHex(Uint8Array.of(255))).toBe('ff');
    expect(toHex(k)).toBe(want); // the scratch buffer is reused, not left over
    expect(taggedHex('dht', k)).toBe(`dht:${want}`);
    const a = taggedHex('real', k);
    const b = taggedHex('real', k.subarray(0, 4));
    expect([a, b, taggedHex('dht', k)]).toEqual([`real:${want}`, `real:${want.slice(0, 8)}`, `dht:${want}`]);
  });
});

describe('equalIpPort fast paths', () => {
  it('answers as comparing keys does', async () => {
    const { equalIpPort } = await import('../../../protocol/ip-port.js');
    const addrs: IpPort[] = [
      { family: 'ipv4', ip: '1.2.3.4', port: 5 },
      { family: 'ipv4', ip: '1.2.3.4', port: 6 },
      { family: 'ipv6', ip: '::ffff:1.2.3.4', port: 5 },
      { family: 'ipv6', ip: '::FFFF:1.2.3.4', port: 5 },
      { family: 'ipv6', ip: '::1', port: 5 },
      { family: 'ipv6', ip: '0:0:0:0:0:0:0:1', port: 5 },
      { family: 'ipv4', ip: '01.2.3.4', port: 5 },
    ];
    for (const a of addrs) for (const b of addrs) expect(equalIpPort(a, b), `${a.ip}:${a.port} ${b.ip}:${b.port}`).toBe(ipPortKey(a) === ipPortKey(b));
  });
});

describe('IPv4 text without a regex', () => {
  /** The regex parse it replaced. */
  function reference(s: string): number[] | null {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
    if (!m) return null;
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      const part = m[i + 1]!;
      if (part.length > 1 && part[0] === '0') return null;
      if (Number(part) > 255) return null;
      out.push(Number(part));
    }
    return out;
  }
  it('accepts and reads exactly what the regex parse did (fixed and random strings)', async () => {
    const { ipToBytes } = await import('../../../protocol/ip-port.js');
    const { seededRandom } = await import('../../../runtime/random.js');
    const random = seededRandom(3);
    const chars = '0123456789..5 a';
    const cases = ['127.0.0.1', '255.255.255.255', '0.0.0.0', '256.0.0.1', '1.2.3.4\n', '1.2.3.04', '99.199.249.250', '1.2.3.4.', '1.2.3'];
    for (let i = 0; i < 5000; i++) {
      let s = '';
      const len = random.int(16);
      for (let j = 0; j < len; j++) s += chars[random.int(chars.length)];
      cases.push(s);
    }
    for (const s of cases) {
      const want = reference(s);
      const got = parseIp(s);
      if (want === null) expect(got.ok && got.value.family === 'ipv4', JSON.stringify(s)).toBe(false);
      else {
        expect(got.ok && got.value.family, JSON.stringify(s)).toBe('ipv4');
        expect([...ipToBytes({ family: 'ipv4', ip: s })], JSON.stringify(s)).toEqual(want);
      }
    }
  });
});
