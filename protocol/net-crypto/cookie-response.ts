/**
 * Cookie response, packet 0x19 (docs/protocol.md §4.1): the stateless answer to a cookie
 * request. It carries a fresh cookie (sealed with the responder's cookie key, holding the
 * requester's real and DHT pks) and echoes the request's echo id. It is boxed with the same
 * DHT shared key the request used. The requester checks the echo id and then sends a handshake
 * whose outer cookie is this cookie.
 *
 * Serialized form (161 bytes, exact):
 *
 * | offset | length | field                                                  |
 * |-------:|-------:|--------------------------------------------------------|
 * |      0 |      1 | 0x19                                                   |
 * |      1 |     24 | nonce (random)                                         |
 * |     25 |    136 | box(shared DHT key of the request, nonce){ plain }     |
 *
 * Plain (120 bytes):
 *
 * | offset | length | field                              |
 * |-------:|-------:|------------------------------------|
 * |      0 |    112 | cookie (see cookie.ts)             |
 * |    112 |      8 | echo id, copied from the request   |
 */
import { Reader, Writer, type Bytes } from '../bytes.js';
import type { Crypto } from '../crypto.js';
import { NONCE_SIZE_BYTES } from '../crypto.js';
import { PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { COOKIE_RESPONSE_SIZE_BYTES, COOKIE_SIZE_BYTES, ECHO_ID_SIZE_BYTES } from './constants.js';

export interface CookieResponse {
  /** The 112-byte cookie, opaque to the requester. */
  readonly cookie: Bytes;
  /** The 8 bytes echoed from the request. */
  readonly echoId: Bytes;
}

const PLAIN_SIZE_BYTES = COOKIE_SIZE_BYTES + ECHO_ID_SIZE_BYTES;

/** Builds a 0x19 packet. Throws on wrong argument lengths. */
export function sealCookieResponse(crypto: Crypto, sharedKey: Bytes, nonce: Bytes, body: CookieResponse): Bytes {
  if (nonce.length !== NONCE_SIZE_BYTES) throw new Error('cookie response: nonce must be 24 bytes');
  if (body.cookie.length !== COOKIE_SIZE_BYTES) throw new Error('cookie response: cookie must be 112 bytes');
  if (body.echoId.length !== ECHO_ID_SIZE_BYTES) throw new Error('cookie response: echoId must be 8 bytes');
  const boxed = crypto.seal(sharedKey, nonce, new Writer(PLAIN_SIZE_BYTES).bytes(body.cookie).bytes(body.echoId).finish());
  return new Writer(COOKIE_RESPONSE_SIZE_BYTES).u8(PACKET_ID.cookie_response).bytes(nonce).bytes(boxed).finish();
}

/** Decrypts a 0x19 packet with the DHT shared key our request used. The caller compares `echoId`. */
export function openCookieResponse(crypto: Crypto, sharedKey: Bytes, bytes: Bytes): Result<CookieResponse> {
  if (bytes.length !== COOKIE_RESPONSE_SIZE_BYTES) return err(`cookie response: length ${bytes.length}, expected ${COOKIE_RESPONSE_SIZE_BYTES}`);
  const r = new Reader(bytes);
  if (r.u8() !== PACKET_ID.cookie_response) return err('cookie response: packet id is not 0x19');
  const nonce = r.bytes(NONCE_SIZE_BYTES);
  const plain = crypto.open(sharedKey, nonce, r.rest());
  if (plain === null || plain.length !== PLAIN_SIZE_BYTES) return err('cookie response: box does not authenticate');
  return ok({ cookie: plain.slice(0, COOKIE_SIZE_BYTES), echoId: plain.slice(COOKIE_SIZE_BYTES) });
}
