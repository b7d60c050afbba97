/**
 * Friend requests (tox-protocol.md §7; c-toxcore 0.2.18 Messenger.c `m_addfriend`, `do_friends`,
 * `check_friend_request_timed_out`, friend_requests.c `friendreq_handlepacket`).
 *
 * Sending (§7.1). A friend added by Tox ID starts as `added` with the request message and the
 * nospam from the ID. While `added`, a copy is attempted: over net_crypto as payload 18 when a
 * session with the friend is established, otherwise as onion data id 32 through every node that
 * stores the friend (`host.onion.sendFriendRequest`, which returns how many copies went out).
 * When at least one went out the friend becomes `requested` for a timeout of 5 s; if the friend
 * has not come online by then it is `added` again and the timeout doubles (5, 10, 20 s, …).
 * Coming online makes it `confirmed` and the requests stop (Messenger.onOnline).
 * c-toxcore attempts on every loop iteration (~50 ms) while no copy could go out; we attempt
 * every FRIEND_REQUEST_RETRY_INTERVAL_MS.
 *
 * Receiving (§7.2), the same for onion id 32 and net_crypto id 18: the request is surfaced only
 * when the sender is not in the ring of the last 32 requesters, the nospam equals ours, and the
 * sender is not already a friend; then the sender enters the ring. Over net_crypto the sender is
 * always a friend already (we accept handshakes only from friends), so id 18 is never surfaced
 * here — c-toxcore behaves the same; the path exists for conference peers, which we do not have.
 *
 * Tables: `outgoing`, one entry per friend in status added/requested (pruned when the friend is
 * confirmed or removed); the requester ring, RECENT_FRIEND_REQUESTS_RING_SIZE entries.
 */
import { equalBytes, fromHex, toHex, type Bytes } from '../../protocol/bytes.js';
import { isValidPublicKey } from '../../protocol/keys.js';
import { encodeFriendRequest, FRIEND_REQUEST_NOSPAM_SIZE, MAX_FRIEND_REQUEST_MESSAGE_BYTES } from '../../protocol/messenger/index.js';
import { decodeToxId, parseToxId, type ToxId } from '../../protocol/tox-id.js';
import type { Engine, EngineDeadline } from '../engine.js';
import type { Friend } from '../friends.js';

/** First wait after a request went out before it is sent again. Messenger.h FRIENDREQUEST_TIMEOUT = 5 s (doubles each time). */
export const FRIEND_REQUEST_TIMEOUT_MS = 5000;
/** Retry while no copy could go out (the friend not found on the onion yet). c-toxcore: every loop (~50 ms); ours: 1 s. */
export const FRIEND_REQUEST_RETRY_INTERVAL_MS = 1000;
/** Recently seen requesters. friend_requests.h MAX_RECEIVED_STORED = 32. */
export const RECENT_FRIEND_REQUESTS_RING_SIZE = 32;

export type FriendRequestErrorCode = 'bad_tox_id' | 'own_key' | 'no_message' | 'too_long' | 'already_friend' | 'already_sent' | 'bad_key';

/** A refused friend request command (c-toxcore TOX_ERR_FRIEND_ADD), with a message to show. */
export class FriendRequestError extends Error {
  constructor(
    readonly code: FriendRequestErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FriendRequestError';
  }
}

/** Why a received friend request is not surfaced. */
export type FriendRequestRefusal = 'recently_seen' | 'wrong_nospam' | 'already_friend' | 'from_self';

interface Outgoing {
  timeoutMs: number;
  /** When to attempt again (added) or when the request times out (requested). */
  nextAt: number;
}

/** The onion layer's friend-request sender (being written by the onion helper): copies sent. */
type OnionFriendRequestSender = { sendFriendRequest?: (f: Friend, nospam: Bytes, message: Bytes) => number };

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

export class FriendRequests {
  private readonly outgoing = new Map<string, Outgoing>();
  private readonly ring: Array<string | null> = new Array<string | null>(RECENT_FRIEND_REQUESTS_RING_SIZE).fill(null);
  private ringIndex = 0;

  constructor(private readonly host: Engine) {}

  // ---- sending -------------------------------------------------------------------------------

