/**
 * The engine's two route tables, each route checked against the rule it carries out (c-toxcore
 * behaviour where it applies), with recording targets instead of real layers: what a machine
 * output makes a layer do (runtime/routes.ts), and what a layer fact makes the machines hear
 * (runtime/fact-routes.ts) — including the decisions that depend on a task's state.
 */
import { describe, expect, it } from 'vitest';
import { actorKeys } from '../../runtime/actor-keys.js';
import { FACT_ROUTES, routeFact, type FactTarget } from '../../runtime/fact-routes.js';
import type { Friend } from '../../runtime/friends.js';
import { OUTPUT_LAYER, OUTPUT_ROUTES, routeOutput, type RouteTarget } from '../../runtime/routes.js';

const SELF = 'aa'.repeat(32);
const FRIEND_HEX = 'bb'.repeat(32);

function friend(over: Partial<Friend> = {}): Friend {
  return {
    pk: new Uint8Array(32).fill(0xbb),
    pkHex: FRIEND_HEX,
    status: 'confirmed',
    requestMessage: '',
    requestNospam: new Uint8Array(4),
    name: '',
    statusMessage: '',
    userStatus: 0,
    lastSeen: 0n,
    lastNoReplay: 0n,
    policy: 'TryingToConnect',
    ...over,
  };
}

/** A route target that records every call as `layer.method(args)`. */
function recordingTarget(returns: Record<string, unknown> = {}): RouteTarget & { calls: string[] } {
  const calls: string[] = [];
  const layer = (name: string) =>
    new Proxy(
      {},
      {
        get: (_t, method: string) =>
          (...args: unknown[]) => {
            calls.push(`${name}.${method}(${args.map((a) => (typeof a === 'object' && a && 'pkHex' in a ? 'friend' : String(a))).join(', ')})`);
            return returns[`${name}.${method}`];
          },
      },
    );
  return {
    calls,
    now: 1234,
    dht: layer('dht') as RouteTarget['dht'],
    onion: layer('onion') as RouteTarget['onion'],
    netCrypto: layer('netCrypto') as RouteTarget['netCrypto'],
    messenger: layer('messenger') as RouteTarget['messenger'],
    tcp: layer('tcp') as RouteTarget['tcp'],
    app: (e) => calls.push(`app.${e.type}`),
    count: (n, by) => calls.push(`count(${n}, ${by ?? 1})`),
    removeActor: (k) => calls.push(`removeActor(${k})`),
  };
}

describe('the output router (runtime/routes.ts)', () => {
  it('names a layer for every route, and OUTPUT_LAYER is derived from it', () => {
    for (const [type, r] of Object.entries(OUTPUT_ROUTES)) expect(OUTPUT_LAYER[type]).toBe(r.layer);
  });

  it('session outputs go to net_crypto with the session’s DHT key and address', () => {
    const t = recordingTarget();
    routeOutput(t, { type: 'send.cookieRequest', dhtKey: 'k', address: '127.0.0.1:1', attempt: 1 } as never, friend(), 'session:x', 'friendSession');
    routeOutput(t, { type: 'session.close', sendKill: true, reason: 'timeout' } as never, friend(), 'session:x', 'friendSession');
    expect(t.calls).toEqual(['netCrypto.sendCookieRequest(friend, k, 127.0.0.1:1)', 'netCrypto.close(friend, true, timeout)']);
  });

  it('relay outputs go to the TCP client, naming the relay by the actor key', () => {
    const t = recordingTarget();
    routeOutput(t, { type: 'tcp.open', address: '127.0.0.1:1', relayPk: 'r' } as never, undefined, 'relay:r', 'tcpRelay');
    routeOutput(t, { type: 'tcp.ping' } as never, undefined, 'relay:r', 'tcpRelay');
    routeOutput(t, { type: 'notify.relayOffline', reason: 'timeout' } as never, undefined, 'relay:r', 'tcpRelay');
    expect(t.calls).toEqual(['tcp.open(relay:r)', 'tcp.ping(relay:r)', 'tcp.relayOffline(relay:r, timeout)']);
  });

  it('online and path changes reach the application with the session path', () => {
    const t = recordingTarget();
    routeOutput(t, { type: 'notify.online', path: 'tcp' } as never, friend(), 'session:x', 'friendSession');
    routeOutput(t, { type: 'notify.path', path: 'udp' } as never, friend(), 'session:x', 'friendSession');
    expect(t.calls).toEqual(['messenger.onOnline(friend)', 'app.friend_online', 'app.friend_path']);
  });

  it('going offline tells the messenger, resets the DHT-PK no_replay (c-toxcore accepts any no_replay again after offline) and reports friend_offline', () => {
    const t = recordingTarget();
    const f = friend({ lastNoReplay: 1_700_000_000n });
    routeOutput(t, { type: 'notify.offline', reason: 'timeout' } as never, f, 'session:x', 'friendSession');
    expect(f.lastNoReplay).toBe(0n);
    expect(t.calls).toEqual(['messenger.onOffline(friend)', 'app.friend_offline']);
  });

  it('a friend request sent through at least one node marks the friend requested; an accepted one ends its task', () => {
    const t = recordingTarget({ 'onion.sendFriendRequest': 2 });
    const f = friend({ status: 'added', requestMessage: 'hi' });
    routeOutput(t, { type: 'onion.sendFriendRequest', round: 1 } as never, f, 'request:a:b', 'friendRequest');
    expect(f.status).toBe('requested');
    routeOutput(t, { type: 'notify.requestAccepted' } as never, f, 'request:a:b', 'friendRequest');
    expect(f.status).toBe('confirmed');
    expect(f.requestMessage).toBe('');
    expect(t.calls).toEqual(['onion.sendFriendRequest(friend, 0,0,0,0, hi)', 'count(friend_request.copies_sent, 2)', 'app.profile_changed', 'removeActor(request:a:b)', 'app.profile_changed']);
  });

  it('a request that reached no node leaves the friend added', () => {
    const t = recordingTarget({ 'onion.sendFriendRequest': 0 });
    const f = friend({ status: 'added' });
    routeOutput(t, { type: 'onion.sendFriendRequest', round: 1 } as never, f, 'request:a:b', 'friendRequest');
    expect(f.status).toBe('added');
  });

  it('friend outputs of a removed friend do nothing; an output no route names is counted, never thrown', () => {
    const t = recordingTarget();
    routeOutput(t, { type: 'send.handshake' } as never, undefined, 'session:x', 'friendSession');
    routeOutput(t, { type: 'made.up' }, friend(), 'session:x', 'friendSession');
    expect(t.calls).toEqual(['count(error.unrouted_output.friendSession.made.up, 1)']);
  });
});

