/**
 * The common frame of the DHT ping and nodes packets (docs/protocol.md §2.2;
 * c-toxcore `toxcore/DHT.c` `dht_create_packet`, `toxcore/ping.c`): the
 * sender's DHT key and a nonce in the clear, then a box under
 * shared(sender DHT sk, receiver DHT pk). Responses use the same shared key
 * with a fresh nonce.
 *
 * Serialized form:
 *
 * | offset | length | field                                   |
 * |-------:|-------:|-----------------------------------------|
 * |      0 |      1 | packet id (0x00, 0x01, 0x02, 0x04)      |
 * |      1 |     32 | sender DHT public key                   |
 * |     33 |     24 | nonce                                   |
 * |     57 |   16+n | box: MAC 16 ‖ ciphertext of n ≥ 1 bytes |
 */
import { Reader, sealedPacket, type Bytes } from '../bytes.js';
import { MAC_SIZE_BYTES, NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SHARED_KEY_SIZE_BYTES, type Crypto } from '../crypto.js';
import { requireLength } from '../keys.js';
import { err, ok, type Result } from '../result.js';

/** id 1 + sender pk 32 + nonce 24. */
export const DHT_HEADER_SIZE_BYTES = 1 + PUBLIC_KEY_SIZE_BYTES + NONCE_SIZE_BYTES;

export interface DhtHeader {
  readonly packetId: number;
  readonly senderPk: Bytes;
  readonly nonce: Bytes;
  /** MAC ‖ ciphertext. */
  readonly box: Bytes;
}

/** Total size of the packet a header was decoded from. */
export function dhtPacketSize(header: DhtHeader): number {
  return DHT_HEADER_SIZE_BYTES + header.box.length;
}

/**
 * Splits `[id][sender pk][nonce][box]` without decrypting. The box must hold at
 * least one byte of plaintext (toxcore cannot box empty plaintexts, §1.3).
 */
export function decodeDhtHeader(bytes: Bytes): Result<DhtHeader> {
  if (bytes.length <= DHT_HEADER_SIZE_BYTES + MAC_SIZE_BYTES) {
    return err(`DHT packet: ${bytes.length} bytes is too short (need more than ${DHT_HEADER_SIZE_BYTES + MAC_SIZE_BYTES})`);
  }
  const r = new Reader(bytes);
  const packetId = r.u8();
  const senderPk = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  const nonce = r.bytes(NONCE_SIZE_BYTES);
  const box = r.rest();
  return ok({ packetId, senderPk, nonce, box });
}

/** Builds `[id][sender pk][nonce][box(sharedKey, nonce){plain}]`. */
export function sealDhtPacket(
  crypto: Crypto,
  packetId: number,
  sharedKey: Bytes,
  senderPk: Bytes,
  nonce: Bytes,
  plain: Bytes,
): Bytes {
  requireLength('DHT packet sender pk', senderPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('DHT packet nonce', nonce, NONCE_SIZE_BYTES);
  requireLength('DHT packet shared key', sharedKey, SHARED_KEY_SIZE_BYTES);
  return sealedPacket(packetId, senderPk, nonce, crypto.seal(sharedKey, nonce, plain));
}

/**
 * Checks the id and total size, then opens the box. `expectedSize` is the exact
 * total, or a `[min, max]` range (inclusive).
 */
export function openDhtPacket(
  crypto: Crypto,
  sharedKey: Bytes,
  header: DhtHeader,
  what: string,
  expectedId: number,
  expectedSize: number | readonly [number, number],
): Result<Bytes> {
  if (header.packetId !== expectedId) {
    return err(`${what}: packet id 0x${header.packetId.toString(16)} is not 0x${expectedId.toString(16)}`);
  }
  const size = dhtPacketSize(header);
  const [min, max] = typeof expectedSize === 'number' ? [expectedSize, expectedSize] : expectedSize;
  if (size < min || size > max) {
    return err(`${what}: ${size} bytes, expected ${min === max ? `exactly ${min}` : `${min}..${max}`}`);
  }
  if (sharedKey.length !== SHARED_KEY_SIZE_BYTES || header.nonce.length !== NONCE_SIZE_BYTES) return err(`${what}: bad key or nonce length`);
  const plain = crypto.open(sharedKey, header.nonce, header.box);
  if (!plain) return err(`${what}: box does not authenticate`);
  return ok(plain);
}
