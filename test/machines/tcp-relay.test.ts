/**
 * tcpRelay told as stories (one connection of ours to a TCP relay): a full life from the socket to
 * pings and a dead connection, sleeping while every friend is direct, waking, failed attempts and
 * their doubling pause, and `cmd.stop` from every state. Times follow c-toxcore 0.2.18
 * (TCP_client.h TCP_CONNECTION_TIMEOUT 10 s, TCP_common.h TCP_PING_FREQUENCY 30 s and
 * TCP_PING_TIMEOUT 10 s, TCP_connection.h TCP_CONNECTION_ANNOUNCE_TIMEOUT 10 s) and toxstate's
 * retry choice (10 s doubling to 5 min); they are written here as numbers, not read from
 * machines/constants.ts. The clock only moves when a test says so.
 */
import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { relayRetryPause, start, step, tcpRelay, tcpRelayNextDeadline, tcpRelayState, type TcpRelaySnapshot } from '../../machines/index.js';
import { coreMachineSelected } from '../model/selection.js';

const RELAY = 'c0'.repeat(32);
const ADDR = '127.0.0.1:33445';
const S = 1000;

class Relay {
  now = 0;
  snapshot: AnyMachineSnapshot = start(tcpRelay, { relayPk: RELAY, address: ADDR, now: 0 }).snapshot;
  /** Sends an event at the current time; returns the outputs (type, and reason where there is one). */
  send(event: Record<string, unknown> & { type: string }): string[] {
    const r = step(tcpRelay, this.snapshot, { now: this.now, ...event });
    this.snapshot = r.snapshot;
    return r.outputs.map((o) => ('reason' in o ? `${o.type}(${String(o['reason'])})` : o.type));
  }
  /** Whether an event at the current time takes a transition at all. */
  takes(event: Record<string, unknown> & { type: string }): boolean {
    return step(tcpRelay, this.snapshot, { now: this.now, ...event }).taken !== null;
  }
  tickAt(t: number): string[] {
    this.now = t;
    return this.send({ type: 'tick' });
  }
  get state(): string {
    return tcpRelayState(this.snapshot as TcpRelaySnapshot);
  }
  get deadline(): { at: number; reason: string } | null {
    return tcpRelayNextDeadline(this.snapshot as TcpRelaySnapshot);
  }
  get ctx(): Record<string, unknown> {
    return this.snapshot.context as Record<string, unknown>;
  }
  uses(uses: number, sleepingUses: number, onion = false): string[] {
    return this.send({ type: 'uses', uses, sleepingUses, onion });
  }
  /** Idle → Confirmed at the current time; the first ping is out. */
  confirmed(): this {
    this.send({ type: 'cmd.connect' });
    this.send({ type: 'stream.opened' });
    this.send({ type: 'handshake.accepted' });
    return this;
  }
}

