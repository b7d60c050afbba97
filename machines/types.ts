/**
 * Types shared by every machine of the state core.
 *
 * Time is data (docs/architecture.md §2): every event carries `now`, monotonic milliseconds supplied by
 * the runtime; deadlines are plain numbers in context; `tick` means "a deadline may have passed".
 * Context is JSON-serialisable: keys and addresses are strings (hex keys, "ip:port").
 */

/** A friend session's progress, in the seed's order (docs/architecture.md §1.1). */
export const TOX_PROGRESS = [
  'AwaitingDHTKey',
  'AcquiringIPAddress',
  'AcquiringCookie',
  'AwaitingHandshake',
  'AwaitingSessionPacket',
] as const;
export type ToxProgress = (typeof TOX_PROGRESS)[number];

/** Every state of the friend session: the seed's progress values, then the established session. */
export const FRIEND_SESSION_STATES = [...TOX_PROGRESS, 'Established'] as const;
export type FriendSessionState = (typeof FRIEND_SESSION_STATES)[number];

/**
 * Where a friend's DHT key came from (docs/architecture.md §1, seed "DHTKey"). `pastHandshake`:
 * proven by the handshake of a session that has since ended — kept, but no longer outranking the
 * friend's next signed DHT-PK.
 */
export type DhtKeySource = 'onion' | 'dhtRoute' | 'handshake' | 'pastHandshake' | 'dhtMessage';
/** Where a friend's address came from (seed "SockAddr"). */
export type AddressSource = 'dhtKeyPacket' | 'dhtSearch' | 'sessionPacket';

/**
 * What we do about one friend (seed: "while (policy=TryingToConnect …)"):
 *   TryingToConnect    search for the friend and share our DHT key (the default);
 *   OpenToConnect      no searches and no DHT-key sharing of ours, but an inbound handshake is answered;
 *   RefusingToConnect  everything from the friend is dropped.
 */
export const FRIEND_POLICIES = ['TryingToConnect', 'OpenToConnect', 'RefusingToConnect'] as const;
export type FriendPolicy = (typeof FRIEND_POLICIES)[number];

/** The next moment a machine wants a `tick`, and why (shown by the inspector and the journal). */
export interface Deadline {
  readonly at: number;
  readonly reason: string;
}

/** The one timing event: "the clock reached `now`; fire whatever is due". */
export interface TickEvent {
  readonly type: 'tick';
  readonly now: number;
}

/** The earliest of several optional deadlines. */
export function earliest(...candidates: ReadonlyArray<Deadline | null>): Deadline | null {
  let best: Deadline | null = null;
  for (const c of candidates) if (c && (best === null || c.at < best.at)) best = c;
  return best;
}

/** A deadline from an optional number. */
export function deadline(at: number | null, reason: string): Deadline | null {
  return at === null ? null : { at, reason };
}
