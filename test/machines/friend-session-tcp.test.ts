/**
 * Friend sessions over TCP relays, told as stories: a friendSession and its connect task stepped
 * together as the runtime steps them (facts to the task after every session step), on a clock
 * that moves only when told.
 *
 * The rules come from c-toxcore 0.2.18: net_crypto.c send_packet_to (cookie requests and
 * handshakes go over UDP to a checked address and through every relay with a route to the peer;
 * direct_connected while a direct packet came within UDP_DIRECT_TIMEOUT), crypto_connection_status,
 * friend_connection.c do_friend_connections (a failed connection is re-created at once),
 * TCP_connection.c send_packet_tcp_connection, DHT.c dht_addfriend (the DHT search for a friend's
 * key goes on whatever the connection's status).
 */
import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { connect, friendFacts, friendSession, friendSessionNextDeadline, start, step, type FriendSessionSnapshot } from '../../machines/index.js';

const FRIEND = 'f0'.repeat(32);
const KEY = 'aa'.repeat(32);
const KEY2 = 'bb'.repeat(32);
const ADDR = '127.0.0.1:33445';
const CLAIM = '127.0.0.9:9';

type Out = { type: string; [k: string]: unknown };

class Pair {
  now = 0;
  session: AnyMachineSnapshot = start(friendSession, { friendPk: FRIEND, now: 0 }).snapshot;
  task: AnyMachineSnapshot = start(connect, { friendPk: FRIEND, now: 0 }).snapshot;
  outputs: Out[] = [];
  get state(): string {
    return this.session.value as string;
  }
  get mode(): string {
    return this.task.value as string;
  }
  get ctx(): FriendSessionSnapshot['context'] {
    return (this.session as FriendSessionSnapshot).context;
  }
  send(event: Record<string, unknown> & { type: string }): void {
    const r = step(friendSession, this.session, { ...event, now: this.now });
    this.session = r.snapshot;
    this.outputs.push(...(r.outputs as Out[]));
    const f = friendFacts(this.session as FriendSessionSnapshot);
    const t = step(connect, this.task, { type: 'facts', now: this.now, ...f, policy: 'TryingToConnect' });
    this.task = t.snapshot;
    this.outputs.push(...(t.outputs as Out[]));
  }
  /** Ticks the session at every deadline up to `t`. */
  advanceTo(t: number): void {
    for (let guard = 0; guard < 1000; guard++) {
      const d = friendSessionNextDeadline(this.session as FriendSessionSnapshot);
      if (d === null || d.at > t) break;
      this.now = d.at;
      this.send({ type: 'tick' });
    }
    this.now = t;
  }
  take(): Out[] {
    const o = this.outputs;
    this.outputs = [];
    return o;
  }
  types(): string[] {
    return this.take().map((o) => o.type);
  }
}

/** A session established through a relay only: no address known at any point. */
function onRelay(): Pair {
  const p = new Pair();
  p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
  p.send({ type: 'relay.route', routed: true });
  p.send({ type: 'packet.cookieResponse', via: 'tcp' });
  p.send({ type: 'packet.handshake', dhtKey: KEY, address: null });
  p.send({ type: 'packet.session', via: 'tcp' });
  return p;
}