describe.runIf(coreMachineSelected('tcpRelay'))('tcpRelay scenarios', () => {
  it('a full life: connect, confirm with a ping at once, pings every 30 s, a missing pong → reconnect at once', () => {
    const r = new Relay();
    expect(r.state).toBe('Idle');
    expect(r.deadline).toBeNull();
    const open = step(tcpRelay, r.snapshot, { type: 'cmd.connect', now: 0 });
    expect(open.outputs).toEqual([{ type: 'tcp.open', address: ADDR, relayPk: RELAY }]);
    r.snapshot = open.snapshot;
    expect(r.state).toBe('Connecting');
    expect(r.deadline).toEqual({ at: 10 * S, reason: 'relay connection not confirmed within 10 s' });

    r.now = 1 * S;
    expect(r.send({ type: 'stream.opened' })).toEqual([]);
    expect(r.state).toBe('Unconfirmed');
    expect(r.deadline?.at).toBe(10 * S); // counted from the start of the attempt, not from the socket

    r.now = 2 * S;
    expect(r.send({ type: 'handshake.accepted' })).toEqual(['tcp.ping', 'notify.relayOnline']);
    expect(r.state).toBe('Confirmed');
    expect(r.ctx['confirmedAt']).toBe(2 * S);
    expect(r.deadline).toEqual({ at: 12 * S, reason: 'pong overdue (10 s)' });

    r.now = 3 * S;
    expect(r.send({ type: 'pong' })).toEqual([]);
    expect(r.deadline).toEqual({ at: 32 * S, reason: 'ping the relay (every 30 s)' });
    expect(r.tickAt(32 * S - 1)).toEqual([]);
    expect(r.tickAt(32 * S)).toEqual(['tcp.ping']);
    expect(r.deadline).toEqual({ at: 42 * S, reason: 'pong overdue (10 s)' });
    r.now = 40 * S;
    r.send({ type: 'pong' });
    expect(r.tickAt(62 * S)).toEqual(['tcp.ping']);

    expect(r.tickAt(72 * S - 1)).toEqual([]);
    expect(r.state).toBe('Confirmed');
    expect(r.tickAt(72 * S)).toEqual(['notify.relayOffline(timeout)', 'tcp.close(timeout)', 'tcp.open']);
    expect(r.state).toBe('Connecting');
    expect(r.ctx).toMatchObject({ connectDeadline: 82 * S, confirmedAt: null, pingAt: null, pongDeadline: null, retryAt: null, failures: 0 });
  });

  it('a pong counts only while a ping is out', () => {
    const r = new Relay().confirmed();
    expect(r.takes({ type: 'pong' })).toBe(true);
    r.send({ type: 'pong' });
    expect(r.takes({ type: 'pong' })).toBe(false);
  });

  it('a confirmed connection that drops reconnects at once, and its uses are gone with it', () => {
    const r = new Relay().confirmed();
    r.uses(2, 1, true);
    r.now = 5 * S;
    expect(r.send({ type: 'stream.failed', reason: 'closed' })).toEqual(['notify.relayOffline(closed)', 'tcp.close(closed)', 'tcp.open']);
    expect(r.state).toBe('Connecting');
    expect(r.ctx).toMatchObject({ uses: 0, sleepingUses: 0, onion: false, connectDeadline: 15 * S });
  });

  it('sleeps 10 s after confirmation when every use is direct and there is no onion traffic', () => {
    const r = new Relay().confirmed();
    r.send({ type: 'pong' });
    r.uses(2, 1);
    expect(r.deadline?.reason).toBe('ping the relay (every 30 s)');
    r.uses(2, 2);
    expect(r.deadline).toEqual({ at: 10 * S, reason: 'relay unused: sleep' });
    expect(r.tickAt(10 * S - 1)).toEqual([]);
    expect(r.tickAt(10 * S)).toEqual(['notify.relayOffline(timeout)', 'tcp.close(timeout)']);
    expect(r.state).toBe('Sleeping');
    expect(r.deadline).toBeNull();
    expect(r.ctx).toMatchObject({ uses: 0, sleepingUses: 0, onion: false, confirmedAt: null, pingAt: null, pongDeadline: null });
  });

  it('does not sleep while the onion uses it, while a use is not direct, or while nothing uses it', () => {
    for (const [uses, sleeping, onion] of [
      [2, 2, true],
      [2, 1, false],
      [0, 0, false],
    ] as const) {
      const r = new Relay().confirmed();
      r.send({ type: 'pong' });
      r.uses(uses, sleeping, onion);
      expect(r.tickAt(10 * S)).toEqual([]);
      expect(r.tickAt(29 * S)).toEqual([]);
      expect(r.state, `${uses}/${sleeping}/${onion}`).toBe('Confirmed');
    }
  });

  it('a missing pong wins over sleep when both are due (the dead connection is reconnected)', () => {
    const r = new Relay().confirmed();
    r.uses(1, 1);
    expect(r.deadline).toEqual({ at: 10 * S, reason: 'pong overdue (10 s)' });
    expect(r.tickAt(10 * S)).toEqual(['notify.relayOffline(timeout)', 'tcp.close(timeout)', 'tcp.open']);
    expect(r.state).toBe('Connecting');
  });

  it('wakes when a use needs it again or the onion does; a direct-only report keeps it asleep', () => {
    const asleep = (): Relay => {
      const r = new Relay().confirmed();
      r.send({ type: 'pong' });
      r.uses(1, 1);
      r.tickAt(10 * S);
      expect(r.state).toBe('Sleeping');
      r.now = 100 * S;
      return r;
    };
    const r = asleep();
    expect(r.uses(1, 1)).toEqual([]);
    expect(r.uses(0, 0)).toEqual([]);
    expect(r.state).toBe('Sleeping');
    expect(r.uses(2, 1)).toEqual(['tcp.open']);
    expect(r.state).toBe('Connecting');
    expect(r.ctx).toMatchObject({ connectDeadline: 110 * S, uses: 0, sleepingUses: 0, onion: false });

    const o = asleep();
    expect(o.uses(0, 0, true)).toEqual(['tcp.open']);
    expect(o.state).toBe('Connecting');
  });

  it('a relay that never confirms is retried after 10 s, doubling to 5 min; confirming resets the pause', () => {
    const r = new Relay();
    r.send({ type: 'cmd.connect' });
    const pauses: number[] = [];
    for (let i = 0; i < 8; i++) {
      // Alternate the two ways an attempt fails: an error, and the 10 s running out.
      const out = i % 2 === 0 ? r.send({ type: 'stream.failed', reason: 'refused' }) : r.tickAt(r.ctx['connectDeadline'] as number);
      expect(out).toEqual([i % 2 === 0 ? 'tcp.close(refused)' : 'tcp.close(timeout)']);
      expect(r.state).toBe('Disconnected');
      const retryAt = r.ctx['retryAt'] as number;
      pauses.push(retryAt - r.now);
      expect(r.deadline).toEqual({ at: retryAt, reason: `retry the relay (attempt ${i + 2})` });
      expect(r.tickAt(retryAt - 1)).toEqual([]);
      expect(r.tickAt(retryAt)).toEqual(['tcp.open']);
      expect(r.state).toBe('Connecting');
    }
    expect(pauses).toEqual([10, 20, 40, 80, 160, 300, 300, 300].map((s) => s * S));

    r.send({ type: 'stream.opened' });
    r.send({ type: 'handshake.accepted' });
    expect(r.ctx['failures']).toBe(0);
    r.send({ type: 'stream.failed', reason: 'closed' }); // reconnects at once
    r.send({ type: 'stream.failed', reason: 'refused' });
    expect(r.ctx['retryAt']).toBe(r.now + 10 * S);
  });

  it('relayRetryPause: 10 s before the second attempt, doubling, at most 5 min', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map(relayRetryPause)).toEqual([10, 10, 20, 40, 80, 160, 300, 300, 300].map((s) => s * S));
  });

  it('stops from every state: the socket closed where there is one, offline where it was online, then done', () => {
    const reach: Record<string, (r: Relay) => void> = {
      Idle: () => {},
      Connecting: (r) => r.send({ type: 'cmd.connect' }),
      Unconfirmed: (r) => (r.send({ type: 'cmd.connect' }), r.send({ type: 'stream.opened' })),
      Confirmed: (r) => r.confirmed(),
      Sleeping: (r) => (r.confirmed(), r.send({ type: 'pong' }), r.uses(1, 1), r.tickAt(10 * S)),
      Disconnected: (r) => (r.send({ type: 'cmd.connect' }), r.send({ type: 'stream.failed', reason: 'refused' })),
    };
    const expected: Record<string, string[]> = {
      Idle: [],
      Connecting: ['tcp.close(surplus)'],
      Unconfirmed: ['tcp.close(surplus)'],
      Confirmed: ['notify.relayOffline(surplus)', 'tcp.close(surplus)'],
      Sleeping: [],
      Disconnected: [],
    };
    for (const [state, go] of Object.entries(reach)) {
      const r = new Relay();
      go(r);
      expect(r.state).toBe(state);
      r.uses(1, 1); // remembered in every live state (Sleeping too: all direct keeps it asleep)
      r.now += 1;
      expect(r.send({ type: 'cmd.stop', reason: 'surplus' }), state).toEqual(expected[state]);
      expect(r.state).toBe('Stopped');
      expect(r.snapshot.status).toBe('done');
      expect(r.deadline).toBeNull();
      expect(r.ctx, state).toMatchObject({ connectDeadline: null, confirmedAt: null, pingAt: null, pongDeadline: null, retryAt: null, uses: 0, sleepingUses: 0, onion: false });
      for (const e of [{ type: 'uses', uses: 1, sleepingUses: 0, onion: true }, { type: 'cmd.connect' }, { type: 'tick', now: r.now + 3_600 * S }]) expect(r.takes(e), `${state}: ${e.type} after stop`).toBe(false);
    }
  });
});
