/**
 * toxstate and c-toxcore through TCP relays, on loopback, against c-toxcore 0.2.18 and 0.2.23:
 *
 * 1. toxstate (UDP on) and a c-toxcore peer with UDP off (tox_options udp_enabled false) befriend
 *    through a c-toxcore relay R, the request going either way. toxstate is told nothing about R: it
 *    learns R from the c-toxcore peer's DHT-PK (onion_client.c send_dhtpk_announce puts the
 *    connected relays first; friend_connection.c tcp_relay_node_callback is c-toxcore's side of it),
 *    so its session comes up over TCP (`friend_online` path 'tcp'), and c-toxcore reports
 *    TOX_CONNECTION_TCP. Messages both ways with receipts.
 * 3. Two c-toxcore peers with UDP off meet through a TOXSTATE relay (EngineOptions.tcpServer), which
 *    is also their onion bootstrap node (the first onion hop is the relay, TCP_server.c
 *    handle_TCP_packet TCP_PACKET_ONION_REQUEST): messages both ways; the relay's counters show the
 *    routes paired and data relayed, and it was never a party (no friend event of its own).
 *
 * Times to online are printed, never asserted. Every wait is bounded (0.2.23 pairs need ~40 s through
 * a relay, measured in tcp-ctoxcore.test.ts). Network rule: 127.0.0.1 only; the shims' drop counters
 * and toxstate's refusal counter are asserted 0. Skipped with the printed reason when c-toxcore is
 * unavailable (0.2.23: when not built under prefix0223()).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { befriendByRequest, closeAllPeers, CPeer } from '../../harness/interop/cpeer.js';
import { cTag, cVersions, type CVersion } from '../../harness/interop/c-versions.js';
import { befriendEitherWay, cStatuses, countersWith, exchange, expectedLoopbackOnly, seconds, startRelayTrio } from '../../harness/interop/tcp-relay-peers.js';
import { closeAllTPeers, TPeer } from '../../harness/interop/tpeer.js';

const versions = await cVersions();

/** Bound on every wait (0.2.23 comes online through a relay in ~40 s, 0.2.18 in ~9 s). */
const WAIT_MS = 75_000;

afterEach(async () => {
  await closeAllTPeers();
  await closeAllPeers();
});
afterAll(async () => {
  await closeAllTPeers();
  await closeAllPeers();
});

/** Scenario 1: `who` sends the request; both come online over TCP through R, messages both ways. */
async function toxstateMeetsTcpOnlyPeer(v: CVersion, who: 'toxstate' | 'c-toxcore'): Promise<void> {
  const { r, c, t, startedAt } = await startRelayTrio(v, { cOptions: { acceptAll: who === 'toxstate' }, tOptions: { acceptAll: who === 'c-toxcore' } });
  expect(c.identity).toMatchObject({ udp: false, port: 0, toxcore: v.version });
  const cPk = c.identity.pk.toLowerCase();
  const relayKey = r.identity.dhtpk.toLowerCase();
  const text = `hello from ${who} through the relay (${v.version})`;

  const { cFriend, online, cConn } = await befriendEitherWay(t, c, who, text, WAIT_MS);
  console.log(
    `scenario 1 (${v.version}, ${who} requests): toxstate online over ${online.path} ${seconds(t.seenAtMs[t.events.indexOf(online)]! - startedAt)} ` +
      `after both were started; c-toxcore reported ${cConn.status} at t=${seconds(cConn.t)} since its tox_new`,
  );
  expect(online.path).toBe('tcp');
  expect(cConn.status).toBe('tcp');
  // toxstate connected to R, which it only knew from the c-toxcore peer's DHT-PK.
  expect(t.events.some((e) => e.type === 'relay_status' && e.relay === relayKey && e.online)).toBe(true);

  await exchange(t, c, cFriend, `${v.version} ${who}`, WAIT_MS);

  // The session never left the relay and never went down; c-toxcore only ever saw it over TCP.
  expect(t.events.filter((e) => (e.type === 'friend_path' || e.type === 'friend_offline') && e.friend === cPk)).toEqual([]);
  expect(cStatuses(c, cFriend)).toEqual(['tcp']);
  expect((await c.request('friends', 'friends')).friends.map((f) => f.status)).toEqual(['tcp']);
  const tcp = countersWith(t, 'net_crypto.tcp_', 'tcp.');
  expect(tcp['net_crypto.tcp_sent'] ?? 0).toBeGreaterThan(0);
  expect(tcp['tcp.peer_online'] ?? 0).toBeGreaterThan(0);
  // R relayed and was never a party.
  expect(r.events.some((e) => e.event === 'friend_request' || e.event === 'friend_connection')).toBe(false);
  expect(await expectedLoopbackOnly([r, c], [t])).toEqual([]);
  expect(t.engine.counters.get('error.handler')).toBe(0);
}

