/**
 * The scenarios of the model (docs/architecture.md §1), told as stories: a friend session and its connect
 * task are stepped together the way the runtime does (facts go to the task after every
 * session transition), with a virtual clock that only moves when we say.
 */
import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import {
  connect,
  friendFacts,
  friendSession,
  friendSessionNextDeadline,
  start,
  step,
  type FriendSessionSnapshot,
} from '../../machines/index.js';

const FRIEND = 'f0'.repeat(32);
const KEY = 'aa'.repeat(32);
const KEY2 = 'bb'.repeat(32);
const ADDR = '127.0.0.1:33445';

class Pair {
  now = 0;
  session: AnyMachineSnapshot;
  task: AnyMachineSnapshot;
  outputs: EventObject[] = [];
  constructor() {
    this.session = start(friendSession, { friendPk: FRIEND, now: 0 }).snapshot;
    this.task = start(connect, { friendPk: FRIEND, now: 0 }).snapshot;
  }
  get state(): string {
    return this.session.value as string;
  }
  get mode(): string {
    return this.task.value as string;
  }
  send(event: Record<string, unknown> & { type: string }): void {
    const r = step(friendSession, this.session, { ...event, now: this.now });
    this.session = r.snapshot;
    this.outputs.push(...r.outputs);
    this.facts();
  }
  private facts(): void {
    const f = friendFacts(this.session as FriendSessionSnapshot);
    const r = step(connect, this.task, { type: 'facts', now: this.now, ...f, policy: 'TryingToConnect' });
    this.task = r.snapshot;
    this.outputs.push(...r.outputs);
  }
  /** Moves the clock to `t`, ticking both machines at every deadline on the way. */
  advanceTo(t: number): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const d = friendSessionNextDeadline(this.session as FriendSessionSnapshot);
      if (d === null || d.at > t) break;
      this.now = d.at;
      this.send({ type: 'tick' });
    }
    this.now = t;
    const r = step(connect, this.task, { type: 'tick', now: t });
    this.task = r.snapshot;
    this.outputs.push(...r.outputs);
  }
  take(): string[] {
    const types = this.outputs.map((o) => o.type);
    this.outputs = [];
    return types;
  }
}