/** A fact target whose actors are in the given states; records what it is asked to do. */
function factTarget(states: Record<string, unknown>): FactTarget & { calls: string[] } {
  const calls: string[] = [];
  const rec = (name: string) => (...args: unknown[]) => void calls.push(`${name}(${args.map((a) => (typeof a === 'object' && a && 'type' in a ? (a as { type: string }).type : typeof a === 'object' && a && 'pkHex' in a ? 'friend' : String(a))).join(', ')})`);
  return {
    calls,
    now: 5,
    selfHex: SELF,
    friends: { get: (hex) => (hex === FRIEND_HEX ? friend() : undefined) },
    messenger: { receiveFriendRequest: rec('receiveFriendRequest'), onSessionClosed: rec('onSessionClosed'), handleLossless: rec('handleLossless'), onPeerAck: rec('onPeerAck') },
    onion: { friendAnnouncedHere: rec('friendAnnouncedHere') },
    deliver: rec('deliver'),
    deliverToSession: rec('deliverToSession'),
    stateOf: (key) => states[key],
    friendSearchChanged: rec('friendSearchChanged'),
    dhtAddressFound: rec('dhtAddressFound'),
    dhtKeyAtFriendAddress: rec('dhtKeyAtFriendAddress'),
    onDhtConnected: rec('onDhtConnected'),
    onDhtPk: rec('onDhtPk'),
    netCrypto: { lastVia: () => 'tcp' },
    tcp: { onFact: rec('tcp.onFact') },
  };
}

const TOXID = actorKeys.announce('ipv4', SELF);
const TOX6ID = actorKeys.announce('ipv6', SELF);
const DHTKEY = actorKeys.dhtkey(SELF, FRIEND_HEX);

