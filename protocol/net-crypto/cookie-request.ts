/**
 * Cookie request, packet 0x18 (docs/protocol.md §4.1): the first packet of a net_crypto
 * connection. The requester proves nothing yet; it tells the responder its real pk and an echo
 * id, boxed with the DHT shared key so only the addressed node can read it. The responder is
 * stateless and answers with a cookie response (0x19) to the source address.
 *
 * Serialized form (145 bytes, exact):
 *
 * | offset | length | field                                                           |
 * |-------:|-------:|-----------------------------------------------------------------|
 * |      0 |      1 | 0x18                                                            |
 * |      1 |     32 | sender's DHT public key                                         |
 * |     33 |     24 | nonce (random)                                                  |
 * |     57 |     88 | box(shared(sender DHT sk, receiver DHT pk), nonce){ plain } |
 *
 * Plain (72 bytes):
 *
 * | offset | length | field                                                         |
 * |-------:|-------:|---------------------------------------------------------------|
 * |      0 |     32 | sender's real public key                                      |
 * |     32 |     32 | zero padding (c-toxcore writes zeros and ignores it on read)  |
 * |     64 |      8 | echo id: opaque, echoed in the response (host-order u64 there) |
 *
 * The receiver needs the sender DHT pk to derive the key, so decoding is in two steps:
 * `decodeCookieRequestHeader` (no crypto), then `openCookieRequest` with the shared key.
 */
import { Reader, sealedPacket, Writer, type Bytes } from '../bytes.js';
import type { Crypto } from '../crypto.js';
import { MAC_SIZE_BYTES, NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES } from '../crypto.js';
import { PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { COOKIE_REQUEST_PLAIN_SIZE_BYTES, COOKIE_REQUEST_SIZE_BYTES, ECHO_ID_SIZE_BYTES } from './constants.js';

export interface CookieRequestHeader {
  readonly senderDhtPk: Bytes;
  readonly nonce: Bytes;
  /** MAC ‖ ciphertext, 88 bytes. */
  readonly boxed: Bytes;
}

export interface CookieRequestBody {
  /** Requester's real (long-term) public key. */
  readonly realPk: Bytes;
  /** 8 opaque bytes the response must echo. */
  readonly echoId: Bytes;
}

export interface CookieRequest extends CookieRequestHeader, CookieRequestBody {}

/** Splits a 0x18 packet without decrypting it. */
export function decodeCookieRequestHeader(bytes: Bytes): Result<CookieRequestHeader> {
  if (bytes.length !== COOKIE_REQUEST_SIZE_BYTES) return err(`cookie request: length ${bytes.length}, expected ${COOKIE_REQUEST_SIZE_BYTES}`);
  const r = new Reader(bytes);
  if (r.u8() !== PACKET_ID.cookie_request) return err('cookie request: packet id is not 0x18');
  const senderDhtPk = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  const nonce = r.bytes(NONCE_SIZE_BYTES);
  const boxed = r.rest();
  return ok({ senderDhtPk, nonce, boxed });
}

/**
 * Builds a 0x18 packet. `sharedKey` = shared(our DHT sk, their DHT pk); `senderDhtPk` is our
 * DHT pk. Throws on wrong argument lengths.
 */
export function sealCookieRequest(
  crypto: Crypto,
  sharedKey: Bytes,
  senderDhtPk: Bytes,
  nonce: Bytes,
  body: CookieRequestBody,
): Bytes {
  if (senderDhtPk.length !== PUBLIC_KEY_SIZE_BYTES) throw new Error('cookie request: senderDhtPk must be 32 bytes');
  if (nonce.length !== NONCE_SIZE_BYTES) throw new Error('cookie request: nonce must be 24 bytes');
  if (body.realPk.length !== PUBLIC_KEY_SIZE_BYTES) throw new Error('cookie request: realPk must be 32 bytes');
  if (body.echoId.length !== ECHO_ID_SIZE_BYTES) throw new Error('cookie request: echoId must be 8 bytes');
  const plain = new Writer(COOKIE_REQUEST_PLAIN_SIZE_BYTES).bytes(body.realPk).zeros(PUBLIC_KEY_SIZE_BYTES).bytes(body.echoId).finish();
  return sealedPacket(PACKET_ID.cookie_request, senderDhtPk, nonce, crypto.seal(sharedKey, nonce, plain));
}

/** Decrypts a 0x18 packet with shared(our DHT sk, header.senderDhtPk). */
export function openCookieRequest(crypto: Crypto, sharedKey: Bytes, bytes: Bytes): Result<CookieRequest> {
  const h = decodeCookieRequestHeader(bytes);
  if (!h.ok) return h;
  const plain = crypto.open(sharedKey, h.value.nonce, h.value.boxed);
  if (plain === null || plain.length !== COOKIE_REQUEST_PLAIN_SIZE_BYTES) return err('cookie request: box does not authenticate');
  return ok({
    ...h.value,
    realPk: plain.slice(0, PUBLIC_KEY_SIZE_BYTES),
    echoId: plain.slice(2 * PUBLIC_KEY_SIZE_BYTES, 2 * PUBLIC_KEY_SIZE_BYTES + ECHO_ID_SIZE_BYTES),
  });
}

/** Size of the boxed part, for documentation and tests. */
export const COOKIE_REQUEST_BOXED_SIZE_BYTES = COOKIE_REQUEST_PLAIN_SIZE_BYTES + MAC_SIZE_BYTES;
