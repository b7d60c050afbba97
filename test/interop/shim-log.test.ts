import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEndpoint, parseShimLog } from '../../harness/interop/shim-log.js';

describe('parseShimLog', () => {
  it('reads send, recv and drop lines with IPv4 and IPv6 endpoints', () => {
    const text = [
      '1732619000123456 42 send 127.0.0.1:33445 127.0.0.1:33446 3 0a0b0c',
      '1732619000123999 43 recv 127.0.0.1:33445 127.0.0.1:33446 3 0a0b0c',
      '1732619000124000 42 drop [::1]:5 [ff02::1]:33445 1 ff',
      '1732619000124001 42 send 127.0.0.1:1 - 0 ',
      '',
    ].join('\n');
    const log = parseShimLog(text);
    expect(log.errors).toEqual([]);
    expect(log.records.map((r) => r.dir)).toEqual(['send', 'recv', 'drop', 'send']);
    expect(log.records[0]).toEqual({
      timeUs: 1732619000123456n,
      pid: 42,
      dir: 'send',
      src: { ip: '127.0.0.1', port: 33445, family: 4 },
      dst: { ip: '127.0.0.1', port: 33446, family: 4 },
      payload: Uint8Array.from([10, 11, 12]),
    });
    expect(log.records[2]?.dst).toEqual({ ip: 'ff02::1', port: 33445, family: 6 });
    expect(log.records[3]?.dst).toBeUndefined();
    expect(log.records[3]?.payload).toHaveLength(0);
  });

  it('reports malformed lines with their line numbers and keeps the good ones', () => {
    const text = [
      '1 2 send 127.0.0.1:1 127.0.0.1:2 1 00',
      '1 2 sideways 127.0.0.1:1 127.0.0.1:2 1 00',
      '1 2 send 127.0.0.1:1 127.0.0.1:2 2 00',
      '1 2 send 300.0.0.1:1 127.0.0.1:2 1 00',
      '1 2 send 127.0.0.1:1 127.0.0.1:2 1 zz',
      'x 2 send 127.0.0.1:1 127.0.0.1:2 1 00',
      'too few fields',
    ].join('\n');
    const log = parseShimLog(text);
    expect(log.records).toHaveLength(1);
    expect(log.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const log = parseShimLog(s);
        expect(log.records.length + log.errors.length).toBeLessThanOrEqual(s.split('\n').length);
      }),
    );
  });

  it('rejects out-of-range ports and keeps "-" as unknown', () => {
    expect(parseEndpoint('127.0.0.1:65536')).toBe('invalid');
    expect(parseEndpoint('[::1]:70000')).toBe('invalid');
    expect(parseEndpoint('-')).toBeUndefined();
  });
});
