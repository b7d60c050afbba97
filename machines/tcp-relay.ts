/**
 * tcpRelay — one connection of ours to a TCP relay, `relay:<relay key>`: from opening the socket
 * to a confirmed, pinged connection that friend sessions and the onion ride on, and back.
 *
 * Models c-toxcore 0.2.18's client side (docs/protocol.md §12): TCP_client.c's connection status
 * (CONNECTING → UNCONFIRMED → CONFIRMED → DISCONNECTED, new_TCP_connection, do_TCP_connection,
 * do_confirmed_TCP) and TCP_connection.c's relay bookkeeping (do_tcp_conns: reconnect a confirmed
 * relay that dropped, kill one that never confirmed; sleep_tcp_relay_connection /
 * unsleep_tcp_relay_connection).
 *
 *   Idle → Connecting → Unconfirmed → Confirmed ⇄ Sleeping
 *        ↑______________________↓ (a confirmed relay that drops reconnects at once)
 *   Disconnected (retry later) · Stopped (final)
 *
 * - Connecting: the socket is opening; our handshake goes out the moment it connects.
 *   Unconfirmed: our handshake is out, the relay's is awaited. Both together have 10 s
 *   (TCP_CONNECTION_TIMEOUT, `kill_at`).
 * - Confirmed: a ping at once and every 30 s after (TCP_PING_FREQUENCY; a new connection's
 *   last_pinged is 0, so do_confirmed_TCP pings in the pass that confirms it); no pong within 10 s
 *   (TCP_PING_TIMEOUT) drops the connection. Friend connections and the onion use it.
 * - Sleeping: every friend connection that uses this relay is direct (UDP) now and none of them
 *   needs it, it carries no onion traffic, and it has been confirmed for 10 s
 *   (TCP_CONNECTION_ANNOUNCE_TIMEOUT): the socket is closed and the relay remembered. A use that
 *   needs it again wakes it (a new connection).
 * - A new attempt and a closed socket start with nothing riding on the relay (uses 0, no onion):
 *   its routes died with the old connection (reconnect_, sleep_ and unsleep_tcp_relay_connection
 *   zero lock_count, sleep_count and onion); the layer reports them again as routes come online.
 * - A confirmed relay whose connection drops reconnects at once (reconnect_tcp_relay_connection).
 *   One that never confirmed is, in c-toxcore, removed until someone names it again; toxstate
 *   instead retries it after a growing pause (RELAY_RETRY_MIN_MS doubling up to RELAY_RETRY_MAX_MS)
 *   — a relay the user configured stays in use after a network outage. Decided, not copied.
 * - `cmd.stop`: the relay is no longer wanted (surplus relays beyond c-toxcore's three, or the
 *   node shuts down): the socket is closed for good.
 *
 * The layer (runtime/tcp/client.ts) owns sockets, keys, frames, ping ids and routes; this machine
 * owns what to do when. Timers (deadlines in context): connectDeadline, pingAt, pongDeadline,
 * sleepAt (derived from confirmedAt and the uses), retryAt.
 */
import { assign, emit, setup, type SnapshotFrom } from 'xstate';
import {
  RELAY_RETRY_MAX_MS,
  RELAY_RETRY_MIN_MS,
  TCP_CONNECTION_ANNOUNCE_TIMEOUT_MS,
  TCP_CONNECTION_TIMEOUT_MS,
  TCP_PING_FREQUENCY_MS,
  TCP_PING_TIMEOUT_MS,
} from './constants.js';
import { deadline, earliest, type Deadline } from './types.js';

export interface TcpRelayInput {
  /** The relay's public key (hex) and address ("ip:port"). */
  relayPk: string;
  address: string;
  now: number;
}

export interface TcpRelayContext {
  readonly relayPk: string;
  readonly address: string;
  now: number;
  /** Connecting and Unconfirmed end here (kill_at). */
  connectDeadline: number | null;
  /** When the connection was confirmed (connected_time); null when not confirmed. */
  confirmedAt: number | null;
  /** Next ping (Confirmed, no ping outstanding). */
  pingAt: number | null;
  /** The outstanding ping's pong is due by then. */
  pongDeadline: number | null;
  /** Friend connections online through this relay (lock_count), and how many of those are direct (sleeping) now (sleep_count). */
  uses: number;
  sleepingUses: number;
  /** The relay carries onion traffic (TCP_connection.c `onion`): it never sleeps. */
  onion: boolean;
  /** Disconnected: the next attempt. */
  retryAt: number | null;
  /** Attempts that failed in a row without confirming (the retry pause doubles with each). */
  failures: number;
}

