/**
 * Reference model of one connection of ours to a TCP relay (`relay:<relay key>`), written as a
 * specification: a table of rules derived from c-toxcore 0.2.18's client — TCP_client.c
 * `new_TCP_connection` (kill_at), `do_TCP_connection` (CONNECTING → UNCONFIRMED → CONFIRMED,
 * kill_at), `do_confirmed_TCP` (pings), `handle_TCP_client_pong` — and its relay bookkeeping in
 * TCP_connection.c `do_tcp_conns` (reconnect a relay that was online, kill one that never was,
 * sleep an unused one), `reconnect_tcp_relay_connection`, `sleep_tcp_relay_connection`,
 * `unsleep_tcp_relay_connection`, `kill_nonused_tcp`; with toxstate's one documented difference:
 * a relay that never confirmed is retried after a pause that doubles (c-toxcore kills it). Its own
 * constants; independent of machines/tcp-relay.ts and machines/constants.ts: nothing is imported
 * from them.
 *
 * Reading of c-toxcore's state: TCP_Client_Connection's status gives Connecting / Unconfirmed /
 * Confirmed; TCP_con's TCP_CONN_SLEEPING gives Sleeping; `uses`/`sleepingUses`/`onion` are
 * TCP_con's lock_count, sleep_count and onion, as the layer reports them; `confirmedAt` is
 * connected_time. Simplification (docs/protocol.md §14.5): c-toxcore also restarts connected_time
 * when a routing request goes out for a friend added to a relay that is online already; the
 * machine's events carry no routing requests, so the 10 s count from confirmation only.
 */
import type { Expectation, ModelState, TimedEvent } from '../harness.js';
import { applyTable, at, earliestOf, type ModelDeadline, type Output, type Rule, type TableModel } from './rule-table.js';

// ---- constants, each with its source ---------------------------------------------------------
/** TCP_client.h TCP_CONNECTION_TIMEOUT = 10 s: new_TCP_connection sets kill_at = now + this. */
const CONNECTION_TIMEOUT_MS = 10 * 1_000;
/** TCP_common.h TCP_PING_FREQUENCY = 30 s. */
const PING_FREQUENCY_MS = 30 * 1_000;
/** TCP_common.h TCP_PING_TIMEOUT = 10 s. */
const PING_TIMEOUT_MS = 10 * 1_000;
/** TCP_connection.h TCP_CONNECTION_ANNOUNCE_TIMEOUT = TCP_CONNECTION_TIMEOUT. */
const ANNOUNCE_TIMEOUT_MS = CONNECTION_TIMEOUT_MS;
/** toxstate's decision (machines/constants.ts RELAY_RETRY_*): the first pause before retrying a relay that never confirmed. */
const RETRY_FIRST_MS = 10 * 1_000;
/** toxstate's decision: the pause doubles with every failure in a row, up to five minutes. */
const RETRY_CAP_MS = 5 * 60 * 1_000;

type State = 'Idle' | 'Connecting' | 'Unconfirmed' | 'Confirmed' | 'Sleeping' | 'Disconnected' | 'Stopped';
const LIVE: readonly State[] = ['Idle', 'Connecting', 'Unconfirmed', 'Confirmed', 'Sleeping', 'Disconnected'];
const OPENING: readonly State[] = ['Connecting', 'Unconfirmed'];

interface Ctx {
  relayPk: string;
  address: string;
  now: number;
  connectDeadline: number | null;
  confirmedAt: number | null;
  pingAt: number | null;
  pongDeadline: number | null;
  uses: number;
  sleepingUses: number;
  onion: boolean;
  retryAt: number | null;
  failures: number;
}

type Uses = { uses: number; sleepingUses: number; onion: boolean };
const usesOf = (e: TimedEvent): Uses => e as unknown as Uses;
const reasonOf = (e: TimedEvent): string => (typeof e['reason'] === 'string' ? e['reason'] : 'timeout');
const due = (t: number | null, now: number): boolean => t !== null && now >= t;

/** The retry pause after `failures` failed attempts in a row: 10 s, 20 s, 40 s … at most 5 min. */
export function retryPause(failures: number): number {
  let pause = RETRY_FIRST_MS;
  for (let i = 1; i < failures && pause < RETRY_CAP_MS; i++) pause *= 2;
  return Math.min(pause, RETRY_CAP_MS);
}

/** lock_count == sleep_count > 0 and no onion use (do_tcp_conns' sleep condition). */
const unused = (c: Ctx): boolean => !c.onion && c.uses > 0 && c.uses === c.sleepingUses;
const sleepTime = (c: Ctx): number | null => (c.confirmedAt !== null && unused(c) ? c.confirmedAt + ANNOUNCE_TIMEOUT_MS : null);

