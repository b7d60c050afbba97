/**
 * Reference model of the friend session, written from docs/protocol.md §4.4/§5 and the seed
 * as a plain reducer, independently of machines/friend-session.ts. The model-based test
 * checks that the statechart agrees with it at every step of every generated path.
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { FriendSessionContext } from '../../../machines/friend-session.js';
import type { Expectation, TimedEvent } from '../harness.js';

const RESEND = 1000;
const TRIES = 8;
const DHT_TIMEOUT = 122_000;
const PING = 8000;
const TIMEOUT = 32_000;

/** The context shape (a type only: the oracle's behaviour is its own). */
type Ctx = FriendSessionContext;
type Ev = EventObject & { now: number; dhtKey?: string; address?: string; source?: string };
type Out = EventObject & Record<string, unknown>;

export function friendSessionOracle(snapshot: AnyMachineSnapshot, raw: TimedEvent): Expectation {
  const state = snapshot.value as string;
  const before = snapshot.context as Ctx;
  const e = raw as Ev;
  const c: Ctx = { ...before };
  const out: Out[] = [];
  let next = state;
  let moved = false;

  const at = e.now;
  const stamp = (): void => {
    moved = true;
    c.now = at;
  };
  const cookieReq = (): void => void out.push({ type: 'send.cookieRequest', dhtKey: c.dhtKey ?? '', address: c.address ?? '', attempt: c.tries });
  const handshake = (): void => void out.push({ type: 'send.handshake', dhtKey: c.dhtKey ?? '', address: c.address ?? '', attempt: c.tries });
  const confirm = (): void => void out.push({ type: 'send.confirm', address: c.address ?? '' });
  const firstTry = (): void => {
    c.tries = 1;
    c.resendAt = at + RESEND;
  };
  const noPhase = (): void => {
    c.tries = 0;
    c.resendAt = null;
  };
  const takeKey = (source: string): void => {
    c.dhtKey = e.dhtKey!;
    c.dhtKeySource = source as Ctx["dhtKeySource"];
    c.dhtKeyFreshUntil = at + DHT_TIMEOUT;
  };
  const takeAddress = (source: string): void => {
    c.address = e.address!;
    c.addressSource = source as Ctx["addressSource"];
    c.addressFreshUntil = at + DHT_TIMEOUT;
  };
  const dropAddress = (): void => {
    c.address = null;
    c.addressSource = null;
    c.addressFreshUntil = null;
  };
  const offline = (): void => {
    c.aliveSendAt = null;
    c.aliveDeadline = null;
    c.onlineSince = null;
  };
  const restartReason = 'friend has a new DHT key (restart)';
  const preEstablished = ['AcquiringCookie', 'AwaitingHandshake', 'AwaitingSessionPacket'].includes(state);
  const due = c.resendAt !== null && at >= c.resendAt;

  switch (e.type) {
    case 'dhtKey.learned': {
      if (state === 'AwaitingDHTKey') {
        stamp();
        takeKey(e.source!);
        next = 'AcquiringIPAddress';
      } else if (e.dhtKey === before.dhtKey) {
        stamp();
        c.dhtKeyFreshUntil = at + DHT_TIMEOUT;
      } else if (state === 'AcquiringIPAddress') {
        stamp();
        takeKey(e.source!);
      } else if (preEstablished) {
        stamp();
        noPhase();
        out.push({ type: 'session.close', sendKill: false, reason: restartReason });
        dropAddress();
        takeKey(e.source!);
        next = 'AcquiringIPAddress';
      } else if (state === 'Established') {
        stamp();
        out.push({ type: 'session.close', sendKill: true, reason: restartReason });
        out.push({ type: 'notify.offline', reason: restartReason });
        offline();
        dropAddress();
        takeKey(e.source!);
        next = 'AcquiringIPAddress';
      }
      break;
    }
    case 'address.learned': {
      if (state === 'AcquiringIPAddress') {
        stamp();
        takeAddress(e.source!);
        firstTry();
        cookieReq();
        next = 'AcquiringCookie';
      } else if (preEstablished) {
        stamp();
        takeAddress(e.source!);
      }
      break;
    }
    case 'packet.cookieResponse': {
      if (state === 'AcquiringCookie') {
        stamp();
        c.addressFreshUntil = at + DHT_TIMEOUT;
        firstTry();
        handshake();
        next = 'AwaitingHandshake';
      }
      break;
    }
    case 'packet.handshake': {
      const sameKey = e.dhtKey === before.dhtKey;
      if (state === 'AwaitingDHTKey' || state === 'AcquiringIPAddress' || state === 'AcquiringCookie') {
        stamp();
        takeKey('handshake');
        takeAddress('sessionPacket');
        firstTry();
        handshake();
        confirm();
        next = 'AwaitingSessionPacket';
      } else if (state === 'AwaitingHandshake') {
        stamp();
        if (!sameKey) out.push({ type: 'session.close', sendKill: false, reason: restartReason });
        takeKey('handshake');
        takeAddress('sessionPacket');
        firstTry();
        if (!sameKey) handshake();
        confirm();
        next = 'AwaitingSessionPacket';
      } else if (state === 'AwaitingSessionPacket') {
        stamp();
        if (sameKey) {
          c.dhtKeyFreshUntil = at + DHT_TIMEOUT;
          c.addressFreshUntil = at + DHT_TIMEOUT;
        } else {
          out.push({ type: 'session.close', sendKill: false, reason: restartReason });
          takeKey('handshake');
          takeAddress('sessionPacket');
          firstTry();
          handshake();
          confirm();
        }
      } else if (state === 'Established' && !sameKey) {
        stamp();
        out.push({ type: 'session.close', sendKill: true, reason: restartReason });
        out.push({ type: 'notify.offline', reason: restartReason });
        offline();
        takeKey('handshake');
        takeAddress('sessionPacket');
        firstTry();
        handshake();
        confirm();
        next = 'AwaitingSessionPacket';
      }
      break;
    }
    case 'packet.session': {
      if (state === 'AwaitingSessionPacket') {
        stamp();
        c.addressFreshUntil = at + DHT_TIMEOUT;
        noPhase();
        c.aliveSendAt = at + PING;
        c.aliveDeadline = at + TIMEOUT;
        c.onlineSince = at;
        out.push({ type: 'notify.online' }, { type: 'send.alive' });
        next = 'Established';
      }
      break;
    }
    case 'packet.alive': {
      if (state === 'Established') {
        stamp();
        c.addressFreshUntil = at + DHT_TIMEOUT;
        c.aliveDeadline = at + TIMEOUT;
      }
      break;
    }
    case 'packet.kill': {
      if (state === 'AwaitingSessionPacket' || state === 'Established') {
        stamp();
        if (state === 'Established') {
          out.push({ type: 'notify.offline', reason: 'kill packet received' });
          offline();
        }
        out.push({ type: 'session.close', sendKill: false, reason: 'kill packet received' });
        firstTry();
        cookieReq();
        next = 'AcquiringCookie';
      }
      break;
    }
    case 'tick': {
      if (state === 'AcquiringIPAddress') {
        if (c.dhtKeyFreshUntil === null || at >= c.dhtKeyFreshUntil) {
          stamp();
          c.dhtKey = null;
          c.dhtKeySource = null;
          c.dhtKeyFreshUntil = null;
          dropAddress();
          next = 'AwaitingDHTKey';
        }
      } else if (preEstablished && due) {
        stamp();
        if (c.tries < TRIES) {
          c.tries += 1;
          c.resendAt = at + RESEND;
          if (state === 'AcquiringCookie') cookieReq();
          else handshake();
          if (state === 'AwaitingSessionPacket') confirm();
        } else if (state === 'AcquiringCookie') {
          noPhase();
          out.push({ type: 'session.close', sendKill: false, reason: 'timed out' });
          dropAddress();
          next = 'AcquiringIPAddress';
        } else {
          out.push({ type: 'session.close', sendKill: false, reason: 'timed out' });
          firstTry();
          cookieReq();
          next = 'AcquiringCookie';
        }
      } else if (state === 'Established') {
        if (c.aliveDeadline !== null && at >= c.aliveDeadline) {
          stamp();
          out.push({ type: 'session.close', sendKill: true, reason: 'timed out' });
          out.push({ type: 'notify.offline', reason: 'timed out' });
          offline();
          dropAddress();
          c.dhtKeyFreshUntil = at + DHT_TIMEOUT;
          next = 'AcquiringIPAddress';
        } else if (c.aliveSendAt !== null && at >= c.aliveSendAt) {
          stamp();
          c.aliveSendAt = at + PING;
          out.push({ type: 'send.alive' });
        }
      }
      break;
    }
  }
  void moved;
  return { value: next, context: c, outputs: out };
}
