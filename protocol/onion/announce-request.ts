/**
 * Onion announce request 0x83 (docs/protocol.md §3.4; c-toxcore
 * `toxcore/onion_announce.c` `create_announce_request`,
 * `handle_announce_request_old`). The payload a client sends through the onion
 * to announce node D, both to announce itself and to search for a friend.
 * 0.2.18 clients send only this form (not 0x87).
 *
 * Serialized form (177 bytes; D receives it from exit relay C with RETURN_3
 * appended, 354 bytes, and accepts exactly that length):
 *
 * | offset | length | field                                                          |
 * |-------:|-------:|----------------------------------------------------------------|
 * |      0 |      1 | 0x83                                                           |
 * |      1 |     24 | nonce                                                          |
 * |     25 |     32 | sender public key (real key to announce, temp key to search)   |
 * |     57 |    120 | box(shared(sender sk, D DHT pk), nonce){ping_id 32 ‖ searched pk 32 ‖ data pk 32 ‖ sendback 8} |
 * |    177 |    177 | RETURN_3 (only in the 354-byte form)                           |
 */
import { Reader, Writer, type Bytes } from '../bytes.js';
import { MAC_SIZE_BYTES, NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SHARED_KEY_SIZE_BYTES, type Crypto } from '../crypto.js';
import { requireLength } from '../keys.js';
import { PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { ONION_ANNOUNCE_SENDBACK_SIZE_BYTES, ONION_PING_ID_SIZE_BYTES, ONION_RETURN_3_SIZE_BYTES } from './constants.js';

/** ping_id 32 + searched pk 32 + data pk 32 + sendback 8 = 104 (c-toxcore `ONION_MINIMAL_SIZE`). */
export const ANNOUNCE_REQUEST_PLAIN_SIZE_BYTES =
  ONION_PING_ID_SIZE_BYTES + 2 * PUBLIC_KEY_SIZE_BYTES + ONION_ANNOUNCE_SENDBACK_SIZE_BYTES;
/** 177 bytes (c-toxcore `ONION_ANNOUNCE_REQUEST_SIZE`). */
export const ANNOUNCE_REQUEST_SIZE_BYTES = 1 + NONCE_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES + ANNOUNCE_REQUEST_PLAIN_SIZE_BYTES + MAC_SIZE_BYTES;
/** 354 bytes: as D receives it (c-toxcore `ANNOUNCE_REQUEST_SIZE_RECV`). */
export const ANNOUNCE_REQUEST_WITH_RETURN_SIZE_BYTES = ANNOUNCE_REQUEST_SIZE_BYTES + ONION_RETURN_3_SIZE_BYTES;

export interface AnnounceRequest {
  /** Zeros the first time; then the ping_id D returned (self-announce). Always zeros for searches. */
  readonly pingId: Bytes;
  /** Own real pk (self-announce) or the friend's real pk (search). */
  readonly searchedPk: Bytes;
  /** The instance's temp ("data") pk when announcing; 32 zero bytes when searching. */
  readonly dataPk: Bytes;
  /** 8 opaque bytes D echoes in the response. */
  readonly sendback: Bytes;
}

export interface AnnounceRequestHeader {
  readonly nonce: Bytes;
  readonly senderPk: Bytes;
  readonly box: Bytes;
  /** RETURN_3 when the packet arrived in the 354-byte form. */
  readonly returnBlob?: Bytes;
}

export function sealAnnounceRequest(
  crypto: Crypto,
  sharedKey: Bytes,
  senderPk: Bytes,
  nonce: Bytes,
  fields: AnnounceRequest,
): Bytes {
  requireLength('announce request sender pk', senderPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('announce request nonce', nonce, NONCE_SIZE_BYTES);
  requireLength('announce request ping id', fields.pingId, ONION_PING_ID_SIZE_BYTES);
  requireLength('announce request searched pk', fields.searchedPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('announce request data pk', fields.dataPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('announce request sendback', fields.sendback, ONION_ANNOUNCE_SENDBACK_SIZE_BYTES);
  const plain = new Writer(ANNOUNCE_REQUEST_PLAIN_SIZE_BYTES)
    .bytes(fields.pingId)
    .bytes(fields.searchedPk)
    .bytes(fields.dataPk)
    .bytes(fields.sendback)
    .finish();
  const box = crypto.seal(sharedKey, nonce, plain);
  return new Writer(ANNOUNCE_REQUEST_SIZE_BYTES).u8(PACKET_ID.announce_request).bytes(nonce).bytes(senderPk).bytes(box).finish();
}

/** Accepts the 177-byte form and the 354-byte form with a trailing RETURN_3. */
export function decodeAnnounceRequestHeader(bytes: Bytes): Result<AnnounceRequestHeader> {
  if (bytes.length !== ANNOUNCE_REQUEST_SIZE_BYTES && bytes.length !== ANNOUNCE_REQUEST_WITH_RETURN_SIZE_BYTES) {
    return err(`announce request: ${bytes.length} bytes, expected ${ANNOUNCE_REQUEST_SIZE_BYTES} or ${ANNOUNCE_REQUEST_WITH_RETURN_SIZE_BYTES}`);
  }
  if (bytes[0] !== PACKET_ID.announce_request) return err(`announce request: packet id 0x${bytes[0]!.toString(16)} is not 0x83`);
  const r = new Reader(bytes);
  r.u8();
  const nonce = r.bytes(NONCE_SIZE_BYTES);
  const senderPk = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  const box = r.bytes(ANNOUNCE_REQUEST_PLAIN_SIZE_BYTES + MAC_SIZE_BYTES);
  if (bytes.length === ANNOUNCE_REQUEST_SIZE_BYTES) return ok({ nonce, senderPk, box });
  return ok({ nonce, senderPk, box, returnBlob: r.rest() });
}

/** Opens with shared(own DHT sk, header.senderPk). */
export function openAnnounceRequest(crypto: Crypto, sharedKey: Bytes, header: AnnounceRequestHeader): Result<AnnounceRequest> {
  if (sharedKey.length !== SHARED_KEY_SIZE_BYTES || header.nonce.length !== NONCE_SIZE_BYTES) return err('announce request: bad key or nonce length');
  const p = crypto.open(sharedKey, header.nonce, header.box);
  if (!p) return err('announce request: box does not authenticate');
  if (p.length !== ANNOUNCE_REQUEST_PLAIN_SIZE_BYTES) return err(`announce request: plaintext is ${p.length} bytes`);
  const r = new Reader(p);
  const pingId = r.bytes(ONION_PING_ID_SIZE_BYTES);
  const searchedPk = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  const dataPk = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  return ok({ pingId, searchedPk, dataPk, sendback: r.rest() });
}
