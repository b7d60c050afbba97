/**
 * The net_crypto cookie (docs/protocol.md §4.1): an opaque 112-byte token a node issues, sealed
 * with its own random cookie key, that proves a requester's (real pk, DHT pk) pair and freshness
 * when it comes back inside a handshake. Only the issuer can open it; to everyone else it is bytes.
 *
 * Serialized form (112 bytes):
 *
 * | offset | length | field                                                        |
 * |-------:|-------:|--------------------------------------------------------------|
 * |      0 |     24 | nonce (random, chosen by the issuer)                         |
 * |     24 |     88 | secretbox(cookie key, nonce){ contents } = MAC 16 ‖ 72 bytes |
 *
 * Contents (72 bytes, inside the box):
 *
 * | offset | length | field                                                              |
 * |-------:|-------:|--------------------------------------------------------------------|
 * |      0 |      8 | time: issuer's monotonic seconds, u64 in host order (LE on x86)   |
 * |      8 |     32 | requester's real (long-term) public key                             |
 * |     40 |     32 | requester's DHT public key                                          |
 *
 * c-toxcore `create_cookie` memcpy's a host `uint64_t`, so the time is little-endian on every
 * machine that matters; nobody but the issuer reads it. We write it little-endian too.
 * Freshness (`open_cookie`): valid while `time <= now <= time + COOKIE_TIMEOUT_S`.
 */
import { Reader, Writer, type Bytes } from '../bytes.js';
import type { Crypto } from '../crypto.js';
import { NONCE_SIZE_BYTES, PUBLIC_KEY_SIZE_BYTES, SYMMETRIC_KEY_SIZE_BYTES } from '../crypto.js';
import { err, ok, type Result } from '../result.js';
import { COOKIE_CONTENTS_SIZE_BYTES, COOKIE_SIZE_BYTES, COOKIE_TIMEOUT_S } from './constants.js';

export interface CookieContents {
  /** Issuer's clock in seconds when the cookie was made (opaque to everyone else). */
  readonly time: bigint;
  /** Real (long-term) public key of the node the cookie was issued to. */
  readonly realPk: Bytes;
  /** DHT public key of the node the cookie was issued to. */
  readonly dhtPk: Bytes;
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`cookie: ${what}`);
}

/** Seals a cookie with our cookie key. Throws on wrong key/nonce lengths or a time outside u64. */
export function sealCookie(crypto: Crypto, cookieKey: Bytes, nonce: Bytes, contents: CookieContents): Bytes {
  check(cookieKey.length === SYMMETRIC_KEY_SIZE_BYTES, 'cookie key must be 32 bytes');
  check(nonce.length === NONCE_SIZE_BYTES, 'nonce must be 24 bytes');
  check(contents.realPk.length === PUBLIC_KEY_SIZE_BYTES, 'realPk must be 32 bytes');
  check(contents.dhtPk.length === PUBLIC_KEY_SIZE_BYTES, 'dhtPk must be 32 bytes');
  check(contents.time >= 0n && contents.time < 1n << 64n, 'time must fit in u64');
  const plain = new Writer(COOKIE_CONTENTS_SIZE_BYTES).u64le(contents.time).bytes(contents.realPk).bytes(contents.dhtPk).finish();
  return new Writer(COOKIE_SIZE_BYTES).bytes(nonce).bytes(crypto.secretbox(cookieKey, nonce, plain)).finish();
}

/** Opens one of our own cookies. Does not check freshness: see `isCookieFresh`. */
export function openCookie(crypto: Crypto, cookieKey: Bytes, bytes: Bytes): Result<CookieContents> {
  if (bytes.length !== COOKIE_SIZE_BYTES) return err(`cookie: length ${bytes.length}, expected ${COOKIE_SIZE_BYTES}`);
  if (cookieKey.length !== SYMMETRIC_KEY_SIZE_BYTES) return err('cookie: cookie key must be 32 bytes');
  const plain = crypto.secretboxOpen(cookieKey, bytes.subarray(0, NONCE_SIZE_BYTES), bytes.subarray(NONCE_SIZE_BYTES));
  if (plain === null || plain.length !== COOKIE_CONTENTS_SIZE_BYTES) return err('cookie: does not authenticate (not ours, or corrupt)');
  const r = new Reader(plain);
  return ok({ time: r.u64le(), realPk: r.bytes(PUBLIC_KEY_SIZE_BYTES), dhtPk: r.bytes(PUBLIC_KEY_SIZE_BYTES) });
}

/** c-toxcore `open_cookie` freshness rule: `time <= now <= time + 15` (seconds, issuer's clock). */
export function isCookieFresh(time: bigint, nowSeconds: bigint): boolean {
  return nowSeconds >= time && nowSeconds <= time + BigInt(COOKIE_TIMEOUT_S);
}