describe('friend sessions over TCP relays', () => {
  it('a relay route while searching for the address: a cookie request through it, without an address', () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    p.send({ type: 'relay.route', routed: false });
    expect(p.state).toBe('AcquiringIPAddress');
    expect(p.ctx.relayed).toBe(false);
    p.take();
    p.now = 10;
    p.send({ type: 'relay.route', routed: true });
    expect(p.state).toBe('AcquiringCookie');
    expect(p.ctx).toMatchObject({ relayed: true, address: null, tries: 1, resendAt: 1010, now: 10 });
    const out = p.take();
    expect(out[0]).toEqual({ type: 'send.cookieRequest', dhtKey: KEY, address: null, attempt: 1 });
    // No checked address: the connect task keeps searching the DHT for the friend's node.
    expect(p.mode).toBe('SearchingAddress');
    p.advanceTo(1010);
    expect(p.take()).toContainEqual({ type: 'send.cookieRequest', dhtKey: KEY, address: null, attempt: 2 });
  });

  it('a relay route drops a claim held: cookie requests never go to an unchecked address', () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    p.send({ type: 'address.learned', address: CLAIM, source: 'dhtSearch' });
    expect(p.ctx.address).toMatchObject({ value: CLAIM, source: 'dhtSearch' });
    p.take();
    p.send({ type: 'relay.route', routed: true });
    expect(p.state).toBe('AcquiringCookie');
    expect(p.ctx.address).toBeNull();
    expect(p.take()[0]).toEqual({ type: 'send.cookieRequest', dhtKey: KEY, address: null, attempt: 1 });
  });

  it('all the way through a relay: cookie, handshakes and the first data packet without an address; online on tcp', () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    p.send({ type: 'relay.route', routed: true });
    p.take();
    p.now = 100;
    p.send({ type: 'packet.cookieResponse', via: 'tcp' });
    expect(p.state).toBe('AwaitingHandshake');
    expect(p.ctx.address).toBeNull();
    expect(p.take()).toEqual([{ type: 'send.handshake', dhtKey: KEY, address: null, attempt: 1 }]);
    p.send({ type: 'packet.handshake', dhtKey: KEY, address: null });
    expect(p.state).toBe('AwaitingSessionPacket');
    expect(p.ctx.address).toBeNull();
    expect(p.take()).toEqual([{ type: 'send.confirm', address: null }]);
    p.now = 200;
    p.send({ type: 'packet.session', via: 'tcp' });
    expect(p.state).toBe('Established');
    expect(p.ctx).toMatchObject({ path: 'tcp', address: null, onlineSince: 200, aliveDeadline: 32_200, tries: 0, resendAt: null });
    expect(p.take().slice(0, 2)).toEqual([{ type: 'notify.online', path: 'tcp' }, { type: 'send.alive' }]);
    expect(friendFacts(p.session as FriendSessionSnapshot)).toMatchObject({ established: true, direct: false });
  });

  it("the facts the friend's tasks read: established only once Established, direct only there and on udp", () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    p.send({ type: 'address.learned', address: ADDR, source: 'dhtKeyPacket' });
    p.send({ type: 'packet.handshake', dhtKey: KEY, address: ADDR });
    expect(p.state).toBe('AwaitingSessionPacket');
    // Not online yet: dhtkeyShare and friendRequest (which read `established`) keep working.
    expect(friendFacts(p.session as FriendSessionSnapshot)).toEqual({ dhtKey: KEY, dhtKeyFreshUntil: 122_000, addressFreshUntil: 122_000, established: false, direct: false });
    p.send({ type: 'packet.session', via: 'udp' });
    expect(friendFacts(p.session as FriendSessionSnapshot)).toMatchObject({ established: true, direct: true });
  });

  it('eight cookie requests unanswered while a relay reaches the friend: a new attempt through the relay at once', () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    p.send({ type: 'address.learned', address: ADDR, source: 'dhtKeyPacket' });
    p.send({ type: 'relay.route', routed: true });
    expect(p.state).toBe('AcquiringCookie');
    expect(p.ctx.relayed).toBe(true);
    p.advanceTo(7999);
    p.take();
    p.advanceTo(8000);
    expect(p.state).toBe('AcquiringCookie');
    // The address is stale (cleared); the attempt starts again, through the relay.
    expect(p.ctx).toMatchObject({ address: null, tries: 1, resendAt: 9000, relayed: true });
    expect(p.take().filter((o) => o.type !== 'dht.search')).toEqual([
      { type: 'session.close', sendKill: false, reason: 'timed out' },
      { type: 'send.cookieRequest', dhtKey: KEY, address: null, attempt: 1 },
    ]);
    expect(p.mode).toBe('SearchingAddress');
  });

  it('the same without a relay (or once its route went away): back to searching for the address', () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    p.send({ type: 'address.learned', address: ADDR, source: 'dhtKeyPacket' });
    p.send({ type: 'relay.route', routed: true });
    p.send({ type: 'relay.route', routed: false });
    expect(p.ctx.relayed).toBe(false);
    p.advanceTo(8000);
    expect(p.state).toBe('AcquiringIPAddress');
    expect(p.ctx).toMatchObject({ address: null, tries: 0, resendAt: null });
  });

  it('online on tcp, then udp, then tcp again: the session never drops, notify.path each time, the DHT search only while on the relay', () => {
    const p = onRelay();
    p.take();
    expect(p.mode).toBe('SearchingAddress');
    p.now = 1_000;
    p.send({ type: 'address.learned', address: ADDR, source: 'dhtKeyPacket' });
    expect(p.state).toBe('Established');
    expect(p.ctx.address).toMatchObject({ value: ADDR, source: 'dhtKeyPacket' });
    expect(p.mode).toBe('Handshaking');
    p.take();
    p.now = 2_000;
    p.send({ type: 'path.changed', path: 'udp' });
    expect(p.state).toBe('Established');
    expect(p.ctx).toMatchObject({ path: 'udp', onlineSince: 0 });
    expect(p.take()).toEqual([{ type: 'notify.path', path: 'udp' }, { type: 'dht.searchStop' }]);
    expect(p.mode).toBe('Idle');
    // The same path again: nothing.
    p.send({ type: 'path.changed', path: 'udp' });
    expect(p.take()).toEqual([]);
    p.now = 12_000;
    p.send({ type: 'path.changed', path: 'tcp' });
    expect(p.state).toBe('Established');
    expect(p.ctx.path).toBe('tcp');
    expect(p.take()).toEqual([{ type: 'notify.path', path: 'tcp' }, { type: 'dht.search', dhtKey: KEY }]);
    expect(p.mode).toBe('Handshaking');
  });

  it('online directly over UDP: notify.online says udp, the address is confirmed, and the connect task rests', () => {
    const p = new Pair();
    p.send({ type: 'packet.handshake', dhtKey: KEY, address: ADDR });
    p.now = 50;
    p.send({ type: 'packet.session', via: 'udp' });
    expect(p.ctx).toMatchObject({ path: 'udp', address: { value: ADDR, source: 'sessionPacket', confirmedAt: 50 } });
    expect(p.take()).toContainEqual({ type: 'notify.online', path: 'udp' });
    expect(friendFacts(p.session as FriendSessionSnapshot)).toMatchObject({ established: true, direct: true });
    expect(p.mode).toBe('Idle');
  });

  it('only a direct packet confirms the address: a cookie, a data packet or an ALIVE through a relay does not', () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    p.send({ type: 'address.learned', address: ADDR, source: 'dhtKeyPacket' });
    p.now = 100;
    p.send({ type: 'packet.cookieResponse', via: 'tcp' });
    expect(p.ctx.address).toMatchObject({ source: 'dhtKeyPacket', confirmedAt: 0 });
    p.send({ type: 'packet.handshake', dhtKey: KEY, address: null });
    p.send({ type: 'packet.session', via: 'tcp' });
    expect(p.ctx.address).toMatchObject({ source: 'dhtKeyPacket', confirmedAt: 0 });
    p.now = 5_000;
    p.send({ type: 'packet.alive', via: 'tcp' });
    expect(p.ctx.address).toMatchObject({ source: 'dhtKeyPacket', confirmedAt: 0 });
    expect(p.ctx.aliveDeadline).toBe(37_000);
    p.now = 6_000;
    p.send({ type: 'packet.alive', via: 'udp' });
    expect(p.ctx.address).toMatchObject({ source: 'sessionPacket', confirmedAt: 6_000 });
    expect(p.ctx.aliveDeadline).toBe(38_000);
    // A direct cookie does confirm it.
    const q = new Pair();
    q.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    q.send({ type: 'address.learned', address: ADDR, source: 'dhtKeyPacket' });
    q.now = 100;
    q.send({ type: 'packet.cookieResponse', via: 'udp' });
    expect(q.ctx.address).toMatchObject({ source: 'dhtKeyPacket', confirmedAt: 100 });
  });

  it('a handshake through a relay keeps the address held (and answers there), but drops a claim', () => {
    const p = new Pair();
    p.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    p.send({ type: 'address.learned', address: ADDR, source: 'dhtKeyPacket' });
    p.send({ type: 'packet.cookieResponse', via: 'udp' });
    expect(p.state).toBe('AwaitingHandshake');
    const held = p.ctx.address;
    p.take();
    p.now = 300;
    p.send({ type: 'packet.handshake', dhtKey: KEY, address: null });
    expect(p.state).toBe('AwaitingSessionPacket');
    expect(p.ctx.address).toEqual(held);
    expect(p.take()).toEqual([{ type: 'send.confirm', address: ADDR }]);
    // Inbound while acquiring a cookie: the same.
    const q = new Pair();
    q.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    q.send({ type: 'address.learned', address: ADDR, source: 'dhtKeyPacket' });
    q.take();
    q.send({ type: 'packet.handshake', dhtKey: KEY, address: null });
    expect(q.state).toBe('AwaitingSessionPacket');
    expect(q.ctx.address).toMatchObject({ value: ADDR, source: 'dhtKeyPacket' });
    expect(q.take().slice(0, 2)).toEqual([
      { type: 'send.handshake', dhtKey: KEY, address: ADDR, attempt: 1 },
      { type: 'send.confirm', address: ADDR },
    ]);
    // With only a claim held, the claim goes: it is never a handshake's destination.
    const r = new Pair();
    r.send({ type: 'dhtKey.learned', dhtKey: KEY, source: 'onion' });
    r.send({ type: 'address.learned', address: CLAIM, source: 'dhtSearch' });
    r.take();
    r.send({ type: 'packet.handshake', dhtKey: KEY, address: null });
    expect(r.state).toBe('AwaitingSessionPacket');
    expect(r.ctx.address).toBeNull();
    expect(r.take().slice(0, 2)).toEqual([
      { type: 'send.handshake', dhtKey: KEY, address: null, attempt: 1 },
      { type: 'send.confirm', address: null },
    ]);
  });

  it('a restart through a relay while established: the old session is killed, the address kept, the path cleared', () => {
    const p = new Pair();
    p.send({ type: 'packet.handshake', dhtKey: KEY, address: ADDR });
    p.send({ type: 'packet.session', via: 'udp' });
    p.take();
    p.now = 1_000;
    p.send({ type: 'packet.handshake', dhtKey: KEY2, address: null });
    expect(p.state).toBe('AwaitingSessionPacket');
    expect(p.ctx).toMatchObject({ path: null, aliveDeadline: null, address: { value: ADDR } });
    expect(p.ctx.dhtKey).toMatchObject({ value: KEY2, source: 'handshake' });
    expect(p.take().slice(0, 4)).toEqual([
      { type: 'session.close', sendKill: true, reason: 'friend has a new DHT key (restart)' },
      { type: 'notify.offline', reason: 'friend has a new DHT key (restart)' },
      { type: 'send.handshake', dhtKey: KEY2, address: ADDR, attempt: 1 },
      { type: 'send.confirm', address: ADDR },
    ]);
  });

  it('a session on a relay that is killed or times out: offline, its path cleared', () => {
    const p = onRelay();
    p.now = 1_000;
    p.send({ type: 'packet.kill' });
    expect(p.state).toBe('AcquiringCookie');
    expect(p.ctx).toMatchObject({ path: null, address: null, tries: 1 });
    expect(p.take()).toContainEqual({ type: 'send.cookieRequest', dhtKey: KEY, address: null, attempt: 1 });
    const q = onRelay();
    q.advanceTo(32_000);
    expect(q.state).toBe('AcquiringIPAddress');
    expect(q.ctx.path).toBeNull();
  });

  it('route reports are remembered in every state, and change nothing else', () => {
    const p = onRelay();
    const before = p.ctx;
    p.now = 500;
    p.send({ type: 'relay.route', routed: false });
    expect(p.state).toBe('Established');
    expect(p.ctx).toEqual({ ...before, relayed: false, now: 500 });
    const q = new Pair();
    q.send({ type: 'relay.route', routed: true });
    expect(q.state).toBe('AwaitingDHTKey');
    expect(q.ctx.relayed).toBe(true);
    expect(q.take()).toEqual([]);
  });
});