function noTimers(c: Ctx): void {
  c.connectDeadline = null;
  c.confirmedAt = null;
  c.pingAt = null;
  c.pongDeadline = null;
  c.retryAt = null;
}
/** No connection any more: nothing rides on it (reconnect_/sleep_/unsleep_tcp_relay_connection zero lock_count, sleep_count, onion). */
function noUses(c: Ctx): void {
  c.uses = 0;
  c.sleepingUses = 0;
  c.onion = false;
}
/** A new TCP connection to the relay: kill_at = now + TCP_CONNECTION_TIMEOUT, nothing on it yet. */
function attempt(c: Ctx, now: number): Output[] {
  noTimers(c);
  noUses(c);
  c.connectDeadline = now + CONNECTION_TIMEOUT_MS;
  return [{ type: 'tcp.open', address: c.address, relayPk: c.relayPk }];
}
/** A ping goes out: its pong is due in 10 s, the next ping in 30 s (last_pinged = now). */
function ping(c: Ctx, now: number): Output {
  c.pingAt = now + PING_FREQUENCY_MS;
  c.pongDeadline = now + PING_TIMEOUT_MS;
  return { type: 'tcp.ping' };
}
/** An attempt that never confirmed failed: toxstate waits and tries again. */
function failed(c: Ctx, e: TimedEvent): Output[] {
  noTimers(c);
  c.failures += 1;
  c.retryAt = e.now + retryPause(c.failures);
  return [{ type: 'tcp.close', reason: reasonOf(e) }];
}
/** A relay that was online drops: routes gone, a new connection at once. */
function reconnect(c: Ctx, e: TimedEvent): Output[] {
  return [{ type: 'notify.relayOffline', reason: reasonOf(e) }, { type: 'tcp.close', reason: reasonOf(e) }, ...attempt(c, e.now)];
}

const RETRY = 'toxstate (machines/constants.ts RELAY_RETRY_MIN_MS/MAX_MS): retried after 10 s doubling to 5 min; c-toxcore do_tcp_conns kills a relay that drops before TCP_CONN_CONNECTED';
const STOP = 'TCP_connection.c kill_tcp_relay_connection (kill_nonused_tcp beyond RECOMMENDED_FRIEND_TCP_CONNECTIONS, or kill_tcp_connections)';

