import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../protocol/bytes.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import {
  MAX_FRIEND_REQUEST_MESSAGE_BYTES,
  MAX_MESSAGE_LENGTH_BYTES,
  MAX_NAME_LENGTH_BYTES,
  MAX_STATUSMESSAGE_LENGTH_BYTES,
  decodeMessengerPacket,
  encodeMessengerPacket,
  type MessengerPacket,
} from '../../protocol/messenger/index.js';

const enc = new TextEncoder();
const b = (n: number, max: number) => fc.uint8Array({ minLength: n, maxLength: max });

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const tcpRelay: fc.Arbitrary<PackedNode> = fc.record({
  transport: fc.constant<'tcp'>('tcp'),
  ipPort: fc.record({ family: fc.constant<'ipv4'>('ipv4'), ip: ipv4, port: fc.nat(0xffff) }),
  publicKey: b(32, 32),
});

const packetArb: fc.Arbitrary<MessengerPacket> = fc.oneof(
  fc.constant<MessengerPacket>({ kind: 'alive' }),
  fc.array(tcpRelay, { maxLength: 3 }).map((relays): MessengerPacket => ({ kind: 'shareRelays', relays })),
  fc.tuple(b(4, 4), b(1, MAX_FRIEND_REQUEST_MESSAGE_BYTES)).map(([nospam, message]): MessengerPacket => ({ kind: 'friendRequest', nospam, message })),
  fc.constant<MessengerPacket>({ kind: 'online' }),
  fc.constant<MessengerPacket>({ kind: 'offline' }),
  b(0, MAX_NAME_LENGTH_BYTES).map((name): MessengerPacket => ({ kind: 'nickname', name })),
  b(0, MAX_STATUSMESSAGE_LENGTH_BYTES).map((message): MessengerPacket => ({ kind: 'statusMessage', message })),
  fc.constantFrom<0 | 1 | 2>(0, 1, 2).map((status): MessengerPacket => ({ kind: 'userStatus', status })),
  fc.boolean().map((typing): MessengerPacket => ({ kind: 'typing', typing })),
  b(1, MAX_MESSAGE_LENGTH_BYTES).map((text): MessengerPacket => ({ kind: 'message', text })),
  b(1, MAX_MESSAGE_LENGTH_BYTES).map((text): MessengerPacket => ({ kind: 'action', text })),
);

