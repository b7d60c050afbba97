/**
 * The plaintext packets inside TCP relay frames (docs/protocol.md §14.3). The first byte is the
 * packet id (TCP_PACKET_ID, below 16) or, for data, the route id (16..255).
 *
 * | id     | type                   | layout                                   | receiver kills when (c-toxcore)          |
 * |-------:|------------------------|------------------------------------------|------------------------------------------|
 * |      0 | routingRequest         | 0 ‖ pk 32                                | length ≠ 33                              |
 * |      1 | routingResponse        | 1 ‖ route id ‖ pk 32 (id < 16: refused)  | length ≠ 34                              |
 * |      2 | connectNotification    | 2 ‖ route id                             | length ≠ 2; at the client id < 16        |
 * |      3 | disconnectNotification | 3 ‖ route id                             | length ≠ 2, id < 16                      |
 * |      4 | ping                   | 4 ‖ ping id 8                            | length ≠ 9                               |
 * |      5 | pong                   | 5 ‖ ping id 8                            | length ≠ 9, ping id all zero             |
 * |      6 | oobSend                | 6 ‖ destination pk 32 ‖ data 1..1024     | data empty or > 1024                     |
 * |      7 | oobRecv                | 7 ‖ sender pk 32 ‖ data ≥ 1              | data empty                               |
 * |      8 | onionRequest           | 8 ‖ nonce 24 ‖ IP_Port 19 ‖ pk 32 ‖ box … | total length ≤ 159                      |
 * |      9 | onionResponse          | 9 ‖ onion response ≥ 1                   | (client) nothing after the id            |
 * |     10 | forwardRequest         | 10 ‖ bytes (not used by toxstate)        | —                                        |
 * |     11 | forwarding             | 11 ‖ bytes ≥ 1 (not used by toxstate)    | (client) nothing after the id            |
 * | 16..255| data                   | route id ‖ data                          | at the client: data empty                |
 *
 * Which side receives what: the relay takes 0, 2, 3, 4, 5, 6, 8, 10 and data; the client 1, 2,
 * 3, 4, 5, 7, 9, 11 and data; every other id kills. Pass the receiving side to
 * `decodeTcpPacket` to get exactly c-toxcore's rejections (TCP_server.c handle_TCP_packet,
 * TCP_client.c handle_TCP_client_packet); without it, a packet either side would take is
 * accepted (for dissectors). Checks that need connection state (does the route exist, is the pong
 * the one we are waiting for, did the relay enable its onion) are the runtime's.
 */
