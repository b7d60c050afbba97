/**
 * What the messenger layer (friend_connection payloads, Messenger, friend requests, automatic
 * acceptance) is given, and what it reports (docs/architecture.md §2). Besides the common
 * `LayerContext`: a read-only view of the friend table, our own profile fields, the
 * application's event queue (output, like `send`), the `SessionChannel` to net_crypto, and the
 * two friend-list commands automatic acceptance needs with their results. The friend-request
 * receiver and the auto-acceptor get narrower slices of the same context.
 */
import type { Bytes } from '../../protocol/bytes.js';
import type { AppEvent } from '../app-events.js';
import type { PackedNode } from '../../protocol/packed-node.js';
import type { Friend } from '../friends.js';
import type { LayerContext, Reports } from '../layer.js';

/**
 * The messenger's way into an established net_crypto session (net_crypto's `NetCrypto`
 * satisfies it). Sends throw a `ChannelRefusal` when refused.
 */
export interface SessionChannel {
  /** Queues a lossless payload (id 16..191) for the friend's session; returns its packet number. */
  sendLossless(f: Friend, payload: Bytes): number;
  /** The peer acknowledged packet `packetNumber` (its buffer_start passed it). */
  isDelivered(f: Friend, packetNumber: number): boolean;
  /** The friend's session is established. */
  isEstablished(f: Friend): boolean;
}

/** Why the channel refused a send (net_crypto's `NetCryptoErrorCode`). */
export type ChannelRefusalCode = 'not_established' | 'queue_full' | 'bad_payload';

/** A refused send as the channel throws it: net_crypto's `NetCryptoError`, an Error so named, with a code. */
export interface ChannelRefusal extends Error {
  readonly code: ChannelRefusalCode;
}

/** Is `e` the channel's refusal (and not a bug to let through)? */
export function isChannelRefusal(e: unknown): e is ChannelRefusal {
  return e instanceof Error && e.name === 'NetCryptoError' && typeof (e as { code?: unknown }).code === 'string';
}

/** The friend table as the messenger reads it (`FriendTable` satisfies it). */
export interface FriendView {
  readonly size: number;
  /** How many friends were ever removed: per-friend records are cleaned up when it changes. */
  readonly removals: number;
  has(pkHex: string): boolean;
  get(pkHex: string): Friend | undefined;
  all(): Iterable<Friend>;
}

/** Our own profile fields the messenger sends and checks against. */
export interface SelfInfo {
  readonly name: string;
  readonly statusMessage: string;
  readonly userStatus: number;
  readonly nospam: Bytes;
}

/** What the messenger layer learned, for the engine to act on. */
export type MessengerFact =
  /** ALIVE (16) arrived in the friend's session: its liveness is the session machine's business. */
  { readonly type: 'messenger.alive'; readonly friend: Friend };

export type MessengerContext = LayerContext &
  Reports<MessengerFact> & {
    /** Raises an application event. */
    app(event: AppEvent): void;
    readonly friends: FriendView;
    self(): SelfInfo;
    readonly channel: SessionChannel;
    /**
     * Automatic acceptance takes the requester as a friend (the engine's `acceptFriendRequest`).
     * Throws when the key cannot be a friend (invalid, or our own).
     */
    acceptFriendRequest(pkHex: string): void;
    /** Automatic acceptance removes a friend again; false when it was not a friend. */
    removeFriend(pkHex: string): boolean;
    /**
     * TCP relays shared with a friend (friend_connection.c send_relays / SHARE_RELAYS): ours to
     * send (`ours`), and the relays on either side linked to the friend's session (`link`), which
     * is what puts both friends on the same relay.
     */
    readonly relays: { ours(max: number): PackedNode[]; link(f: Friend, relays: readonly PackedNode[]): void };
  };

/** The friend-request receiver's slice (friend-requests.ts). */
export type FriendRequestsContext = Pick<MessengerContext, 'now' | 'count' | 'drop' | 'keys' | 'app' | 'friends' | 'self'>;

/** The auto-acceptor's slice (auto-accept.ts). */
export type AutoAcceptContext = Pick<MessengerContext, 'now' | 'count' | 'random' | 'app' | 'friends' | 'acceptFriendRequest' | 'removeFriend'>;
