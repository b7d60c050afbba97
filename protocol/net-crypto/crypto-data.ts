/**
 * Crypto data, packet 0x1b (docs/protocol.md §4.3): every packet of an accepted net_crypto
 * session — lossless data, lossy data, request (id 1) and kill (id 2) — travels as one of these,
 * boxed with the session key. Only the low 16 bits of the nonce are on the wire; the receiver
 * rebuilds the full nonce from the base nonce it learned in the peer's handshake.
 *
 * Serialized form (28..1400 bytes):
 *
 * | offset | length | field                                                     |
 * |-------:|-------:|-----------------------------------------------------------|
 * |      0 |      1 | 0x1b                                                      |
 * |      1 |      2 | low 2 bytes of the full 24-byte nonce (its last 2 bytes)  |
 * |      3 |  n+16  | box(session key, full nonce){ plain }                     |
 *
 * Plain (9..1381 bytes):
 *
 * | offset | length | field                                                                |
 * |-------:|-------:|----------------------------------------------------------------------|
 * |      0 |      4 | buffer_start, u32 BE: next lossless number the sender expects        |
 * |      4 |      4 | packet_number, u32 BE: lossless sequence number, or the sender's     |
 * |        |        | buffer_end for lossy / request / kill packets                        |
 * |      8 |      p | zero padding, p = (1373 − payload length) mod 8                      |
 * |    8+p |      L | payload: id byte (never 0) then data; 1 ≤ L ≤ 1373                   |
 *
 * The receiver skips every leading zero byte after the header (0 = `CRYPTO_PAYLOAD_ID.padding`), so any
 * amount of padding is accepted; a plain of only zeros is rejected.
 *
 * Nonces: the sender uses its base nonce for the first packet and adds 1 (big-endian) after
 * every data packet of any kind. The receiver computes
 * `diff = (wire16 − low16(recv_nonce)) mod 65536`, decrypts with `recv_nonce + diff`, and on
 * success advances `recv_nonce` by DATA_NUM_THRESHOLD (21845) when `diff > 2 × 21845`
 * (c-toxcore `handle_data_packet`). `recoverNonce` and `advanceRecvNonce` are those two steps.
 */
import { Reader, Writer, type Bytes } from '../bytes.js';
import type { Crypto } from '../crypto.js';
import { NONCE_SIZE_BYTES } from '../crypto.js';
import { addToNonce } from '../nonce.js';
import { CRYPTO_PAYLOAD_ID, PACKET_ID } from '../packet-ids.js';
import { err, ok, type Result } from '../result.js';
import {
  CRYPTO_DATA_PACKET_MIN_SIZE_BYTES,
  CRYPTO_MAX_PADDING_BYTES,
  DATA_NUM_THRESHOLD,
  MAX_CRYPTO_DATA_SIZE_BYTES,
  MAX_CRYPTO_PACKET_SIZE_BYTES,
} from './constants.js';

export interface CryptoDataHeader {
  /** The low 16 bits of the sender's nonce, as on the wire. */
  readonly nonceLow16: number;
  /** MAC ‖ ciphertext. */
  readonly boxed: Bytes;
}

export interface CryptoDataBody {
  /** u32: the next lossless packet number the sender expects from us (acknowledges all below). */
  readonly bufferStart: number;
  /** u32: lossless sequence number, or the sender's buffer_end for lossy/request/kill. */
  readonly packetNumber: number;
  /** Payload starting with its id byte (never 0), 1..1373 bytes. */
  readonly payload: Bytes;
}

/** Number of zero padding bytes c-toxcore puts before a payload of `payloadLength` bytes. */
export function paddingLength(payloadLength: number): number {
  return (MAX_CRYPTO_DATA_SIZE_BYTES - payloadLength) % CRYPTO_MAX_PADDING_BYTES;
}

/** The low 16 bits of a nonce (its last two bytes, big-endian). */
export function nonceLow16(nonce: Bytes): number {
  return ((nonce[NONCE_SIZE_BYTES - 2]! << 8) | nonce[NONCE_SIZE_BYTES - 1]!) >>> 0;
}

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** Splits a 0x1b packet without decrypting it. Enforces the 28..1400 size window. */
export function decodeCryptoDataHeader(bytes: Bytes): Result<CryptoDataHeader> {
  if (bytes.length <= CRYPTO_DATA_PACKET_MIN_SIZE_BYTES) return err(`crypto data: length ${bytes.length} is below the minimum ${CRYPTO_DATA_PACKET_MIN_SIZE_BYTES + 1}`);
  if (bytes.length > MAX_CRYPTO_PACKET_SIZE_BYTES) return err(`crypto data: length ${bytes.length} exceeds ${MAX_CRYPTO_PACKET_SIZE_BYTES}`);
  const r = new Reader(bytes);
  if (r.u8() !== PACKET_ID.crypto_data) return err('crypto data: packet id is not 0x1b');
  const low = r.u16();
  return ok({ nonceLow16: low, boxed: r.rest() });
}