import { Reader, Writer, isAllZero, type Bytes } from '../bytes.js';
import { PUBLIC_KEY_SIZE_BYTES } from '../crypto.js';
import { TCP_PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import {
  NUM_RESERVED_PORTS,
  TCP_MAX_OOB_DATA_LENGTH,
  TCP_MAX_PLAIN_SIZE,
  TCP_ONION_REQUEST_MIN_EXCLUSIVE,
  TCP_PING_ID_SIZE,
} from './constants.js';

export type TcpPacket =
  | { readonly type: 'routingRequest'; readonly publicKey: Bytes }
  /** connectionId 0 (or anything below 16) = refused; else the route id 16..255. */
  | { readonly type: 'routingResponse'; readonly connectionId: number; readonly publicKey: Bytes }
  | { readonly type: 'connectNotification'; readonly connectionId: number }
  | { readonly type: 'disconnectNotification'; readonly connectionId: number }
  /** pingId: 8 opaque bytes (a host-order u64 in c-toxcore); senders never use all zeros. */
  | { readonly type: 'ping'; readonly pingId: Bytes }
  | { readonly type: 'pong'; readonly pingId: Bytes }
  | { readonly type: 'oobSend'; readonly publicKey: Bytes; readonly data: Bytes }
  | { readonly type: 'oobRecv'; readonly publicKey: Bytes; readonly data: Bytes }
  /** Client → relay: nonce 24 ‖ next hop IP_Port 19 ‖ pk 32 ‖ encrypted rest, kept as bytes. */
  | { readonly type: 'onionRequest'; readonly data: Bytes }
  /** Relay → client: an onion response packet (0x84 or 0x86), kept as bytes. */
  | { readonly type: 'onionResponse'; readonly data: Bytes }
  /** Recognised only: toxstate neither sends nor serves forwarding. */
  | { readonly type: 'forwardRequest'; readonly data: Bytes }
  /** Recognised only: toxstate neither sends nor serves forwarding. */
  | { readonly type: 'forwarding'; readonly data: Bytes }
  /** connectionId 16..255, the first byte of the frame. */
  | { readonly type: 'data'; readonly connectionId: number; readonly data: Bytes };

export type TcpPacketType = TcpPacket['type'];

/** Who receives the packet: the relay ('server') or a client. */
export type TcpReceiver = 'server' | 'client';

/** Packet ids only the relay receives; a client kills on them. */
const TO_SERVER_ONLY: ReadonlySet<number> = new Set([
  TCP_PACKET_ID.routing_request,
  TCP_PACKET_ID.oob_send,
  TCP_PACKET_ID.onion_request,
  TCP_PACKET_ID.forward_request,
]);
/** Packet ids only a client receives; the relay kills on them. */
const TO_CLIENT_ONLY: ReadonlySet<number> = new Set([
  TCP_PACKET_ID.routing_response,
  TCP_PACKET_ID.oob_recv,
  TCP_PACKET_ID.onion_response,
  TCP_PACKET_ID.forwarding,
]);

function requireRouteId(what: string, id: number, min: number): void {
  if (!Number.isInteger(id) || id < min || id > 255) throw new RangeError(`${what}: connection id ${id} is not ${min}..255`);
}

function requireBytes(what: string, b: Bytes, n: number): void {
  if (!(b instanceof Uint8Array) || b.length !== n) throw new RangeError(`${what}: expected ${n} bytes`);
}

/**
 * The plaintext of one frame. Throws RangeError on what cannot be put on the wire at all: wrong
 * key or ping-id lengths, route ids out of range (data and disconnect 16..255, the others
 * 0..255), OOB data outside 1..1024 (oobSend, as c-toxcore
 * send_oob_packet) or empty (oobRecv), or a packet longer than 2032 bytes (one frame).
 */
export function encodeTcpPacket(p: TcpPacket): Bytes {
  const w = new Writer(64);
  switch (p.type) {
    case 'routingRequest':
      requireBytes('routingRequest publicKey', p.publicKey, PUBLIC_KEY_SIZE_BYTES);
      w.u8(TCP_PACKET_ID.routing_request).bytes(p.publicKey);
      break;
    case 'routingResponse':
      requireRouteId('routingResponse', p.connectionId, 0);
      requireBytes('routingResponse publicKey', p.publicKey, PUBLIC_KEY_SIZE_BYTES);
      w.u8(TCP_PACKET_ID.routing_response).u8(p.connectionId).bytes(p.publicKey);
      break;
    case 'connectNotification':
      // Any byte: the relay takes (and ignores) any id here; only a client insists on 16..255.
      requireRouteId('connectNotification', p.connectionId, 0);
      w.u8(TCP_PACKET_ID.connection_notification).u8(p.connectionId);
      break;
    case 'disconnectNotification':
      requireRouteId('disconnectNotification', p.connectionId, NUM_RESERVED_PORTS);
      w.u8(TCP_PACKET_ID.disconnect_notification).u8(p.connectionId);
      break;
    case 'ping':
    case 'pong':
      requireBytes(`${p.type} pingId`, p.pingId, TCP_PING_ID_SIZE);
      w.u8(p.type === 'ping' ? TCP_PACKET_ID.ping : TCP_PACKET_ID.pong).bytes(p.pingId);
      break;
    case 'oobSend':
    case 'oobRecv':
      requireBytes(`${p.type} publicKey`, p.publicKey, PUBLIC_KEY_SIZE_BYTES);
      if (p.data.length === 0) throw new RangeError(`${p.type}: empty data`);
      if (p.type === 'oobSend' && p.data.length > TCP_MAX_OOB_DATA_LENGTH) {
        throw new RangeError(`oobSend: ${p.data.length} bytes of data, at most ${TCP_MAX_OOB_DATA_LENGTH}`);
      }
      w.u8(p.type === 'oobSend' ? TCP_PACKET_ID.oob_send : TCP_PACKET_ID.oob_recv).bytes(p.publicKey).bytes(p.data);
      break;
    case 'onionRequest':
      w.u8(TCP_PACKET_ID.onion_request).bytes(p.data);
      break;
    case 'onionResponse':
      w.u8(TCP_PACKET_ID.onion_response).bytes(p.data);
      break;
    case 'forwardRequest':
      w.u8(TCP_PACKET_ID.forward_request).bytes(p.data);
      break;
    case 'forwarding':
      w.u8(TCP_PACKET_ID.forwarding).bytes(p.data);
      break;
    case 'data':
      requireRouteId('data', p.connectionId, NUM_RESERVED_PORTS);
      w.u8(p.connectionId).bytes(p.data);
      break;
  }
  if (w.length > TCP_MAX_PLAIN_SIZE) throw new RangeError(`${p.type}: ${w.length} bytes, a frame holds at most ${TCP_MAX_PLAIN_SIZE}`);
  return w.finish();
}

/**
 * Decodes one frame's plaintext, rejecting what the receiving side of c-toxcore rejects (kills the
 * connection on). With no `receiver`, accepts whatever either side would accept.
 */
export function decodeTcpPacket(plain: Bytes, receiver?: TcpReceiver): Result<TcpPacket> {
  if (plain.length === 0) return err('tcp packet: empty');
  const id = plain[0]!;
  const len = plain.length;
  // TCP_client.c handle_TCP_client_packet: `length <= 1` kills, whatever the id.
  if (receiver === 'client' && len < 2) return err(`tcp packet: ${len} byte(s), a client needs at least 2`);
  // Data: the relay takes an empty payload (TCP_server.c handle_TCP_packet checks only length 0);
  // a client does not (the check above).
  if (id >= NUM_RESERVED_PORTS) return ok({ type: 'data', connectionId: id, data: plain.slice(1) });
  if (receiver === 'client' && TO_SERVER_ONLY.has(id)) return err(`tcp packet: id ${id} is never sent to a client`);
  if (receiver === 'server' && TO_CLIENT_ONLY.has(id)) return err(`tcp packet: id ${id} is never sent to a relay`);
  const r = new Reader(plain);
  r.u8();
  switch (id) {
    case TCP_PACKET_ID.routing_request:
      if (len !== 1 + PUBLIC_KEY_SIZE_BYTES) return err(`tcp routing request: length ${len}, expected 33`);
      return ok({ type: 'routingRequest', publicKey: r.rest() });
    case TCP_PACKET_ID.routing_response: {
      if (len !== 2 + PUBLIC_KEY_SIZE_BYTES) return err(`tcp routing response: length ${len}, expected 34`);
      const connectionId = r.u8();
      return ok({ type: 'routingResponse', connectionId, publicKey: r.rest() });
    }
    case TCP_PACKET_ID.connection_notification: {
      if (len !== 2) return err(`tcp connect notification: length ${len}, expected 2`);
      const connectionId = r.u8();
      // The relay takes any id here and ignores the packet (TCP_server.c handle_TCP_packet).
      if (receiver === 'client' && connectionId < NUM_RESERVED_PORTS) return err(`tcp connect notification: connection id ${connectionId} < 16`);
      return ok({ type: 'connectNotification', connectionId });
    }
    case TCP_PACKET_ID.disconnect_notification: {
      if (len !== 2) return err(`tcp disconnect notification: length ${len}, expected 2`);
      const connectionId = r.u8();
      if (connectionId < NUM_RESERVED_PORTS) return err(`tcp disconnect notification: connection id ${connectionId} < 16`);
      return ok({ type: 'disconnectNotification', connectionId });
    }
    case TCP_PACKET_ID.ping:
    case TCP_PACKET_ID.pong: {
      const kind = id === TCP_PACKET_ID.ping ? 'ping' : 'pong';
      if (len !== 1 + TCP_PING_ID_SIZE) return err(`tcp ${kind}: length ${len}, expected 9`);
      const pingId = r.rest();
      if (kind === 'pong' && isAllZero(pingId)) return err('tcp pong: ping id is zero');
      return ok({ type: kind, pingId });
    }
    case TCP_PACKET_ID.oob_send: {
      const dataLength = len - 1 - PUBLIC_KEY_SIZE_BYTES;
      if (dataLength < 1 || dataLength > TCP_MAX_OOB_DATA_LENGTH) return err(`tcp oob send: ${dataLength} bytes of data, expected 1..1024`);
      const publicKey = r.bytes(PUBLIC_KEY_SIZE_BYTES);
      return ok({ type: 'oobSend', publicKey, data: r.rest() });
    }
    case TCP_PACKET_ID.oob_recv: {
      if (len <= 1 + PUBLIC_KEY_SIZE_BYTES) return err('tcp oob recv: no data');
      const publicKey = r.bytes(PUBLIC_KEY_SIZE_BYTES);
      return ok({ type: 'oobRecv', publicKey, data: r.rest() });
    }
    case TCP_PACKET_ID.onion_request:
      if (len <= TCP_ONION_REQUEST_MIN_EXCLUSIVE) return err(`tcp onion request: length ${len}, must be over ${TCP_ONION_REQUEST_MIN_EXCLUSIVE}`);
      return ok({ type: 'onionRequest', data: r.rest() });
    case TCP_PACKET_ID.onion_response:
      if (len < 2) return err('tcp onion response: empty');
      return ok({ type: 'onionResponse', data: r.rest() });
    case TCP_PACKET_ID.forward_request:
      return ok({ type: 'forwardRequest', data: r.rest() });
    case TCP_PACKET_ID.forwarding:
      if (len < 2) return err('tcp forwarding: empty');
      return ok({ type: 'forwarding', data: r.rest() });
    default:
      return err(`tcp packet: unknown id ${id}`);
  }
}
