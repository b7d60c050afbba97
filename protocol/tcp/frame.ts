/**
 * The encrypted frame stream of a TCP relay connection (docs/protocol.md §14.2), after the
 * handshakes (handshake.ts). Each direction is a sequence of frames:
 *
 * | offset | length | field                                            |
 * |-------:|-------:|--------------------------------------------------|
 * |      0 |      2 | L, u16 big-endian: length of the box             |
 * |      2 |      L | box(session key, n){ plain }, L = plain + 16     |
 *
 * `n` starts at the sender's base nonce and goes up by one (24-byte big-endian, c-toxcore
 * `increment_nonce`) after every frame; the receiver counts along, so no nonce is on the wire.
 * Bounds (TCP_common.c): a sender refuses plain + 16 > 2048 (`write_packet_TCP_secure_connection`);
 * a receiver kills the connection on L > 2048 (`read_TCP_length`) or a box that does not open
 * (`read_packet_TCP_secure_connection`). c-toxcore's reader skips L = 0 (it never sends one);
 * `TcpFrameReader` calls it an error (§14.2).
 *
 * `TcpCipher` seals and opens frames with the two nonce counters; `TcpFrameReader` cuts a byte
 * stream into boxes, holding at most one maximal frame plus one chunk.
 */
import { concat, Writer, type Bytes } from '../bytes.js';
import type { Crypto } from '../crypto.js';
import { MAC_SIZE_BYTES, NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SHARED_KEY_SIZE_BYTES } from '../crypto.js';
import { requireLength } from '../keys.js';
import { incrementNonce } from '../nonce.js';
import { err, ok, type Result } from '../result.js';
import { MAX_PACKET_SIZE, TCP_LENGTH_PREFIX_SIZE, TCP_MAX_PLAIN_SIZE } from './constants.js';
import type { TcpPeerSecrets, TcpSessionSecrets } from './handshake.js';

/**
 * After the handshake: the shared key of (peer temp pk, own temp sk), our send nonce (the base
 * nonce WE sent in our handshake) and our receive nonce (the base nonce the PEER sent); each frame
 * increments its direction's nonce (big-endian increment of the 24 bytes, as c-toxcore
 * increment_nonce). TCP_client.c handle_handshake, TCP_server.c handle_TCP_handshake.
 */
export class TcpCipher {
  private sendN: Bytes;
  private recvN: Bytes;

  constructor(
    private readonly crypto: Crypto,
    private readonly sharedKey: Bytes,
    sendNonce: Bytes,
    recvNonce: Bytes,
  ) {
    requireLength('TcpCipher: sharedKey', sharedKey, SHARED_KEY_SIZE_BYTES);
    requireLength('TcpCipher: sendNonce', sendNonce, NONCE_SIZE_BYTES);
    requireLength('TcpCipher: recvNonce', recvNonce, NONCE_SIZE_BYTES);
    this.sendN = sendNonce.slice();
    this.recvN = recvNonce.slice();
  }

  /** The nonce the next sealed frame will use (a copy). */
  get sendNonce(): Bytes {
    return this.sendN.slice();
  }

  /** The nonce the next received frame must have been sealed with (a copy). */
  get recvNonce(): Bytes {
    return this.recvN.slice();
  }

  /**
   * One frame on the wire: [u16 big-endian length of the box][box(plain)]; throws RangeError if
   * plain is empty or longer than 2032 bytes (TCP_MAX_PLAIN_SIZE). Advances the send nonce.
   */
  seal(plain: Bytes): Bytes {
    if (plain.length === 0) throw new RangeError('TcpCipher.seal: empty plaintext (toxcore cannot box it)');
    if (plain.length > TCP_MAX_PLAIN_SIZE) throw new RangeError(`TcpCipher.seal: ${plain.length} bytes, at most ${TCP_MAX_PLAIN_SIZE}`);
    const box = this.crypto.seal(this.sharedKey, this.sendN, plain);
    this.sendN = incrementNonce(this.sendN);
    return new Writer(TCP_LENGTH_PREFIX_SIZE + box.length).u16(box.length).bytes(box).finish();
  }

