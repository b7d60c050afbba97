/**
 * connect — the `connect:<ours>:<contact>` task (docs/architecture.md §1.3).
 *
 * While the friend session is not established it has two modes, one active at a time:
 *   - SearchingAddress: the DHT key is fresh but the address is stale → search the DHT for
 *     the friend's DHT key (c-toxcore dht_addfriend: nodes requests to the closest known
 *     nodes, a 5-round burst one second apart, then one round every 20 s — DHT.c
 *     MAX_BOOTSTRAP_TIMES, GET_NODE_INTERVAL);
 *   - Handshaking: DHT key and address are fresh → the friendSession machine runs cookie and
 *     handshakes; this task keeps the address fresh by querying the friend's own DHT node
 *     every 60 s (DHT.h PING_INTERVAL), as c-toxcore's DHT does for every node of a search.
 * Idle when established directly, when no fresh DHT key is known (then the dhtkey task works), or
 * when the friend's policy is not TryingToConnect: the seed's rule is "while (policy=TryingToConnect
 * and friend session is not established) …", so a friend we are only open to (or refuse) is
 * never searched for; an inbound handshake still reaches the friendSession machine. A session
 * established through a TCP relay is not established *directly*: the search goes on, as
 * c-toxcore's DHT keeps searching for a friend whose DHT key it holds (DHT.c dht_addfriend stays
 * until the key changes), so that the session can move to UDP when the friend's node is found.
 *
 * Inputs are the session's facts (`facts`, sent by the runtime after every friendSession
 * transition) and `tick`. Freshness is a guard over the deadlines those facts carry.
 * Timers owned: searchAt (next search round), pingAt (next check of the friend's node).
 */
import { assign, emit, setup, type SnapshotFrom } from 'xstate';
import {
  DHT_GET_NODE_INTERVAL_MS,
  DHT_PING_INTERVAL_MS,
  DHT_SEARCH_BURST_INTERVAL_MS,
  DHT_SEARCH_BURST_ROUNDS,
} from './constants.js';
import { deadline, earliest, type Deadline, type FriendPolicy } from './types.js';

export interface ConnectContext {
  readonly friendPk: string;
  now: number;
  dhtKey: string | null;
  dhtKeyFreshUntil: number | null;
  addressFreshUntil: number | null;
  established: boolean;
  /** Established directly over UDP (not through a relay). */
  direct: boolean;
  /** The friend's policy from the latest facts (TryingToConnect until told otherwise). */
  policy: FriendPolicy;
  /** Search rounds sent for the current key, saturating at the burst length. */
  rounds: number;
  searchAt: number | null;
  pingAt: number | null;
}

export interface ConnectInput {
  friendPk: string;
  now: number;
}

/** The facts the runtime sends to a friend's tasks (connect, dhtkeyShare, friendRequest) after every session step. */
export interface FactsEvent {
  type: 'facts';
  now: number;
  dhtKey: string | null;
  dhtKeyFreshUntil: number | null;
  addressFreshUntil: number | null;
  established: boolean;
  /** Established directly over UDP (a session on a TCP relay is established but not direct). */
  direct: boolean;
  /** What we do about this friend (machines/types.ts FriendPolicy). */
  policy: FriendPolicy;
}

export type ConnectEvent = FactsEvent | { type: 'tick'; now: number };

export type ConnectOutput =
  | { type: 'dht.search'; dhtKey: string }
  | { type: 'dht.searchRound'; dhtKey: string; round: number }
  | { type: 'dht.pingFriend'; dhtKey: string }
  | { type: 'dht.searchStop' };

export const connectOutputsByAction = {
  startSearch: 'dht.search',
  sendSearchRound: 'dht.searchRound',
  pingFriendNode: 'dht.pingFriend',
  stopSearch: 'dht.searchStop',
} as const;

type View = Omit<FactsEvent, 'type'>;

/** The facts a guard judges: the event's for a `facts` event, the remembered ones for a `tick`. */
function view(context: ConnectContext, event: ConnectEvent): View {
  return event.type === 'facts' ? event : { ...context, now: event.now };
}

// Fresh while `now` is before the freshness deadline; a fact without one (null) is not fresh (`now` is never negative).
const dhtKeyFresh = (v: View): boolean => v.dhtKey !== null && v.now < (v.dhtKeyFreshUntil ?? 0);
const addressFresh = (v: View): boolean => v.now < (v.addressFreshUntil ?? 0);
/** The seed's gate: work only while (policy=TryingToConnect and friend session is not established directly). */
const wanted = (v: View): boolean => v.policy === 'TryingToConnect' && !(v.established && v.direct);