  /**
   * tox_friend_add: adds the friend (status `added`, machines created by `host.addFriend`) and
   * sends the request now if possible, then with c-toxcore's backoff. Throws FriendRequestError.
   */
  send(now: number, toxId: Bytes | string | ToxId, message: string): Friend {
    const id = this.parseId(toxId);
    const text = utf8.encode(message);
    if (text.length === 0) throw new FriendRequestError('no_message', 'a friend request needs a message');
    if (text.length > MAX_FRIEND_REQUEST_MESSAGE_BYTES) {
      throw new FriendRequestError('too_long', `friend request message is ${text.length} bytes, at most ${MAX_FRIEND_REQUEST_MESSAGE_BYTES}`);
    }
    if (equalBytes(id.publicKey, this.host.keys.real.publicKey)) throw new FriendRequestError('own_key', 'that Tox ID is our own');
    const hex = toHex(id.publicKey);
    const existing = this.host.friends.get(hex);
    if (existing) {
      if (existing.status === 'confirmed') throw new FriendRequestError('already_friend', 'already a friend');
      if (equalBytes(existing.requestNospam, id.nospam)) throw new FriendRequestError('already_sent', 'a friend request to this Tox ID is already pending');
      // c-toxcore FAERR_SETNEWNOSPAM: the same key with a new nospam; the next copy carries it.
      existing.requestNospam = id.nospam;
      this.host.app({ type: 'profile_changed', t: this.host.now });
      return existing;
    }
    const f = this.host.addFriend(now, id.publicKey, { status: 'added', requestMessage: message, requestNospam: id.nospam });
    this.outgoing.set(hex, { timeoutMs: FRIEND_REQUEST_TIMEOUT_MS, nextAt: this.host.now });
    this.attempt(f);
    return f;
  }

  private parseId(toxId: Bytes | string | ToxId): ToxId {
    if (typeof toxId === 'string') {
      const r = parseToxId(toxId);
      if (!r.ok) throw new FriendRequestError('bad_tox_id', r.error);
      return r.value;
    }
    if (toxId instanceof Uint8Array) {
      const r = decodeToxId(toxId);
      if (!r.ok) throw new FriendRequestError('bad_tox_id', r.error);
      return r.value;
    }
    if (toxId.publicKey.length !== 32 || !isValidPublicKey(toxId.publicKey)) throw new FriendRequestError('bad_tox_id', 'Tox ID has an invalid public key');
    if (toxId.nospam.length !== FRIEND_REQUEST_NOSPAM_SIZE) throw new FriendRequestError('bad_tox_id', 'Tox ID nospam must be 4 bytes');
    return toxId;
  }

  /** One attempt for a friend in status `added`: net_crypto 18 if established, else onion id 32. */
  private attempt(f: Friend): void {
    const o = this.outgoing.get(f.pkHex);
    if (!o) return;
    const now = this.host.now;
    const message = utf8.encode(f.requestMessage);
    if (message.length === 0 || message.length > MAX_FRIEND_REQUEST_MESSAGE_BYTES) {
      this.host.counters.inc('messenger.friend_request_unsendable');
      o.nextAt = Infinity;
      return;
    }
    let copies = 0;
    if (this.host.netCrypto.isEstablished(f)) {
      try {
        this.host.netCrypto.sendLossless(f, encodeFriendRequest(f.requestNospam, message));
        copies = 1;
      } catch {
        copies = 0;
      }
    } else {
      const onion = this.host.onion as unknown as OnionFriendRequestSender;
      if (typeof onion.sendFriendRequest === 'function') copies = onion.sendFriendRequest(f, f.requestNospam, message);
      else this.host.counters.inc('messenger.friend_request_no_onion_sender');
    }
    if (copies > 0) {
      this.host.counters.inc('messenger.friend_requests_sent');
      this.setStatus(f, 'requested');
      o.nextAt = now + o.timeoutMs;
    } else {
      o.nextAt = now + FRIEND_REQUEST_RETRY_INTERVAL_MS;
    }
  }

  private setStatus(f: Friend, status: Friend['status']): void {
    if (f.status === status) return;
    f.status = status;
    this.host.app({ type: 'profile_changed', t: this.host.now });
  }

  /** The friend came online: no more requests (c-toxcore: status FRIEND_ONLINE, then CONFIRMED). */
  onFriendOnline(f: Friend): void {
    this.outgoing.delete(f.pkHex);
    this.setStatus(f, 'confirmed');
  }

  /** Friends in status added/requested get an entry (e.g. loaded from a profile); others lose theirs. */
  private sync(): void {
    if (!this.host.started) return;
    for (const f of this.host.friends.all()) {
      if (f.status !== 'confirmed' && !this.outgoing.has(f.pkHex)) {
        // As c-toxcore loading a profile (m_addfriend): pending requests start over as `added`.
        this.setStatus(f, 'added');
        this.outgoing.set(f.pkHex, { timeoutMs: FRIEND_REQUEST_TIMEOUT_MS, nextAt: this.host.now });
      }
    }
    for (const hex of this.outgoing.keys()) {
      const f = this.host.friends.get(hex);
      if (!f || f.status === 'confirmed') this.outgoing.delete(hex);
    }
  }

