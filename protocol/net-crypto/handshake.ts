/**
 * Crypto handshake, packet 0x1a (docs/protocol.md §4.2, §11.1): each side of a net_crypto
 * connection sends one. It proves the sender's real key (the box is keyed with the sender's
 * real sk and the receiver's real pk), hands over the sender's session public key and base
 * nonce, and carries a cookie for the receiver to use in its own handshake.
 *
 * Serialized form (385 bytes, exact):
 *
 * | offset | length | field                                                               |
 * |-------:|-------:|---------------------------------------------------------------------|
 * |      0 |      1 | 0x1a                                                                |
 * |      1 |    112 | cookie issued by the RECEIVER (from its cookie response, or the     |
 * |        |        | `otherCookie` of the receiver's handshake)                          |
 * |    113 |     24 | nonce (random)                                                      |
 * |    137 |    248 | box(shared(sender real sk, receiver real pk), nonce){ plain }       |
 *
 * Plain (232 bytes):
 *
 * | offset | length | field                                                                   |
 * |-------:|-------:|-------------------------------------------------------------------------|
 * |      0 |     24 | base nonce: the nonce the SENDER will use for its OWN first data packet |
 * |     24 |     32 | sender's session public key (fresh per connection)                      |
 * |     56 |     64 | SHA-512 of the outer cookie (bytes 1..113)                              |
 * |    120 |    112 | other cookie: made by the sender with its own cookie key, holding the  |
 * |        |        | receiver's (real pk, DHT pk); the receiver puts it outside its handshake|
 *
 * **Base-nonce rule (§4.2, §11.1):** `baseNonce` is the sender's `sent_nonce`, the nonce of the
 * data packets the sender will send. The receiver stores it as its `recv_nonce` for that peer.
 * spec.md words this the other way round; the code (and the wire) say: your handshake carries
 * YOUR outgoing nonce. The session key is shared(own session sk, peer session pk).
 *
 * Validation order at the receiver (c-toxcore `handle_crypto_handshake`): exact length; open the
 * outer cookie with our cookie key and check its freshness (this yields the peer's real and DHT
 * pk); optionally compare the real pk with the expected one; open the box with
 * shared(own real sk, peer real pk); compare the SHA-512. `openHandshake` does the last two
 * steps; `decodeHandshakeHeader` + `openCookie` do the first.
 */
import { Reader, Writer, equalBytes, type Bytes } from '../bytes.js';
import type { Crypto } from '../crypto.js';
import { NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SHA512_SIZE_BYTES } from '../crypto.js';
import { PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import { COOKIE_SIZE_BYTES, HANDSHAKE_PLAIN_SIZE_BYTES, HANDSHAKE_SIZE_BYTES } from './constants.js';

export interface HandshakeHeader {
  /** The outer cookie: issued by the receiver of this handshake. */
  readonly cookie: Bytes;
  readonly nonce: Bytes;
  /** MAC ‖ ciphertext, 248 bytes. */
  readonly boxed: Bytes;
}

export interface HandshakeBody {
  /** The sender's own outgoing data nonce (its `sent_nonce`); the receiver's `recv_nonce`. */
  readonly baseNonce: Bytes;
  /** The sender's session public key. */
  readonly sessionPk: Bytes;
  /** Cookie for the receiver's own handshake (sealed by the sender, opaque to the receiver). */
  readonly otherCookie: Bytes;
}

export interface Handshake extends HandshakeBody {
  readonly cookie: Bytes;
  readonly nonce: Bytes;
}

/** Splits a 0x1a packet without decrypting it. */
export function decodeHandshakeHeader(bytes: Bytes): Result<HandshakeHeader> {
  if (bytes.length !== HANDSHAKE_SIZE_BYTES) return err(`handshake: length ${bytes.length}, expected ${HANDSHAKE_SIZE_BYTES}`);
  const r = new Reader(bytes);
  if (r.u8() !== PACKET_ID.handshake) return err('handshake: packet id is not 0x1a');
  const cookie = r.bytes(COOKIE_SIZE_BYTES);
  const nonce = r.bytes(NONCE_SIZE_BYTES);
  return ok({ cookie, nonce, boxed: r.rest() });
}

/**
 * Builds a 0x1a packet. `sharedKey` = shared(our real sk, their real pk); `cookie` is the one the
 * receiver issued to us; `otherCookie` we sealed for the receiver (sealCookie with our cookie key,
 * holding the receiver's real pk and DHT pk). Throws on wrong argument lengths.
 */
export function sealHandshake(
  crypto: Crypto,
  sharedKey: Bytes,
  nonce: Bytes,
  fields: { readonly cookie: Bytes } & HandshakeBody,
): Bytes {
  if (nonce.length !== NONCE_SIZE_BYTES) throw new Error('handshake: nonce must be 24 bytes');
  if (fields.cookie.length !== COOKIE_SIZE_BYTES) throw new Error('handshake: cookie must be 112 bytes');
  if (fields.otherCookie.length !== COOKIE_SIZE_BYTES) throw new Error('handshake: otherCookie must be 112 bytes');
  if (fields.baseNonce.length !== NONCE_SIZE_BYTES) throw new Error('handshake: baseNonce must be 24 bytes');
  if (fields.sessionPk.length !== PUBLIC_KEY_SIZE_BYTES) throw new Error('handshake: sessionPk must be 32 bytes');
  const plain = new Writer(HANDSHAKE_PLAIN_SIZE_BYTES)
    .bytes(fields.baseNonce)
    .bytes(fields.sessionPk)
    .bytes(crypto.sha512(fields.cookie))
    .bytes(fields.otherCookie)
    .finish();
  const boxed = crypto.seal(sharedKey, nonce, plain);
  return new Writer(HANDSHAKE_SIZE_BYTES).u8(PACKET_ID.handshake).bytes(fields.cookie).bytes(nonce).bytes(boxed).finish();
}

/**
 * Decrypts a 0x1a packet with shared(our real sk, peer real pk) — the peer real pk comes from
 * opening the outer cookie — and checks the SHA-512 of the outer cookie.
 */
export function openHandshake(crypto: Crypto, sharedKey: Bytes, bytes: Bytes): Result<Handshake> {
  const h = decodeHandshakeHeader(bytes);
  if (!h.ok) return h;
  const plain = crypto.open(sharedKey, h.value.nonce, h.value.boxed);
  if (plain === null || plain.length !== HANDSHAKE_PLAIN_SIZE_BYTES) return err('handshake: box does not authenticate');
  const hashAt = NONCE_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES;
  if (!equalBytes(plain.subarray(hashAt, hashAt + SHA512_SIZE_BYTES), crypto.sha512(h.value.cookie))) {
    return err('handshake: SHA-512 of the outer cookie does not match');
  }
  return ok({
    cookie: h.value.cookie,
    nonce: h.value.nonce,
    baseNonce: plain.slice(0, NONCE_SIZE_BYTES),
    sessionPk: plain.slice(NONCE_SIZE_BYTES, NONCE_SIZE_BYTES + PUBLIC_KEY_SIZE_BYTES),
    otherCookie: plain.slice(hashAt + SHA512_SIZE_BYTES),
  });
}