export type TcpRelayEvent =
  | { type: 'tick'; now: number }
  /** Start using the relay. */
  | { type: 'cmd.connect'; now: number }
  /** The socket connected; the layer sent our handshake. */
  | { type: 'stream.opened'; now: number }
  /** The relay's handshake opened with our key: the connection is encrypted both ways. */
  | { type: 'handshake.accepted'; now: number }
  /** The connection failed: the socket closed, the relay's handshake or a frame failed to open, or a packet was invalid. */
  | { type: 'stream.failed'; now: number; reason: string }
  /** The relay answered our outstanding ping. */
  | { type: 'pong'; now: number }
  /** What rides on this relay changed (TCP_connection.c lock_count, sleep_count, onion). */
  | { type: 'uses'; now: number; uses: number; sleepingUses: number; onion: boolean }
  /** The relay is no longer wanted. */
  | { type: 'cmd.stop'; now: number; reason: string };

export type TcpRelayOutput =
  /** Open a socket to the relay (its handshake goes out when it connects). */
  | { type: 'tcp.open'; address: string; relayPk: string }
  /** Close the socket (remember the relay when sleeping). */
  | { type: 'tcp.close'; reason: string }
  /** Send a ping with a new id. */
  | { type: 'tcp.ping' }
  /** The relay is usable: send our routing requests, move traffic onto it. */
  | { type: 'notify.relayOnline' }
  /** The relay is not usable any more: routes through it are gone. */
  | { type: 'notify.relayOffline'; reason: string };

export const tcpRelayOutputsByAction = {
  openSocket: 'tcp.open',
  closeSocket: 'tcp.close',
  sendPing: 'tcp.ping',
  notifyOnline: 'notify.relayOnline',
  notifyOffline: 'notify.relayOffline',
} as const;

const reasonOf = (event: TcpRelayEvent): string => ('reason' in event ? event.reason : event.type === 'tick' ? 'timeout' : event.type);

/** Whether everything that uses the relay is direct now and it carries no onion traffic (lock_count == sleep_count > 0, !onion). */
const idle = (c: Pick<TcpRelayContext, 'uses' | 'sleepingUses' | 'onion'>): boolean => !c.onion && c.uses > 0 && c.uses === c.sleepingUses;

/** When a confirmed relay may go to sleep, or null while something needs it. */
function sleepAt(c: TcpRelayContext): number | null {
  return c.confirmedAt !== null && idle(c) ? c.confirmedAt + TCP_CONNECTION_ANNOUNCE_TIMEOUT_MS : null;
}

/** The pause before attempt `failures + 1`. */
export function relayRetryPause(failures: number): number {
  return Math.min(RELAY_RETRY_MAX_MS, RELAY_RETRY_MIN_MS * 2 ** Math.max(0, failures - 1));
}

const ATTEMPT = { actions: ['observe', 'beginAttempt', 'openSocket'] } as const;
/** In every state but Stopped (a root handler would reach the final state too). */
const KEEP_USES = { actions: ['observe', 'takeUses'], description: 'What rides on the relay changed: remembered (it decides when the relay may sleep).' } as const;

