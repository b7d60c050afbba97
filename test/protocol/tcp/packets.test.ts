/**
 * protocol/tcp/packets.ts (docs/protocol.md §14.3): every packet round-trips, has c-toxcore's
 * byte layout, and decodeTcpPacket rejects exactly what the receiving side of c-toxcore 0.2.18
 * kills the connection on (TCP_server.c handle_TCP_packet for the relay, TCP_client.c
 * handle_TCP_client_packet and its handlers for the client). The rejection table below is written
 * from those two functions, one row per check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, toHex } from '../../../protocol/bytes.js';
import { TCP_MAX_PLAIN_SIZE, decodeTcpPacket, encodeTcpPacket, type TcpPacket, type TcpReceiver } from '../../../protocol/tcp/index.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const some = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const nonZeroPingId = bytes(8).filter((b) => b.some((x) => x !== 0));
const routeId = fc.integer({ min: 16, max: 255 });

/** Packets each side accepts, with the side(s) that receive them. */
const toServer: fc.Arbitrary<TcpPacket> = fc.oneof(
  bytes(32).map((publicKey) => ({ type: 'routingRequest', publicKey }) as const),
  fc.integer({ min: 0, max: 255 }).map((connectionId) => ({ type: 'connectNotification', connectionId }) as const),
  routeId.map((connectionId) => ({ type: 'disconnectNotification', connectionId }) as const),
  bytes(8).map((pingId) => ({ type: 'ping', pingId }) as const),
  nonZeroPingId.map((pingId) => ({ type: 'pong', pingId }) as const),
  fc.tuple(bytes(32), some(1, 1024)).map(([publicKey, data]) => ({ type: 'oobSend', publicKey, data }) as const),
  some(159, 1400).map((data) => ({ type: 'onionRequest', data }) as const),
  some(0, 100).map((data) => ({ type: 'forwardRequest', data }) as const),
  fc.tuple(routeId, some(0, 2031)).map(([connectionId, data]) => ({ type: 'data', connectionId, data }) as const),
);
const toClient: fc.Arbitrary<TcpPacket> = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 255 }), bytes(32)).map(([connectionId, publicKey]) => ({ type: 'routingResponse', connectionId, publicKey }) as const),
  routeId.map((connectionId) => ({ type: 'connectNotification', connectionId }) as const),
  routeId.map((connectionId) => ({ type: 'disconnectNotification', connectionId }) as const),
  bytes(8).map((pingId) => ({ type: 'ping', pingId }) as const),
  nonZeroPingId.map((pingId) => ({ type: 'pong', pingId }) as const),
  fc.tuple(bytes(32), some(1, 1999)).map(([publicKey, data]) => ({ type: 'oobRecv', publicKey, data }) as const),
  some(1, 1400).map((data) => ({ type: 'onionResponse', data }) as const),
  some(1, 100).map((data) => ({ type: 'forwarding', data }) as const),
  fc.tuple(routeId, some(1, 2031)).map(([connectionId, data]) => ({ type: 'data', connectionId, data }) as const),
);

/** Compares packets field by field with bytes as hex. */
const norm = (p: TcpPacket): Record<string, unknown> =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v instanceof Uint8Array ? toHex(v) : v]));