describe('the fact router (runtime/fact-routes.ts)', () => {
  it('an announce answer: a fresh ping_id re-announces; stored while Announcing announces; otherwise a plain response', () => {
    const fresh = factTarget({ [TOXID]: 'Announcing' });
    routeFact(fresh, { type: 'onion.announceAnswered', family: 'ipv4', node: 'n', freshPingId: true, stored: true });
    expect(fresh.calls).toEqual([`deliver(${TOXID}, announce.pingId)`]);
    const stored = factTarget({ [TOXID]: 'Announcing' });
    routeFact(stored, { type: 'onion.announceAnswered', family: 'ipv4', node: 'n', freshPingId: false, stored: true });
    expect(stored.calls).toEqual([`deliver(${TOXID}, announce.stored)`]);
    const already = factTarget({ [TOXID]: 'Announced' });
    routeFact(already, { type: 'onion.announceAnswered', family: 'ipv4', node: 'n', freshPingId: false, stored: true });
    expect(already.calls).toEqual([`deliver(${TOXID}, announce.response)`]);
  });

  it('no node storing us any more: announce.unstored while Announced or Stable, nothing while still Announcing', () => {
    for (const [state, expected] of [['Announced', 1], ['Stable', 1], ['Announcing', 0]] as const) {
      const t = factTarget({ [TOXID]: state });
      routeFact(t, { type: 'onion.selfStored', family: 'ipv4', nodes: 0 });
      expect(t.calls, state).toEqual(expected ? [`deliver(${TOXID}, announce.unstored)`] : []);
    }
    const some = factTarget({ [TOXID]: 'Stable' });
    routeFact(some, { type: 'onion.selfStored', family: 'ipv4', nodes: 2 });
    expect(some.calls).toEqual([]);
  });

  it('announce facts go to the task of their family: tox4id: for the IPv4 list, tox6id: for the IPv6 list', () => {
    const six = factTarget({ [TOXID]: 'Announcing', [TOX6ID]: 'Announcing' });
    routeFact(six, { type: 'onion.announceAnswered', family: 'ipv6', node: 'n', freshPingId: false, stored: true });
    expect(six.calls).toEqual([`deliver(${TOX6ID}, announce.stored)`]);
    const v6Only = factTarget({ [TOX6ID]: 'Stable' });
    routeFact(v6Only, { type: 'onion.selfStored', family: 'ipv4', nodes: 0 });
    expect(v6Only.calls).toEqual([]);
    routeFact(v6Only, { type: 'onion.selfStored', family: 'ipv6', nodes: 0 });
    expect(v6Only.calls).toEqual([`deliver(${TOX6ID}, announce.unstored)`]);
    const some = factTarget({ [TOX6ID]: 'Stable' });
    routeFact(some, { type: 'onion.selfStored', family: 'ipv6', nodes: 2 });
    expect(some.calls).toEqual([]);
  });

  it('friend reachability: a change goes to the tasks; otherwise a dhtkey task that missed it is brought in line', () => {
    const changed = factTarget({});
    routeFact(changed, { type: 'onion.friendReachability', friend: friend(), found: true, changed: true });
    expect(changed.calls).toEqual([`friendSearchChanged(${FRIEND_HEX}, true)`]);
    const missed = factTarget({ [DHTKEY]: { Active: 'Searching' } });
    routeFact(missed, { type: 'onion.friendReachability', friend: friend(), found: true, changed: false });
    expect(missed.calls).toEqual([`deliver(${DHTKEY}, search.found)`]);
    const lost = factTarget({ [DHTKEY]: { Active: 'Sharing' } });
    routeFact(lost, { type: 'onion.friendReachability', friend: friend(), found: false, changed: false });
    expect(lost.calls).toEqual([`deliver(${DHTKEY}, search.lost)`]);
    const inLine = factTarget({ [DHTKEY]: 'Idle' });
    routeFact(inLine, { type: 'onion.friendReachability', friend: friend(), found: true, changed: false });
    expect(inLine.calls).toEqual([]);
  });

  it('net_crypto packets become the session’s events; sessions and payloads go to the messenger', () => {
    const t = factTarget({});
    routeFact(t, { type: 'net_crypto.cookieReceived', friend: friend(), via: 'udp' });
    routeFact(t, { type: 'net_crypto.handshakeReceived', friend: friend(), dhtKey: 'k', address: 'a' });
    routeFact(t, { type: 'net_crypto.sessionConfirmed', friend: friend(), via: 'udp' });
    routeFact(t, { type: 'net_crypto.killReceived', friend: friend() });
    routeFact(t, { type: 'net_crypto.sessionClosed', friend: friend() });
    routeFact(t, { type: 'messenger.alive', friend: friend() });
    expect(t.calls).toEqual([
      `deliverToSession(${FRIEND_HEX}, packet.cookieResponse)`,
      `deliverToSession(${FRIEND_HEX}, packet.handshake)`,
      `deliverToSession(${FRIEND_HEX}, packet.session)`,
      `deliverToSession(${FRIEND_HEX}, packet.kill)`,
      'onSessionClosed(friend)',
      `deliverToSession(${FRIEND_HEX}, packet.alive)`,
    ]);
  });

  it('a DHT-routed DHT-PK counts only from a friend', () => {
    const t = factTarget({});
    routeFact(t, { type: 'dht.dhtPkReceived', friendPk: 'cc'.repeat(32), dhtPk: {} as never });
    routeFact(t, { type: 'dht.dhtPkReceived', friendPk: FRIEND_HEX, dhtPk: {} as never });
    expect(t.calls).toEqual(['onDhtPk(friend, [object Object], dhtRoute)']);
  });

  it('every fact type has a route', () => {
    expect(Object.keys(FACT_ROUTES).sort()).toEqual(
      [
        'announce.friendSighted', 'dht.addressFound', 'dht.connected', 'dht.dhtPkReceived', 'dht.keyAtFriendAddress', 'messenger.alive',
        'net_crypto.cookieReceived', 'net_crypto.handshakeReceived', 'net_crypto.killReceived', 'net_crypto.lossless',
        'net_crypto.pathChanged', 'net_crypto.peerAck', 'net_crypto.sessionClosed', 'net_crypto.sessionConfirmed',
        'tcp.onionResponse', 'tcp.packet', 'tcp.relayAdded', 'tcp.relayEvent', 'tcp.relayStatus', 'tcp.routeChanged',
        'onion.announceAnswered', 'onion.dhtPkReceived', 'onion.friendReachability', 'onion.friendRequestReceived', 'onion.selfStored',
      ].sort(),
    );
  });
});
