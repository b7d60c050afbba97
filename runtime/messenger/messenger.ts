/**
 * friend_connection + Messenger (docs/protocol.md §5, §6, §7; c-toxcore 0.2.18
 * friend_connection.c `handle_packet`, Messenger.c `m_handle_status`, `m_handle_packet`,
 * `m_send_message_generic`, `do_receipts`).
 *
 * The friend's `friendSession` machine owns liveness: it asks for ALIVE (`sendAlive`), and an
 * ALIVE received here is reported (fact `messenger.alive`) for the engine to deliver to it. This layer owns what travels inside an established session:
 *   - friend_connection payloads, handled whatever the messenger status: ALIVE (16) →
 *     `messenger.alive`; SHARE_RELAYS (17) → the relays are linked to the friend's session (ours go
 *     out on going online and then with an ALIVE at least 120 s after the last); FRIEND_REQUESTS (18)
 *     → the friend-request receiver (friend-requests.ts), the same rules as onion id 32.
 *     Sending friend requests is the `friendRequest` machine's and the onion client's.
 *   - Messenger payloads. On `notify.online` we send ONLINE (24) first, then NICKNAME,
 *     STATUSMESSAGE and USERSTATUS. The peer is "messenger-online" once its ONLINE (exactly 1
 *     byte) arrives; like c-toxcore, every other Messenger payload before that is dropped
 *     (counted), and its ONLINE is answered with ONLINE once more. OFFLINE (25) makes it
 *     messenger-offline again. Nickname, status message, user status and typing update the friend
 *     table and raise app events; MESSAGE (64) / ACTION (65) raise `message`.
 *   - Messages: `sendMessage` needs an established session (our ONLINE is already queued ahead of
 *     it, so a c-toxcore peer sees ONLINE first — lossless packets are delivered in order). It
 *     returns a message id (per friend, from 1, as c-toxcore); the app event `receipt` fires when
 *     the peer's buffer_start passes the packet that carried it. There is no receipt packet.
 *     Receipts of a session that ends are forgotten (c-toxcore clear_receipts). A refusal (not
 *     a friend, offline, empty, too long, send queue full) is a `MessengerError` here and a
 *     result from the engine's `sendMessage` (a full queue is back-pressure, not a failure);
 *     each is counted (`messenger.send_refused.<code>`).
 *   - Received text (messages, names, status messages) is decoded within its length (text.ts);
 *     a `message` event also carries the bytes as received.
 *   - Automatic acceptance of friend requests, when enabled (auto-accept.ts), runs on this
 *     layer's timer and learns here when an accepted friend comes online.
 *
 * The layer is given a `MessengerContext` (context.ts): it sends through the `SessionChannel` to
 * net_crypto, and the engine calls it with machine outputs (`sendAlive`, `onOnline`,
 * `onOffline`), net_crypto's facts (`handleLossless`, `onPeerAck`, `onSessionClosed`) and onion
 * friend requests (`receiveFriendRequest`).
 *
 * Tables (bounded): one session record per friend with a session (≤ friends; receipts in it are
 * bounded by the net_crypto send buffer, SEND_BUFFER_LIMIT_PACKETS); one message counter per
 * friend; the friend-request receiver's ring (friend-requests.ts); the auto-acceptor's tables
 * (auto-accept.ts).
 */
import type { Bytes } from '../../protocol/bytes.js';
import {
  decodeMessengerPacket,
  decodeShareRelays,
  encodeAlive,
  encodeShareRelays,
  MAX_SHARED_RELAYS,
  encodeMessage,
  encodeAction,
  encodeNickname,
  encodeOnline,
  encodeStatusMessage,
  encodeUserStatus,
  MAX_MESSAGE_LENGTH_BYTES,
  MAX_NAME_LENGTH_BYTES,
  MAX_STATUSMESSAGE_LENGTH_BYTES,
  type UserStatus,
} from '../../protocol/messenger/index.js';
import type { Friend } from '../friends.js';
import type { LayerDeadline, TimedLayer } from '../layer.js';
import { SEND_BUFFER_LIMIT_PACKETS } from '../net-crypto/constants.js';
import { AutoAccept, type AutoAcceptOptions } from './auto-accept.js';
import { isChannelRefusal, type MessengerContext } from './context.js';
import { FriendRequestReceiver, type FriendRequestRefusal } from './friend-requests.js';
import { decodeUtf8WithinLength } from './text.js';
import { CRYPTO_PAYLOAD_ID } from '../../protocol/packet-ids.js';

