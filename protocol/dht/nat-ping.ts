/**
 * NAT ping, the data of DHT request id 254 (docs/protocol.md §2.5; c-toxcore
 * `toxcore/DHT.c` `send_NATping`, `handle_NATping`). c-toxcore sends requests
 * only for hole punching; a receiver echoes the ping_id in a response.
 *
 * Serialized form (the `data` of a 0x20 with request id 254; exactly 9 bytes):
 *
 * | offset | length | field                              |
 * |-------:|-------:|------------------------------------|
 * |      0 |      1 | type: 0 = request, 1 = response    |
 * |      1 |      8 | ping_id (opaque, host order in c-toxcore) |
 */
import { Writer, type Bytes } from '../bytes.js';
import { requireLength } from '../keys.js';
import { err, ok, type Result } from '../result.js';

/** c-toxcore `NAT_PING_REQUEST` (DHT.c). */
export const NAT_PING_TYPE_REQUEST = 0;
/** c-toxcore `NAT_PING_RESPONSE` (DHT.c). */
export const NAT_PING_TYPE_RESPONSE = 1;
export const NAT_PING_ID_SIZE_BYTES = 8;
/** type 1 + ping_id 8: `handle_NATping` requires exactly this. */
export const NAT_PING_SIZE_BYTES = 1 + NAT_PING_ID_SIZE_BYTES;

export interface NatPing {
  readonly type: 'request' | 'response';
  readonly pingId: Bytes;
}

export function encodeNatPing(p: NatPing): Bytes {
  requireLength('NAT ping id', p.pingId, NAT_PING_ID_SIZE_BYTES);
  return new Writer(NAT_PING_SIZE_BYTES)
    .u8(p.type === 'request' ? NAT_PING_TYPE_REQUEST : NAT_PING_TYPE_RESPONSE)
    .bytes(p.pingId)
    .finish();
}

export function decodeNatPing(data: Bytes): Result<NatPing> {
  if (data.length !== NAT_PING_SIZE_BYTES) return err(`NAT ping: ${data.length} bytes, expected ${NAT_PING_SIZE_BYTES}`);
  const t = data[0]!;
  if (t !== NAT_PING_TYPE_REQUEST && t !== NAT_PING_TYPE_RESPONSE) return err(`NAT ping: type ${t} is not 0 or 1`);
  return ok({ type: t === NAT_PING_TYPE_REQUEST ? 'request' : 'response', pingId: data.slice(1) });
}
