/**
 * Onion data payloads: the plaintext inside a 0x85/0x86 inner box, dispatched
 * on its first byte (docs/protocol.md §3.7, §7.2; c-toxcore
 * `toxcore/onion_client.c` `handle_data_response` / `oniondata_registerhandler`,
 * `toxcore/friend_requests.c` `friendreq_handlepacket`).
 *
 * Friend request (id 32), 6..1021 bytes:
 *
 * | offset | length  | field                                      |
 * |-------:|--------:|--------------------------------------------|
 * |      0 |       1 | 0x20                                       |
 * |      1 |       4 | nospam (the 4 raw Tox ID bytes)            |
 * |      5 | 1..1016 | message                                    |
 *
 * Over the onion a c-toxcore receiver drops payloads over 948 bytes (see
 * `ONION_DATA_DELIVERABLE_MAX_SIZE_BYTES`), so friend-request messages longer
 * than 943 bytes (`MAX_ONION_FRIEND_REQUEST_MESSAGE_BYTES`) never arrive that way, although the
 * codec allows 1016 (`MAX_FRIEND_REQUEST_MESSAGE_BYTES`), both in messenger/constants.ts.
 *
 * DHT-PK (id 156): `[0x9c][no_replay 8][DHT pk 32][0..4 packed nodes]`, see
 * dht/dht-pk.ts, whose codecs are re-exported here.
 */
import { Reader, Writer, type Bytes } from '../bytes.js';
import { decodeDhtPkPayload, type DhtPk } from '../dht/dht-pk.js';
import { requireLength } from '../keys.js';
import { MAX_FRIEND_REQUEST_MESSAGE_BYTES } from '../messenger/constants.js';
import { ONION_DATA_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { NOSPAM_SIZE_BYTES } from '../tox-id.js';
import { ONION_CLIENT_MAX_DATA_SIZE_BYTES } from './constants.js';

export { decodeDhtPkPayload, encodeDhtPkPayload, type DhtPk } from '../dht/dht-pk.js';

/** Payload type bytes: `ONION_DATA_ID` in packet-ids.ts, re-exported here. */
export { ONION_DATA_ID };

export interface FriendRequestPayload {
  readonly nospam: Bytes;
  /** 1..1016 bytes (UTF-8 text in practice; kept as bytes). */
  readonly message: Bytes;
}

export function encodeFriendRequestPayload(p: FriendRequestPayload): Bytes {
  requireLength('friend request nospam', p.nospam, NOSPAM_SIZE_BYTES);
  if (p.message.length === 0 || p.message.length > MAX_FRIEND_REQUEST_MESSAGE_BYTES) {
    throw new Error(`friend request: message of ${p.message.length} bytes (1..${MAX_FRIEND_REQUEST_MESSAGE_BYTES})`);
  }
  return new Writer(1 + NOSPAM_SIZE_BYTES + p.message.length).u8(ONION_DATA_ID.friend_request).bytes(p.nospam).bytes(p.message).finish();
}

/** c-toxcore accepts 5 < length ≤ 1021 (`friendreq_handlepacket`). */
export function decodeFriendRequestPayload(payload: Bytes): Result<FriendRequestPayload> {
  if (payload.length <= 1 + NOSPAM_SIZE_BYTES) return err(`friend request: ${payload.length} bytes, need a message of at least 1 byte`);
  if (payload.length > ONION_CLIENT_MAX_DATA_SIZE_BYTES) return err(`friend request: ${payload.length} bytes is over ${ONION_CLIENT_MAX_DATA_SIZE_BYTES}`);
  if (payload[0] !== ONION_DATA_ID.friend_request) return err(`friend request: type ${payload[0]} is not ${ONION_DATA_ID.friend_request}`);
  const r = new Reader(payload);
  r.u8();
  const nospam = r.bytes(NOSPAM_SIZE_BYTES);
  return ok({ nospam, message: r.rest() });
}

export type OnionDataPayload =
  | { readonly kind: 'friend_request'; readonly value: FriendRequestPayload }
  | { readonly kind: 'dht_pk'; readonly value: DhtPk };

/** Dispatches on the first byte; any other type is an error naming it. */
export function decodeOnionDataPayload(payload: Bytes): Result<OnionDataPayload> {
  if (payload.length === 0) return err('onion data payload: empty');
  switch (payload[0]) {
    case ONION_DATA_ID.friend_request: {
      const r = decodeFriendRequestPayload(payload);
      return r.ok ? ok({ kind: 'friend_request', value: r.value }) : r;
    }
    case ONION_DATA_ID.dht_pk: {
      const r = decodeDhtPkPayload(payload);
      return r.ok ? ok({ kind: 'dht_pk', value: r.value }) : r;
    }
    default:
      return err(`onion data payload: unknown type ${payload[0]}`);
  }
}