describe('the connect task and a session on a relay', () => {
  const facts = (now: number, established: boolean, direct: boolean) =>
    ({ type: 'facts', now, dhtKey: KEY, dhtKeyFreshUntil: now + 122_000, addressFreshUntil: null, established, direct, policy: 'TryingToConnect' }) as const;

  it('established through a relay: keeps searching the DHT; established directly: stops', () => {
    let s = start(connect, { friendPk: FRIEND, now: 0 }).snapshot as AnyMachineSnapshot;
    let r = step(connect, s, facts(0, true, false));
    s = r.snapshot;
    expect(s.value).toBe('SearchingAddress');
    expect(r.outputs).toEqual([{ type: 'dht.search', dhtKey: KEY }]);
    expect(s.context).toMatchObject({ established: true, direct: false });
    r = step(connect, s, { type: 'tick', now: 1_000 });
    s = r.snapshot;
    expect(r.outputs).toEqual([{ type: 'dht.searchRound', dhtKey: KEY, round: 2 }]);
    r = step(connect, s, facts(2_000, true, true));
    s = r.snapshot;
    expect(s.value).toBe('Idle');
    expect(r.outputs).toEqual([{ type: 'dht.searchStop' }]);
    expect(s.context).toMatchObject({ direct: true, searchAt: null });
  });

  it('direct alone (not established) does not stop the search', () => {
    const s = start(connect, { friendPk: FRIEND, now: 0 }).snapshot as AnyMachineSnapshot;
    expect(step(connect, s, facts(0, false, true)).snapshot.value).toBe('SearchingAddress');
  });
});
