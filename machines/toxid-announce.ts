/**
 * toxidAnnounce — the `toxid:<our key>` task (docs/architecture.md §1.3).
 *
 * While the account is online: search the onion for our own long-term key and keep ourselves
 * announced at the rendezvous (announce) nodes closest to it, so friends can find us and send
 * us their DHT key. Cadence from c-toxcore 0.2.18 onion_client.c `do_announce`
 * (docs/protocol.md §3.8): a round every 3 s while not stored anywhere, every 15 s once stored.
 * Once stored for 90 s the announcement is stable: each node is then re-announced only every
 * 120 s, but a round still goes out every 15 s (c-toxcore's `last_announce` rule keeps at least
 * one announce per ONION_NODE_PING_INTERVAL), so responses keep arriving well inside the 75 s
 * after which no response means the onion is lost and we start over.
 *
 * Deliberate differences from c-toxcore (constants.ts has the reasoning): the first round goes
 * out at once (no 3 s start delay), a round also goes out the moment path nodes appear, and a
 * node that answers with a fresh ping_id is re-announced to at once instead of one round
 * later. The protocol allows all three; they cut the time to "announced" from ≈ 7 s to about
 * two round trips.
 *
 * Per-node bookkeeping (which nodes, their ping_ids, paths) is the runtime's onion client
 * table; this machine decides when rounds happen and what "announced" means.
 * Timers owned: roundAt, stableAt, offlineAt.
 */
import { assign, emit, setup, type SnapshotFrom } from 'xstate';
import {
  ANNOUNCE_INTERVAL_ANNOUNCED_MS,
  ANNOUNCE_INTERVAL_NOT_ANNOUNCED_MS,
  ANNOUNCE_TIME_TO_STABLE_MS,
  ONION_OFFLINE_TIMEOUT_MS,
} from './constants.js';
import { deadline, earliest, type Deadline } from './types.js';

export interface ToxidAnnounceContext {
  readonly selfPk: string;
  now: number;
  roundAt: number | null;
  stableAt: number | null;
  /** No announce response by this time means the onion is lost. */
  offlineAt: number | null;
  /** When we first became announced in the current stretch. */
  announcedSince: number | null;
}

export interface ToxidAnnounceInput {
  selfPk: string;
  now: number;
}

export type ToxidAnnounceEvent =
  | { type: 'cmd.start'; now: number }
  | { type: 'cmd.stop'; now: number }
  | { type: 'nodes.available'; now: number }
  | { type: 'announce.pingId'; now: number; node: string }
  | { type: 'announce.response'; now: number }
  | { type: 'announce.stored'; now: number }
  | { type: 'announce.unstored'; now: number }
  | { type: 'tick'; now: number };

export type ToxidAnnounceOutput =
  | { type: 'onion.announceRound'; mode: 'searching' | 'announced' | 'stable' }
  | { type: 'onion.announceTo'; node: string }
  | { type: 'notify.announced' }
  | { type: 'notify.unannounced'; reason: string };

export const toxidAnnounceOutputsByAction = {
  announceRound: 'onion.announceRound',
  announceTo: 'onion.announceTo',
  notifyAnnounced: 'notify.announced',
  notifyUnannounced: 'notify.unannounced',
} as const;

/** Transitions Announced and Stable share (each state still lists them in the docs). */
const STOP_ANNOUNCED = {
  target: 'Offline',
  actions: ['observe', 'stopTimers', 'notifyUnannounced'],
  description: 'Go offline.',
} as const;

const PING_ID_ROTATED = {
  actions: ['observe', 'armOffline', 'announceTo'],
  description: 'A node rotated its ping_id: re-announce to it at once.',
} as const;

const STILL_ONLINE = {
  actions: ['observe', 'armOffline'],
  description: 'An announce response: still online.',
} as const;

