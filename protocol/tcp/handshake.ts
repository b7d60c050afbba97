/**
 * TCP relay handshakes (docs/protocol.md §14.1): the two raw messages (no length prefix) that open
 * a relay connection. Each side hands over a fresh temporary public key and the base nonce of its
 * OWN outgoing frames; both boxes are keyed with shared(client sk, relay pk), the client's and the
 * relay's long-term keys (for c-toxcore's net_crypto the client key is its DHT key).
 *
 * Client → relay (128 bytes, c-toxcore TCP_CLIENT_HANDSHAKE_SIZE):
 *
 * | offset | length | field                                                         |
 * |-------:|-------:|---------------------------------------------------------------|
 * |      0 |     32 | client public key                                             |
 * |     32 |     24 | nonce (random)                                                |
 * |     56 |     72 | box(shared(client sk, relay pk), nonce){ temp pk ‖ base nonce }|
 *
 * Relay → client (96 bytes, TCP_SERVER_HANDSHAKE_SIZE):
 *
 * | offset | length | field                                                         |
 * |-------:|-------:|---------------------------------------------------------------|
 * |      0 |     24 | nonce (random)                                                |
 * |     24 |     72 | box(shared(relay sk, client pk), nonce){ temp pk ‖ base nonce }|
 *
 * Afterwards (protocol/tcp/frame.ts `openTcpSession`): session key shared(own temp sk, peer temp
 * pk); send nonce = the base nonce we sent, receive nonce = the base nonce we received.
 * c-toxcore: TCP_client.c `generate_handshake`, `handle_handshake`; TCP_server.c
 * `handle_TCP_handshake`.
 */
import { Reader, Writer, type Bytes } from '../bytes.js';
import type { Crypto } from '../crypto.js';
import { NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SECRET_KEY_SIZE_BYTES } from '../crypto.js';
import { requireLength } from '../keys.js';
import { err, ok, type Result } from '../result.js';
import { TCP_CLIENT_HANDSHAKE_SIZE, TCP_HANDSHAKE_PLAIN_SIZE, TCP_SERVER_HANDSHAKE_SIZE } from './constants.js';

/** One side's per-connection secrets: a fresh temp key pair and the base nonce of its own outgoing frames. */
export interface TcpSessionSecrets {
  readonly tempPublicKey: Bytes;
  readonly tempSecretKey: Bytes;
  /** 24 bytes: the nonce of this side's first frame. */
  readonly baseNonce: Bytes;
}

/** What a handshake hands over: the peer's temp public key and the base nonce of ITS outgoing frames. */
export interface TcpPeerSecrets {
  readonly tempPk: Bytes;
  readonly baseNonce: Bytes;
}

function requireSecrets(s: TcpSessionSecrets): void {
  requireLength('tcp handshake: tempPublicKey', s.tempPublicKey, PUBLIC_KEY_SIZE_BYTES);
  requireLength('tcp handshake: tempSecretKey', s.tempSecretKey, SECRET_KEY_SIZE_BYTES);
  requireLength('tcp handshake: baseNonce', s.baseNonce, NONCE_SIZE_BYTES);
}

/** temp pk ‖ base nonce, the 56-byte plaintext both handshakes box. */
function plainOf(s: TcpSessionSecrets): Bytes {
  return new Writer(TCP_HANDSHAKE_PLAIN_SIZE).bytes(s.tempPublicKey).bytes(s.baseNonce).finish();
}

function peerOf(plain: Bytes): TcpPeerSecrets {
  return { tempPk: plain.slice(0, PUBLIC_KEY_SIZE_BYTES), baseNonce: plain.slice(PUBLIC_KEY_SIZE_BYTES) };
}

/**
 * crypto.precompute on a key from the wire: libsodium refuses some points (all-zero and other
 * low-order keys) by throwing; a decoder must not throw, so that becomes null.
 */
function precomputeOrNull(crypto: Crypto, pk: Bytes, sk: Bytes): Bytes | null {
  try {
    return crypto.precompute(pk, sk);
  } catch {
    return null;
  }
}

/**
 * Client → relay: [client long-term pk 32][nonce 24][box(tempPk 32 ‖ baseNonce 24) with
 * precompute(serverPk, clientSk)] = 128 bytes. Throws on wrong argument lengths (our own bug).
 */
