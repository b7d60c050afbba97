/**
 * TCP-only toxstate (`udpOff`: no UDP socket, EngineOptions.udp false) against c-toxcore 0.2.18 and
 * 0.2.23, on loopback. toxstate's onion runs through its relay (docs/protocol.md §14.7: paths whose
 * first hop is the relay, onion_client.c random_nodes_path_onion; the bootstrap node is only an
 * onion path node, tox.c tox_bootstrap with UDP off), so it announces itself, finds its friend and
 * sends its DHT-PK and friend request without the DHT ever connecting.
 *
 * (a) toxstate (UDP off) and a c-toxcore peer C (UDP off) both use a c-toxcore relay R (UDP on,
 *     tox_options tcp_port) as relay and bootstrap node: the request goes either way, both come
 *     online over TCP (`friend_online` path 'tcp', TOX_CONNECTION_TCP), messages cross both ways
 *     with receipts.
 * (b) the same through a toxstate relay (TPeer `tcpServer`) instead of R.
 *
 * Each time: toxstate sent no datagram (`tx.datagrams` 0, its node has no UDP socket: port 0), every
 * TCP connection in this process goes to the relay's port (or, in (b), is one the toxstate relay
 * accepted), and its onion went through the relay. Times to online are printed, never asserted;
 * every wait is bounded. Network rule: 127.0.0.1 only (the shims' drop counters and toxstate's
 * refusals asserted 0). Skipped with the printed reason when c-toxcore is unavailable (0.2.23: when
 * not built under prefix0223()); TOXSTATE_REQUIRE_INTEROP makes a missing 0.2.18 fail.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeAllPeers, CPeer, startTcpRelay, tcpRelayOf } from '../../harness/interop/cpeer.js';
import { TCP_ESTABLISHED, tcpSocketsOfPid } from '../../harness/interop/proc-tcp.js';
import { cTag, cVersions, type CVersion } from '../../harness/interop/c-versions.js';
import { befriendEitherWay, cStatuses, countersWith, exchange, expectedLoopbackOnly, seconds } from '../../harness/interop/tcp-relay-peers.js';
import { closeAllTPeers, TPeer, type LoopbackNode } from '../../harness/interop/tpeer.js';

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

/** The relay both use: a c-toxcore one (R) or a toxstate one, with its TCP port, key and UDP bootstrap node. */
interface Relay {
  readonly tcp: LoopbackNode;
  readonly bootstrap: LoopbackNode;
  readonly c: CPeer | null;
  readonly t: TPeer | null;
}

async function startRelay(v: CVersion, kind: 'c-toxcore' | 'toxstate'): Promise<Relay> {
  if (kind === 'toxstate') {
    const t = await TPeer.start({ label: 'toxstate relay', name: 'relay', tcpServer: true });
    return { tcp: t.tcpRelay, bootstrap: t.asBootstrap, c: null, t };
  }
  const c = await startTcpRelay({ label: `R-${v.version}`, name: 'relay', ...v.extra });
  expect(c.identity.toxcore).toBe(v.version);
  const r = tcpRelayOf(c);
  return { tcp: { port: r.port, dhtpk: r.pk }, bootstrap: { port: c.identity.port, dhtpk: c.identity.dhtpk }, c, t: null };
}

/** Every established TCP socket of this process goes to the relay's port, or (a toxstate relay here) was accepted there. */
async function expectOnlyRelayConnections(relay: Relay): Promise<void> {
  const established = (await tcpSocketsOfPid(process.pid)).filter((s) => s.state === TCP_ESTABLISHED);
  const ours = established.filter((s) => s.remotePort === relay.tcp.port);
  expect(ours.length).toBeGreaterThan(0);
  const accepted = relay.t !== null ? established.filter((s) => s.port === relay.tcp.port) : [];
  expect(established.length).toBe(ours.length + accepted.length);
}

