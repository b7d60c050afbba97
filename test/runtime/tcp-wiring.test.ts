/**
 * The engine's side of the relay client (runtime/tcp/wiring.ts) keeps a session's `relayed` true
 * to the DHT key it holds: after a step whose session believes a relay reaches the friend while
 * none reaches its current key (a new DHT key), the session is told `relay.route` false; a session
 * searching for an address whose key is routed is told true; nothing is said when they agree.
 */
import { describe, expect, it } from 'vitest';
import type { FriendSessionSnapshot } from '../../machines/index.js';
import type { TcpClient } from '../../runtime/tcp/client.js';
import { TcpWiring, type TcpEngineSide } from '../../runtime/tcp/wiring.js';

function rig(routedKeys: readonly string[]) {
  const told: unknown[] = [];
  const engine = { now: 7, friendsWithDhtKey: () => [], deliverToSession: (_f: string, e: unknown) => told.push(e) } as unknown as TcpEngineSide;
  const client = { isRouted: (k: string) => routedKeys.includes(k), dropPeer: () => undefined, directChanged: () => undefined } as unknown as TcpClient;
  return { told, wiring: new TcpWiring(engine, client) };
}

const session = (value: string, key: string, relayed: boolean) =>
  ({ value, context: { friendPk: 'f', dhtKey: { value: key }, relayed, path: null } }) as unknown as FriendSessionSnapshot;

describe('TcpWiring.afterSessionStep', () => {
  it('tells a session that still believes in a relay route for its old key that none reaches its new key', () => {
    const { told, wiring } = rig(['old']);
    wiring.afterSessionStep(session('AcquiringCookie', 'new', true), 'old');
    expect(told).toEqual([{ type: 'relay.route', now: 7, routed: false }]);
  });

  it('tells a searching session its key is routed, and says nothing when session and client agree', () => {
    const { told, wiring } = rig(['k']);
    wiring.afterSessionStep(session('AcquiringIPAddress', 'k', false), 'k');
    expect(told).toEqual([{ type: 'relay.route', now: 7, routed: true }]);
    told.length = 0;
    wiring.afterSessionStep(session('AcquiringCookie', 'k', true), 'k');
    wiring.afterSessionStep(session('AcquiringCookie', 'other', false), 'k');
    expect(told).toEqual([]);
  });
});