/** Scenario 3: two TCP-only c-toxcore peers through a toxstate relay. */
async function throughToxstateRelay(v: CVersion): Promise<void> {
  const relay = await TPeer.start({ label: 'toxstate relay', name: 'relay', tcpServer: true });
  const viaT = { ...v.extra, udpOff: true, tcpRelays: [{ port: relay.tcpRelay.port, pk: relay.tcpRelay.dhtpk.toUpperCase() }], bootstrap: [relay.asBootstrap] };
  const started = performance.now();
  const [a, b] = await Promise.all([
    CPeer.start({ label: `A-${v.version}`, name: 'A', ...viaT }),
    CPeer.start({ label: `B-${v.version}`, name: 'B', acceptAll: true, ...viaT }),
  ]);
  for (const p of [a, b]) expect(p.identity).toMatchObject({ udp: false, port: 0, toxcore: v.version });

  const link = await befriendByRequest(a, b, `hello through a toxstate relay (${v.version})`, WAIT_MS, 'tcp');
  console.log(
    `scenario 3 (${v.version}): A and B (UDP off) online through the toxstate relay ${seconds(performance.now() - started)} after they were started ` +
      `(A at t=${seconds(link.fromOnlineT)}, B at t=${seconds(link.toOnlineT)} since their own tox_new)`,
  );
  const m1 = await a.sendMessage(link.fromFriend, 'A to B via toxstate');
  expect((await b.waitForEvent('message', (e) => e.text === 'A to B via toxstate', WAIT_MS)).pk).toBe(a.identity.pk);
  await a.waitForEvent('receipt', (e) => e.id === m1 && e.friend === link.fromFriend, WAIT_MS);
  const m2 = await b.sendMessage(link.toFriend, 'B to A via toxstate');
  expect((await a.waitForEvent('message', (e) => e.text === 'B to A via toxstate', WAIT_MS)).pk).toBe(b.identity.pk);
  await b.waitForEvent('receipt', (e) => e.id === m2 && e.friend === link.toFriend, WAIT_MS);

  for (const p of [a, b]) {
    expect(cStatuses(p, p === a ? link.fromFriend : link.toFriend)).toEqual(['tcp']);
  }
  const counters = countersWith(relay, 'tcp_server.');
  console.log(`scenario 3 (${v.version}): toxstate relay counters ${JSON.stringify(counters)}`);
  // Both clients confirmed, each asked for a route to the other, the routes were paired and data crossed them.
  expect(counters['tcp_server.confirmed'] ?? 0).toBeGreaterThanOrEqual(2);
  expect(Object.entries(counters).filter(([k]) => k.startsWith('tcp_server.route_')).reduce((n, [, x]) => n + x, 0)).toBeGreaterThanOrEqual(2);
  // Each message and its receipt crossed the paired route at least once.
  expect(counters['tcp_server.data_relayed'] ?? 0).toBeGreaterThanOrEqual(4);
  // The onion reached the DHT through the relay as first hop (how A's request found B).
  expect(counters['tcp_server.onion_responses'] ?? 0).toBeGreaterThan(0);
  // The relay was never a party.
  expect(relay.events.filter((e) => e.type.startsWith('friend_'))).toEqual([]);
  expect([...relay.engine.friends.all()]).toEqual([]);
  expect(relay.engine.counters.get('error.handler')).toBe(0);
  expect(await expectedLoopbackOnly([a, b], [relay])).toEqual([]);
}

for (const v of versions) {
  describe.skipIf(!v.available)(`toxstate ↔ c-toxcore through TCP relays ${cTag(v)}`, () => {
    it(`1a: toxstate (UDP on) requests a UDP-off c-toxcore ${v.version} peer; online over a c-toxcore relay it learned from the DHT-PK, messages both ways`, async () => {
      await toxstateMeetsTcpOnlyPeer(v, 'toxstate');
    }, 200_000);

    it(`1b: a UDP-off c-toxcore ${v.version} peer requests toxstate (UDP on); online over the c-toxcore relay, messages both ways`, async () => {
      await toxstateMeetsTcpOnlyPeer(v, 'c-toxcore');
    }, 200_000);

    it(`3: two UDP-off c-toxcore ${v.version} peers befriend through a toxstate relay, which relays and is never a party`, async () => {
      await throughToxstateRelay(v);
    }, 200_000);
  });
}
