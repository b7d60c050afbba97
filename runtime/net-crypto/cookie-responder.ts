/**
 * The cookie responder (docs/protocol.md §4.1): answers a friend's cookie request (0x18) with a
 * fresh cookie at the source address, keeping no per-request state. c-toxcore answers anyone;
 * we answer only requests naming a friend's real key (only friends can use a cookie, and
 * strangers get nothing to reflect).
 *
 * Nothing is charged before a request opens (issue 13 item 3: junk spoofed from a friend's
 * address used to spend the friend's answers):
 *   - a friend's session DHT key, or a key that opened a request naming a friend before
 *     (`requesterKeys`), opens with a shared key we hold: no X25519, no budget;
 *   - any other key costs an X25519, taken from one budget for all sources (`unknownKeyBudget`),
 *     and is not cached unless the request opens and names a friend, so a flood of requests
 *     with random keys leaves no state behind;
 *   - an authenticated request from a friend whose policy is `RefusingToConnect` is dropped
 *     (`drop.policy.cookie_request`); an `OpenToConnect` friend is answered like any other;
 *   - an authenticated request naming a friend spends a token of the answer guard
 *     (cookie-guard.ts), keyed by source address and DHT key for a friend's session DHT key (no
 *     one else holds that key), by source address for any other key.
 *
 * Tables (bounded): the guard (COOKIE_GUARD_TABLE_LIMIT, forgotten when refilled, every
 * COOKIE_GUARD_CLEANUP_INTERVAL_MS) and the requester keys (COOKIE_REQUESTER_KEYS_LIMIT, least
 * recently used evicted).
 */
import { equalBytes, toHex, type Bytes } from '../../protocol/bytes.js';
import { ipPortKey } from '../../protocol/ip-port.js';
import { isValidPublicKey } from '../../protocol/keys.js';
import { COOKIE_REQUEST_SIZE_BYTES, decodeCookieRequestHeader, openCookieRequest, sealCookie, sealCookieResponse } from '../../protocol/net-crypto/index.js';
import { COOKIE_GUARD_CLEANUP_INTERVAL_MS, COOKIE_REQUESTER_KEYS_LIMIT, COOKIE_UNKNOWN_KEY_BURST, COOKIE_UNKNOWN_KEY_REFILL_MS } from './constants.js';
import { sharedKeyOf } from '../keys.js';
import { isTcpSource, type NetCryptoContext, type Source } from './context.js';
import { CookieGuard, TokenBucket } from './cookie-guard.js';

export class CookieResponder {
  readonly guard = new CookieGuard();
  /** The X25519 budget for cookie requests claiming a DHT key we hold no shared key for. */
  readonly unknownKeyBudget = new TokenBucket(COOKIE_UNKNOWN_KEY_BURST, COOKIE_UNKNOWN_KEY_REFILL_MS);
  /** DHT keys that opened a cookie request naming a friend → their shared key (LRU). */
  private readonly requesterKeys = new Map<string, Bytes>();
  /** When the guard next forgets refilled keys (null while it holds none). */
  cleanupAt: number | null = null;

  constructor(
    private readonly ctx: NetCryptoContext,
    /** Our cookie key (c-toxcore `secret_symmetric_key`). */
    private readonly cookieKey: Bytes,
  ) {}

  /** DHT keys remembered from authenticated cookie requests naming a friend. */
  get requesterKeyCount(): number {
    return this.requesterKeys.size;
  }

  /** 0x18: answered with a fresh cookie at the source address (or back through the relay it came by), or dropped (see the header). */
  handleCookieRequest(from: Source, data: Bytes): void {
    const ctx = this.ctx;
    if (data.length !== COOKIE_REQUEST_SIZE_BYTES) return ctx.drop('net_crypto.cookie_request_malformed');
    const h = decodeCookieRequestHeader(data);
    if (!h.ok) return ctx.drop('net_crypto.cookie_request_malformed');
    const { crypto, keys, random } = ctx;
    const senderPk = h.value.senderDhtPk;
    if (equalBytes(senderPk, keys.dht.publicKey)) return ctx.drop('net_crypto.cookie_request_from_self');
    // c-toxcore public_key_valid: no real DHT key has its top bit set (the cookie would carry it to the handshake).
    if (!isValidPublicKey(senderPk)) return ctx.drop('net_crypto.cookie_request_invalid_public_key');
    const now = ctx.now;
    const senderHex = toHex(senderPk);
    const sessionKey = ctx.friendsWithDhtKey(senderHex).length > 0;
    let shared = sessionKey ? keys.dhtShared(senderPk) : this.requesterKeys.get(senderHex);
    const known = shared !== undefined;
    if (shared === undefined) {
      if (!this.unknownKeyBudget.take(now)) return ctx.drop('net_crypto.cookie_request_unknown_key_rate_limited');
      // Not through the shared-key cache: junk with random keys leaves nothing behind.
      shared = sharedKeyOf(crypto, senderPk, keys.dht.secretKey);
    }
    const req = openCookieRequest(crypto, shared, data);
    if (!req.ok) return ctx.drop('net_crypto.cookie_request_invalid');
    // Only a friend can use a cookie (we accept handshakes from friends only, as c-toxcore's
    // friend_connection): a stranger gets no answer, so strangers cannot use us to reflect
    // 161-byte answers to 145-byte requests (c-toxcore answers anyone).
    const friend = ctx.friend(toHex(req.value.realPk));
    if (!friend) return ctx.drop('net_crypto.cookie_request_not_friend');
    // A friend we refuse to connect to (machines/types.ts FriendPolicy) gets no cookie either.
    if (friend.policy === 'RefusingToConnect') return ctx.drop('policy.cookie_request');
    if (!sessionKey) this.rememberRequester(senderHex, shared, known);
    const source = isTcpSource(from) ? `tcp ${from.tcp}` : ipPortKey(from);
    if (!this.guard.allow(sessionKey ? `${source} ${senderHex}` : source, now)) return ctx.drop('net_crypto.cookie_request_rate_limited');
    this.cleanupAt ??= now + COOKIE_GUARD_CLEANUP_INTERVAL_MS;
    const cookie = sealCookie(crypto, this.cookieKey, random.bytes(24), {
      time: BigInt(ctx.unixSeconds()),
      realPk: req.value.realPk,
      dhtPk: senderPk,
    });
    const response = sealCookieResponse(crypto, shared, random.bytes(24), { cookie, echoId: req.value.echoId });
    if (isTcpSource(from)) from.reply(response);
    else ctx.send(from, response);
    ctx.count('net_crypto.cookie_responses_sent');
  }

  /** A DHT key opened a request naming a friend: its next requests need no X25519 (LRU, COOKIE_REQUESTER_KEYS_LIMIT). */
  private rememberRequester(senderHex: string, shared: Bytes, known: boolean): void {
    if (known) this.requesterKeys.delete(senderHex);
    this.requesterKeys.set(senderHex, shared);
    if (this.requesterKeys.size > COOKIE_REQUESTER_KEYS_LIMIT) {
      this.requesterKeys.delete(this.requesterKeys.keys().next().value as string);
      this.ctx.count('net_crypto.cookie_requester_keys_evicted');
    }
  }

  /** The guard's cleanup timer: keys whose bucket refilled are forgotten. */
  onTimer(now: number): void {
    if (this.cleanupAt !== null && now >= this.cleanupAt) {
      this.guard.cleanup(now);
      this.cleanupAt = this.guard.size > 0 ? now + COOKIE_GUARD_CLEANUP_INTERVAL_MS : null;
    }
  }
}