/** friend_connection.h SHARE_RELAYS_INTERVAL: our relays go to a friend at most this often. */
export const SHARE_RELAYS_INTERVAL_MS = 120_000;

export { RECENT_FRIEND_REQUESTS_RING_SIZE, type FriendRequestRefusal } from './friend-requests.js';

/** Pending receipts per friend: never more than the packets our send buffer can hold. */
export const MAX_PENDING_RECEIPTS = SEND_BUFFER_LIMIT_PACKETS;

export type MessageKind = 'normal' | 'action';

export type MessengerErrorCode = 'not_friend' | 'not_online' | 'empty' | 'too_long' | 'queue_full';

/** The engine's `sendMessage` answer: the message id, or why it was refused (nothing was sent). */
export type SendMessageResult =
  | { readonly ok: true; readonly id: number }
  | { readonly ok: false; readonly error: MessengerErrorCode; readonly message: string };

/** A refused `sendMessage` (c-toxcore TOX_ERR_FRIEND_SEND_MESSAGE), with a message to show. */
export class MessengerError extends Error {
  constructor(
    readonly code: MessengerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MessengerError';
  }
}

interface Session {
  /** The peer's ONLINE arrived (c-toxcore FRIEND_ONLINE). */
  peerOnline: boolean;
  /** Our ONLINE, name, status message and user status went out (notify.online). */
  selfInfoSent: boolean;
  /** When our relays may be shared again (friend_connection.c SHARE_RELAYS_INTERVAL after the last). */
  shareRelaysAt: number;
  receipts: Array<{ readonly packetNumber: number; readonly id: number }>;
}

const utf8 = new TextEncoder();

/** UTF-8 bytes of `text`, cut to at most `max` bytes without splitting a character. */
function utf8Limited(text: string, max: number): Bytes {
  const b = utf8.encode(text);
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.slice(0, end);
}

export class Messenger implements TimedLayer {
  private readonly sessions = new Map<string, Session>();
  private readonly lastMessageId = new Map<string, number>();
  readonly friendRequests: FriendRequestReceiver;
  /** Automatic acceptance of friend requests (null: off, the default). */
  autoAccept: AutoAccept | null = null;

  constructor(private readonly ctx: MessengerContext) {
    this.friendRequests = new FriendRequestReceiver(ctx, () => this.autoAccept);
  }

  private session(f: Friend): Session {
    let s = this.sessions.get(f.pkHex);
    if (!s) {
      s = { peerOnline: false, selfInfoSent: false, shareRelaysAt: 0, receipts: [] };
      this.sessions.set(f.pkHex, s);
    }
    return s;
  }

  /** The peer's ONLINE arrived in this session (c-toxcore's friend status FRIEND_ONLINE). */
  isPeerOnline(f: Friend): boolean {
    return this.sessions.get(f.pkHex)?.peerOnline === true;
  }

  // ---- machine outputs -----------------------------------------------------------------------

  /** `send.alive`: ALIVE (16) on the session. */
  sendAlive(f: Friend): void {
    this.trySend(f, encodeAlive(), 'alive');
    this.shareRelays(f);
  }

  /** SHARE_RELAYS with up to three of our connected relays, when there are any and it is time (friend_connection.c send_relays). */
  private shareRelays(f: Friend): void {
    const s = this.sessions.get(f.pkHex);
    if (!s || this.ctx.now < s.shareRelaysAt) return;
    const relays = this.ctx.relays.ours(MAX_SHARED_RELAYS);
    if (relays.length === 0) return;
    s.shareRelaysAt = this.ctx.now + SHARE_RELAYS_INTERVAL_MS;
    // Our own relays are linked to the friend too: the friend does the same with them on receipt.
    this.ctx.relays.link(f, relays);
    this.trySend(f, encodeShareRelays(relays), 'share_relays');
  }