export const tcpRelay = setup({
  types: {
    context: {} as TcpRelayContext,
    events: {} as TcpRelayEvent,
    input: {} as TcpRelayInput,
    emitted: {} as TcpRelayOutput,
  },
  guards: {
    /** The 10 s to confirm are over. */
    isConnectTimedOut: ({ context, event }) => event.now >= (context.connectDeadline ?? Infinity),
    isPingDue: ({ context, event }) => context.pongDeadline === null && event.now >= (context.pingAt ?? Infinity),
    isPongOverdue: ({ context, event }) => event.now >= (context.pongDeadline ?? Infinity),
    isPongAwaited: ({ context }) => context.pongDeadline !== null,
    isSleepDue: ({ context, event }) => event.now >= (sleepAt(context) ?? Infinity),
    /** The uses now include one that needs the relay (not direct), or onion traffic. */
    isNeededAgain: ({ event }) => event.type === 'uses' && (event.onion || event.uses > event.sleepingUses),
    isRetryDue: ({ context, event }) => event.now >= (context.retryAt ?? Infinity),
  },
  actions: {
    observe: assign({ now: ({ event }) => event.now }),
    beginAttempt: assign({
      connectDeadline: ({ event }) => event.now + TCP_CONNECTION_TIMEOUT_MS,
      confirmedAt: null,
      pingAt: null,
      pongDeadline: null,
      retryAt: null,
      uses: 0,
      sleepingUses: 0,
      onion: false,
    }),
    confirm: assign({ connectDeadline: null, confirmedAt: ({ event }) => event.now, failures: 0 }),
    armPong: assign({
      pingAt: ({ event }) => event.now + TCP_PING_FREQUENCY_MS,
      pongDeadline: ({ event }) => event.now + TCP_PING_TIMEOUT_MS,
    }),
    clearPong: assign({ pongDeadline: null }),
    takeUses: assign(({ event }) => (event.type === 'uses' ? { uses: event.uses, sleepingUses: event.sleepingUses, onion: event.onion } : {})),
    /** Asleep or stopped: no connection, no timers, nothing riding on it. */
    disarm: assign({ connectDeadline: null, confirmedAt: null, pingAt: null, pongDeadline: null, retryAt: null, uses: 0, sleepingUses: 0, onion: false }),
    /** An attempt failed without confirming: try again after a pause that doubles each time. */
    scheduleRetry: assign(({ context, event }) => {
      const failures = context.failures + 1;
      return { connectDeadline: null, confirmedAt: null, pingAt: null, pongDeadline: null, failures, retryAt: event.now + relayRetryPause(failures) };
    }),

    openSocket: emit(({ context }) => ({ type: 'tcp.open' as const, address: context.address, relayPk: context.relayPk })),
    closeSocket: emit(({ event }) => ({ type: 'tcp.close' as const, reason: reasonOf(event) })),
    sendPing: emit({ type: 'tcp.ping' as const }),
    notifyOnline: emit({ type: 'notify.relayOnline' as const }),
    notifyOffline: emit(({ event }) => ({ type: 'notify.relayOffline' as const, reason: reasonOf(event) })),
  },
}).createMachine({
  id: 'tcpRelay',
  description: 'One connection to a TCP relay (TCP_client.c, TCP_connection.c): handshake, confirmed with pings, asleep while unused, reconnecting.',
  context: ({ input }) => ({
    relayPk: input.relayPk,
    address: input.address,
    now: input.now,
    connectDeadline: null,
    confirmedAt: null,
    pingAt: null,
    pongDeadline: null,
    uses: 0,
    sleepingUses: 0,
    onion: false,
    retryAt: null,
    failures: 0,
  }),
  initial: 'Idle',
  states: {
    Idle: {
      description: 'Known, not connected yet.',
      on: {
        'cmd.connect': { target: 'Connecting', ...ATTEMPT, description: 'Open a connection to the relay (new_TCP_connection).' },
        'cmd.stop': { target: 'Stopped', actions: ['observe', 'disarm'], description: 'No longer wanted.' },
        uses: KEEP_USES,
      },
    },
    Connecting: {
      description: 'The socket is opening (TCP_CLIENT_CONNECTING); 10 s to confirm, counted from the start of the attempt.',
      on: {
        'stream.opened': { target: 'Unconfirmed', actions: ['observe'], description: 'Connected: our handshake is out (TCP_CLIENT_UNCONFIRMED).' },
        'stream.failed': { target: 'Disconnected', actions: ['observe', 'scheduleRetry', 'closeSocket'], description: 'The connect failed: try again after a pause.' },
        tick: {
          guard: 'isConnectTimedOut',
          target: 'Disconnected',
          actions: ['observe', 'scheduleRetry', 'closeSocket'],
          description: 'Not connected within 10 s (kill_at): give up this attempt, try again after a pause.',
        },
        'cmd.stop': { target: 'Stopped', actions: ['observe', 'disarm', 'closeSocket'], description: 'No longer wanted.' },
        uses: KEEP_USES,
      },
    },
    Unconfirmed: {
      description: "Our handshake is out; the relay's 96-byte answer is awaited (TCP_CLIENT_UNCONFIRMED).",
      on: {
        'handshake.accepted': {
          target: 'Confirmed',
          actions: ['observe', 'confirm', 'armPong', 'sendPing', 'notifyOnline'],
          description: "The relay's handshake opened: confirmed (TCP_CLIENT_CONFIRMED); the first ping at once (do_confirmed_TCP); routes can be requested.",
        },
        'stream.failed': {
          target: 'Disconnected',
          actions: ['observe', 'scheduleRetry', 'closeSocket'],
          description: "The socket closed or the relay's handshake did not open: give up this attempt, try again after a pause.",
        },
        tick: {
          guard: 'isConnectTimedOut',
          target: 'Disconnected',
          actions: ['observe', 'scheduleRetry', 'closeSocket'],
          description: 'No handshake from the relay within 10 s of the start: give up this attempt.',
        },
        'cmd.stop': { target: 'Stopped', actions: ['observe', 'disarm', 'closeSocket'], description: 'No longer wanted.' },
        uses: KEEP_USES,
      },
    },
    Confirmed: {
      description: 'Encrypted both ways: routes, data, out-of-band and onion packets flow; a ping every 30 s, 10 s for its pong.',
      on: {
        pong: { guard: 'isPongAwaited', actions: ['observe', 'clearPong'], description: 'The relay answered our ping.' },
        'stream.failed': {
          target: 'Connecting',
          actions: ['observe', 'notifyOffline', 'closeSocket', 'beginAttempt', 'openSocket'],
          description: 'A confirmed connection dropped: routes through it are gone; reconnect at once (reconnect_tcp_relay_connection).',
        },
        tick: [
          {
            guard: 'isPongOverdue',
            target: 'Connecting',
            actions: ['observe', 'notifyOffline', 'closeSocket', 'beginAttempt', 'openSocket'],
            description: 'No pong within 10 s (TCP_PING_TIMEOUT): the connection is dead; reconnect at once.',
          },
          {
            guard: 'isSleepDue',
            target: 'Sleeping',
            actions: ['observe', 'notifyOffline', 'disarm', 'closeSocket'],
            description:
              'Every friend connection on this relay is direct now, no onion traffic, confirmed for 10 s (TCP_CONNECTION_ANNOUNCE_TIMEOUT): close the socket and remember the relay.',
          },
          { guard: 'isPingDue', actions: ['observe', 'armPong', 'sendPing'], description: 'Ping the relay (every 30 s).' },
        ],
        'cmd.stop': { target: 'Stopped', actions: ['observe', 'notifyOffline', 'disarm', 'closeSocket'], description: 'No longer wanted (a surplus unused relay, or shutting down).' },
        uses: KEEP_USES,
      },
    },
    Sleeping: {
      description: 'No socket: everything that used the relay is direct now. A use that needs it again wakes it.',
      on: {
        uses: [
          {
            guard: 'isNeededAgain',
            target: 'Connecting',
            actions: ['observe', 'beginAttempt', 'openSocket'],
            description: 'A friend connection needs the relay again (or the onion does): connect anew (unsleep_tcp_relay_connection); its routes are reported again once online.',
          },
          KEEP_USES,
        ],
        'cmd.stop': { target: 'Stopped', actions: ['observe', 'disarm'], description: 'No longer wanted.' },
      },
    },
    Disconnected: {
      description: 'The last attempt failed before confirming; the next one starts after a pause (10 s, doubling up to 5 min).',
      on: {
        tick: { guard: 'isRetryDue', target: 'Connecting', ...ATTEMPT, description: 'The pause is over: try again.' },
        'cmd.stop': { target: 'Stopped', actions: ['observe', 'disarm'], description: 'No longer wanted.' },
        uses: KEEP_USES,
      },
    },
    Stopped: {
      type: 'final',
      description: 'The relay is not used any more.',
    },
  },
});

export type TcpRelaySnapshot = SnapshotFrom<typeof tcpRelay>;
export type TcpRelayState = 'Idle' | 'Connecting' | 'Unconfirmed' | 'Confirmed' | 'Sleeping' | 'Disconnected' | 'Stopped';

export function tcpRelayState(snapshot: TcpRelaySnapshot): TcpRelayState {
  return snapshot.value as TcpRelayState;
}

/** The next moment the relay connection needs a `tick`, and why. */
export function tcpRelayNextDeadline(snapshot: TcpRelaySnapshot): Deadline | null {
  const c = snapshot.context;
  switch (tcpRelayState(snapshot)) {
    case 'Connecting':
    case 'Unconfirmed':
      return deadline(c.connectDeadline, 'relay connection not confirmed within 10 s');
    case 'Confirmed':
      return earliest(
        deadline(c.pongDeadline, 'pong overdue (10 s)'),
        deadline(sleepAt(c), 'relay unused: sleep'),
        c.pongDeadline === null ? deadline(c.pingAt, 'ping the relay (every 30 s)') : null,
      );
    case 'Disconnected':
      return deadline(c.retryAt, `retry the relay (attempt ${c.failures + 1})`);
    default:
      return null;
  }
}
