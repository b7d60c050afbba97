/**
 * dhtkeyShare — the `dhtkey:<ours>:<contact>` task (docs/architecture.md §1.3).
 *
 * While the friend session is not established: search the onion for the friend's long-term
 * key (announce requests with the friend as the searched key) and send our DHT key to the
 * announce nodes that store the friend (onion data, DHT-PK id 156), and straight to the
 * friend's DHT node along a DHT route once we know the friend's DHT key (DHT request 0x20,
 * id 156). Follows c-toxcore 0.2.18 onion_client.c `do_friend` (docs/protocol.md §3.7, §3.8):
 *   - search rounds every 3 s while the friend is "new" (run_count ≤ 5), then
 *     2^min(12, run_count − 2) s, at most 3600 s; run_count starts again at 0 whenever the
 *     friend goes offline;
 *   - DHT-PK over the onion at once when the friend is first found, then every 30 s;
 *     toxstate also sends it at once (and restarts the 30 s) when our first TCP relay confirms
 *     (`relays.available`: the relays a DHT-PK names went from none to some), so a TCP-only
 *     friend need not wait 30 s for a DHT-PK naming a relay. c-toxcore has no such event; it
 *     starts its onion later, so its relays are usually up by its first DHT-PK;
 *   - DHT-PK over a DHT route every 20 s while the friend's DHT key is known.
 * Difference: c-toxcore increments run_count every 4 announce requests sent; a round here
 * sends to every node of the friend's list (up to 8) and counts as one run. With a full list
 * c-toxcore backs off twice as fast; on small networks the two agree.
 *
 * Gate (seed: "while (policy=TryingToConnect and friend session is not established) search{toxid}
 * contact, send my dhtkey to results"): Active only while the latest facts say the session is not
 * established and the friend's policy is TryingToConnect; an OpenToConnect or RefusingToConnect
 * friend is never searched for and never sent our DHT key.
 *
 * Timers owned: searchAt, onionShareAt, dhtShareAt.
 */
import { assign, emit, setup, type SnapshotFrom } from 'xstate';
import {
  DHT_DHTPK_SEND_INTERVAL_MS,
  FRIEND_SEARCH_RUN_COUNT_CAP,
  ONION_DHTPK_SEND_INTERVAL_MS,
  friendSearchIntervalMs,
} from './constants.js';
import type { FactsEvent } from './connect.js';
import { deadline, earliest, type Deadline, type FriendPolicy } from './types.js';

export interface DhtkeyShareContext {
  readonly friendPk: string;
  now: number;
  /** The friend's DHT key when known (a DHT route needs it). */
  friendDhtKey: string | null;
  /** The friend's policy from the latest facts (TryingToConnect until told otherwise). */
  policy: FriendPolicy;
  /** c-toxcore's run_count, saturating where the interval stops growing. */
  runCount: number;
  searchAt: number | null;
  onionShareAt: number | null;
  dhtShareAt: number | null;
}

export interface DhtkeyShareInput {
  friendPk: string;
  now: number;
}

export type DhtkeyShareEvent =
  | FactsEvent
  | { type: 'nodes.available'; now: number }
  | { type: 'search.found'; now: number }
  | { type: 'search.lost'; now: number }
  /** Our connected TCP relays (those a DHT-PK names) went from none to at least one. */
  | { type: 'relays.available'; now: number }
  | { type: 'tick'; now: number };

export type DhtkeyShareOutput =
  | { type: 'onion.searchFriend'; runCount: number }
  | { type: 'onion.sendDhtPk' }
  | { type: 'dht.sendDhtPk'; friendDhtKey: string };

export const dhtkeyShareOutputsByAction = {
  searchFriend: 'onion.searchFriend',
  sendDhtPkOnion: 'onion.sendDhtPk',
  sendDhtPkDhtRoute: 'dht.sendDhtPk',
} as const;