  /** `notify.online`: ONLINE first, then our name, status message and user status. */
  onOnline(f: Friend): void {
    const s = this.session(f);
    s.selfInfoSent = true;
    this.autoAccept?.cameOnline(f.pkHex);
    this.trySend(f, encodeOnline(), 'online');
    this.sendSelfInfo(f);
    this.shareRelays(f);
    f.lastSeen = BigInt(this.ctx.unixSeconds());
  }

  /** `notify.offline`: the session ended; its receipts are forgotten. */
  onOffline(f: Friend): void {
    this.sessions.delete(f.pkHex);
    f.lastSeen = BigInt(this.ctx.unixSeconds());
    this.ctx.app({ type: 'profile_changed', t: this.ctx.now });
  }

  /** net_crypto dropped or replaced the friend's connection: a new session starts from nothing. */
  onSessionClosed(f: Friend): void {
    this.sessions.delete(f.pkHex);
  }

  private sendSelfInfo(f: Friend): void {
    const me = this.ctx.self();
    this.trySend(f, encodeNickname(utf8Limited(me.name, MAX_NAME_LENGTH_BYTES)), 'nickname');
    this.trySend(f, encodeStatusMessage(utf8Limited(me.statusMessage, MAX_STATUSMESSAGE_LENGTH_BYTES)), 'status_message');
    const us = me.userStatus;
    this.trySend(f, encodeUserStatus((us === 1 || us === 2 ? us : 0) as UserStatus), 'user_status');
  }

  /** Our name, status message or user status changed: tell every friend with a session (c-toxcore resends on change). */
  refreshSelfInfo(): void {
    for (const f of this.ctx.friends.all()) if (this.sessions.get(f.pkHex)?.selfInfoSent === true) this.sendSelfInfo(f);
  }

  private trySend(f: Friend, payload: Bytes, what: string): number | null {
    try {
      return this.ctx.channel.sendLossless(f, payload);
    } catch (e) {
      this.ctx.count(`messenger.send_failed_${what}`);
      if (!isChannelRefusal(e)) throw e;
      return null;
    }
  }

  // ---- commands ------------------------------------------------------------------------------

  /**
   * Sends a message (or an action) to a friend with an established session. Returns its id; the
   * app event `receipt` with that id follows when the peer has it. Throws MessengerError when the
   * friend is unknown or offline, the text is empty or over 1372 bytes, or the send queue is full
   * (the engine's `sendMessage` returns these as results instead). The text is never split.
   */
  sendMessage(friend: Friend | string, text: string | Bytes, kind: MessageKind = 'normal'): number {
    const f = typeof friend === 'string' ? this.ctx.friends.get(friend) : friend;
    if (!f || !this.ctx.friends.has(f.pkHex)) this.refuse('not_friend', 'not a friend');
    const bytes = typeof text === 'string' ? utf8.encode(text) : text;
    if (bytes.length === 0) this.refuse('empty', 'a message cannot be empty');
    if (bytes.length > MAX_MESSAGE_LENGTH_BYTES) {
      this.refuse('too_long', `message is ${bytes.length} bytes, at most ${MAX_MESSAGE_LENGTH_BYTES} (messages are not split)`);
    }
    const s = this.sessions.get(f.pkHex);
    if (!this.ctx.channel.isEstablished(f) || s?.selfInfoSent !== true) {
      this.refuse('not_online', `friend ${f.pkHex.slice(0, 16)} is not online`);
    }
    let packetNumber: number;
    try {
      packetNumber = this.ctx.channel.sendLossless(f, kind === 'action' ? encodeAction(bytes) : encodeMessage(bytes));
    } catch (e) {
      if (isChannelRefusal(e) && e.code === 'queue_full') {
        this.refuse('queue_full', `the send queue to friend ${f.pkHex.slice(0, 16)} is full (${SEND_BUFFER_LIMIT_PACKETS} packets not yet acknowledged): ${e.message}`);
      }
      if (isChannelRefusal(e)) this.refuse('not_online', e.message);
      throw e;
    }
    const id = (this.lastMessageId.get(f.pkHex) ?? 0) + 1;
    this.lastMessageId.set(f.pkHex, id);
    if (s.receipts.length >= MAX_PENDING_RECEIPTS) {
      s.receipts.shift();
      this.ctx.count('messenger.receipts_evicted');
    }
    s.receipts.push({ packetNumber, id });
    this.ctx.count('messenger.messages_sent');
    return id;
  }

