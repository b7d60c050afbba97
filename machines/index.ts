/**
 * The verified state core: pure XState v5 statecharts for a Tox friend session and the
 * recurring announce tasks of the model (docs/architecture.md §1). No I/O, no clock reads, no randomness:
 * every event carries `now`, every timer is a deadline in context, and every machine has a pure
 * `nextDeadline(snapshot)`. Advance them with `step()` (machines/step.ts).
 *
 *   friendSession  one friend's connection (ToxProgress → Established)
 *   toxidAnnounce  `toxid:<ours>`            keep ourselves announced on the onion
 *   dhtkeyShare    `dhtkey:<ours>:<friend>`  find the friend on the onion, send our DHT key
 *   connect        `connect:<ours>:<friend>` stale address → DHT search; fresh → handshakes
 *   friendRequest  `request:<ours>:<friend>` an outgoing friend request until accepted
 *   tcpRelay       `relay:<relay key>`       one connection to a TCP relay (handshake, pings, sleep)
 */
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { connect, connectNextDeadline, connectOutputsByAction, type ConnectSnapshot } from './connect.js';
import { dhtkeyShare, dhtkeyShareNextDeadline, dhtkeyShareOutputsByAction, type DhtkeyShareSnapshot } from './dhtkey-share.js';
import { friendSession, friendSessionOutputsByAction, type FriendSessionSnapshot } from './friend-session.js';
import { toxidAnnounce, toxidAnnounceNextDeadline, toxidAnnounceOutputsByAction, type ToxidAnnounceSnapshot } from './toxid-announce.js';
import { friendRequest, friendRequestNextDeadline, friendRequestOutputsByAction, type FriendRequestSnapshot } from './friend-request.js';
import { friendSessionNextDeadline } from './friend-session-facts.js';
import { tcpRelay, tcpRelayNextDeadline, tcpRelayOutputsByAction, type TcpRelaySnapshot } from './tcp-relay.js';
import type { Deadline } from './types.js';

/** The machines, by name. */
export const machines = {
  friendSession,
  toxidAnnounce,
  dhtkeyShare,
  connect,
  friendRequest,
  tcpRelay,
} as const;

export type MachineName = keyof typeof machines;

/** What generic code (runtime, tests, inspector, docs) needs to know about each machine. */
export interface MachineSpec {
  readonly name: MachineName;
  readonly machine: AnyStateMachine;
  /** The task key prefix of the seed (`toxid:`, `dhtkey:`, `connect:`), or null for the session. */
  readonly taskPrefix: 'toxid' | 'dhtkey' | 'connect' | 'request' | 'relay' | null;
  readonly nextDeadline: (snapshot: AnyMachineSnapshot) => Deadline | null;
  /** Named action → the output type it emits. */
  readonly outputsByAction: Readonly<Record<string, string>>;
}

export const machineSpecs: Readonly<Record<MachineName, MachineSpec>> = {
  friendSession: {
    name: 'friendSession',
    machine: friendSession,
    taskPrefix: null,
    nextDeadline: (s) => friendSessionNextDeadline(s as FriendSessionSnapshot),
    outputsByAction: friendSessionOutputsByAction,
  },
  toxidAnnounce: {
    name: 'toxidAnnounce',
    machine: toxidAnnounce,
    taskPrefix: 'toxid',
    nextDeadline: (s) => toxidAnnounceNextDeadline(s as ToxidAnnounceSnapshot),
    outputsByAction: toxidAnnounceOutputsByAction,
  },
  dhtkeyShare: {
    name: 'dhtkeyShare',
    machine: dhtkeyShare,
    taskPrefix: 'dhtkey',
    nextDeadline: (s) => dhtkeyShareNextDeadline(s as DhtkeyShareSnapshot),
    outputsByAction: dhtkeyShareOutputsByAction,
  },
  connect: {
    name: 'connect',
    machine: connect,
    taskPrefix: 'connect',
    nextDeadline: (s) => connectNextDeadline(s as ConnectSnapshot),
    outputsByAction: connectOutputsByAction,
  },
  friendRequest: {
    name: 'friendRequest',
    machine: friendRequest,
    taskPrefix: 'request',
    nextDeadline: (s) => friendRequestNextDeadline(s as FriendRequestSnapshot),
    outputsByAction: friendRequestOutputsByAction,
  },
  tcpRelay: {
    name: 'tcpRelay',
    machine: tcpRelay,
    taskPrefix: 'relay',
    nextDeadline: (s) => tcpRelayNextDeadline(s as TcpRelaySnapshot),
    outputsByAction: tcpRelayOutputsByAction,
  },
};

export * from './types.js';
export * from './constants.js';
export * from './step.js';
export * from './friend-session.js';
export * from './friend-session-facts.js';
export * from './toxid-announce.js';
export * from './dhtkey-share.js';
export * from './connect.js';
export * from './friend-request.js';
export * from './tcp-relay.js';