/**
 * Builds a 0x1b packet with the full `nonce` (the caller then increments its sent nonce).
 * Throws on a payload outside 1..1373 bytes, a payload starting with 0 (it would read as
 * padding), or non-u32 counters.
 */
export function sealCryptoData(crypto: Crypto, sessionKey: Bytes, nonce: Bytes, body: CryptoDataBody): Bytes {
  if (nonce.length !== NONCE_SIZE_BYTES) throw new Error('crypto data: nonce must be 24 bytes');
  const L = body.payload.length;
  if (L < 1 || L > MAX_CRYPTO_DATA_SIZE_BYTES) throw new Error(`crypto data: payload length ${L} outside 1..${MAX_CRYPTO_DATA_SIZE_BYTES}`);
  if (body.payload[0] === CRYPTO_PAYLOAD_ID.padding) throw new Error('crypto data: payload id 0 is padding and cannot be sent');
  if (!isU32(body.bufferStart) || !isU32(body.packetNumber)) throw new Error('crypto data: bufferStart/packetNumber must be u32');
  const pad = paddingLength(L);
  const plain = new Writer(8 + pad + L).u32(body.bufferStart).u32(body.packetNumber).zeros(pad).bytes(body.payload).finish();
  const boxed = crypto.seal(sessionKey, nonce, plain);
  // Only the nonce's last two bytes travel (its low 16 bits, big-endian).
  return new Writer(3 + boxed.length).u8(PACKET_ID.crypto_data).u16(nonceLow16(nonce)).bytes(boxed).finish();
}

/**
 * Decrypts a 0x1b packet with an already recovered full nonce (see `recoverNonce`), reads the
 * two counters and strips the padding.
 */
export function openCryptoData(crypto: Crypto, sessionKey: Bytes, fullNonce: Bytes, bytes: Bytes): Result<CryptoDataBody> {
  const h = decodeCryptoDataHeader(bytes);
  if (!h.ok) return h;
  if (fullNonce.length !== NONCE_SIZE_BYTES) return err('crypto data: nonce must be 24 bytes');
  if (nonceLow16(fullNonce) !== h.value.nonceLow16) return err('crypto data: nonce does not match the low 16 bits on the wire');
  const plain = crypto.open(sessionKey, fullNonce, h.value.boxed);
  if (plain === null) return err('crypto data: box does not authenticate');
  if (plain.length <= 8) return err('crypto data: plaintext has no payload');
  const r = new Reader(plain);
  const bufferStart = r.u32();
  const packetNumber = r.u32();
  let i = 8;
  while (i < plain.length && plain[i] === 0) i++;
  if (i === plain.length) return err('crypto data: payload is all padding');
  return ok({ bufferStart, packetNumber, payload: plain.slice(i) });
}

/**
 * c-toxcore nonce recovery: `diff = (tail16 − low16(recvNonce)) mod 65536` and the nonce to
 * decrypt with is `recvNonce + diff`. Pure; `recvNonce` is not modified.
 */
export function recoverNonce(recvNonce: Bytes, tail16: number): { readonly nonce: Bytes; readonly diff: number } {
  if (!Number.isInteger(tail16) || tail16 < 0 || tail16 > 0xffff) throw new Error(`recoverNonce: ${tail16} is not a u16`);
  const diff = (tail16 - nonceLow16(recvNonce) + 0x10000) & 0xffff;
  return { nonce: addToNonce(recvNonce, diff), diff };
}

/**
 * The receive-nonce advance rule, applied only after a packet decrypted: when `diff` exceeds
 * 2 × DATA_NUM_THRESHOLD the stored `recv_nonce` moves forward by DATA_NUM_THRESHOLD; otherwise it
 * stays. Returns the new recv nonce (the argument is not modified).
 */
export function advanceRecvNonce(recvNonce: Bytes, diff: number): Bytes {
  return diff > DATA_NUM_THRESHOLD * 2 ? addToNonce(recvNonce, DATA_NUM_THRESHOLD) : new Uint8Array(recvNonce);
}