  nextTimer(): EngineDeadline | null {
    if (!this.host.started) return null;
    let best: EngineDeadline | null = null;
    const consider = (at: number, hex: string): void => {
      if (at !== Infinity && (best === null || at < best.at)) best = { at, reason: `friend request to ${hex.slice(0, 8)}` };
    };
    for (const f of this.host.friends.all()) {
      if (f.status === 'confirmed') continue;
      const o = this.outgoing.get(f.pkHex);
      // A pending request without an entry yet (loaded from a profile) is due now.
      consider(o ? o.nextAt : this.host.now, f.pkHex);
    }
    return best;
  }

  onTimer(now: number): void {
    this.sync();
    for (const [hex, o] of this.outgoing) {
      if (o.nextAt > now) continue;
      const f = this.host.friends.get(hex);
      if (!f) continue;
      if (f.status === 'requested') {
        // Not online within the timeout: assume it was lost, send again with twice the timeout.
        this.setStatus(f, 'added');
        o.timeoutMs *= 2;
      }
      this.attempt(f);
    }
  }

  /** The current backoff of a pending request (tests, inspector). */
  pending(hex: string): { readonly timeoutMs: number; readonly nextAt: number } | undefined {
    const o = this.outgoing.get(hex);
    return o ? { timeoutMs: o.timeoutMs, nextAt: o.nextAt } : undefined;
  }

  get size(): number {
    return this.outgoing.size;
  }

  // ---- receiving -----------------------------------------------------------------------------

  /**
   * Would a friend request from `senderPk` with `nospam` be surfaced? (The §7.2 checks, in
   * c-toxcore's order; nothing is recorded.) For the onion layer's id 32 and our id 18.
   */
  check(senderPk: Bytes, nospam: Bytes): { ok: true } | { ok: false; reason: FriendRequestRefusal } {
    const hex = toHex(senderPk);
    if (this.ring.includes(hex)) return { ok: false, reason: 'recently_seen' };
    if (!equalBytes(nospam, this.host.nospam)) return { ok: false, reason: 'wrong_nospam' };
    if (this.host.friends.has(hex)) return { ok: false, reason: 'already_friend' };
    if (equalBytes(senderPk, this.host.keys.real.publicKey)) return { ok: false, reason: 'from_self' };
    return { ok: true };
  }

  /**
   * A friend request arrived (authenticated sender): surfaces it as the app event
   * `friend_request` when `check` passes, and remembers the sender in the ring.
   * `message` is the 1..1016-byte text. Returns whether it was surfaced.
   */
  receive(senderPk: Bytes, nospam: Bytes, message: Bytes, via: 'onion' | 'netCrypto'): boolean {
    if (message.length === 0 || message.length > MAX_FRIEND_REQUEST_MESSAGE_BYTES || nospam.length !== FRIEND_REQUEST_NOSPAM_SIZE) {
      this.host.drop(`messenger.friend_request_malformed_${via}`);
      return false;
    }
    const c = this.check(senderPk, nospam);
    if (!c.ok) {
      this.host.drop(`messenger.friend_request_${c.reason}`);
      return false;
    }
    this.ring[this.ringIndex] = toHex(senderPk);
    this.ringIndex = (this.ringIndex + 1) % RECENT_FRIEND_REQUESTS_RING_SIZE;
    this.host.counters.inc(`messenger.friend_requests_received_${via}`);
    this.host.app({ type: 'friend_request', pk: toHex(senderPk), message: utf8Decoder.decode(message), t: this.host.now });
    return true;
  }

  /** tox_friend_add_norequest for a request's sender: the friend is added as confirmed. */
  accept(pkHex: string): Friend {
    const pk = fromHex(pkHex);
    if (!pk.ok || pk.value.length !== 32 || !isValidPublicKey(pk.value)) throw new FriendRequestError('bad_key', `not a public key: ${pkHex.slice(0, 80)}`);
    if (equalBytes(pk.value, this.host.keys.real.publicKey)) throw new FriendRequestError('own_key', 'that is our own key');
    const existing = this.host.friends.get(toHex(pk.value));
    if (existing) {
      this.outgoing.delete(existing.pkHex);
      this.setStatus(existing, 'confirmed');
      return existing;
    }
    return this.host.addFriend(this.host.now, pk.value, { status: 'confirmed' });
  }
}
