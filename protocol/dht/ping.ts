/**
 * DHT ping request (0x00) and ping response (0x01) (docs/protocol.md §2.2;
 * c-toxcore `toxcore/ping.c` `ping_send_request`, `handle_ping_request`,
 * `handle_ping_response`). Both are exactly 82 bytes. The plaintext repeats
 * the packet type, and c-toxcore rejects a mismatch. The response echoes the
 * request's ping_id under the same shared key with a fresh nonce.
 *
 * Serialized form:
 *
 * | offset | length | field                                                        |
 * |-------:|-------:|--------------------------------------------------------------|
 * |      0 |      1 | 0x00 request / 0x01 response                                 |
 * |      1 |     32 | sender DHT public key                                        |
 * |     33 |     24 | nonce                                                        |
 * |     57 |     25 | box(shared(sender DHT sk, receiver DHT pk)){type 1 ‖ ping_id 8} |
 */
import { Writer, type Bytes } from '../bytes.js';
import { MAC_SIZE_BYTES, type Crypto } from '../crypto.js';
import { requireLength } from '../keys.js';
import { PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { DHT_HEADER_SIZE_BYTES, openDhtPacket, sealDhtPacket, type DhtHeader } from './dht-header.js';

/** 8 opaque bytes chosen by the requester and echoed (c-toxcore: a `ping_array` id, `sizeof(uint64_t)`). */
export const PING_ID_SIZE_BYTES = 8;
/** type 1 + ping_id 8 (c-toxcore `PING_PLAIN_SIZE`, ping.c). */
export const PING_PLAIN_SIZE_BYTES = 1 + PING_ID_SIZE_BYTES;
/** 82 bytes (c-toxcore `DHT_PING_SIZE`, ping.c). */
export const PING_PACKET_SIZE_BYTES = DHT_HEADER_SIZE_BYTES + PING_PLAIN_SIZE_BYTES + MAC_SIZE_BYTES;

export interface Ping {
  readonly pingId: Bytes;
}

function seal(crypto: Crypto, id: number, sharedKey: Bytes, senderPk: Bytes, nonce: Bytes, fields: Ping): Bytes {
  requireLength('ping id', fields.pingId, PING_ID_SIZE_BYTES);
  const plain = new Writer(PING_PLAIN_SIZE_BYTES).u8(id).bytes(fields.pingId).finish();
  return sealDhtPacket(crypto, id, sharedKey, senderPk, nonce, plain);
}

function open(crypto: Crypto, id: number, what: string, sharedKey: Bytes, header: DhtHeader): Result<Ping> {
  const plain = openDhtPacket(crypto, sharedKey, header, what, id, PING_PACKET_SIZE_BYTES);
  if (!plain.ok) return plain;
  const p = plain.value;
  if (p.length !== PING_PLAIN_SIZE_BYTES) return err(`${what}: plaintext is ${p.length} bytes, expected ${PING_PLAIN_SIZE_BYTES}`);
  if (p[0] !== id) return err(`${what}: inner type 0x${p[0]!.toString(16)} does not match packet id 0x${id.toString(16)}`);
  return ok({ pingId: p.slice(1) });
}

export function sealPingRequest(crypto: Crypto, sharedKey: Bytes, senderPk: Bytes, nonce: Bytes, fields: Ping): Bytes {
  return seal(crypto, PACKET_ID.ping_request, sharedKey, senderPk, nonce, fields);
}

export function sealPingResponse(crypto: Crypto, sharedKey: Bytes, senderPk: Bytes, nonce: Bytes, fields: Ping): Bytes {
  return seal(crypto, PACKET_ID.ping_response, sharedKey, senderPk, nonce, fields);
}

export function openPingRequest(crypto: Crypto, sharedKey: Bytes, header: DhtHeader): Result<Ping> {
  return open(crypto, PACKET_ID.ping_request, 'ping request', sharedKey, header);
}

export function openPingResponse(crypto: Crypto, sharedKey: Bytes, header: DhtHeader): Result<Ping> {
  return open(crypto, PACKET_ID.ping_response, 'ping response', sharedKey, header);
}
