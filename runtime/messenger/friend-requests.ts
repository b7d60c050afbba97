/**
 * Receiving friend requests (docs/protocol.md §7.2; c-toxcore 0.2.18 friend_requests.c
 * `friendreq_handlepacket`, Messenger.c `friend_already_added`). The same rules apply to onion
 * data id 32 and net_crypto payload 18: a request is surfaced (app event `friend_request`) only
 * when the sender is not in the ring of the last 32 requesters, the nospam equals ours, and the
 * sender is not already a friend; then the sender enters the ring.
 *
 * Over net_crypto the sender is always a friend already (we accept handshakes only from friends),
 * so payload 18 is never surfaced — c-toxcore behaves the same; that path serves conference
 * peers, which toxstate does not have.
 *
 * Sending is not here: the `friendRequest` machine (machines/friend-request.ts) decides when a
 * request goes out, the engine's `sendFriendRequest` command adds the friend, and the onion
 * client sends the copies.
 *
 * The sender's key is checked first (c-toxcore `public_key_valid`: its top bit clear). X25519
 * ignores that bit, so a box from a key with it set opens, but no such key can be a friend
 * (`acceptFriendRequest` refuses it): it is dropped here (`drop.messenger.friend_request_invalid_public_key`)
 * instead of reaching the application. The message text is decoded within its length
 * (text.ts).
 *
 * With automatic acceptance on (auto-accept.ts), every request that passes the checks is offered
 * to it, and so is a repeat the ring does not surface again: a real requester's repeats are what
 * lets it keep its place against a flood.
 *
 * Table: the requester ring, RECENT_FRIEND_REQUESTS_RING_SIZE entries.
 */
import { equalBytes, toHex, type Bytes } from '../../protocol/bytes.js';
import { isValidPublicKey } from '../../protocol/keys.js';
import { MAX_FRIEND_REQUEST_MESSAGE_BYTES } from '../../protocol/messenger/index.js';
import { NOSPAM_SIZE_BYTES } from '../../protocol/tox-id.js';
import type { AutoAccept } from './auto-accept.js';
import type { FriendRequestsContext } from './context.js';
import { decodeUtf8WithinLength } from './text.js';

/** Recently seen requesters. friend_requests.h MAX_RECEIVED_STORED = 32. */
export const RECENT_FRIEND_REQUESTS_RING_SIZE = 32;

/** Why a received friend request is not surfaced. */
export type FriendRequestRefusal = 'invalid_public_key' | 'recently_seen' | 'wrong_nospam' | 'already_friend' | 'from_self';

export class FriendRequestReceiver {
  private readonly ring: Array<string | null> = new Array<string | null>(RECENT_FRIEND_REQUESTS_RING_SIZE).fill(null);
  private ringIndex = 0;

  constructor(
    private readonly ctx: FriendRequestsContext,
    /** The auto-acceptor, when automatic acceptance is on (the messenger's). */
    private readonly autoAccept: () => AutoAccept | null,
  ) {}

  /**
   * Would a friend request from `senderPk` with `nospam` be surfaced? The §7.2 checks in
   * c-toxcore's order; nothing is recorded.
   */
  check(senderPk: Bytes, nospam: Bytes): { ok: true } | { ok: false; reason: FriendRequestRefusal } {
    if (!isValidPublicKey(senderPk)) return { ok: false, reason: 'invalid_public_key' };
    const hex = toHex(senderPk);
    if (this.ring.includes(hex)) return { ok: false, reason: 'recently_seen' };
    if (!equalBytes(nospam, this.ctx.self().nospam)) return { ok: false, reason: 'wrong_nospam' };
    if (this.ctx.friends.has(hex)) return { ok: false, reason: 'already_friend' };
    if (equalBytes(senderPk, this.ctx.keys.real.publicKey)) return { ok: false, reason: 'from_self' };
    return { ok: true };
  }

  /**
   * A friend request arrived from an authenticated sender: surfaced as the app event
   * `friend_request` when `check` passes, and the sender enters the ring. `message` is the
   * 1..1016-byte text. Returns whether it was surfaced; refusals are counted as drops.
   */
  receive(senderPk: Bytes, nospam: Bytes, message: Bytes, via: 'onion' | 'netCrypto'): boolean {
    if (message.length === 0 || message.length > MAX_FRIEND_REQUEST_MESSAGE_BYTES || nospam.length !== NOSPAM_SIZE_BYTES) {
      this.ctx.drop(`messenger.friend_request_malformed_${via}`);
      return false;
    }
    const hex = toHex(senderPk);
    // A friend we refuse to connect to: its request has no effect at all (not even the ring).
    if (this.ctx.friends.get(hex)?.policy === 'RefusingToConnect') {
      this.ctx.drop('policy.friend_request');
      return false;
    }
    const c = this.check(senderPk, nospam);
    const autoAccept = this.autoAccept();
    if (!c.ok) {
      this.ctx.drop(`messenger.friend_request_${c.reason}`);
      // A repeat of a request still waiting: counted in the acceptor's favour (see auto-accept.ts).
      if (autoAccept && c.reason === 'recently_seen' && equalBytes(nospam, this.ctx.self().nospam) && !this.ctx.friends.has(hex)) autoAccept.offer(hex);
      return false;
    }
    this.ring[this.ringIndex] = hex;
    this.ringIndex = (this.ringIndex + 1) % RECENT_FRIEND_REQUESTS_RING_SIZE;
    this.ctx.count(`messenger.friend_requests_received_${via}`);
    this.ctx.app({ type: 'friend_request', pk: hex, message: decodeUtf8WithinLength(message), t: this.ctx.now });
    autoAccept?.offer(hex);
    return true;
  }
}
