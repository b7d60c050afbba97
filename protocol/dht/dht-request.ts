/**
 * DHT request 0x20, the "crypto request" (docs/protocol.md §2.5; c-toxcore
 * `toxcore/DHT.c` `create_request`, `handle_request`, `cryptopacket_handle`).
 * Carries a request id and data to a node identified by its DHT key. A node
 * that is not the receiver forwards the packet unchanged to the receiver if it
 * is in its close list, so the header decodes without decrypting.
 *
 * Serialized form (total ≤ 1024 bytes):
 *
 * | offset | length | field                                                              |
 * |-------:|-------:|--------------------------------------------------------------------|
 * |      0 |      1 | 0x20                                                               |
 * |      1 |     32 | receiver DHT public key                                            |
 * |     33 |     32 | sender DHT public key                                              |
 * |     65 |     24 | nonce                                                              |
 * |     89 |  17+n  | box(shared(sender DHT sk, receiver DHT pk)){request id 1 ‖ data n} |
 *
 * Request ids handled by 0.2.18: 254 NAT ping (nat-ping.ts), 156 DHT-PK
 * (dht-pk.ts). Id 32 (friend request) is defined but not handled over this route.
 */
import { Reader, Writer, type Bytes } from '../bytes.js';
import { MAC_SIZE_BYTES, NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SHARED_KEY_SIZE_BYTES, type Crypto } from '../crypto.js';
import { requireLength } from '../keys.js';
import { DHT_REQUEST_ID, PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';

/** c-toxcore `MAX_CRYPTO_REQUEST_SIZE` (DHT.h): the largest request `create_request` makes and `handle_request` opens. */
export const MAX_CRYPTO_REQUEST_SIZE_BYTES = 1024;
/**
 * The largest 0x20 c-toxcore `cryptopacket_handle` accepts for forwarding:
 * `MAX_CRYPTO_REQUEST_SIZE + CRYPTO_MAC_SIZE` (it only opens ≤ 1024).
 */
export const MAX_FORWARDED_CRYPTO_REQUEST_SIZE_BYTES = MAX_CRYPTO_REQUEST_SIZE_BYTES + MAC_SIZE_BYTES;
/** id 1 + receiver pk 32 + sender pk 32 + nonce 24 (c-toxcore `CRYPTO_SIZE`, DHT.c). */
export const DHT_REQUEST_HEADER_SIZE_BYTES = 1 + 2 * PUBLIC_KEY_SIZE_BYTES + NONCE_SIZE_BYTES;
/** The largest `data` a request can carry: 1024 − 89 − 16 − 1 = 918 bytes. */
export const MAX_DHT_REQUEST_DATA_SIZE_BYTES = MAX_CRYPTO_REQUEST_SIZE_BYTES - DHT_REQUEST_HEADER_SIZE_BYTES - MAC_SIZE_BYTES - 1;

/** Request ids inside a 0x20: `DHT_REQUEST_ID` in packet-ids.ts, re-exported here. */
export { DHT_REQUEST_ID };

export interface DhtRequestHeader {
  readonly receiverPk: Bytes;
  readonly senderPk: Bytes;
  readonly nonce: Bytes;
  /** MAC ‖ ciphertext. */
  readonly box: Bytes;
}

export interface DhtRequest {
  readonly requestId: number;
  /** At least 1 byte: c-toxcore drops requests with empty data. */
  readonly data: Bytes;
}

/** Total size of the packet a header was decoded from. */
export function dhtRequestSize(header: DhtRequestHeader): number {
  return DHT_REQUEST_HEADER_SIZE_BYTES + header.box.length;
}

/**
 * Splits a 0x20 packet without decrypting: enough to forward it. Accepts sizes
 * c-toxcore would route: more than 105 and at most 1040 bytes.
 */
export function decodeDhtRequestHeader(bytes: Bytes): Result<DhtRequestHeader> {
  if (bytes.length <= DHT_REQUEST_HEADER_SIZE_BYTES + MAC_SIZE_BYTES) return err(`DHT request: ${bytes.length} bytes is too short`);
  if (bytes.length > MAX_FORWARDED_CRYPTO_REQUEST_SIZE_BYTES) return err(`DHT request: ${bytes.length} bytes is too long`);
  const r = new Reader(bytes);
  const id = r.u8();
  if (id !== PACKET_ID.dht_request) return err(`DHT request: packet id 0x${id.toString(16)} is not 0x20`);
  const receiverPk = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  const senderPk = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  const nonce = r.bytes(NONCE_SIZE_BYTES);
  return ok({ receiverPk, senderPk, nonce, box: r.rest() });
}

/** Builds a 0x20. Throws if the result would exceed 1024 bytes or `data` is empty. */
export function sealDhtRequest(
  crypto: Crypto,
  sharedKey: Bytes,
  receiverPk: Bytes,
  senderPk: Bytes,
  nonce: Bytes,
  fields: DhtRequest,
): Bytes {
  requireLength('DHT request receiver pk', receiverPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('DHT request sender pk', senderPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('DHT request nonce', nonce, NONCE_SIZE_BYTES);
  const { requestId, data } = fields;
  if (!Number.isInteger(requestId) || requestId < 0 || requestId > 255) throw new Error(`DHT request: bad request id ${requestId}`);
  if (data.length === 0) throw new Error('DHT request: empty data');
  if (data.length > MAX_DHT_REQUEST_DATA_SIZE_BYTES) {
    throw new Error(`DHT request: ${data.length} bytes of data, at most ${MAX_DHT_REQUEST_DATA_SIZE_BYTES}`);
  }
  const box = crypto.seal(sharedKey, nonce, new Writer(1 + data.length).u8(requestId).bytes(data).finish());
  return new Writer(DHT_REQUEST_HEADER_SIZE_BYTES + box.length)
    .u8(PACKET_ID.dht_request)
    .bytes(receiverPk)
    .bytes(senderPk)
    .bytes(nonce)
    .bytes(box)
    .finish();
}

/**
 * Opens a 0x20 addressed to us (the caller checks `receiverPk` is ours and
 * passes shared(own DHT sk, header.senderPk)). Requires total ≤ 1024 and at
 * least 1 byte of data, as c-toxcore `handle_request` / `cryptopacket_handle` do.
 */
export function openDhtRequest(crypto: Crypto, sharedKey: Bytes, header: DhtRequestHeader): Result<DhtRequest> {
  const size = dhtRequestSize(header);
  if (size > MAX_CRYPTO_REQUEST_SIZE_BYTES) return err(`DHT request: ${size} bytes is more than ${MAX_CRYPTO_REQUEST_SIZE_BYTES}`);
  if (sharedKey.length !== SHARED_KEY_SIZE_BYTES || header.nonce.length !== NONCE_SIZE_BYTES) return err('DHT request: bad key or nonce length');
  const plain = crypto.open(sharedKey, header.nonce, header.box);
  if (!plain) return err('DHT request: box does not authenticate');
  if (plain.length < 2) return err('DHT request: no data after the request id');
  return ok({ requestId: plain[0]!, data: plain.slice(1) });
}