describe('round trips', () => {
  for (const [receiver, arb] of [
    ['server', toServer],
    ['client', toClient],
  ] as const) {
    it(`every packet a ${receiver} receives decodes back to itself, with and without naming the receiver`, () => {
      fc.assert(
        fc.property(arb, (p) => {
          const plain = encodeTcpPacket(p);
          expect(plain.length).toBeLessThanOrEqual(TCP_MAX_PLAIN_SIZE);
          for (const r of [receiver, undefined]) {
            const d = decodeTcpPacket(plain, r);
            expect(d.ok, d.ok ? '' : d.error).toBe(true);
            if (d.ok) expect(norm(d.value)).toEqual(norm(p));
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it('decoding then encoding gives back the same bytes, for whatever bytes decode', () => {
    fc.assert(
      fc.property(some(0, 200), fc.constantFrom<TcpReceiver | undefined>('server', 'client', undefined), (plain, r) => {
        const d = decodeTcpPacket(plain, r);
        if (d.ok) expect(toHex(encodeTcpPacket(d.value))).toBe(toHex(plain));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('layouts (c-toxcore send_routing_request, send_data, send_oob_packet, tcp_send_ping_request …)', () => {
  const pk = new Uint8Array(32).fill(0xab);
  const cases: [TcpPacket, string][] = [
    [{ type: 'routingRequest', publicKey: pk }, `00${'ab'.repeat(32)}`],
    [{ type: 'routingResponse', connectionId: 0, publicKey: pk }, `0100${'ab'.repeat(32)}`],
    [{ type: 'routingResponse', connectionId: 16, publicKey: pk }, `0110${'ab'.repeat(32)}`],
    [{ type: 'connectNotification', connectionId: 255 }, '02ff'],
    [{ type: 'disconnectNotification', connectionId: 16 }, '0310'],
    [{ type: 'ping', pingId: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }, '040102030405060708'],
    [{ type: 'pong', pingId: Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1) }, '050807060504030201'],
    [{ type: 'oobSend', publicKey: pk, data: Uint8Array.of(0x18) }, `06${'ab'.repeat(32)}18`],
    [{ type: 'oobRecv', publicKey: pk, data: Uint8Array.of(0x1a, 0) }, `07${'ab'.repeat(32)}1a00`],
    [{ type: 'onionResponse', data: Uint8Array.of(0x84) }, '0984'],
    [{ type: 'data', connectionId: 16, data: Uint8Array.of(0x1b, 9) }, '101b09'],
    [{ type: 'data', connectionId: 255, data: Uint8Array.of(0x18) }, 'ff18'],
  ];
  for (const [p, wire] of cases) {
    it(`${p.type} → ${wire.length > 24 ? `${wire.slice(0, 24)}…` : wire}`, () => {
      expect(toHex(encodeTcpPacket(p))).toBe(wire);
    });
  }
});

/** [what, plaintext, rejected by the relay?, rejected by a client?] — from handle_TCP_packet / handle_TCP_client_packet. */
const z = (n: number) => new Uint8Array(n);
const b = (...x: number[]) => Uint8Array.of(...x);
const REJECTIONS: [string, Uint8Array, boolean, boolean][] = [
  ['empty', z(0), true, true],
  ['lone id byte (client: length <= 1)', b(4), true, true],
  ['lone data route byte', b(16), false, true],
  ['routing request 32', concat(b(0), z(31)), true, true],
  ['routing request 33', concat(b(0), z(32)), false, true],
  ['routing request 34', concat(b(0), z(33)), true, true],
  ['routing response 34', concat(b(1, 16), z(32)), true, false],
  ['routing response id 0 (refused, ignored)', concat(b(1, 0), z(32)), true, false],
  ['routing response id 5 (ignored, not killed)', concat(b(1, 5), z(32)), true, false],
  ['routing response 33', concat(b(1, 16), z(31)), true, true],
  ['routing response 35', concat(b(1, 16), z(33)), true, true],
  ['connect notification id 16', b(2, 16), false, false],
  ['connect notification id 15 (relay ignores it)', b(2, 15), false, true],
  ['connect notification 3 bytes', b(2, 16, 0), true, true],
  ['disconnect notification id 16', b(3, 16), false, false],
  ['disconnect notification id 0', b(3, 0), true, true],
  ['disconnect notification 1 byte', b(3), true, true],
  ['disconnect notification 3 bytes', b(3, 16, 16), true, true],
  ['ping 9', concat(b(4), z(8)), false, false],
  ['ping 8', concat(b(4), z(7)), true, true],
  ['ping 10', concat(b(4), z(9)), true, true],
  ['pong id 1', concat(b(5), z(7), b(1)), false, false],
  ['pong id 0', concat(b(5), z(8)), true, true],
  ['pong 10', concat(b(5), z(8), b(1)), true, true],
  ['oob send 1 byte', concat(b(6), z(32), b(1)), false, true],
  ['oob send 1024 bytes', concat(b(6), z(32), z(1024)), false, true],
  ['oob send 1025 bytes', concat(b(6), z(32), z(1025)), true, true],
  ['oob send no data', concat(b(6), z(32)), true, true],
  ['oob send short key', concat(b(6), z(20)), true, true],
  ['oob recv 1 byte', concat(b(7), z(32), b(1)), true, false],
  ['oob recv 1500 bytes (no 1024 cap at the client)', concat(b(7), z(32), z(1500)), true, false],
  ['oob recv no data', concat(b(7), z(32)), true, true],
  ['onion request 159 bytes', concat(b(8), z(158)), true, true],
  ['onion request 160 bytes', concat(b(8), z(159)), false, true],
  ['onion response 0x84', b(9, 0x84), true, false],
  ['forward request', b(10, 2, 127, 0, 0, 1), false, true],
  ['forwarding', b(11, 1), true, false],
  ['id 12', b(12, 0, 0), true, true],
  ['id 15', b(15, 0, 0), true, true],
  ['data route 16', b(16, 0x1b), false, false],
  ['data route 255', b(255, 0x1b), false, false],
];

describe('rejections: exactly what c-toxcore kills the connection on', () => {
  for (const [what, plain, server, client] of REJECTIONS) {
    it(`${what}: relay ${server ? 'rejects' : 'accepts'}, client ${client ? 'rejects' : 'accepts'}, no receiver ${server && client ? 'rejects' : 'accepts'}`, () => {
      expect(decodeTcpPacket(plain, 'server').ok).toBe(!server);
      expect(decodeTcpPacket(plain, 'client').ok).toBe(!client);
      expect(decodeTcpPacket(plain).ok).toBe(!(server && client));
    });
  }

  it('every id below 16 is named by one row or rejected by both; the table covers all 12 packet ids', () => {
    const covered = new Set(REJECTIONS.map(([, p]) => p[0]).filter((x): x is number => x !== undefined && x < 16));
    for (let id = 0; id <= 11; id++) expect(covered.has(id), `id ${id}`).toBe(true);
    for (const id of [12, 13, 14, 15]) {
      for (const r of ['server', 'client', undefined] as const) expect(decodeTcpPacket(b(id, 0, 0, 0), r).ok).toBe(false);
    }
  });

  it('never throws, and an accepted packet keeps its bytes (decoded fields are copies)', () => {
    fc.assert(
      fc.property(some(0, 2100), fc.constantFrom<TcpReceiver | undefined>('server', 'client', undefined), (plain, r) => {
        const before = toHex(plain);
        const d = decodeTcpPacket(plain, r);
        if (d.ok && 'data' in d.value) {
          d.value.data.fill(0xee);
          expect(toHex(plain)).toBe(before);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('encodeTcpPacket refuses what cannot go on the wire', () => {
  const pk = new Uint8Array(32);
  const bad: [string, TcpPacket][] = [
    ['short key', { type: 'routingRequest', publicKey: new Uint8Array(31) }],
    ['route id 256', { type: 'routingResponse', connectionId: 256, publicKey: pk }],
    ['connect id 256', { type: 'connectNotification', connectionId: 256 }],
    ['disconnect id 15', { type: 'disconnectNotification', connectionId: 15 }],
    ['disconnect id 1.5', { type: 'disconnectNotification', connectionId: 1.5 }],
    ['data id 15 (would be a packet id)', { type: 'data', connectionId: 15, data: b(1) }],
    ['ping id 7 bytes', { type: 'ping', pingId: new Uint8Array(7) }],
    ['oob send 1025', { type: 'oobSend', publicKey: pk, data: new Uint8Array(1025) }],
    ['oob send empty', { type: 'oobSend', publicKey: pk, data: new Uint8Array(0) }],
    ['oob recv empty', { type: 'oobRecv', publicKey: pk, data: new Uint8Array(0) }],
    ['data over a frame', { type: 'data', connectionId: 16, data: new Uint8Array(TCP_MAX_PLAIN_SIZE) }],
    ['onion request over a frame', { type: 'onionRequest', data: new Uint8Array(TCP_MAX_PLAIN_SIZE) }],
  ];
  for (const [what, p] of bad) {
    it(what, () => {
      expect(() => encodeTcpPacket(p)).toThrow(RangeError);
    });
  }

  it('the largest data packet fills a frame exactly', () => {
    expect(encodeTcpPacket({ type: 'data', connectionId: 16, data: new Uint8Array(TCP_MAX_PLAIN_SIZE - 1) }).length).toBe(TCP_MAX_PLAIN_SIZE);
  });
});