  /** The engine's `sendMessage`: the same, with refusals as results. */
  trySendMessage(friend: Friend | string, text: string | Bytes, kind: MessageKind = 'normal'): SendMessageResult {
    try {
      return { ok: true, id: this.sendMessage(friend, text, kind) };
    } catch (e) {
      if (e instanceof MessengerError) return { ok: false, error: e.code, message: e.message };
      throw e;
    }
  }

  private refuse(code: MessengerErrorCode, message: string): never {
    this.ctx.count(`messenger.send_refused.${code}`);
    throw new MessengerError(code, message);
  }

  /** Turns automatic acceptance of friend requests on (with these bounds) or off (null). */
  setAutoAccept(opts: AutoAcceptOptions | null): void {
    this.autoAccept = opts === null ? null : new AutoAccept(this.ctx, opts);
  }

  /** For the onion layer (id 32): would this request be surfaced? Records nothing. */
  shouldSurfaceFriendRequest(senderPk: Bytes, nospam: Bytes): { ok: true } | { ok: false; reason: FriendRequestRefusal } {
    return this.friendRequests.check(senderPk, nospam);
  }

  /** For the onion layer (id 32): checks, records and surfaces a request (app event `friend_request`). */
  receiveFriendRequest(senderPk: Bytes, nospam: Bytes, message: Bytes, via: 'onion' | 'netCrypto' = 'onion'): boolean {
    return this.friendRequests.receive(senderPk, nospam, message, via);
  }

  // ---- from net_crypto -----------------------------------------------------------------------

  /** The peer's buffer_start moved: receipts for every message below it. */
  onPeerAck(f: Friend): void {
    const s = this.sessions.get(f.pkHex);
    if (!s) return;
    while (s.receipts.length > 0 && this.ctx.channel.isDelivered(f, s.receipts[0]!.packetNumber)) {
      const r = s.receipts.shift()!;
      this.ctx.app({ type: 'receipt', friend: f.pkHex, id: r.id, t: this.ctx.now });
    }
  }