const NO_LONGER_STORED = {
  target: 'Announcing',
  actions: ['observe', 'clearAnnounced', 'scheduleSearchingRound', 'notifyUnannounced', 'announceSearching'],
  description: 'No node stores us any more: announce again every 3 s.',
} as const;

const ONION_LOST = {
  guard: 'isOnionLost',
  target: 'Announcing',
  actions: ['observe', 'clearAnnounced', 'armOffline', 'scheduleSearchingRound', 'notifyUnannounced', 'announceSearching'],
  description: 'No response for 75 s: we are not announced any more.',
} as const;

export const toxidAnnounce = setup({
  types: {
    context: {} as ToxidAnnounceContext,
    events: {} as ToxidAnnounceEvent,
    input: {} as ToxidAnnounceInput,
    emitted: {} as ToxidAnnounceOutput,
  },
  guards: {
    isRoundDue: ({ context, event }) => context.roundAt !== null && event.now >= context.roundAt,
    /** Stored continuously for 90 s (TIME_TO_STABLE). */
    isStable: ({ context, event }) => context.stableAt !== null && event.now >= context.stableAt,
    /** No announce response for 75 s (ONION_OFFLINE_TIMEOUT). */
    isOnionLost: ({ context, event }) => context.offlineAt !== null && event.now >= context.offlineAt,
  },
  actions: {
    observe: assign({ now: ({ event }) => event.now }),
    /** A round goes out now; the next while not announced in 3 s. */
    scheduleSearchingRound: assign({ roundAt: ({ event }) => event.now + ANNOUNCE_INTERVAL_NOT_ANNOUNCED_MS }),
    scheduleAnnouncedRound: assign({ roundAt: ({ event }) => event.now + ANNOUNCE_INTERVAL_ANNOUNCED_MS }),
    /** Responses are expected from now on; 75 s of silence means the onion is lost. */
    armOffline: assign({ offlineAt: ({ event }) => event.now + ONION_OFFLINE_TIMEOUT_MS }),
    markAnnounced: assign({
      announcedSince: ({ event }) => event.now,
      stableAt: ({ event }) => event.now + ANNOUNCE_TIME_TO_STABLE_MS,
    }),
    clearAnnounced: assign({ announcedSince: null, stableAt: null }),
    reachStable: assign({ stableAt: null }),
    stopTimers: assign({ roundAt: null, stableAt: null, offlineAt: null, announcedSince: null }),

    announceSearching: emit({ type: 'onion.announceRound' as const, mode: 'searching' as const }),
    announceAnnounced: emit({ type: 'onion.announceRound' as const, mode: 'announced' as const }),
    announceStable: emit({ type: 'onion.announceRound' as const, mode: 'stable' as const }),
    announceTo: emit(({ event }) => ({ type: 'onion.announceTo' as const, node: event.type === 'announce.pingId' ? event.node : '' })),
    notifyAnnounced: emit({ type: 'notify.announced' as const }),
    notifyUnannounced: emit(({ event }) => ({
      type: 'notify.unannounced' as const,
      reason: event.type === 'tick' ? 'no announce response for 75 s' : event.type === 'cmd.stop' ? 'stopped' : 'no node stores us any more',
    })),
  },
}).createMachine({
  id: 'toxidAnnounce',
  description: 'The toxid: task — while online, keep our long-term key announced at the onion nodes closest to it.',
  context: ({ input }) => ({
    selfPk: input.selfPk,
    now: input.now,
    roundAt: null,
    stableAt: null,
    offlineAt: null,
    announcedSince: null,
  }),
  initial: 'Offline',
  states: {
    Offline: {
      description: 'The account is not online: no announcing.',
      on: {
        'cmd.start': {
          target: 'Announcing',
          actions: ['observe', 'scheduleSearchingRound', 'armOffline', 'announceSearching'],
          description: 'Go online: the first announce round goes out at once (no 3 s start delay).',
        },
      },
    },
    Announcing: {
      description: 'Online but not stored at any announce node: a round every 3 s.',
      on: {
        'cmd.stop': {
          target: 'Offline',
          actions: ['observe', 'stopTimers'],
          description: 'Go offline.',
        },
        'nodes.available': {
          actions: ['observe', 'scheduleSearchingRound', 'announceSearching'],
          description: 'Path nodes appeared: announce now instead of waiting for the next round.',
        },
        'announce.pingId': {
          actions: ['observe', 'armOffline', 'announceTo'],
          description: 'A node answered with a fresh ping_id: re-announce to it at once (c-toxcore waits a round).',
        },
        'announce.response': {
          actions: ['observe', 'armOffline'],
          description: 'An announce response: the onion works.',
        },
        'announce.stored': {
          target: 'Announced',
          actions: ['observe', 'armOffline', 'markAnnounced', 'scheduleAnnouncedRound', 'notifyAnnounced'],
          description: 'A node stores our announcement: we are announced; re-announce every 15 s.',
        },
        tick: [
          {
            guard: 'isOnionLost',
            actions: ['observe', 'armOffline', 'scheduleSearchingRound', 'announceSearching'],
            description: 'No response for 75 s: the onion is lost; keep trying with fresh nodes.',
          },
          {
            guard: 'isRoundDue',
            actions: ['observe', 'scheduleSearchingRound', 'announceSearching'],
            description: 'Announce round (every 3 s while not announced).',
          },
        ],
      },
    },
    Announced: {
      description: 'Stored at one or more announce nodes: a round every 15 s.',
      on: {
        'cmd.stop': STOP_ANNOUNCED,
        'announce.pingId': PING_ID_ROTATED,
        'announce.response': STILL_ONLINE,
        'announce.stored': {
          actions: ['observe', 'armOffline'],
          description: 'Another node stores us.',
        },
        'announce.unstored': NO_LONGER_STORED,
        tick: [
          ONION_LOST,
          {
            guard: 'isStable',
            target: 'Stable',
            actions: ['observe', 'reachStable'],
            description: 'Announced for 90 s: stable; nodes are re-announced every 120 s from now on.',
          },
          {
            guard: 'isRoundDue',
            actions: ['observe', 'scheduleAnnouncedRound', 'announceAnnounced'],
            description: 'Re-announce round (every 15 s).',
          },
        ],
      },
    },
    Stable: {
      description: 'Announced and stable for 90 s: each node is re-announced every 120 s; a round (at least one node) every 15 s.',
      on: {
        'cmd.stop': STOP_ANNOUNCED,
        'announce.pingId': PING_ID_ROTATED,
        'announce.response': STILL_ONLINE,
        'announce.unstored': NO_LONGER_STORED,
        tick: [
          ONION_LOST,
          {
            guard: 'isRoundDue',
            actions: ['observe', 'scheduleAnnouncedRound', 'announceStable'],
            description: 'Re-announce round: nodes last announced 120 s ago, and at least one (every 15 s).',
          },
        ],
      },
    },
  },
});

export type ToxidAnnounceSnapshot = SnapshotFrom<typeof toxidAnnounce>;

export function toxidAnnounceNextDeadline(snapshot: ToxidAnnounceSnapshot): Deadline | null {
  const c = snapshot.context;
  switch (snapshot.value) {
    case 'Offline':
      return null;
    case 'Announcing':
      return earliest(deadline(c.offlineAt, 'onion lost (no announce response for 75 s)'), deadline(c.roundAt, 'announce round (every 3 s)'));
    case 'Announced':
      return earliest(
        deadline(c.offlineAt, 'onion lost (no announce response for 75 s)'),
        deadline(c.stableAt, 'announcement becomes stable (90 s)'),
        deadline(c.roundAt, 're-announce round (every 15 s)'),
      );
    default:
      return earliest(deadline(c.offlineAt, 'onion lost (no announce response for 75 s)'), deadline(c.roundAt, 're-announce round, stable (every 15 s)'));
  }
}