async function udpOffPair(v: CVersion, relayKind: 'c-toxcore' | 'toxstate', who: 'toxstate' | 'c-toxcore'): Promise<void> {
  const relay = await startRelay(v, relayKind);
  const started = performance.now();
  const [c, t] = await Promise.all([
    CPeer.start({
      label: `C-${v.version}`,
      name: 'c-toxcore',
      ...v.extra,
      udpOff: true,
      tcpRelays: [{ port: relay.tcp.port, pk: relay.tcp.dhtpk.toUpperCase() }],
      bootstrap: [relay.bootstrap],
      acceptAll: who === 'toxstate',
    }),
    TPeer.start({ label: 'toxstate', name: 'toxstate', udpOff: true, tcpRelays: [relay.tcp], bootstrap: [relay.bootstrap], acceptAll: who === 'c-toxcore' }),
  ]);
  expect(c.identity).toMatchObject({ udp: false, port: 0, toxcore: v.version });
  expect(t.port).toBe(0); // no UDP socket at all
  const cPk = c.identity.pk.toLowerCase();
  const text = `hello from ${who}, UDP off, through a ${relayKind} relay (${v.version})`;

  const { cFriend, online, cConn } = await befriendEitherWay(t, c, who, text, WAIT_MS);
  console.log(
    `UDP off (${v.version}, ${relayKind} relay, ${who} requests): toxstate online over ${online.path} ${seconds(t.seenAtMs[t.events.indexOf(online)]! - started)} ` +
      `after both were started; c-toxcore reported ${cConn.status} at t=${seconds(cConn.t)} since its tox_new`,
  );
  expect(online.path).toBe('tcp');
  expect(cConn.status).toBe('tcp');

  await exchange(t, c, cFriend, `${v.version} ${relayKind} ${who}`, WAIT_MS);
  expect(t.events.filter((e) => (e.type === 'friend_path' || e.type === 'friend_offline') && e.friend === cPk)).toEqual([]);
  expect(cStatuses(c, cFriend)).toEqual(['tcp']);

  // toxstate sent no datagram, announced itself through the relay, and every TCP connection goes to the relay.
  const e = t.engine;
  expect(e.counters.get('tx.datagrams')).toBe(0);
  expect(e.dht.goodNodes()).toEqual([]);
  expect(t.events.some((x) => x.type === 'announced')).toBe(true);
  const onion = countersWith(t, 'onion.path_built', 'onion.tcp_');
  console.log(`UDP off (${v.version}, ${relayKind} relay): toxstate onion counters ${JSON.stringify(onion)}`);
  expect(onion['onion.path_built_tcp'] ?? 0).toBeGreaterThan(0);
  expect(onion['onion.path_built']).toBe(onion['onion.path_built_tcp']);
  expect(onion['onion.tcp_responses'] ?? 0).toBeGreaterThan(0);
  expect(e.tcp.client.connectedRelays(8).map((r) => r.ipPort.port)).toEqual([relay.tcp.port]);
  await expectOnlyRelayConnections(relay);
  if (relay.t !== null) {
    // The toxstate relay was their first onion hop and never a party.
    expect(relay.t.engine.counters.get('onion.relayed_request_tcp')).toBeGreaterThan(0);
    expect(relay.t.events.filter((x) => x.type.startsWith('friend_'))).toEqual([]);
    expect(relay.t.engine.counters.get('error.handler')).toBe(0);
  }
  if (relay.c !== null) expect(relay.c.events.some((x) => x.event === 'friend_request' || x.event === 'friend_connection')).toBe(false);
  expect(await expectedLoopbackOnly(relay.c ? [relay.c, c] : [c], relay.t ? [relay.t, t] : [t])).toEqual([]);
  expect(e.counters.get('error.handler')).toBe(0);
}

for (const v of versions) {
  describe.skipIf(!v.available)(`TCP-only toxstate ↔ c-toxcore ${cTag(v)}`, () => {
    it(`a1: toxstate (UDP off) requests a UDP-off c-toxcore ${v.version} peer through a c-toxcore relay; online over tcp, messages both ways`, async () => {
      await udpOffPair(v, 'c-toxcore', 'toxstate');
    }, 200_000);

    it(`a2: a UDP-off c-toxcore ${v.version} peer requests toxstate (UDP off) through a c-toxcore relay; online over tcp, messages both ways`, async () => {
      await udpOffPair(v, 'c-toxcore', 'c-toxcore');
    }, 200_000);

    it(`b1: toxstate (UDP off) requests a UDP-off c-toxcore ${v.version} peer through a toxstate relay; online over tcp, messages both ways`, async () => {
      await udpOffPair(v, 'toxstate', 'toxstate');
    }, 200_000);

    it(`b2: a UDP-off c-toxcore ${v.version} peer requests toxstate (UDP off) through a toxstate relay; online over tcp, messages both ways`, async () => {
      await udpOffPair(v, 'toxstate', 'c-toxcore');
    }, 200_000);
  });
}