export const dhtkeyShare = setup({
  types: {
    context: {} as DhtkeyShareContext,
    events: {} as DhtkeyShareEvent,
    input: {} as DhtkeyShareInput,
    emitted: {} as DhtkeyShareOutput,
  },
  guards: {
    /** The seed's gate holds: trying to connect and not established (used on `facts` only). */
    isShareWanted: ({ event }) => !(event as FactsEvent).established && (event as FactsEvent).policy === 'TryingToConnect',
    /** The gate closed: established, or no longer trying to connect (used on `facts` only). */
    isShareUnwanted: ({ event }) => (event as FactsEvent).established || (event as FactsEvent).policy !== 'TryingToConnect',
    /** A timer is due at or after its time; none is never due. */
    isSearchDue: ({ context, event }) => event.now >= (context.searchAt ?? Infinity),
    isOnionShareDue: ({ context, event }) => event.now >= (context.onionShareAt ?? Infinity),
    /** The DHT-route DHT-PK is due (dhtShareAt is set only while the friend's DHT key is known). */
    isDhtRouteShareDue: ({ context, event }) => event.now >= (context.dhtShareAt ?? Infinity),
  },
  actions: {
    observe: assign({ now: ({ event }) => event.now }),
    /** Remembers the friend's DHT key from the session facts; a newly known key makes the DHT-route share due now. */
    takeFacts: assign(({ context, event }) => {
      const facts = event as FactsEvent; // on `facts` transitions only
      const known = facts.dhtKey;
      return {
        friendDhtKey: known,
        policy: facts.policy,
        dhtShareAt: known === null ? null : known !== context.friendDhtKey ? event.now : context.dhtShareAt,
      };
    }),
    /** The friend went offline (or the task starts): c-toxcore resets run_count; search at once. */
    resetSearch: assign({ runCount: 0, searchAt: ({ event }) => event.now }),
    /** One search round went out: count it and schedule the next by the backoff rule. */
    countSearch: assign(({ context, event }) => {
      const runCount = Math.min(context.runCount + 1, FRIEND_SEARCH_RUN_COUNT_CAP);
      return { runCount, searchAt: event.now + friendSearchIntervalMs(runCount) };
    }),
    armOnionShare: assign({ onionShareAt: ({ event }) => event.now + ONION_DHTPK_SEND_INTERVAL_MS }),
    disarmOnionShare: assign({ onionShareAt: null }),
    armDhtShare: assign({ dhtShareAt: ({ event }) => event.now + DHT_DHTPK_SEND_INTERVAL_MS }),
    stopAll: assign({ searchAt: null, onionShareAt: null, dhtShareAt: null }),

    searchFriend: emit(({ context }) => ({ type: 'onion.searchFriend' as const, runCount: context.runCount })),
    sendDhtPkOnion: emit({ type: 'onion.sendDhtPk' as const }),
    sendDhtPkDhtRoute: emit(({ context }) => ({ type: 'dht.sendDhtPk' as const, friendDhtKey: context.friendDhtKey as string })), // due only while the key is known
  },
}).createMachine({
  id: 'dhtkeyShare',
  description: 'The dhtkey: task — while not established, find the friend over the onion and send it our DHT key.',
  context: ({ input }) => ({
    friendPk: input.friendPk,
    now: input.now,
    friendDhtKey: null,
    policy: 'TryingToConnect',
    runCount: 0,
    searchAt: null,
    onionShareAt: null,
    dhtShareAt: null,
  }),
  initial: 'Idle',
  states: {
    Idle: {
      description:
        'The friend session is established, the policy is not TryingToConnect, or the task has not started: no onion activity for this friend.',
      on: {
        facts: [
          {
            guard: 'isShareWanted',
            target: 'Active',
            actions: ['observe', 'takeFacts', 'resetSearch'],
            description: 'Trying to connect and not established: start searching for the friend (run_count from 0).',
          },
          { actions: ['observe', 'takeFacts'], description: 'Still established or not trying to connect: remember the facts.' },
        ],
      },
    },
    Active: {
      description: 'Trying to connect and not established: search for the friend and share our DHT key.',
      initial: 'Searching',
      on: {
        facts: [
          {
            guard: 'isShareUnwanted',
            target: 'Idle',
            actions: ['observe', 'takeFacts', 'stopAll'],
            description: 'The session is established, or we stopped trying to connect: all onion activity for this friend stops.',
          },
          { actions: ['observe', 'takeFacts'], description: 'Still connecting: remember the facts.' },
        ],
        tick: {
          guard: 'isDhtRouteShareDue',
          actions: ['observe', 'armDhtShare', 'sendDhtPkDhtRoute'],
          description: "Send our DHT-PK along a DHT route to the friend's DHT key (every 20 s while it is known).",
        },
      },
      states: {
        Searching: {
          description: 'No announce node is known to store the friend yet: search rounds with the backoff rule.',
          on: {
            'nodes.available': {
              actions: ['observe', 'countSearch', 'searchFriend'],
              description: 'The DHT just got nodes to build onion paths from: search now instead of at the next round.',
            },
            'search.found': {
              target: 'Sharing',
              actions: ['observe', 'armOnionShare', 'sendDhtPkOnion'],
              description: 'An announce node stores the friend: send our DHT-PK over the onion now, then every 30 s.',
            },
            tick: {
              guard: 'isSearchDue',
              actions: ['observe', 'countSearch', 'searchFriend'],
              description: 'Search round: announce requests for the friend to its closest known nodes.',
            },
          },
        },
        Sharing: {
          description: 'The friend is announced at nodes we know: DHT-PK over the onion every 30 s, and keep searching.',
          on: {
            'search.lost': {
              target: 'Searching',
              actions: ['observe', 'disarmOnionShare'],
              description: 'No node stores the friend any more: back to searching.',
            },
            'relays.available': {
              actions: ['observe', 'armOnionShare', 'sendDhtPkOnion'],
              description:
                "toxstate's choice: our first TCP relay confirmed (none before), so the DHT-PK now names a relay — send it over the onion now and restart the 30 s, so a TCP-only friend need not wait for the next one. Ignored while Searching (the DHT-PK goes out, naming the relay, when the friend is found) and in Idle.",
            },
            tick: [
              {
                guard: 'isOnionShareDue',
                actions: ['observe', 'armOnionShare', 'sendDhtPkOnion'],
                description: 'Resend our DHT-PK over the onion (every 30 s).',
              },
              {
                guard: 'isSearchDue',
                actions: ['observe', 'countSearch', 'searchFriend'],
                description: "Search round: refresh the friend's announce nodes.",
              },
            ],
          },
        },
      },
    },
  },
});

export type DhtkeyShareSnapshot = SnapshotFrom<typeof dhtkeyShare>;

export function dhtkeyShareNextDeadline(snapshot: DhtkeyShareSnapshot): Deadline | null {
  if (snapshot.matches('Idle')) return null;
  const c = snapshot.context;
  return earliest(
    deadline(c.searchAt, `onion search for the friend (run ${c.runCount}, every ${friendSearchIntervalMs(c.runCount) / 1000} s)`),
    // onionShareAt is set only while Sharing, dhtShareAt only while the friend's DHT key is known.
    deadline(c.onionShareAt, 'DHT-PK over the onion (every 30 s)'),
    deadline(c.dhtShareAt, 'DHT-PK over a DHT route (every 20 s)'),
  );
}