/**
 * The key searched for. SearchingAddress and Handshaking are entered only with a fresh DHT key
 * (isAddressStale, isAddressFresh) and left when it is gone (isIdle), so it is never null there.
 */
const searchedKey = (c: ConnectContext): string => c.dhtKey as string;

export const connect = setup({
  types: {
    context: {} as ConnectContext,
    events: {} as ConnectEvent,
    input: {} as ConnectInput,
    emitted: {} as ConnectOutput,
  },
  guards: {
    /** Nothing to do: the session is established, the policy is not TryingToConnect, or no fresh DHT key is known. */
    isIdle: ({ context, event }) => {
      const v = view(context, event);
      return !wanted(v) || !dhtKeyFresh(v);
    },
    /** Trying to connect, DHT key fresh, address stale: search the DHT. */
    isAddressStale: ({ context, event }) => {
      const v = view(context, event);
      return wanted(v) && dhtKeyFresh(v) && !addressFresh(v);
    },
    /** Trying to connect, DHT key and address fresh: the session is handshaking. */
    isAddressFresh: ({ context, event }) => {
      const v = view(context, event);
      return wanted(v) && dhtKeyFresh(v) && addressFresh(v);
    },
    /** The facts name a different DHT key than the one being searched (used on `facts` only). */
    isNewDhtKey: ({ context, event }) => (event as FactsEvent).dhtKey !== context.dhtKey,
    /** A timer is due at or after its time; none is never due. */
    isSearchRoundDue: ({ context, event }) => event.now >= (context.searchAt ?? Infinity),
    isPingDue: ({ context, event }) => event.now >= (context.pingAt ?? Infinity),
  },
  actions: {
    /** Remembers the latest facts. */
    takeFacts: assign(({ event }) =>
      event.type === 'facts'
        ? {
            now: event.now,
            dhtKey: event.dhtKey,
            dhtKeyFreshUntil: event.dhtKeyFreshUntil,
            addressFreshUntil: event.addressFreshUntil,
            established: event.established,
            direct: event.direct,
            policy: event.policy,
          }
        : { now: event.now },
    ),
    /** First search round now; the burst continues one second apart. */
    beginSearch: assign({ rounds: 1, searchAt: ({ event }) => event.now + DHT_SEARCH_BURST_INTERVAL_MS, pingAt: null }),
    /** One more round; after the burst, one every 20 s. */
    countSearchRound: assign(({ context, event }) => {
      const rounds = Math.min(context.rounds + 1, DHT_SEARCH_BURST_ROUNDS);
      const interval = context.rounds + 1 < DHT_SEARCH_BURST_ROUNDS ? DHT_SEARCH_BURST_INTERVAL_MS : DHT_GET_NODE_INTERVAL_MS;
      return { rounds, searchAt: event.now + interval };
    }),
    endSearch: assign({ rounds: 0, searchAt: null }),
    armPing: assign({ pingAt: ({ event }) => event.now + DHT_PING_INTERVAL_MS }),
    disarmPing: assign({ pingAt: null }),

    startSearch: emit(({ context }) => ({ type: 'dht.search' as const, dhtKey: searchedKey(context) })),
    sendSearchRound: emit(({ context }) => ({ type: 'dht.searchRound' as const, dhtKey: searchedKey(context), round: context.rounds })),
    pingFriendNode: emit(({ context }) => ({ type: 'dht.pingFriend' as const, dhtKey: searchedKey(context) })),
    stopSearch: emit({ type: 'dht.searchStop' as const }),
  },
}).createMachine({
  id: 'connect',
  description: 'The connect: task — stale address: search the DHT for the DHT key; fresh address: keep it fresh while the session handshakes.',
  context: ({ input }) => ({
    friendPk: input.friendPk,
    now: input.now,
    dhtKey: null,
    dhtKeyFreshUntil: null,
    addressFreshUntil: null,
    established: false,
    direct: false,
    policy: 'TryingToConnect',
    rounds: 0,
    searchAt: null,
    pingAt: null,
  }),
  initial: 'Idle',
  states: {
    Idle: {
      description: 'Nothing to do: the session is established, the policy is not TryingToConnect, or no fresh DHT key is known.',
      on: {
        facts: [
          {
            guard: 'isAddressStale',
            target: 'SearchingAddress',
            actions: ['takeFacts', 'beginSearch', 'startSearch'],
            description: 'A fresh DHT key without a fresh address: start searching the DHT for it.',
          },
          {
            guard: 'isAddressFresh',
            target: 'Handshaking',
            actions: ['takeFacts', 'startSearch', 'armPing'],
            description: 'DHT key and address already fresh (e.g. an inbound handshake): the session handshakes.',
          },
          { actions: ['takeFacts'], description: 'Still nothing to do: remember the facts.' },
        ],
      },
    },
    SearchingAddress: {
      description: "DHT key fresh, address stale: nodes requests for the friend's DHT key, a 5-round burst then every 20 s.",
      on: {
        facts: [
          {
            guard: 'isIdle',
            target: 'Idle',
            actions: ['takeFacts', 'endSearch', 'stopSearch'],
            description: 'Established, no longer trying to connect, or the DHT key went stale: stop searching.',
          },
          {
            guard: 'isAddressFresh',
            target: 'Handshaking',
            actions: ['takeFacts', 'endSearch', 'armPing'],
            description: 'The address is known and fresh: the session handshakes.',
          },
          {
            guard: 'isNewDhtKey',
            actions: ['takeFacts', 'beginSearch', 'startSearch'],
            description: 'A different DHT key (the friend restarted): search for the new key from the start.',
          },
          { actions: ['takeFacts'], description: 'Same mode: remember the facts.' },
        ],
        tick: [
          {
            guard: 'isIdle',
            target: 'Idle',
            actions: ['takeFacts', 'endSearch', 'stopSearch'],
            description: 'The DHT key went stale: stop searching (the dhtkey task looks for a new one).',
          },
          {
            guard: 'isSearchRoundDue',
            actions: ['takeFacts', 'countSearchRound', 'sendSearchRound'],
            description: 'Next search round: nodes requests to the nodes closest to the DHT key.',
          },
        ],
      },
    },
    Handshaking: {
      description: "DHT key and address fresh: friendSession sends cookie requests and handshakes; the friend's node is re-checked every 60 s.",
      on: {
        facts: [
          {
            guard: 'isIdle',
            target: 'Idle',
            actions: ['takeFacts', 'disarmPing', 'stopSearch'],
            description: 'Established, no longer trying to connect, or the DHT key went stale: nothing more to do.',
          },
          {
            guard: 'isAddressStale',
            target: 'SearchingAddress',
            actions: ['takeFacts', 'beginSearch', 'startSearch'],
            description: 'The address went stale (cookie requests unanswered): search the DHT again.',
          },
          { actions: ['takeFacts'], description: 'Same mode: remember the facts.' },
        ],
        tick: [
          {
            guard: 'isIdle',
            target: 'Idle',
            actions: ['takeFacts', 'disarmPing', 'stopSearch'],
            description: 'The DHT key went stale: stop.',
          },
          {
            guard: 'isAddressStale',
            target: 'SearchingAddress',
            actions: ['takeFacts', 'beginSearch', 'startSearch'],
            description: 'The address was not refreshed for 122 s: search the DHT again.',
          },
          {
            guard: 'isPingDue',
            actions: ['takeFacts', 'armPing', 'pingFriendNode'],
            description: "Re-check the friend's DHT node (nodes request), which refreshes the address when it answers.",
          },
        ],
      },
    },
  },
});

export type ConnectSnapshot = SnapshotFrom<typeof connect>;

export function connectNextDeadline(snapshot: ConnectSnapshot): Deadline | null {
  const c = snapshot.context;
  // The facts' expiry comes first at equal times: a stale key ends the search before a round.
  const keyStale = deadline(c.dhtKeyFreshUntil, 'DHT key goes stale');
  switch (snapshot.value) {
    case 'Idle':
      return null;
    case 'SearchingAddress':
      return earliest(keyStale, deadline(c.searchAt, c.rounds < DHT_SEARCH_BURST_ROUNDS ? `DHT search round ${c.rounds + 1} (burst)` : 'DHT search round (every 20 s)'));
    default:
      return earliest(keyStale, deadline(c.addressFreshUntil, 'address goes stale'), deadline(c.pingAt, "re-check the friend's DHT node (every 60 s)"));
  }
}