  /**
   * Opens one frame's box (without the 2 length bytes) and advances the receive nonce; null if it
   * fails to open or is out of bounds (the caller drops the connection, as c-toxcore does; the
   * receive nonce is then left where it was).
   */
  open(box: Bytes): Bytes | null {
    if (box.length <= MAC_SIZE_BYTES || box.length > MAX_PACKET_SIZE) return null;
    const plain = this.crypto.open(this.sharedKey, this.recvN, box);
    if (plain === null) return null;
    this.recvN = incrementNonce(this.recvN);
    return plain;
  }
}

/**
 * The cipher of one side once both handshakes are through: key shared(own temp sk, peer temp pk),
 * send with our own base nonce, receive with the peer's. An error (never a throw) if the peer's
 * temp key is one libsodium refuses (the all-zero key, for one): the caller drops the connection.
 */
export function openTcpSession(crypto: Crypto, own: TcpSessionSecrets, peer: TcpPeerSecrets): Result<TcpCipher> {
  if (peer.tempPk.length !== PUBLIC_KEY_SIZE_BYTES || peer.baseNonce.length !== NONCE_SIZE_BYTES) return err('tcp session: peer secrets have the wrong length');
  let key: Bytes;
  try {
    key = crypto.precompute(peer.tempPk, own.tempSecretKey);
  } catch {
    return err('tcp session: peer temp public key is not usable');
  }
  return ok(new TcpCipher(crypto, key, own.baseNonce, peer.baseNonce));
}

/**
 * Splits a byte stream into frames. Bounded: it never holds more than one maximal frame plus one
 * chunk — push() refuses a chunk (and sets `error`) when the bytes already held exceed one maximal
 * frame, i.e. when the caller did not drain with next()/take() after the previous push.
 */
export class TcpFrameReader {
  private readonly maxFrame: number;
  private buf: Bytes = new Uint8Array(0);
  private pos = 0;
  private failure: string | null = null;

  constructor(opts?: { maxFrame?: number }) {
    const max = opts?.maxFrame ?? MAX_PACKET_SIZE;
    if (!Number.isInteger(max) || max < 1 || max > 0xffff) throw new RangeError(`TcpFrameReader: maxFrame ${max} is not 1..65535`);
    this.maxFrame = max;
  }

  /** A string naming the stream error (over-long or zero length, undrained input), or null. */
  get error(): string | null {
    return this.failure;
  }

  /** Bytes received and not yet returned. */
  get buffered(): number {
    return this.buf.length - this.pos;
  }

  /** Appends received bytes. Ignored after an error. */
  push(chunk: Bytes): void {
    if (this.failure !== null || chunk.length === 0) return;
    if (this.buffered > TCP_LENGTH_PREFIX_SIZE + this.maxFrame) {
      this.fail(`undrained: ${this.buffered} bytes held before a new chunk`);
      return;
    }
    this.buf = this.pos === this.buf.length ? chunk.slice() : concat(this.buf.subarray(this.pos), chunk);
    this.pos = 0;
  }

  /**
   * The next complete frame's box (length prefix removed), or null if not complete yet; an
   * over-long or zero length sets `error` and returns null forever after.
   */
  next(): Bytes | null {
    if (this.failure !== null || this.buffered < TCP_LENGTH_PREFIX_SIZE) return null;
    const len = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    if (len === 0) return this.fail('zero frame length');
    if (len > this.maxFrame) return this.fail(`frame length ${len} exceeds ${this.maxFrame}`);
    if (this.buffered < TCP_LENGTH_PREFIX_SIZE + len) return null;
    const start = this.pos + TCP_LENGTH_PREFIX_SIZE;
    this.pos = start + len;
    return this.buf.slice(start, this.pos);
  }

  /** Reads exactly n raw bytes (for the handshakes, which have no length prefix), or null if not yet there. */
  take(n: number): Bytes | null {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`TcpFrameReader.take: ${n} is not a byte count`);
    if (this.failure !== null || this.buffered < n) return null;
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private fail(reason: string): null {
    this.failure = reason;
    this.buf = new Uint8Array(0);
    this.pos = 0;
    return null;
  }
}
