/**
 * What the engine tells the application: progress of each friend, announcements, requests,
 * messages.
 *
 * `t`, in every event: milliseconds on the engine's clock — the `now` of the input that raised
 * it, on the monotonic clock the embedder feeds (a `UdpNode`: milliseconds since
 * `UdpNode.start`, unless `UdpNodeOptions.clock`; a `SimNetwork`: virtual milliseconds since
 * the simulation began). The CLI (`toxstate node --json`, `toxstate demo`) prints the same time
 * in seconds since the node started; nothing in the API is in seconds.
 *
 * Text from friends (`message`, names, status messages, request messages) is decoded so that it
 * never needs more UTF-8 bytes than arrived (runtime/messenger/text.ts); a `message` also
 * carries the exact bytes, which is what an echo should send back.
 */
import type { FriendPolicy, FriendSessionState, SessionPath } from '../machines/index.js';
import type { IpFamily } from '../protocol/ip-port.js';

/** What automatic acceptance of friend requests did with one (runtime/messenger/auto-accept.ts). */
export type AutoAcceptOutcome =
  /** Added as a friend (on probation until it comes online). */
  | 'accepted'
  /** Waiting for the rate to allow it, it lost its place to another request (it will send again). */
  | 'evicted'
  /** The friend list has reached the limit for automatic acceptance. */
  | 'refused'
  /** Accepted, but it never came online within the probation time: removed again. */
  | 'expired';

export type AppEvent =
  /**
   * A friend session's state changed (after each step of its machine that ends in another
   * state). `state` is a FriendSessionState — the five ToxProgress states, then `Established`
   * (`FRIEND_SESSION_STATES` lists them in order); `friend` is the friend's long-term key, hex.
   */
  | { type: 'progress'; friend: string; state: FriendSessionState; t: number }
  | { type: 'dht_connected'; t: number }
  /** The announce task of `family` (tox4id: / tox6id:) is stored at an announce node. */
  | { type: 'announced'; family: IpFamily; t: number }
  | { type: 'unannounced'; family: IpFamily; reason: string; t: number }
  | { type: 'friend_request'; pk: string; message: string; t: number }
  | { type: 'auto_accept'; pk: string; outcome: AutoAcceptOutcome; t: number }
  /** The friend's session is established; `path` says how its packets travel (directly over UDP, or through a TCP relay). */
  | { type: 'friend_online'; friend: string; path: SessionPath; t: number }
  /** An established session moved between UDP and a TCP relay (it stays up). */
  | { type: 'friend_path'; friend: string; path: SessionPath; t: number }
  /** A relay connection of ours came up or went down (`relay` is its key, hex). */
  | { type: 'relay_status'; relay: string; address: string; online: boolean; t: number }
  | { type: 'friend_offline'; friend: string; reason: string; t: number }
  | { type: 'friend_name'; friend: string; name: string; t: number }
  | { type: 'friend_status_message'; friend: string; statusMessage: string; t: number }
  | { type: 'friend_user_status'; friend: string; userStatus: number; t: number }
  | { type: 'friend_typing'; friend: string; typing: boolean; t: number }
  | { type: 'message'; friend: string; text: string; bytes: Uint8Array; kind: 'normal' | 'action'; t: number }
  | { type: 'receipt'; friend: string; id: number; t: number }
  | { type: 'friend_added'; friend: string; t: number }
  /** The friend's connection policy changed (`setFriendPolicy`). */
  | { type: 'friend_policy'; friend: string; policy: FriendPolicy; t: number }
  /**
   * Something a profile saves changed (friends, their names and policies, our name, status,
   * nospam): save it now (`profileOf`, `saveProfile`). Only from an engine that keeps a
   * profile (`createEngine({ profile })`, or EngineOptions.profileEvents).
   */
  | { type: 'profile_changed'; t: number }
  /**
   * Raised by the UdpNode adapter, never by the engine: an application listener or a command run
   * with `UdpNode.run` threw. The node keeps running; each is also counted (`error.listener`,
   * `error.command`, `error.input`).
   */
  | { type: 'error'; source: 'listener' | 'command' | 'input'; message: string; t: number };