export function encodeClientHandshake(
  crypto: Crypto,
  a: { clientPk: Bytes; clientSk: Bytes; serverPk: Bytes; secrets: TcpSessionSecrets; nonce: Bytes },
): Bytes {
  requireLength('tcp handshake: clientPk', a.clientPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('tcp handshake: clientSk', a.clientSk, SECRET_KEY_SIZE_BYTES);
  requireLength('tcp handshake: serverPk', a.serverPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('tcp handshake: nonce', a.nonce, NONCE_SIZE_BYTES);
  requireSecrets(a.secrets);
  const boxed = crypto.seal(crypto.precompute(a.serverPk, a.clientSk), a.nonce, plainOf(a.secrets));
  return new Writer(TCP_CLIENT_HANDSHAKE_SIZE).bytes(a.clientPk).bytes(a.nonce).bytes(boxed).finish();
}

/**
 * Relay side: opens a client handshake with the relay's long-term secret key. Exactly 128 bytes;
 * the box must open with shared(relay sk, client pk) (TCP_server.c handle_TCP_handshake).
 */
export function decodeClientHandshake(
  crypto: Crypto,
  serverSk: Bytes,
  data: Bytes,
): Result<{ clientPk: Bytes; tempPk: Bytes; baseNonce: Bytes }> {
  if (data.length !== TCP_CLIENT_HANDSHAKE_SIZE) {
    return err(`tcp client handshake: length ${data.length}, expected ${TCP_CLIENT_HANDSHAKE_SIZE}`);
  }
  const r = new Reader(data);
  const clientPk = r.bytes(PUBLIC_KEY_SIZE_BYTES);
  const nonce = r.bytes(NONCE_SIZE_BYTES);
  const shared = precomputeOrNull(crypto, clientPk, serverSk);
  if (shared === null) return err('tcp client handshake: client public key is not usable');
  const plain = crypto.open(shared, nonce, r.rest());
  if (plain === null || plain.length !== TCP_HANDSHAKE_PLAIN_SIZE) return err('tcp client handshake: box does not authenticate');
  return ok({ clientPk, ...peerOf(plain) });
}

/**
 * Relay → client: [nonce 24][box(tempPk ‖ baseNonce) with precompute(clientPk, serverSk)] = 96
 * bytes. Throws on wrong argument lengths, or if `clientPk` is a key libsodium refuses (the relay
 * got it from decodeClientHandshake, which already refused those).
 */
export function encodeServerHandshake(
  crypto: Crypto,
  a: { serverSk: Bytes; clientPk: Bytes; secrets: TcpSessionSecrets; nonce: Bytes },
): Bytes {
  requireLength('tcp handshake: serverSk', a.serverSk, SECRET_KEY_SIZE_BYTES);
  requireLength('tcp handshake: clientPk', a.clientPk, PUBLIC_KEY_SIZE_BYTES);
  requireLength('tcp handshake: nonce', a.nonce, NONCE_SIZE_BYTES);
  requireSecrets(a.secrets);
  const boxed = crypto.seal(crypto.precompute(a.clientPk, a.serverSk), a.nonce, plainOf(a.secrets));
  return new Writer(TCP_SERVER_HANDSHAKE_SIZE).bytes(a.nonce).bytes(boxed).finish();
}

/**
 * Client side: opens the relay's 96-byte answer with shared(client sk, relay pk)
 * (TCP_client.c handle_handshake).
 */
export function decodeServerHandshake(
  crypto: Crypto,
  a: { clientSk: Bytes; serverPk: Bytes },
  data: Bytes,
): Result<{ tempPk: Bytes; baseNonce: Bytes }> {
  if (data.length !== TCP_SERVER_HANDSHAKE_SIZE) {
    return err(`tcp server handshake: length ${data.length}, expected ${TCP_SERVER_HANDSHAKE_SIZE}`);
  }
  const shared = precomputeOrNull(crypto, a.serverPk, a.clientSk);
  if (shared === null) return err('tcp server handshake: relay public key is not usable');
  const plain = crypto.open(shared, data.subarray(0, NONCE_SIZE_BYTES), data.subarray(NONCE_SIZE_BYTES));
  if (plain === null || plain.length !== TCP_HANDSHAKE_PLAIN_SIZE) return err('tcp server handshake: box does not authenticate');
  return ok(peerOf(plain));
}