const RULES: readonly Rule<State, Ctx>[] = [
  { in: ['Idle'], on: 'cmd.connect', to: 'Connecting', then: (c, e) => attempt(c, e.now), cite: 'TCP_connection.c add_tcp_relay_instance → TCP_client.c new_TCP_connection (kill_at)' },
  { in: ['Connecting'], on: 'stream.opened', to: 'Unconfirmed', cite: 'TCP_client.c do_TCP_connection: the handshake is sent → TCP_CLIENT_UNCONFIRMED' },
  {
    in: ['Unconfirmed'], on: 'handshake.accepted', to: 'Confirmed',
    then: (c, e) => {
      c.connectDeadline = null;
      c.confirmedAt = e.now;
      c.failures = 0;
      return [ping(c, e.now), { type: 'notify.relayOnline' }];
    },
    cite: 'TCP_client.c do_TCP_connection (handle_handshake → CONFIRMED, kill_at = UINT64_MAX) then do_confirmed_TCP in the same pass (last_pinged 0: ping at once); TCP_connection.c tcp_relay_on_online',
  },
  { in: OPENING, on: 'stream.failed', to: 'Disconnected', then: failed, cite: `TCP_client.c do_TCP_connection (a socket or handshake error → DISCONNECTED); ${RETRY}` },
  { in: OPENING, on: 'tick', when: (c, e) => due(c.connectDeadline, e.now), to: 'Disconnected', then: failed, cite: `TCP_client.c do_TCP_connection: kill_at <= now → DISCONNECTED; ${RETRY}` },
  { in: ['Confirmed'], on: 'pong', when: (c) => c.pongDeadline !== null, then: (c) => ((c.pongDeadline = null), []), cite: 'TCP_client.c handle_TCP_client_pong: the id of our ping → ping_id = 0' },
  { in: ['Confirmed'], on: 'stream.failed', to: 'Connecting', then: reconnect, cite: 'TCP_connection.c do_tcp_conns: DISCONNECTED while TCP_CONN_CONNECTED → reconnect_tcp_relay_connection' },
  {
    in: ['Confirmed'], on: 'tick', when: (c, e) => due(c.pongDeadline, e.now), to: 'Connecting', then: reconnect,
    cite: 'TCP_client.c do_confirmed_TCP: ping_id ≠ 0 and last_pinged + TCP_PING_TIMEOUT <= now → DISCONNECTED; do_tcp_conns → reconnect_tcp_relay_connection',
  },
  {
    in: ['Confirmed'], on: 'tick', when: (c, e) => due(sleepTime(c), e.now), to: 'Sleeping',
    then: (c) => {
      noTimers(c);
      noUses(c);
      return [{ type: 'notify.relayOffline', reason: 'timeout' }, { type: 'tcp.close', reason: 'timeout' }];
    },
    cite: 'TCP_connection.c do_tcp_conns: !onion, lock_count == sleep_count > 0, connected_time + TCP_CONNECTION_ANNOUNCE_TIMEOUT <= now → sleep_tcp_relay_connection (a ping due at the same instant dies with the socket)',
  },
  { in: ['Confirmed'], on: 'tick', when: (c, e) => c.pongDeadline === null && due(c.pingAt, e.now), then: (c, e) => [ping(c, e.now)], cite: 'TCP_client.c do_confirmed_TCP: last_pinged + TCP_PING_FREQUENCY <= now → a ping' },
  {
    in: ['Sleeping'], on: 'uses', when: (_c, e) => usesOf(e).onion || usesOf(e).uses > usesOf(e).sleepingUses, to: 'Connecting',
    then: (c, e) => attempt(c, e.now),
    cite: 'TCP_connection.c set_tcp_connection_to_status(1) / add_tcp_number_relay_connection / set_tcp_onion_status(1) set unsleep → unsleep_tcp_relay_connection (new_TCP_connection, counts zeroed)',
  },
  { in: LIVE, on: 'uses', then: (c, e) => ((c.uses = usesOf(e).uses), (c.sleepingUses = usesOf(e).sleepingUses), (c.onion = usesOf(e).onion), []), cite: 'TCP_connection.c tcp_status_callback / set_tcp_connection_to_status / set_tcp_onion_status (lock_count, sleep_count, onion)' },
  { in: ['Disconnected'], on: 'tick', when: (c, e) => due(c.retryAt, e.now), to: 'Connecting', then: (c, e) => attempt(c, e.now), cite: RETRY },
  { in: ['Idle', 'Sleeping', 'Disconnected'], on: 'cmd.stop', to: 'Stopped', then: (c) => (noTimers(c), noUses(c), []), cite: `${STOP}: no socket to close` },
  { in: OPENING, on: 'cmd.stop', to: 'Stopped', then: (c, e) => (noTimers(c), noUses(c), [{ type: 'tcp.close', reason: reasonOf(e) }]), cite: STOP },
  {
    in: ['Confirmed'], on: 'cmd.stop', to: 'Stopped',
    then: (c, e) => (noTimers(c), noUses(c), [{ type: 'notify.relayOffline', reason: reasonOf(e) }, { type: 'tcp.close', reason: reasonOf(e) }]),
    cite: `${STOP}: its routes are gone`,
  },
];

export const tcpRelayModel: TableModel<State, Ctx> = { rules: RULES, stateOf: (v) => v as State, valueOf: (s) => s };

export function tcpRelayInitial(input: unknown): Expectation {
  const { relayPk, address, now } = input as { relayPk: string; address: string; now: number };
  const context: Ctx = { relayPk, address, now, connectDeadline: null, confirmedAt: null, pingAt: null, pongDeadline: null, uses: 0, sleepingUses: 0, onion: false, retryAt: null, failures: 0 };
  return { value: 'Idle', context, outputs: [] };
}

export const tcpRelayOracle = (state: ModelState, event: TimedEvent): Expectation => applyTable(tcpRelayModel, state, event);

/** Opening: kill_at; confirmed: the pong, sleeping, the next ping (while none is out); disconnected: the retry. */
export function tcpRelayDeadline(state: ModelState): ModelDeadline | null {
  const c = state.context as Ctx;
  switch (state.value as State) {
    case 'Connecting':
    case 'Unconfirmed':
      return at(c.connectDeadline, 'relay connection not confirmed within 10 s');
    case 'Confirmed':
      return earliestOf(at(c.pongDeadline, 'pong overdue (10 s)'), at(sleepTime(c), 'relay unused: sleep'), c.pongDeadline === null ? at(c.pingAt, 'ping the relay (every 30 s)') : null);
    case 'Disconnected':
      return at(c.retryAt, `retry the relay (attempt ${c.failures + 1})`);
    default:
      return null;
  }
}
