/** Unit tests for the pure helpers in cpeer.ts (no c-toxcore needed). */
import { describe, expect, it } from 'vitest';
import { parseEventLine } from '../../harness/interop/cpeer-events.js';
import { skipMessage } from '../../harness/interop/native-build.js';
import { decodeProcAddress, parseProcNetUdp } from '../../harness/interop/proc-udp.js';

describe('parseEventLine', () => {
  it('returns typed events for known event lines', () => {
    const e = parseEventLine('{"t":12,"event":"receipt","friend":0,"id":3}');
    expect(e).toEqual({ t: 12, event: 'receipt', friend: 0, id: 3 });
  });

  it('rejects non-JSON, non-objects, unknown events and missing t', () => {
    for (const line of ['', 'hello', '[1,2]', 'null', '{"t":1,"event":"nope"}', '{"event":"bye"}', '{"t":"1","event":"bye"}']) {
      expect(parseEventLine(line), line).toBeUndefined();
    }
  });
});

describe('/proc/net/udp parsing', () => {
  it('decodes host-order hex addresses, IPv4 and IPv6', () => {
    expect(decodeProcAddress('0100007F', true)).toBe('127.0.0.1');
    expect(decodeProcAddress('7F000001', false)).toBe('127.0.0.1');
    expect(decodeProcAddress('00000000', true)).toBe('0.0.0.0');
    expect(decodeProcAddress('00000000000000000000000001000000', true)).toBe('::1');
    expect(decodeProcAddress('000080FE00000000FF00FC0201000000', true)).toBe('fe80::2fc:ff:0:1');
  });

  it('reads the local address, port and inode of each socket line', () => {
    const text = [
      '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
      '  811: 0100007F:82A5 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 123456 2 0000000000000000 0',
    ].join('\n');
    const sockets = parseProcNetUdp(text, 4);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]?.port).toBe(0x82a5);
    expect(sockets[0]?.inode).toBe(123456);
    expect(sockets[0]?.family).toBe(4);
  });
});

describe('skipMessage', () => {
  it('prints the agreed prefix with the reason', () => {
    expect(skipMessage({ ok: false, reason: 'no cc' })).toBe('SKIPPED: c-toxcore interop: no cc');
    expect(skipMessage({ ok: true })).toBe('');
  });
});