describe('seed scenarios', () => {
  it('fresh DHT key but stale address: the connect task searches the DHT for that key', () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    expect(p.state).toBe('AcquiringIPAddress');
    expect(p.mode).toBe('SearchingAddress');
    expect(p.outputs).toContainEqual({ type: 'dht.search', dhtKey: KEY });
    p.take();
    p.advanceTo(1000);
    expect(p.outputs).toContainEqual({ type: 'dht.searchRound', dhtKey: KEY, round: 2 });
  });

  it('cookie timeout: eight unanswered cookie requests clear the address and the DHT search resumes', () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    p.send({ type: 'address.learned', address: ADDR, source: 'dhtKeyPacket' });
    expect(p.state).toBe('AcquiringCookie');
    expect(p.mode).toBe('Handshaking');
    p.take();
    p.advanceTo(7999);
    expect(p.state).toBe('AcquiringCookie');
    expect(p.take().filter((t) => t === 'send.cookieRequest')).toHaveLength(7);
    p.advanceTo(8000);
    expect(p.state).toBe('AcquiringIPAddress');
    const ctx = (p.session as FriendSessionSnapshot).context;
    expect(ctx.address).toBeNull();
    expect(p.mode).toBe('SearchingAddress');
    expect(p.outputs).toContainEqual({ type: 'dht.search', dhtKey: KEY });
  });

  it('inbound handshake while acquiring a cookie: straight to AwaitingSessionPacket, answering with our handshake', () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'dhtRoute' });
    p.send({ type: 'address.learned', address: ADDR, source: 'dhtKeyPacket' });
    p.take();
    p.now = 300;
    p.send({ type: 'packet.handshake', dhtKey: KEY, address: ADDR });
    expect(p.state).toBe('AwaitingSessionPacket');
    expect(p.take()).toEqual(['send.handshake', 'send.confirm']);
    p.now = 350;
    p.send({ type: 'packet.session', via: 'udp' });
    expect(p.state).toBe('Established');
    expect(p.mode).toBe('Idle');
    expect(p.take()).toEqual(['notify.online', 'send.alive', 'dht.searchStop']);
  });

  it('friend silent for 32 s: the session ends and the search starts again', () => {
    const p = new Pair();
    p.send({ type: 'packet.handshake', dhtKey: KEY, address: ADDR });
    p.send({ type: 'packet.session', via: 'udp' });
    expect(p.state).toBe('Established');
    p.take();
    p.advanceTo(31_999);
    expect(p.state).toBe('Established');
    expect(p.take().filter((t) => t === 'send.alive')).toHaveLength(3); // at 8, 16, 24 s
    p.advanceTo(32_000);
    expect(p.state).toBe('AcquiringIPAddress');
    expect(p.take()).toEqual(['session.close', 'notify.offline', 'dht.search']);
    expect(p.mode).toBe('SearchingAddress');
  });

  it('an ALIVE keeps a session up past 32 s', () => {
    const p = new Pair();
    p.send({ type: 'packet.handshake', dhtKey: KEY, address: ADDR });
    p.send({ type: 'packet.session', via: 'udp' });
    p.advanceTo(20_000);
    p.send({ type: 'packet.alive', via: 'udp' });
    p.advanceTo(51_999);
    expect(p.state).toBe('Established');
    p.advanceTo(52_000);
    expect(p.state).toBe('AcquiringIPAddress');
  });

  it('a friend restart (new DHT key) ends the session and reconnects toward the new key', () => {
    const p = new Pair();
    p.send({ type: 'packet.handshake', dhtKey: KEY, address: ADDR });
    p.send({ type: 'packet.session', via: 'udp' });
    p.take();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY2, source: 'onion' });
    expect(p.state).toBe('AcquiringIPAddress');
    expect(p.take()).toEqual(['session.close', 'notify.offline', 'dht.search']);
    expect((p.session as FriendSessionSnapshot).context.dhtKey).toMatchObject({ value: KEY2, source: 'onion' });
  });

  it('a friend that quits (kill packet) and restarts: its next DHT-PK naming a new key is taken at once, not after 122 s', () => {
    // Found by the conformance campaign (docs/conformance-campaign.md): a c-toxcore peer whose
    // friend restarted took the new key from the friend's DHT-PK 40 s after the kill
    // (friend_connection.c dht_pk_callback takes any new key); the model refused it until the
    // handshake-proven key went stale.
    const p = new Pair();
    p.send({ type: 'packet.handshake', dhtKey: KEY, address: ADDR });
    p.send({ type: 'packet.session', via: 'udp' });
    p.now = 5_000;
    p.send({ type: 'packet.kill' });
    expect(p.state).toBe('AcquiringCookie');
    expect((p.session as FriendSessionSnapshot).context.dhtKey).toMatchObject({ value: KEY, source: 'pastHandshake', confirmedAt: 5_000 });
    p.take();
    p.advanceTo(45_000);
    p.send({ type: 'dhtKey.learned', dhtKey: KEY2, source: 'onion' });
    expect(p.state).toBe('AcquiringIPAddress');
    expect((p.session as FriendSessionSnapshot).context.dhtKey).toMatchObject({ value: KEY2, source: 'onion', learnedAt: 45_000 });
    expect(p.take()).toContain('session.close');
  });

  it('while a session lives, its handshake-proven key still outranks a DHT-PK naming another key', () => {
    const p = new Pair();
    p.send({ type: 'packet.handshake', dhtKey: KEY, address: ADDR });
    expect(p.state).toBe('AwaitingSessionPacket');
    p.send({ type: 'dhtKey.learned', dhtKey: KEY2, source: 'onion' });
    expect(p.state).toBe('AwaitingSessionPacket');
    expect((p.session as FriendSessionSnapshot).context.dhtKey).toMatchObject({ value: KEY, source: 'handshake' });
  });

  it('a search result is a claim: held and checked, no cookie request until the DHT key answers from it', () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    p.take();
    p.send({ type: 'address.learned', address: ADDR, source: 'dhtSearch' });
    expect(p.state).toBe('AcquiringIPAddress');
    expect(p.outputs).toEqual([{ type: 'send.addressCheck', dhtKey: KEY, address: ADDR }]);
    expect(p.mode).toBe('SearchingAddress');
    p.take();
    p.now = 40;
    p.send({ type: 'address.learned', address: ADDR, source: 'dhtKeyPacket' });
    expect(p.state).toBe('AcquiringCookie');
    expect(p.outputs[0]).toEqual({ type: 'send.cookieRequest', dhtKey: KEY, address: ADDR, attempt: 1 });
    const a = (p.session as FriendSessionSnapshot).context.address!;
    // The same address, now confirmed by the key itself: the stronger source, first learned at 0.
    expect(a).toEqual({ value: ADDR, source: 'dhtKeyPacket', learnedAt: 0, confirmedAt: 40, freshUntil: 40 + 122_000 });
  });

  it('a claim never displaces an address the DHT key answered from: cookie requests keep going there', () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    p.send({ type: 'address.learned', address: ADDR, source: 'dhtKeyPacket' });
    p.take();
    p.now = 100;
    p.send({ type: 'address.learned', address: '127.0.0.9:9', source: 'dhtSearch' });
    expect(p.take()).toEqual([]);
    p.advanceTo(1000);
    expect(p.outputs).toContainEqual({ type: 'send.cookieRequest', dhtKey: KEY, address: ADDR, attempt: 2 });
  });

  it('a friend that answers cookies but never handshakes: its DHT key is forgotten after 122 s without a DHT-PK, and the search for it resumes', () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    p.send({ type: 'address.learned', address: ADDR, source: 'dhtKeyPacket' });
    // Every cookie request is answered at once; no handshake ever comes back.
    for (let guard = 0; guard < 1000 && p.state !== 'AwaitingDHTKey'; guard++) {
      if (p.state === 'AcquiringCookie') p.send({ type: 'packet.cookieResponse', via: 'udp' });
      const d = friendSessionNextDeadline(p.session as FriendSessionSnapshot)!;
      p.now = d.at;
      p.send({ type: 'tick' });
    }
    expect(p.state).toBe('AwaitingDHTKey');
    expect(p.now).toBe(122_000);
    expect((p.session as FriendSessionSnapshot).context).toMatchObject({ dhtKey: null, address: null, resendAt: null });
    const last = p.outputs.filter((o) => o.type === 'send.cookieRequest' || o.type === 'send.handshake').length;
    p.take();
    p.advanceTo(200_000);
    expect(p.take().filter((t) => t === 'send.cookieRequest' || t === 'send.handshake')).toEqual([]);
    expect(last).toBeGreaterThan(100);
    expect(p.mode).toBe('Idle');
  });

  it('a DHT message from another key never ends a session, and never displaces a signed key', () => {
    const p = new Pair();
    p.send({ type: 'packet.handshake', dhtKey: KEY, address: ADDR });
    p.send({ type: 'packet.session', via: 'udp' });
    p.take();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY2, source: 'dhtMessage' });
    expect(p.state).toBe('Established');
    expect(p.take()).toEqual([]);
    const q = new Pair();
    q.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    q.send({ type: 'dhtKey.learned', dhtKey: KEY2, source: 'dhtMessage' });
    expect((q.session as FriendSessionSnapshot).context.dhtKey).toMatchObject({ value: KEY, source: 'onion' });
    const r = new Pair();
    r.send({ type: 'dhtKey.learned', dhtKey: KEY2, source: 'dhtMessage' });
    expect(r.state).toBe('AcquiringIPAddress');
    expect((r.session as FriendSessionSnapshot).context.dhtKey).toMatchObject({ value: KEY2, source: 'dhtMessage' });
  });
});