describe('messenger payloads', () => {
  it('round-trip through encodeMessengerPacket / decodeMessengerPacket', () => {
    fc.assert(
      fc.property(packetArb, (p) => {
        const bytes = encodeMessengerPacket(p);
        expect(bytes.length).toBeLessThanOrEqual(1373);
        const d = decodeMessengerPacket(bytes);
        expect(d.ok).toBe(true);
        if (d.ok) expect(d.value).toEqual(p);
      }),
      { numRuns: 500 },
    );
  });

  it('encode to the bytes c-toxcore sends (known answers)', () => {
    const hx = (p: MessengerPacket) => toHex(encodeMessengerPacket(p));
    expect(hx({ kind: 'alive' })).toBe('10');
    expect(hx({ kind: 'online' })).toBe('18');
    expect(hx({ kind: 'offline' })).toBe('19');
    expect(hx({ kind: 'nickname', name: enc.encode('cpeer') })).toBe('30' + toHex(enc.encode('cpeer')));
    expect(hx({ kind: 'statusMessage', message: new Uint8Array(0) })).toBe('31');
    expect(hx({ kind: 'userStatus', status: 2 })).toBe('3202');
    expect(hx({ kind: 'typing', typing: false })).toBe('3300');
    expect(hx({ kind: 'typing', typing: true })).toBe('3301');
    expect(hx({ kind: 'message', text: enc.encode('hi') })).toBe('406869');
    expect(hx({ kind: 'action', text: enc.encode('hi') })).toBe('416869');
    expect(hx({ kind: 'friendRequest', nospam: Uint8Array.of(0x4c, 0x76, 0x2c, 0x7d), message: enc.encode('x') })).toBe('124c762c7d78');
    const relay: PackedNode = { transport: 'tcp', ipPort: { family: 'ipv4', ip: '127.0.0.1', port: 33445 }, publicKey: new Uint8Array(32).fill(0xab) };
    expect(hx({ kind: 'shareRelays', relays: [relay] })).toBe('11' + '82' + '7f000001' + '82a5' + 'ab'.repeat(32));
    expect(hx({ kind: 'shareRelays', relays: [] })).toBe('11');
  });

  it('drops what c-toxcore ignores, each with a reason', () => {
    const no = (bytes: number[]) => {
      const d = decodeMessengerPacket(Uint8Array.from(bytes));
      expect(d.ok).toBe(false);
      return d.ok ? '' : d.error;
    };
    expect(no([0x18, 0])).toMatch(/exactly 1/); // ONLINE must be exactly one byte
    expect(no([0x19, 1])).toMatch(/exactly 1/);
    expect(no([0x32, 3])).toMatch(/not 0, 1 or 2/);
    expect(no([0x32])).toMatch(/length/);
    expect(no([0x33, 1, 1])).toMatch(/length/);
    expect(no([0x40])).toMatch(/empty/);
    expect(no([0x41])).toMatch(/empty/);
    expect(no([0x12, 1, 2, 3, 4])).toMatch(/no message/);
    expect(no([0x30, ...new Array<number>(129).fill(65)])).toMatch(/at most 128/);
    expect(no([0x31, ...new Array<number>(1008).fill(65)])).toMatch(/at most 1007/);
    expect(no([0x40, ...new Array<number>(1373).fill(65)])).toMatch(/exceeds 1372/);
    expect(no([0x12, 1, 2, 3, 4, ...new Array<number>(1017).fill(65)])).toMatch(/exceeds 1021/);
    expect(no([0x11, 0x82, 1, 2])).toMatch(/share relays/);
    expect(no([0x50, 1, 2])).toMatch(/not modelled/);
    expect(no([])).toMatch(/empty/);
  });

  it('accepts what c-toxcore accepts beyond the strict form', () => {
    // typing: any non-zero byte is "typing"; alive: only the id byte is looked at.
    const t = decodeMessengerPacket(Uint8Array.of(0x33, 7));
    expect(t.ok && t.value).toEqual({ kind: 'typing', typing: true });
    expect(decodeMessengerPacket(Uint8Array.of(0x10, 1, 2, 3)).ok).toBe(true);
    // share relays: UDP ip_types are accepted too, and bytes after the third relay ignored.
    const node = [0x02, 127, 0, 0, 1, 0x82, 0xa5, ...new Array<number>(32).fill(1)];
    const four = Uint8Array.from([0x11, ...node, ...node, ...node, ...node]);
    const s = decodeMessengerPacket(four);
    expect(s.ok && s.value.kind === 'shareRelays' && s.value.relays.length).toBe(3);
  });

  it('encoders throw on limits (our bug, not input)', () => {
    expect(() => encodeMessengerPacket({ kind: 'message', text: new Uint8Array(0) })).toThrow();
    expect(() => encodeMessengerPacket({ kind: 'message', text: new Uint8Array(1373) })).toThrow();
    expect(() => encodeMessengerPacket({ kind: 'nickname', name: new Uint8Array(129) })).toThrow();
    expect(() => encodeMessengerPacket({ kind: 'statusMessage', message: new Uint8Array(1008) })).toThrow();
    expect(() => encodeMessengerPacket({ kind: 'friendRequest', nospam: new Uint8Array(3), message: Uint8Array.of(1) })).toThrow();
    expect(() => encodeMessengerPacket({ kind: 'friendRequest', nospam: new Uint8Array(4), message: new Uint8Array(1017) })).toThrow();
    expect(() => encodeMessengerPacket({ kind: 'userStatus', status: 3 as 0 })).toThrow();
    const udp: PackedNode = { transport: 'udp', ipPort: { family: 'ipv4', ip: '127.0.0.1', port: 1 }, publicKey: new Uint8Array(32) };
    expect(() => encodeMessengerPacket({ kind: 'shareRelays', relays: [udp] })).toThrow();
    const tcp: PackedNode = { ...udp, transport: 'tcp' };
    expect(() => encodeMessengerPacket({ kind: 'shareRelays', relays: [tcp, tcp, tcp, tcp] })).toThrow();
  });

  it('never throws on random or truncated bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), (bytes) => {
        expect(typeof decodeMessengerPacket(bytes).ok).toBe('boolean');
        for (const id of [16, 17, 18, 24, 25, 48, 49, 50, 51, 64, 65]) {
          expect(typeof decodeMessengerPacket(Uint8Array.from([id, ...bytes.subarray(0, 300)])).ok).toBe('boolean');
        }
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(packetArb, fc.nat(), (p, cut) => {
        const bytes = encodeMessengerPacket(p);
        const n = cut % (bytes.length + 1);
        const d = decodeMessengerPacket(bytes.subarray(0, n));
        if (n === 0) expect(d.ok).toBe(false);
      }),
    );
  });
});