  /** A lossless payload (16–191), in order. Nothing from a friend we refuse to connect to is taken. */
  handleLossless(f: Friend, payload: Bytes): void {
    if (f.policy === 'RefusingToConnect') return this.ctx.drop('policy.lossless_packet');
    const id = payload[0];
    const now = this.ctx.now;
    // friend_connection's own payloads, whatever the messenger status.
    if (id === CRYPTO_PAYLOAD_ID.alive) {
      this.ctx.count('messenger.alive_received');
      this.ctx.report({ type: 'messenger.alive', friend: f });
      return;
    }
    if (id === CRYPTO_PAYLOAD_ID.share_relays) {
      const r = decodeShareRelays(payload);
      if (!r.ok) return this.ctx.drop('messenger.share_relays_malformed');
      this.ctx.count('messenger.share_relays_received');
      this.ctx.relays.link(f, r.value.relays);
      return;
    }
    const decoded = decodeMessengerPacket(payload);
    if (id === CRYPTO_PAYLOAD_ID.friend_requests) {
      if (!decoded.ok || decoded.value.kind !== 'friendRequest') return this.ctx.drop('messenger.friend_request_malformed');
      this.friendRequests.receive(f.pk, decoded.value.nospam, decoded.value.message, 'netCrypto');
      return;
    }
    const s = this.session(f);
    if (!s.peerOnline) {
      if (id === CRYPTO_PAYLOAD_ID.online && payload.length === 1) {
        s.peerOnline = true;
        this.ctx.count('messenger.peer_online');
        // c-toxcore answers the peer's ONLINE with ONLINE (m_handle_packet → send_online_packet).
        if (s.selfInfoSent) this.trySend(f, encodeOnline(), 'online');
        return;
      }
      return this.ctx.drop('messenger.before_online');
    }
    if (!decoded.ok) return this.ctx.drop(`messenger.payload_${String(id)}_ignored`);
    const p = decoded.value;
    switch (p.kind) {
      case 'online':
        return;
      case 'offline':
        s.peerOnline = false;
        this.ctx.count('messenger.peer_offline');
        return;
      case 'nickname': {
        const name = decodeUtf8WithinLength(p.name);
        this.ctx.app({ type: 'friend_name', friend: f.pkHex, name, t: now });
        if (f.name !== name) {
          f.name = name;
          this.ctx.app({ type: 'profile_changed', t: now });
        }
        return;
      }
      case 'statusMessage': {
        const statusMessage = decodeUtf8WithinLength(p.message);
        this.ctx.app({ type: 'friend_status_message', friend: f.pkHex, statusMessage, t: now });
        if (f.statusMessage !== statusMessage) {
          f.statusMessage = statusMessage;
          this.ctx.app({ type: 'profile_changed', t: now });
        }
        return;
      }
      case 'userStatus':
        this.ctx.app({ type: 'friend_user_status', friend: f.pkHex, userStatus: p.status, t: now });
        if (f.userStatus !== p.status) {
          f.userStatus = p.status;
          this.ctx.app({ type: 'profile_changed', t: now });
        }
        return;
      case 'typing':
        this.ctx.app({ type: 'friend_typing', friend: f.pkHex, typing: p.typing, t: now });
        return;
      case 'message':
      case 'action':
        this.ctx.count('messenger.messages_received');
        this.ctx.app({ type: 'message', friend: f.pkHex, text: decodeUtf8WithinLength(p.text), bytes: p.text, kind: p.kind === 'action' ? 'action' : 'normal', t: now });
        return;
      default:
        this.ctx.count(`messenger.payload_${p.kind}_ignored`);
    }
  }

  // ---- timers --------------------------------------------------------------------------------

  // Housekeeping (records of removed friends are forgotten) and automatic acceptance.
  /** `friends.removals` when removed friends were last forgotten: nothing to scan until it changes. */
  private cleanedAtRemovals = 0;

  nextTimer(): LayerDeadline | null {
    const accept = this.autoAccept?.nextTimer() ?? null;
    if (this.ctx.friends.removals === this.cleanedAtRemovals) return accept;
    return { at: this.ctx.now, reason: 'messenger: forget a removed friend' };
  }

  onTimer(now: number): void {
    const accept = this.autoAccept?.nextTimer() ?? null;
    if (accept !== null && accept.at <= now) this.autoAccept!.onTimer(now);
    if (this.ctx.friends.removals === this.cleanedAtRemovals) return;
    for (const hex of this.sessions.keys()) if (!this.ctx.friends.has(hex)) this.sessions.delete(hex);
    for (const hex of this.lastMessageId.keys()) if (!this.ctx.friends.has(hex)) this.lastMessageId.delete(hex);
    this.cleanedAtRemovals = this.ctx.friends.removals;
  }

  /** Sizes of the tables. */
  stats(): { sessions: number; messageCounters: number; autoAcceptPending: number; autoAcceptProbation: number } {
    return {
      sessions: this.sessions.size,
      messageCounters: this.lastMessageId.size,
      autoAcceptPending: this.autoAccept?.pendingCount ?? 0,
      autoAcceptProbation: this.autoAccept?.onProbation ?? 0,
    };
  }
}
